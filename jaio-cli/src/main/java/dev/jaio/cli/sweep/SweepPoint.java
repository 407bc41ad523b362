package dev.jaio.cli.sweep;

/**
 * One measured point: a figure, a configuration and a record size.
 *
 * @param figure which experiment
 * @param config which line
 * @param recordSize bytes per request
 * @param bytes bytes transferred
 * @param seconds wall-clock seconds
 * @param mibPerSecond MiB/s (the paper's and aio-stress's "MB/s")
 * @param iops requests per second
 * @param p50Us median completion latency, microseconds
 * @param p99Us 99th percentile completion latency, microseconds
 * @param cpuSeconds user + system CPU seconds (the jaio process during the stage; fio's job)
 * @param error why the point has no numbers, or null
 * @param run which measurement of this figure, configuration and record size (1 to the sweep's
 *     {@code --repeat})
 */
public record SweepPoint(Figure figure, SweepConfig config, long recordSize, long bytes, double seconds,
        double mibPerSecond, double iops, double p50Us, double p99Us, double cpuSeconds, String error, int run) {

    public SweepPoint {
        if (run < 1) {
            throw new IllegalArgumentException("run numbers start at 1: " + run);
        }
    }

    /** The first (or only) run of a point. */
    public SweepPoint(Figure figure, SweepConfig config, long recordSize, long bytes, double seconds,
            double mibPerSecond, double iops, double p50Us, double p99Us, double cpuSeconds, String error) {
        this(figure, config, recordSize, bytes, seconds, mibPerSecond, iops, p50Us, p99Us, cpuSeconds, error, 1);
    }

    /** A point that could not be measured. */
    public static SweepPoint failed(Figure figure, SweepConfig config, long recordSize, String error) {
        return new SweepPoint(figure, config, recordSize, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, error);
    }

    /** The same point as run number {@code n}. */
    public SweepPoint asRun(int n) {
        return new SweepPoint(figure, config, recordSize, bytes, seconds, mibPerSecond, iops, p50Us, p99Us, cpuSeconds,
                error, n);
    }

    /** Whether it has numbers. */
    public boolean ok() {
        return error == null;
    }
}
