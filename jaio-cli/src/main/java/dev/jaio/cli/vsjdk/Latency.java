package dev.jaio.cli.vsjdk;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * Latency percentiles of one run, in microseconds.
 *
 * @param count operations recorded
 * @param mean mean
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max largest
 */
record Latency(long count, double mean, double p50, double p90, double p99, double p999, double max) {

    /** Nothing recorded. */
    static final Latency NONE = new Latency(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** Largest latency a histogram tracks; longer ones are recorded as this. */
    static final long HIGHEST_NANOS = 60_000_000_000L;

    /** A histogram for one load thread: nanoseconds, three significant digits, 32-bit counts. */
    static IntCountsHistogram newRecorder() {
        return new IntCountsHistogram(HIGHEST_NANOS, 3);
    }

    /** A histogram to merge the load threads' into. */
    static Histogram newTotal() {
        return new Histogram(HIGHEST_NANOS, 3);
    }

    /** Records {@code nanos} in {@code h}, clamped to what it tracks. */
    static void record(AbstractHistogram h, long nanos) {
        h.recordValue(Math.max(0, Math.min(HIGHEST_NANOS, nanos)));
    }

    /** The percentiles of a histogram of nanoseconds. */
    static Latency of(AbstractHistogram h) {
        if (h.getTotalCount() == 0) {
            return NONE;
        }
        return new Latency(h.getTotalCount(), h.getMean() / 1e3, h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
    }
}
