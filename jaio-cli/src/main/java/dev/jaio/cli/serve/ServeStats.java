package dev.jaio.cli.serve;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Access-log-style counters of one loop: written by the loop's thread only (release stores, no
 * locks), read by the progress line and the summary from another thread.
 */
public final class ServeStats {

    final AtomicLong accepted = new AtomicLong();
    final AtomicLong open = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong status2xx = new AtomicLong();
    final AtomicLong status304 = new AtomicLong();
    final AtomicLong status4xx = new AtomicLong();
    final AtomicLong status5xx = new AtomicLong();
    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong aborted = new AtomicLong();
    final AtomicLong timedOut = new AtomicLong();

    /** Adds {@code n} to a single-writer counter. */
    static void add(AtomicLong c, long n) {
        c.setRelease(c.getPlain() + n);
    }

    void status(int status) {
        add(requests, 1);
        if (status == 304) {
            add(status304, 1);
        } else if (status < 300) {
            add(status2xx, 1);
        } else if (status < 500) {
            add(status4xx, 1);
        } else {
            add(status5xx, 1);
        }
    }

    /** A snapshot summed over loops. */
    public record Totals(long accepted, long open, long requests, long status2xx, long status304, long status4xx,
            long status5xx, long bytesSent, long aborted, long timedOut) {

        /** Sums {@code loops}' counters. */
        public static Totals of(Iterable<ServeStats> loops) {
            long[] t = new long[10];
            for (ServeStats s : loops) {
                t[0] += s.accepted.getAcquire();
                t[1] += s.open.getAcquire();
                t[2] += s.requests.getAcquire();
                t[3] += s.status2xx.getAcquire();
                t[4] += s.status304.getAcquire();
                t[5] += s.status4xx.getAcquire();
                t[6] += s.status5xx.getAcquire();
                t[7] += s.bytesSent.getAcquire();
                t[8] += s.aborted.getAcquire();
                t[9] += s.timedOut.getAcquire();
            }
            return new Totals(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9]);
        }
    }
}
