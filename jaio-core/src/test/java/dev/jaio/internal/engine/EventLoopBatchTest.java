package dev.jaio.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tasks and batches on the {@link EventLoop}: order, the loop thread, and what close does to them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventLoopBatchTest {

    private static final class Task extends IoOp<Void> {
        final int id;
        final List<Integer> ran;
        final List<Thread> threads;
        final CountDownLatch done;
        volatile IOException rejected;

        Task(int id, List<Integer> ran, List<Thread> threads, CountDownLatch done) {
            super(TASK, -1, null, null, 0, 0);
            this.id = id;
            this.ran = ran;
            this.threads = threads;
            this.done = done;
        }

        @Override
        protected void onResult(long result) {
            ran.add(id);
            threads.add(Thread.currentThread());
            done.countDown();
        }

        @Override
        protected void onRejected(IOException cause) {
            rejected = cause;
            done.countDown();
        }
    }

    @Test
    void aBatchRunsInOrderOnTheLoopThreadWithoutTakingSlots() throws Exception {
        EventLoop loop = new EventLoop(Engines.byName("threads").openQueue(new QueueOptions(2, true, 1, 0)), "batch-test");
        try {
            List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch done = new CountDownLatch(300);
            for (int b = 0; b < 10; b++) {
                Task[] batch = new Task[30];
                for (int i = 0; i < 30; i++) {
                    batch[i] = new Task(b * 30 + i, ran, threads, done);
                }
                loop.executeAll(batch, 30); // 30 tasks through a queue of 2 slots: tasks take none
            }
            assertTrue(done.await(30, TimeUnit.SECONDS));
            for (int i = 0; i < 300; i++) {
                assertEquals(i, ran.get(i), "batches keep their order, and so do consecutive batches");
            }
            assertTrue(threads.stream().allMatch(t -> t.getName().equals("batch-test")));
        } finally {
            loop.close();
        }
    }

    @Test
    void aBatchAfterCloseIsRejected() throws Exception {
        EventLoop loop = new EventLoop(Engines.byName("threads").openQueue(new QueueOptions(4, true, 1, 0)), "closed-test");
        loop.close();
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(3);
        Task[] batch = {new Task(0, ran, new ArrayList<>(), done), new Task(1, ran, new ArrayList<>(), done),
            new Task(2, ran, new ArrayList<>(), done)};
        loop.executeAll(batch, 3);
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertTrue(ran.isEmpty());
        for (Task t : batch) {
            assertTrue(t.rejected != null, "every op of the batch learns the loop is gone");
        }
    }
}
