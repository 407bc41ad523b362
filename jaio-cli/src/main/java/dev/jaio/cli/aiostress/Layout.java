package dev.jaio.cli.aiostress;

import java.util.function.IntSupplier;

/**
 * Where aio-stress puts its I/O, as the original's create_oper and random_byte_offset do. Context
 * {@code j} of a file covers [j x context_offset, size - j x context_offset); a stage issues
 * (end - start) / reclen I/Os on it (a tail shorter than a record is never touched). Sequential
 * stages go up from start by reclen; random stages pick start + k MiB + r, k uniform in 1..R with
 * R = (end - start) / 1 MiB - max(1, alignment / 1 MiB) (0 when negative) and r uniform in
 * 1..1 MiB rounded up to the alignment, minus reclen if the record would cross the end. So the
 * first MiB after start is never touched, and a window of at least 2 MiB keeps every record inside.
 */
public final class Layout {

    private Layout() {
    }

    /** First byte of context {@code j}. */
    public static long contextStart(int j, long contextOffset) {
        return j * contextOffset;
    }

    /** End (exclusive) of context {@code j}. */
    public static long contextEnd(long fileSize, int j, long contextOffset) {
        return fileSize - j * contextOffset;
    }

    /** I/Os per stage for a context. */
    public static int totalIos(long start, long end, long recordSize) {
        long n = Math.max(0, end - start) / recordSize;
        if (n > Integer.MAX_VALUE) {
            throw new InvalidOptionException("-s: more than 2^31 records per context; use a larger -r");
        }
        return (int) n;
    }

    /**
     * A random offset in [start, end) the way the original computes it, drawing two values from
     * {@code rand} (a {@link GlibcRandom}'s {@code next}).
     */
    public static long randomOffset(long start, long end, long recordSize, long alignment, IntSupplier rand) {
        final long mib = Sizes.MIB;
        long mask = alignment - 1;
        long range = (end - start) / mib;
        long skip = alignment > mib ? alignment / mib : 1;
        range = range < skip ? 0 : range - skip;
        long offset = start;
        // C: 1 + (int)((double)range * rand() / (RAND_MAX + 1.0))
        offset += (1 + (int) ((double) range * rand.getAsInt() / (GlibcRandom.RAND_MAX + 1.0))) * mib;
        long bytes = 1 + (int) ((double) mib * rand.getAsInt() / (GlibcRandom.RAND_MAX + 1.0));
        bytes = (bytes + mask) & ~mask;
        offset += bytes;
        if (offset + recordSize > end) {
            offset -= recordSize;
        }
        return offset;
    }
}
