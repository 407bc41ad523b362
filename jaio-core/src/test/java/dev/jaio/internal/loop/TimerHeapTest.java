package dev.jaio.internal.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The loop's indexed timer heap against the JDK's PriorityQueue, removals in the middle included. */
class TimerHeapTest {

    private static ScheduledTask task(long deadline, long seq) {
        return new ScheduledTask(deadline, seq, () -> { });
    }

    @Test
    void addPollAndRemoveAgreeWithAPriorityQueue() {
        SplittableRandom r = new SplittableRandom(42);
        TimerHeap heap = new TimerHeap();
        PriorityQueue<ScheduledTask> model = new PriorityQueue<>();
        List<ScheduledTask> live = new ArrayList<>();
        long seq = 0;
        for (int step = 0; step < 200_000; step++) {
            int what = r.nextInt(10);
            if (what < 5 || live.isEmpty()) {
                // Deadlines near Long.MAX_VALUE too: nanoTime order wraps.
                ScheduledTask t = task(Long.MAX_VALUE - 500 + r.nextLong(1000), ++seq);
                heap.add(t);
                model.add(t);
                live.add(t);
            } else if (what < 8) {
                ScheduledTask t = live.remove(r.nextInt(live.size()));
                assertTrue(heap.remove(t));
                assertTrue(model.remove(t));
                assertFalse(heap.remove(t), "a second removal finds nothing");
                assertEquals(-1, t.heapIndex);
            } else {
                ScheduledTask t = heap.poll();
                assertSame(model.poll(), t);
                live.remove(t);
                assertEquals(-1, t.heapIndex);
            }
            assertEquals(model.size(), heap.size());
            assertSame(model.peek(), heap.peek());
        }
        while (!model.isEmpty()) {
            assertSame(model.poll(), heap.poll());
        }
        assertNull(heap.poll());
        assertTrue(heap.isEmpty());
    }

    @Test
    void clearLeavesEveryTimerOutOfTheHeap() {
        TimerHeap heap = new TimerHeap();
        List<ScheduledTask> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ScheduledTask t = task(i * 7 % 13, i);
            all.add(t);
            heap.add(t);
        }
        heap.clear();
        assertTrue(heap.isEmpty());
        for (ScheduledTask t : all) {
            assertEquals(-1, t.heapIndex);
            assertFalse(heap.remove(t));
        }
    }
}
