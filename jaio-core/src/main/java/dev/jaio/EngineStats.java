package dev.jaio;

import java.util.Map;

/**
 * A snapshot of what an engine's kernel queues carried ({@link IoEngine#stats()}): its own queue
 * (the kernel requests of every {@link AsyncFile} and channel on it, and the page reads and writes
 * of its page cache) and its {@link IoContext}s', open and closed (their submitted requests, and
 * the page I/O of their cached requests). A request of a {@link FileOption#CACHED} file that
 * jaio's cache serves is counted in {@link IoEngine#pageCacheStats()}, not here; a context's
 * timers and cancels, and requests prepared but never submitted, are not counted. Taken without
 * stopping the engine: counters read while requests complete may be a few requests apart.
 *
 * @param engine the engine's name (uring, aio, threads)
 * @param submitted requests handed to the kernel queue (an {@code IoContext}'s: as they go to the
 *     kernel, at {@code submit()} or in the wait of {@code getEvents})
 * @param completed requests completed, successfully or not
 * @param inFlight {@code submitted - completed}: requests in the kernel now
 * @param queueFullWaits times an {@code AsyncFile} caller waited for a place in the engine's queue
 *     (its depth, {@link EngineConfig#queueDepth()}, was reached)
 * @param bytes bytes read and written by the completed requests
 * @param errors failed requests by errno name ({@code "EIO"}, {@code "ENOSPC"}, ...), in errno order
 * @param p50Nanos median completion latency (from submission to completion, fio's clat):
 *     nanoseconds; like every percentile here, the upper bound of its histogram bucket, at most
 *     12.5% above the true value; 0 before the first completion
 * @param p90Nanos 90th percentile completion latency, nanoseconds
 * @param p99Nanos 99th percentile completion latency, nanoseconds
 * @param p999Nanos 99.9th percentile completion latency, nanoseconds
 * @param maxNanos the slowest completion, nanoseconds (its bucket's upper bound)
 */
public record EngineStats(String engine, long submitted, long completed, long inFlight, long queueFullWaits,
        long bytes, Map<String, Long> errors, long p50Nanos, long p90Nanos, long p99Nanos, long p999Nanos,
        long maxNanos) {

    /**
     * Checks the engine and the errors (not null, no null names or counts) and copies the errors,
     * keeping their order.
     *
     * @param engine the engine's name
     * @param submitted requests submitted
     * @param completed requests completed
     * @param inFlight requests in flight
     * @param queueFullWaits waits for a place in the queue
     * @param bytes bytes transferred
     * @param errors failures by errno name
     * @param p50Nanos median latency
     * @param p90Nanos 90th percentile latency
     * @param p99Nanos 99th percentile latency
     * @param p999Nanos 99.9th percentile latency
     * @param maxNanos largest latency
     * @throws NullPointerException if {@code engine} or {@code errors} is null
     * @throws IllegalArgumentException if {@code errors} holds a null name or count
     */
    public EngineStats {
        java.util.Objects.requireNonNull(engine, "engine");
        java.util.Objects.requireNonNull(errors, "errors");
        if (errors.containsKey(null) || errors.containsValue(null)) {
            throw new IllegalArgumentException("errors: a null errno name or count in " + errors);
        }
        errors = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(errors));
    }

    /** {@return the failed requests, all errnos together} */
    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }
}
