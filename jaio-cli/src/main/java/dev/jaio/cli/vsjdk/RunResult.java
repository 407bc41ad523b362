package dev.jaio.cli.vsjdk;

import java.util.List;
import java.util.Map;

/**
 * One run of one contender.
 *
 * @param contender its name, e.g. {@code jdk-filechannel-vthreads}
 * @param threads the threads it used, e.g. {@code 64 virtual + 1 jaio}
 * @param engine the jaio engine it ran on, or null for a JDK contender
 * @param ops operations (reads, or log records made durable) completed in the measured interval
 * @param bytes bytes they transferred (for the log: record bytes, without padding)
 * @param seconds length of the measured interval
 * @param cpuSeconds process CPU time (user + system) over the measured interval
 * @param latency per operation, from the call to its result (for the log: a record handed in to
 *     the log until it is durable)
 * @param log the committer's counters, for {@code log} contenders; null otherwise
 * @param error why the contender failed, or null; its numbers are then meaningless
 * @param notes remarks for the report (say a cache miss count, or why the run ended early)
 * @param extra more measurements for the JSON report (thread census, cache counters)
 */
record RunResult(String contender, String threads, String engine, long ops, long bytes, double seconds,
        double cpuSeconds, Latency latency, LogStats log, String error, List<String> notes, Map<String, Object> extra) {

    /** A failed run. */
    static RunResult failed(String contender, String threads, String engine, Throwable error) {
        return new RunResult(contender, threads, engine, 0, 0, 0, 0, Latency.NONE, null, describe(error), List.of(),
                Map.of());
    }

    /** {@return whether it ran to the end without an error} */
    boolean ok() {
        return error == null;
    }

    double opsPerSecond() {
        return seconds > 0 ? ops / seconds : Double.NaN;
    }

    double mibPerSecond() {
        return seconds > 0 ? bytes / seconds / (1 << 20) : Double.NaN;
    }

    double cpuMicrosPerOp() {
        return ops > 0 ? cpuSeconds * 1e6 / ops : Double.NaN;
    }

    double syncsPerSecond() {
        return log != null && seconds > 0 ? log.batches() / seconds : Double.NaN;
    }

    double recordsPerBatch() {
        return log != null && log.batches() > 0 ? (double) ops / log.batches() : Double.NaN;
    }

    /** A one-line description of a failure: its class (unless an IOException's) and message, and its cause's. */
    static String describe(Throwable t) {
        Throwable e = t;
        while ((e instanceof java.util.concurrent.CompletionException
                || e instanceof java.util.concurrent.ExecutionException
                || e instanceof java.io.UncheckedIOException) && e.getCause() != null) {
            e = e.getCause();
        }
        String message = e.getMessage();
        String name = e.getClass().getSimpleName();
        return message == null || message.isBlank() ? name : e instanceof java.io.IOException ? message
                : name + ": " + message;
    }
}
