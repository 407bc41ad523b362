package dev.jaio.cli.vsjdk;

import java.nio.file.Path;
import java.util.List;

/**
 * The settings of one {@code jaio bench --vs=jdk} run.
 *
 * @param file the file the read workloads read, and next to which the log workload writes its log
 * @param engine the jaio engine of jaio's contenders: auto, uring, aio or threads
 * @param workloads the workloads to run, in order: warm, log, cold, vthreads, vthreads-cold, vthreads-direct, transfer
 * @param timing ramp and measured seconds of each contender
 * @param depth reads in flight in warm and cold
 * @param blockSize bytes per read in warm and cold
 * @param regionBytes how much of the file warm and cold read, from its start; 0 for all of it
 * @param threads the virtual threads of the vthreads workloads
 * @param producers the log's producer threads
 * @param records the log's records per contender: its measured interval ends when this many were made durable
 * @param commitDepth batches jaio's log contenders keep in flight
 * @param repeat rounds: every contender of a workload once per round, in turn
 * @param seed seed of the read offsets and record sizes
 */
public record VsJdkSettings(Path file, String engine, List<String> workloads, Timing timing, int depth, int blockSize,
        long regionBytes, int threads, int producers, long records, int commitDepth, int repeat, long seed) {

    /** The workloads, in the order they run when none are named. */
    public static final List<String> WORKLOADS = List.of("warm", "log", "cold");
    /** Every workload: the default ones, and the vthreads ones and transfer, which run only when named. */
    public static final List<String> ALL_WORKLOADS = List.of("warm", "log", "cold", "vthreads", "vthreads-cold",
            "vthreads-direct", "transfer");

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException naming the first bad value
     */
    public VsJdkSettings {
        workloads = List.copyOf(workloads);
        if (workloads.isEmpty()) {
            throw new IllegalArgumentException(
                    "--workloads names none; use warm, log, cold, vthreads, vthreads-cold, vthreads-direct and/or transfer");
        }
        for (String w : workloads) {
            if (!ALL_WORKLOADS.contains(w)) {
                throw new IllegalArgumentException("--workloads: unknown workload '" + w
                        + "'; use warm, log, cold, vthreads, vthreads-cold, vthreads-direct and/or transfer");
            }
        }
        if (workloads.stream().distinct().count() != workloads.size()) {
            throw new IllegalArgumentException("--workloads names a workload twice: " + String.join(",", workloads));
        }
        if (depth < 1 || depth > 4096) {
            throw new IllegalArgumentException("--iodepth must be 1 to 4096: " + depth);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("--bs must be positive: " + blockSize);
        }
        if (regionBytes < 0) {
            throw new IllegalArgumentException("--size must not be negative: " + regionBytes);
        }
        if (threads < 1 || threads > 100_000) {
            throw new IllegalArgumentException("--threads must be 1 to 100000: " + threads);
        }
        if (producers < 1 || producers > 4096) {
            throw new IllegalArgumentException("--producers must be 1 to 4096: " + producers);
        }
        if (records < 1) {
            throw new IllegalArgumentException("--records must be positive: " + records);
        }
        if (commitDepth < 1 || commitDepth > 64) {
            throw new IllegalArgumentException("--commit-depth must be 1 to 64: " + commitDepth);
        }
        if (repeat < 1 || repeat > 100) {
            throw new IllegalArgumentException("--repeat must be 1 to 100: " + repeat);
        }
    }

    /** A settings record with the defaults of every option but the file. */
    public static VsJdkSettings defaults(Path file) {
        return new VsJdkSettings(file, "auto", WORKLOADS, new Timing(1, 5), 64, 4096, 0, 10_000, 64, 200_000, 2, 1, 1);
    }

    /** {@return the same settings with another timing} */
    public VsJdkSettings withTiming(double rampSeconds, double runtimeSeconds) {
        return new VsJdkSettings(file, engine, workloads, new Timing(rampSeconds, runtimeSeconds), depth, blockSize,
                regionBytes, threads, producers, records, commitDepth, repeat, seed);
    }
}
