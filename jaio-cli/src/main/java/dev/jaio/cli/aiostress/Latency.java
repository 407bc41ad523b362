package dev.jaio.cli.aiostress;

/**
 * The original's io_latency: min, average and max in milliseconds and counts below 100, 250, 500,
 * 1000, 5000 and 10000 ms. Printed by {@code -l} (io_submit) and {@code -L} (completion).
 */
final class Latency {

    /** The bucket bounds, in milliseconds. */
    static final int[] BOUNDS = {100, 250, 500, 1000, 5000, 10000};

    double max;
    double min;
    long count;
    double total;
    final long[] buckets = new long[BOUNDS.length];

    /** Adds one latency given in nanoseconds. */
    void add(long nanos) {
        double ms = Math.max(0, nanos) / 1e6;
        if (ms > max) {
            max = ms;
        }
        if (min == 0 || ms < min) {
            min = ms;
        }
        count++;
        total += ms;
        for (int i = 0; i < BOUNDS.length; i++) {
            if (ms < BOUNDS[i]) {
                buckets[i]++;
                break;
            }
        }
    }

    void reset() {
        max = 0;
        min = 0;
        count = 0;
        total = 0;
        java.util.Arrays.fill(buckets, 0);
    }
}
