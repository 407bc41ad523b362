package dev.jaio.cli.vsjdk;

/**
 * How long each contender runs: {@code rampSeconds} unmeasured, then at most {@code runtimeSeconds}
 * measured.
 *
 * @param rampSeconds warm-up before the measured interval (JIT, caches, thread pools)
 * @param runtimeSeconds the measured interval, unless the contender ends it early (its record
 *     count reached, its log full, a failure)
 */
public record Timing(double rampSeconds, double runtimeSeconds) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException unless ramp >= 0 and runtime > 0
     */
    public Timing {
        if (!(rampSeconds >= 0) || !(runtimeSeconds > 0)) {
            throw new IllegalArgumentException("ramp must be >= 0 and runtime > 0: " + rampSeconds + ", " + runtimeSeconds);
        }
    }

    long rampNanos() {
        return (long) (rampSeconds * 1e9);
    }

    long runtimeNanos() {
        return (long) (runtimeSeconds * 1e9);
    }
}
