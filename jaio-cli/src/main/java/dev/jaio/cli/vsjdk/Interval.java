package dev.jaio.cli.vsjdk;

import dev.jaio.cli.aiostress.CpuTimes;

/**
 * The measured interval of one contender, as {@link #measure} found it.
 *
 * @param seconds wall time of the measured interval
 * @param cpuSeconds user + system CPU time of the whole process over the interval ({@link CpuTimes})
 * @param threads the threads that ran during the interval
 */
record Interval(double seconds, double cpuSeconds, ActiveThreads threads) {

    /** Nothing measured: the run ended before its measured interval. */
    static final Interval NONE = new Interval(0, 0, ActiveThreads.NONE);

    /**
     * Lets the load run for the ramp, measures for the runtime (or until the gate ends the run),
     * then sets {@link Gate#stop}. The caller starts the load before and joins it after.
     *
     * @param probe called right before and right after the measured interval (outside it), or null
     */
    static Interval measure(Gate gate, Timing timing, Probe probe) {
        if (gate.awaitEnd(timing.rampNanos()) && gate.failure() != null) {
            gate.stop = true;
            return NONE;
        }
        if (probe != null) {
            probe.beforeMeasuring();
        }
        ActiveThreads.Snapshot before = ActiveThreads.snapshot();
        CpuTimes cpu0 = CpuTimes.now();
        long t0 = System.nanoTime();
        gate.measuring = true;
        gate.awaitEnd(timing.runtimeNanos());
        gate.measuring = false;
        long t1 = System.nanoTime();
        CpuTimes used = CpuTimes.now().minus(cpu0);
        ActiveThreads threads = ActiveThreads.between(before, ActiveThreads.snapshot());
        gate.stop = true;
        if (probe != null) {
            probe.afterMeasuring();
        }
        return new Interval((t1 - t0) / 1e9, used.userSeconds() + used.systemSeconds(), threads);
    }

    /** Hooks around the measured interval, e.g. to snapshot a page cache's counters. */
    interface Probe {
        /** Called after the ramp, right before the interval starts. */
        void beforeMeasuring();

        /** Called right after the interval ended. */
        void afterMeasuring();
    }
}
