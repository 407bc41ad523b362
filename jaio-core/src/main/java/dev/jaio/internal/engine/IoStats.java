package dev.jaio.internal.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters of one queue's requests, written by the one thread that drives the queue (an
 * engine's event loop, or an {@code IoContext}'s owner) and read from any thread: requests
 * submitted and completed, bytes transferred, failures by errno, and a histogram of completion
 * latency (submission to the kernel, to completion: fio's {@code clat}). The writer does plain
 * reads and {@code setOpaque} writes, readers {@code getOpaque}: each counter is read whole,
 * though a snapshot taken while requests complete may be a few requests apart across counters.
 * Nothing is allocated per request.
 *
 * <p>The histogram is log-linear: 8 buckets per power of two of nanoseconds, so a percentile read
 * from it is the upper bound of its bucket, at most 12.5% above the true value.
 */
public final class IoStats {

    /** Errno values counted one by one; higher ones (none in Linux's errno.h) share the last slot. */
    public static final int MAX_ERRNO = 255;
    static final int SUB_BITS = 3;
    static final int SUB = 1 << SUB_BITS;
    /** Buckets: values below {@code SUB} ns one each, then {@code SUB} for each power of two 2^3 .. 2^62. */
    static final int BUCKETS = SUB + (63 - SUB_BITS) * SUB;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SUBMITTED;
    private static final VarHandle COMPLETED;
    private static final VarHandle BYTES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SUBMITTED = l.findVarHandle(IoStats.class, "submitted", long.class);
            COMPLETED = l.findVarHandle(IoStats.class, "completed", long.class);
            BYTES = l.findVarHandle(IoStats.class, "bytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long submitted;
    private long completed;
    private long bytes;
    private final long[] errors = new long[MAX_ERRNO + 1];
    private final long[] latency = new long[BUCKETS];

    /** The writer: {@code n} requests went to the kernel. */
    public void submitted(int n) {
        SUBMITTED.setOpaque(this, submitted + n);
    }

    /**
     * The writer: a request completed with {@code result} (bytes, or a negative errno) after
     * {@code nanos}; {@code transfer} says whether its bytes count (reads and writes, not syncs).
     */
    public void completed(long result, long nanos, boolean transfer) {
        COMPLETED.setOpaque(this, completed + 1);
        if (result < 0) {
            int errno = (int) Math.min(-result, MAX_ERRNO);
            LONGS.setOpaque(errors, errno, errors[errno] + 1);
        } else if (transfer) {
            BYTES.setOpaque(this, bytes + result);
        }
        int b = bucket(nanos);
        LONGS.setOpaque(latency, b, latency[b] + 1);
    }

    static int bucket(long nanos) {
        if (nanos < SUB) {
            return (int) Math.max(0, nanos);
        }
        int exp = 63 - Long.numberOfLeadingZeros(nanos); // >= SUB_BITS
        int sub = (int) (nanos >>> (exp - SUB_BITS)) & (SUB - 1);
        return SUB + (exp - SUB_BITS) * SUB + sub;
    }

    /** The largest value bucket {@code b} holds: nanoseconds. */
    static long upperBound(int b) {
        if (b < SUB) {
            return b;
        }
        int exp = (b - SUB) / SUB + SUB_BITS;
        long sub = (b - SUB) % SUB;
        long lower = (1L << exp) + (sub << (exp - SUB_BITS));
        long width = 1L << (exp - SUB_BITS);
        return lower + width - 1 < 0 ? Long.MAX_VALUE : lower + width - 1;
    }

    /** Adds this queue's counters to {@code into}: {submitted, completed, bytes}, errors, latency. */
    public void addTo(long[] totals, long[] errorsInto, long[] latencyInto) {
        totals[0] += (long) SUBMITTED.getOpaque(this);
        totals[1] += (long) COMPLETED.getOpaque(this);
        totals[2] += (long) BYTES.getOpaque(this);
        for (int i = 0; i < errors.length; i++) {
            errorsInto[i] += (long) LONGS.getOpaque(errors, i);
        }
        for (int i = 0; i < latency.length; i++) {
            latencyInto[i] += (long) LONGS.getOpaque(latency, i);
        }
    }

    /** The value at {@code percentile} (0-100) of a histogram {@link #addTo} filled: nanoseconds; 0 if empty. */
    public static long percentile(long[] histogram, double percentile) {
        long total = 0;
        for (long c : histogram) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        // ceil(p% of total), without the binary fraction's excess: 99.9 / 100 * 1000 is 999.0000000000001
        long rank = Math.max(1, (long) Math.ceil(percentile * total / 100.0 - 1e-9));
        long seen = 0;
        for (int b = 0; b < histogram.length; b++) {
            seen += histogram[b];
            if (seen >= rank) {
                return upperBound(b);
            }
        }
        return upperBound(histogram.length - 1);
    }

    /** A histogram for {@link #addTo}. */
    public static long[] newHistogram() {
        return new long[BUCKETS];
    }

    /** An errno array for {@link #addTo}. */
    public static long[] newErrors() {
        return new long[MAX_ERRNO + 1];
    }
}
