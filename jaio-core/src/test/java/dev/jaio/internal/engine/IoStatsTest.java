package dev.jaio.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The latency histogram's buckets: every value is in a bucket whose upper bound is at most 12.5% above it. */
class IoStatsTest {

    @Test
    void aBucketsUpperBoundIsWithinAnEighthOfEveryValueInIt() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 1_000_000; i++) {
            long v = r.nextLong(1L << r.nextInt(1, 63));
            int b = IoStats.bucket(v);
            long ub = IoStats.upperBound(b);
            assertTrue(b >= 0 && b < IoStats.BUCKETS, "bucket " + b + " of " + v);
            assertTrue(ub >= v && ub - v <= v / 8 + 1, v + " in bucket " + b + " up to " + ub);
            assertTrue(b == 0 || IoStats.upperBound(b - 1) < v, v + " belongs to an earlier bucket than " + b);
        }
        assertEquals(IoStats.BUCKETS - 1, IoStats.bucket(Long.MAX_VALUE));
        assertEquals(Long.MAX_VALUE, IoStats.upperBound(IoStats.BUCKETS - 1));
    }

    @Test
    void percentilesComeFromTheCompletions() {
        IoStats s = new IoStats();
        for (int i = 1; i <= 1000; i++) {
            s.submitted(1);
            s.completed(i == 1000 ? -5 : 4096, i * 1000L, true); // 1 us .. 1 ms; the last fails with EIO
        }
        long[] totals = new long[3];
        long[] errors = IoStats.newErrors();
        long[] latency = IoStats.newHistogram();
        s.addTo(totals, errors, latency);
        assertEquals(1000, totals[0]);
        assertEquals(1000, totals[1]);
        assertEquals(999 * 4096L, totals[2]);
        assertEquals(1, errors[5]);
        long p50 = IoStats.percentile(latency, 50);
        long p99 = IoStats.percentile(latency, 99);
        assertTrue(p50 >= 500_000 && p50 <= 500_000 * 9 / 8, "p50 " + p50);
        assertTrue(p99 >= 990_000 && p99 <= 990_000 * 9 / 8, "p99 " + p99);
        assertTrue(IoStats.percentile(latency, 100) >= 1_000_000);
        assertEquals(0, IoStats.percentile(IoStats.newHistogram(), 50));
    }

    @Test
    void p999OfAThousandIsTheNineHundredNinetyNinthNotTheMax() {
        IoStats s = new IoStats();
        for (int i = 0; i < 999; i++) {
            s.completed(0, 1000, false);
        }
        s.completed(0, 1_000_000_000L, false);
        long[] latency = IoStats.newHistogram();
        s.addTo(new long[3], IoStats.newErrors(), latency);
        assertTrue(IoStats.percentile(latency, 99.9) <= 1000 * 9 / 8, "" + IoStats.percentile(latency, 99.9));
        assertTrue(IoStats.percentile(latency, 100) >= 1_000_000_000L);
    }
}
