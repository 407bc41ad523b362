package dev.jaio.cli.vsjdk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The records of the {@code log} workload: self-describing, so that a read-back of the log can
 * check that every record a producer was told is durable is in the file, whole, in order.
 *
 * <pre>
 * offset  0  int   MAGIC
 *         4  int   length of the whole record, 100 to 4000
 *         8  long  the run's nonce (records of an earlier run in the same file do not pass)
 *        16  int   producer
 *        20  int   the producer's sequence number, from 0
 *        24  ...   payload: bytes p, p+1, p+2, ... (mod 256) from p = (31 producer + 7 sequence) mod 256
 * </pre>
 */
final class LogRecords {

    /** "JVSL" in little-endian byte order. */
    static final int MAGIC = 0x4C53564A;
    static final int HEADER = 24;
    /** Smallest record. */
    static final int MIN = 100;
    /** Largest record. */
    static final int MAX = 4000;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    /** 0, 1, ..., 255, 0, 1, ...: every payload is a slice of it. */
    private static final MemorySegment PATTERN;

    static {
        byte[] p = new byte[MAX + 256];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) i;
        }
        PATTERN = MemorySegment.ofArray(p);
    }

    /** Zeros, as long as the longest padding. */
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[1 << 16]);

    private LogRecords() {
    }

    private static int patternStart(int producer, int seq) {
        return (producer * 31 + seq * 7) & 0xFF;
    }

    /** Writes producer's record {@code seq} of {@code length} bytes at the start of {@code dst}. */
    static void write(MemorySegment dst, long nonce, int producer, int seq, int length) {
        dst.set(INT, 0, MAGIC);
        dst.set(INT, 4, length);
        dst.set(LONG, 8, nonce);
        dst.set(INT, 16, producer);
        dst.set(INT, 20, seq);
        MemorySegment.copy(PATTERN, patternStart(producer, seq), dst, HEADER, length - HEADER);
    }

    /**
     * Checks that the record at {@code position} of {@code log} is producer's record {@code seq} of
     * this run, whole; {@return its length}.
     *
     * @throws IOException describing the first difference
     */
    static int check(MemorySegment log, long position, long nonce, int producer, int seq) throws IOException {
        if (position < 0 || position + HEADER > log.byteSize()) {
            throw new IOException("log: record " + producer + "/" + seq + " at " + position + " lies past the end, "
                    + log.byteSize());
        }
        int magic = log.get(INT, position);
        int length = log.get(INT, position + 4);
        long n = log.get(LONG, position + 8);
        int p = log.get(INT, position + 16);
        int s = log.get(INT, position + 20);
        if (magic != MAGIC || n != nonce || p != producer || s != seq || length < MIN || length > MAX
                || position + length > log.byteSize()) {
            throw new IOException(String.format("log: at %d expected record %d/%d of run %x, found magic %x, length %d,"
                    + " run %x, record %d/%d", position, producer, seq, nonce, magic, length, n, p, s));
        }
        int start = patternStart(producer, seq);
        long differs = MemorySegment.mismatch(log, position + HEADER, position + length, PATTERN, start,
                start + length - HEADER);
        if (differs >= 0) {
            throw new IOException("log: record " + producer + "/" + seq + " at " + position + " differs at its byte "
                    + (HEADER + differs));
        }
        return length;
    }

    /**
     * Reads the log {@code [0, end)} record by record: every record of this run, whole, each
     * producer's records in their order without a gap, nothing else but, with {@code padTo} above
     * 0, zeros from the end of a batch to the next multiple of {@code padTo}.
     *
     * @param padTo 0 when records lie back to back; else the block size batches are padded to
     * @return the number of records
     * @throws IOException describing the first problem
     */
    static long verify(MemorySegment log, long end, long nonce, int producers, int padTo) throws IOException {
        int[] next = new int[producers];
        long count = 0;
        long pos = 0;
        while (pos < end) {
            if (padTo > 0 && pos % padTo != 0) {
                long boundary = Math.min(end, (pos / padTo + 1) * padTo);
                long magicEnd = Math.min(boundary, pos + 4);
                if (MemorySegment.mismatch(log, pos, magicEnd, ZEROS, 0, magicEnd - pos) < 0) {
                    // No record starts with a zero byte here: padding up to the next block.
                    long nonZero = MemorySegment.mismatch(log, pos, boundary, ZEROS, 0, boundary - pos);
                    if (nonZero >= 0) {
                        throw new IOException("log: the padding at " + pos + " holds a non-zero byte at "
                                + (pos + nonZero));
                    }
                    pos = boundary;
                    continue;
                }
            }
            if (pos + HEADER > end) {
                throw new IOException("log: " + (end - pos) + " bytes at " + pos + " before the end are no record");
            }
            int producer = log.get(INT, pos + 16);
            if (producer < 0 || producer >= producers) {
                throw new IOException("log: no record at " + pos + " (producer field " + producer + ")");
            }
            pos += check(log, pos, nonce, producer, next[producer]);
            next[producer]++;
            count++;
        }
        if (pos != end) {
            throw new IOException("log: the last record ends at " + pos + ", past the log's end " + end);
        }
        return count;
    }
}
