package dev.jaio.cli.aiostress;

import org.HdrHistogram.Histogram;

/**
 * Completion latency of a stage (io_submit to the reap that delivered it, as {@code -L} measures
 * it), from an HdrHistogram of nanoseconds, in microseconds.
 *
 * @param count completions recorded
 * @param minUs smallest
 * @param meanUs mean
 * @param p50Us median
 * @param p90Us 90th percentile
 * @param p99Us 99th percentile
 * @param p999Us 99.9th percentile
 * @param p9999Us 99.99th percentile
 * @param maxUs largest
 */
public record LatencySummary(long count, double minUs, double meanUs, double p50Us, double p90Us, double p99Us,
        double p999Us, double p9999Us, double maxUs) {

    /** Summarises a histogram of nanoseconds. */
    static LatencySummary of(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(h.getTotalCount(), us(h.getMinValue()), h.getMean() / 1e3,
                us(h.getValueAtPercentile(50)), us(h.getValueAtPercentile(90)), us(h.getValueAtPercentile(99)),
                us(h.getValueAtPercentile(99.9)), us(h.getValueAtPercentile(99.99)), us(h.getMaxValue()));
    }

    private static double us(long nanos) {
        return nanos / 1e3;
    }
}
