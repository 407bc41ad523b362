package dev.jaio.internal.engine;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.provider.Engines;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link EventLoop#executeAll}: a batch keeps its order, more ops than slots wait their turn, and a closed loop rejects all. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventLoopBatchTest {

    private static final class Read extends IoOp<Void> {
        final int id;
        final List<Integer> done;
        final CountDownLatch latch;
        volatile long result = Long.MIN_VALUE;
        volatile IOException rejected;

        Read(int id, int fd, MemorySegment buf, List<Integer> done, CountDownLatch latch) {
            super(READ, fd, buf, null, (long) id * 16, 0);
            this.id = id;
            this.done = done;
            this.latch = latch;
        }

        @Override
        protected void onResult(long r) {
            result = r;
            done.add(id);
            latch.countDown();
        }

        @Override
        protected void onRejected(IOException cause) {
            rejected = cause;
            latch.countDown();
        }
    }

    @Test
    void aBatchRunsInOrderAndWaitsForSlots(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("batch.dat");
        byte[] data = new byte[300 * 16];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i / 16);
        }
        Files.write(file, data);
        // One worker thread: requests finish in the order the loop hands them over.
        EventLoop loop = new EventLoop(Engines.byName("threads").openQueue(new QueueOptions(2, true, 1, 0)), "batch-test");
        int fd;
        try (Arena a = Arena.ofConfined()) {
            fd = (int) Libc.open(a.allocateFrom(file.toString()), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
        }
        assertTrue(fd >= 0);
        try (Arena mem = Arena.ofShared()) {
            List<Integer> done = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch latch = new CountDownLatch(300);
            List<Read> all = new ArrayList<>();
            for (int b = 0; b < 10; b++) {
                Read[] batch = new Read[30];
                for (int i = 0; i < 30; i++) {
                    batch[i] = new Read(b * 30 + i, fd, mem.allocate(16), done, latch);
                    all.add(batch[i]);
                }
                loop.executeAll(batch, 30); // 30 requests through a queue of 2 slots
            }
            assertTrue(latch.await(30, TimeUnit.SECONDS));
            for (int i = 0; i < 300; i++) {
                assertEquals(i, done.get(i), "batches keep their order, and so do consecutive batches");
                assertEquals(16, all.get(i).result);
                assertEquals((byte) i, all.get(i).buffer.get(JAVA_BYTE, 0));
            }
        } finally {
            loop.close();
            Libc.close(fd);
        }
    }

    @Test
    void aBatchAfterCloseIsRejected() throws Exception {
        EventLoop loop = new EventLoop(Engines.byName("threads").openQueue(new QueueOptions(4, true, 1, 0)), "closed-test");
        loop.close();
        List<Integer> done = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch latch = new CountDownLatch(3);
        try (Arena mem = Arena.ofShared()) {
            Read[] batch = {new Read(0, -1, mem.allocate(16), done, latch), new Read(1, -1, mem.allocate(16), done, latch),
                new Read(2, -1, mem.allocate(16), done, latch)};
            loop.executeAll(batch, 3);
            assertTrue(latch.await(10, TimeUnit.SECONDS));
            assertTrue(done.isEmpty());
            for (Read r : batch) {
                assertNotNull(r.rejected, "every op of the batch learns the loop is gone");
            }
        }
    }
}
