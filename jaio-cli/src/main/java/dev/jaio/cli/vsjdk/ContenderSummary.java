package dev.jaio.cli.vsjdk;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A contender's runs, one per round, and their medians: each number is the median of that number
 * over the rounds the contender ran without an error.
 *
 * @param name the contender
 * @param runs one per round, in order
 */
record ContenderSummary(String name, List<RunResult> runs) {

    ContenderSummary {
        runs = List.copyOf(runs);
    }

    /** {@return whether it is one of the JDK's contenders (named jdk-*)} */
    boolean isJdk() {
        return name.startsWith("jdk-");
    }

    List<RunResult> okRuns() {
        return runs.stream().filter(RunResult::ok).toList();
    }

    /** {@return whether at least one round ran without an error} */
    boolean ok() {
        return !okRuns().isEmpty();
    }

    /** {@return the first error, or null} */
    String error() {
        return runs.stream().filter(r -> !r.ok()).map(RunResult::error).findFirst().orElse(null);
    }

    long failedRuns() {
        return runs.stream().filter(r -> !r.ok()).count();
    }

    /** {@return the threads of its last good run, else of its last run} */
    String threads() {
        List<RunResult> ok = okRuns();
        return (ok.isEmpty() ? runs : ok).getLast().threads();
    }

    /** {@return the engine it ran on, or null} */
    String engine() {
        return runs.stream().map(RunResult::engine).filter(e -> e != null).findFirst().orElse(null);
    }

    /** {@return the median of {@code metric} over the good runs; NaN if none} */
    double median(ToDoubleFunction<RunResult> metric) {
        double[] v = okRuns().stream().mapToDouble(metric).filter(d -> !Double.isNaN(d)).sorted().toArray();
        return median(v);
    }

    static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double[] v = sorted.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    double opsPerSecond() {
        return median(RunResult::opsPerSecond);
    }

    double mibPerSecond() {
        return median(RunResult::mibPerSecond);
    }

    double p50() {
        return median(r -> r.latency().p50());
    }

    double p99() {
        return median(r -> r.latency().p99());
    }

    double p999() {
        return median(r -> r.latency().p999());
    }

    double cpuMicrosPerOp() {
        return median(RunResult::cpuMicrosPerOp);
    }

    double syncsPerSecond() {
        return median(RunResult::syncsPerSecond);
    }

    double recordsPerBatch() {
        return median(RunResult::recordsPerBatch);
    }
}
