package dev.jaio.internal.linux;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Checks that a batch of calls allocates nothing once the JIT has compiled it.
 *
 * <p>Steady state is what is asserted: until C2 compiles a wrapper, the JDK's own downcall path
 * allocates a 40-byte slice of the errno capture segment per call
 * ({@code SharedUtils.checkCaptureSegment}); C2's escape analysis removes it. The batch is
 * repeated until one run allocates (almost) nothing, within a bounded number of rounds.
 */
public final class AllocationProbe {

    private static final int MAX_ROUNDS = 200;
    /** Far below one allocation per call in any batch of a few thousand calls. */
    private static final long NOISE_BYTES = 256;

    private AllocationProbe() {
    }

    public static void assertSteadyStateAllocationFree(Runnable batch) {
        assertSteadyStateAllocationFree(batch, MAX_ROUNDS);
    }

    /**
     * As {@link #assertSteadyStateAllocationFree(Runnable)}, with more rounds for a batch in which
     * some calls are rare (a wait that most rounds skip), so that the JIT reaches them later.
     */
    public static void assertSteadyStateAllocationFree(Runnable batch, int maxRounds) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "per-thread allocation counter unavailable");
        assumeTrue(!ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-Xint"),
                "interpreter only: no escape analysis");
        StringBuilder history = new StringBuilder();
        for (int round = 0; round < maxRounds; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            batch.run();
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (allocated < NOISE_BYTES) {
                return;
            }
            if (round < 20) {
                history.append(allocated).append(' ');
            }
        }
        fail("still allocating after " + maxRounds + " rounds; bytes per round: " + history + "...");
    }
}
