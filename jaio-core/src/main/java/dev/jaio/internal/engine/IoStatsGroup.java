package dev.jaio.internal.engine;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link IoStats} of one engine: its event loop's and its contexts', live and closed. A
 * snapshot sums them; a closed context's counters are folded into the group's own totals, so
 * that contexts opened and closed for ever cost nothing more than one.
 */
public final class IoStatsGroup {

    private final CopyOnWriteArrayList<IoStats> live = new CopyOnWriteArrayList<>();
    private final long[] retiredTotals = new long[3];
    private final long[] retiredErrors = IoStats.newErrors();
    private final long[] retiredLatency = IoStats.newHistogram();

    /** Counts {@code stats} in this group from now on. */
    public void register(IoStats stats) {
        live.add(stats);
    }

    /** {@code stats}' queue is closed: its counts stay in the group's totals, it leaves the group. */
    public synchronized void retire(IoStats stats) {
        if (live.remove(stats)) {
            stats.addTo(retiredTotals, retiredErrors, retiredLatency);
        }
    }

    /**
     * Adds the group's counters to the arrays: {@code totals} {submitted, completed, bytes},
     * {@code errors} by errno, {@code latency} a histogram of {@link IoStats}.
     */
    public synchronized void addTo(long[] totals, long[] errors, long[] latency) {
        for (int i = 0; i < totals.length; i++) {
            totals[i] += retiredTotals[i];
        }
        for (int i = 0; i < errors.length; i++) {
            errors[i] += retiredErrors[i];
        }
        for (int i = 0; i < latency.length; i++) {
            latency[i] += retiredLatency[i];
        }
        for (IoStats s : live) {
            s.addTo(totals, errors, latency);
        }
    }
}
