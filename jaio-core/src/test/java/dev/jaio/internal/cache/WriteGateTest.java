package dev.jaio.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The write gate's exclusion: a copy never overlaps a direct write or a truncate, truncates never
 * overlap each other (a truncate does not wait for direct writes, whose I/O may be long), everything queued runs once the gate opens for it, and nothing waits for
 * good. Copies come on several threads at once, direct writes hold the gate across a delay (their
 * I/O) and end on another thread, as completions do.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WriteGateTest {

    @Test
    void copiesShareTheGateAndADirectWriteWaitsForThem() {
        WriteGate gate = new WriteGate();
        List<String> ran = new ArrayList<>();
        assertTrue(gate.enterCopy(() -> ran.add("copy gate opened")));
        assertTrue(gate.enterCopy(() -> ran.add("copy gate opened")));
        gate.enterDirect(() -> ran.add("direct"));
        assertEquals(List.of(), ran, "a direct write waits for the copies in progress");
        WriteGate.Copier late = () -> ran.add("late copy");
        assertTrue(gate.enterCopy(late), "copies may still enter while the direct write only waits");
        gate.leaveCopy();
        gate.leaveCopy();
        assertEquals(List.of(), ran);
        gate.leaveCopy();
        assertEquals(List.of("direct"), ran, "the last copy out lets the direct write in");
        assertFalse(gate.enterCopy(late), "no copy while a direct write holds the gate");
        gate.leaveDirect();
        assertEquals(List.of("direct", "late copy"), ran, "the queued copy is told to enter again");
        assertTrue(gate.enterCopy(late));
        gate.leaveCopy();
        assertEquals(0, gate.copies());
        assertEquals(0, gate.queued());
    }

    @Test
    void aThreadInsideACopyCannotWaitForItself() {
        WriteGate gate = new WriteGate();
        WriteGate other = new WriteGate();
        assertTrue(gate.enterCopy(() -> { }));
        assertTrue(WriteGate.insideCopy());
        // A callback run inline by the copy that truncates, or prepares a context write: refused,
        // not a hang; of another file too (its truncate could wait for a copy waiting for this one).
        assertThrows(IllegalStateException.class, gate::lockForTruncate);
        assertThrows(IllegalStateException.class, gate::enterDirectNow);
        assertThrows(IllegalStateException.class, other::lockForTruncate);
        gate.leaveCopy();
        assertFalse(WriteGate.insideCopy());
        gate.lockForTruncate();
        gate.unlockAfterTruncate();
        other.lockForTruncate();
        other.unlockAfterTruncate();
    }

    @Test
    void directWritesGoOnBesideATruncate() throws Exception {
        WriteGate gate = new WriteGate();
        gate.lockForTruncate(); // a truncate that waits for I/O (writeback past the new end, say)
        // An IoContext owner preparing an uncached write must not wait for it: the truncate's I/O
        // may be that owner's to reap.
        Thread owner = Thread.ofPlatform().start(gate::enterDirectNow);
        owner.join(5000);
        assertFalse(owner.isAlive(), "enterDirectNow waited for a truncate");
        List<String> ran = new ArrayList<>();
        gate.enterDirect(() -> ran.add("direct"));
        assertEquals(List.of("direct"), ran);
        assertFalse(gate.enterCopy(() -> ran.add("copy")), "copies wait for the truncate");
        gate.leaveDirect();
        gate.leaveDirect();
        assertEquals(List.of("direct"), ran);
        gate.unlockAfterTruncate();
        assertEquals(List.of("direct", "copy"), ran);
    }

    @Test
    void leavingAGateNotHeldIsRefused() {
        WriteGate gate = new WriteGate();
        assertThrows(IllegalStateException.class, gate::leaveDirect);
    }

    @Test
    void aTruncateWaitsForCopiesAndHoldsLaterOnesBack() throws Exception {
        WriteGate gate = new WriteGate();
        assertTrue(gate.enterCopy(() -> { }));
        AtomicInteger reopened = new AtomicInteger();
        Thread truncate = Thread.ofPlatform().start(() -> {
            gate.lockForTruncate();
            assertFalse(gate.enterCopy(reopened::incrementAndGet));
            gate.unlockAfterTruncate();
        });
        truncate.join(200);
        assertTrue(truncate.isAlive(), "the truncate waits for the copy in progress");
        gate.leaveCopy();
        truncate.join();
        assertEquals(1, reopened.get(), "the copy held back runs once the truncate ends");
    }

    @Test
    void underLoadNothingOverlapsAndEverythingRuns() throws Exception {
        WriteGate gate = new WriteGate();
        AtomicInteger copying = new AtomicInteger();
        AtomicInteger direct = new AtomicInteger();
        AtomicInteger truncating = new AtomicInteger();
        AtomicInteger pending = new AtomicInteger();
        AtomicReference<String> violation = new AtomicReference<>();
        ScheduledExecutorService io = Executors.newScheduledThreadPool(2);
        ConcurrentLinkedQueue<Runnable> again = new ConcurrentLinkedQueue<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long seed = t;
            threads.add(Thread.ofPlatform().start(() -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                while (System.nanoTime() - deadline < 0 && violation.get() == null) {
                    Runnable r = again.poll();
                    if (r != null) {
                        r.run();
                        continue;
                    }
                    int kind = rnd.nextInt(10);
                    if (kind < 7) {
                        copy(gate, copying, direct, truncating, pending, violation, again);
                    } else if (kind < 9) {
                        pending.incrementAndGet();
                        gate.enterDirect(() -> {
                            // (A truncate does not wait for direct writes: only copies are kept from it.)
                            if (copying.get() != 0) {
                                violation.compareAndSet(null, "a direct write started during a copy");
                            }
                            direct.incrementAndGet();
                            io.schedule(() -> {
                                direct.decrementAndGet();
                                pending.decrementAndGet();
                                gate.leaveDirect();
                            }, rnd.nextInt(200), TimeUnit.MICROSECONDS);
                        });
                    } else {
                        gate.lockForTruncate();
                        if (truncating.incrementAndGet() != 1 || copying.get() != 0) {
                            violation.compareAndSet(null, "a truncate overlapped a copy or another truncate");
                        }
                        Thread.onSpinWait();
                        truncating.decrementAndGet();
                        gate.unlockAfterTruncate();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        // Drain: copies told to enter again (queued on the gate, or retried here) still run.
        long drainBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pending.get() > 0 && System.nanoTime() - drainBy < 0) {
            Runnable r = again.poll();
            if (r != null) {
                r.run();
            } else {
                Thread.sleep(1);
            }
        }
        io.shutdown();
        assertTrue(io.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(null, violation.get());
        assertEquals(0, pending.get(), "every queued copy and direct write ran");
        assertEquals(0, gate.copies());
        assertEquals(0, gate.directWrites());
        assertEquals(0, gate.queued());
    }

    private static void copy(WriteGate gate, AtomicInteger copying, AtomicInteger direct, AtomicInteger truncating,
            AtomicInteger pending, AtomicReference<String> violation, ConcurrentLinkedQueue<Runnable> again) {
        WriteGate.Copier[] self = new WriteGate.Copier[1];
        self[0] = () -> again.add(() -> {
            pending.decrementAndGet();
            copy(gate, copying, direct, truncating, pending, violation, again);
        });
        if (!gate.enterCopy(self[0])) {
            pending.incrementAndGet(); // it comes back through gateOpened
            return;
        }
        copying.incrementAndGet();
        if (direct.get() != 0 || truncating.get() != 0) {
            violation.compareAndSet(null, "a copy ran during a direct write or a truncate");
        }
        Thread.onSpinWait();
        copying.decrementAndGet();
        gate.leaveCopy();
    }
}
