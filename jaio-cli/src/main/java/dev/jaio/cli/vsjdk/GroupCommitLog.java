package dev.jaio.cli.vsjdk;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A group-commit write-ahead log, the same for every {@code log} contender; only the
 * {@link LogWriter} that writes a batch and makes it durable differs.
 *
 * <p>Producers {@link #append} a record: it is copied into the open batch at the log's end, and
 * the producer waits until its batch is durable. The committer thread ({@link #runCommitter})
 * seals the open batch as soon as it holds a record and fewer than
 * {@link LogWriter#maxInFlight()} batches are in flight, opens the next one (producers go on
 * appending to it meanwhile), and hands the sealed batch to the writer. A batch is durable once
 * its write completed and every earlier batch's did: batches complete in any order, producers are
 * released in log order.
 *
 * <p>With an {@link LogWriter#alignment()} above 1 (O_DIRECT), every write is padded with zeros to
 * a whole block. A writer with one batch in flight then starts the next batch in that last partial
 * block: the next write begins with a copy of it and rewrites it, so records lie back to back, as
 * O_DIRECT logs written one batch at a time do. A writer with several batches in flight cannot:
 * the rewrite of the block could reach the disk before the earlier write of the same block, whose
 * zeros would then overwrite the later batch's first records (the read-back of the log caught
 * exactly that). Its next batch starts at the next block instead, and the rest of the block stays
 * zeros ({@link #paddingAlignment()}), as pipelined O_DIRECT logs do (ScyllaDB's commitlog).
 */
final class GroupCommitLog {

    /** Positions kept per producer, for tests: those of its first records. */
    static final int SAMPLES = 8;

    private final LogWriter writer;
    private final Gate gate;
    private final long capacity;
    private final long recordsLimit;
    private final int align;
    private final int maxInFlight;
    /** Batches start at block boundaries, after padding: several batches in flight, O_DIRECT. */
    private final boolean startOnBlocks;

    private final ReentrantLock lock = new ReentrantLock();
    /** The committer waits on it for a record to commit or a free slot. */
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Batch> free = new ArrayDeque<>();
    /** Sealed batches whose writes are in flight or not yet durable in order, oldest first. */
    private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
    private final long[][] samplePositions;
    private Batch open;
    /** The log's logical end: where the next record goes. */
    private long end;
    private long nextSeq = 1;
    /** Every batch up to this sequence number is durable. */
    private long durableSeq;
    private boolean closing;
    private Throwable failure;
    private boolean full;
    private long recordsDurable;
    private long measuredBatches;
    private long measuredRecords;
    private long measuredBytes;
    private long measuredBytesWritten;

    /**
     * @param capacity bytes of the log file records may fill; a multiple of the writer's alignment
     * @param producers the most records an open batch can hold (each producer waits for its record)
     * @param recordsLimit the measured interval ends once this many records were made durable in it
     */
    GroupCommitLog(LogWriter writer, Gate gate, long capacity, int producers, long recordsLimit) {
        this.writer = writer;
        this.gate = gate;
        this.capacity = capacity;
        this.recordsLimit = recordsLimit;
        this.align = writer.alignment();
        this.maxInFlight = writer.maxInFlight();
        this.startOnBlocks = align > 1 && maxInFlight > 1;
        long batchBytes = (long) producers * LogRecords.MAX + 2L * align;
        for (int i = 0; i <= maxInFlight; i++) {
            free.add(new Batch(writer.allocate(batchBytes), lock.newCondition()));
        }
        this.samplePositions = new long[producers][SAMPLES];
        for (long[] p : samplePositions) {
            Arrays.fill(p, -1);
        }
        open = free.poll();
        open.reset(nextSeq++, 0, 0);
    }

    /**
     * Appends a record and waits until it is durable.
     *
     * @param record the record, its first {@code length} bytes
     * @return true once it is durable; false, without appending, when the log is full, closing or failed
     *     (or, appended, when a write failed)
     */
    boolean append(MemorySegment record, int length, int producer, int seq) {
        lock.lock();
        try {
            if (failure != null || closing) {
                return false;
            }
            if (end + length > capacity) {
                full = true;
                gate.end("the log file is full");
                return false;
            }
            Batch b = open;
            while (b.used + length > b.seg.byteSize() - align) {
                // The open batch is full (it holds a record of every producer, and a producer that
                // was released early has come back): wait until it is durable; by then the
                // committer has sealed it and opened another.
                long full = b.seq;
                while (durableSeq < full) {
                    if (failure != null || closing) {
                        return false;
                    }
                    b.durable.awaitUninterruptibly();
                }
                b = open;
            }
            MemorySegment.copy(record, 0, b.seg, b.used, length);
            if (seq < SAMPLES) {
                samplePositions[producer][seq] = end;
            }
            end += length;
            b.used += length;
            if (++b.records == 1) {
                work.signal();
            }
            long mine = b.seq;
            while (durableSeq < mine) {
                if (failure != null) {
                    return false;
                }
                b.durable.awaitUninterruptibly();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The committer thread's loop: returns after {@link #close()} once nothing is left, or on a failure. */
    void runCommitter() {
        try {
            while (true) {
                Batch b;
                lock.lock();
                try {
                    while (failure == null && (open.records == 0 ? !closing : inFlight.size() >= maxInFlight)) {
                        work.awaitUninterruptibly();
                    }
                    if (failure != null || open.records == 0) {
                        return;
                    }
                    b = open;
                    Batch next = free.poll();
                    int tail = (int) (end % align);
                    if (startOnBlocks) {
                        end += tail == 0 ? 0 : align - tail;
                        next.reset(nextSeq++, end, 0);
                    } else {
                        next.reset(nextSeq++, end - tail, tail);
                        MemorySegment.copy(b.seg, b.used - tail, next.seg, 0, tail);
                    }
                    open = next;
                    inFlight.add(b);
                } finally {
                    lock.unlock();
                }
                int length = (b.used + align - 1) / align * align;
                if (length > b.used) {
                    b.seg.asSlice(b.used, length - b.used).fill((byte) 0);
                }
                b.written = length;
                try {
                    writer.write(b.seg.asSlice(0, length), b.fileStart, e -> completed(b, e));
                } catch (Throwable e) {
                    completed(b, e);
                }
            }
        } catch (Throwable e) {
            fail(e);
        }
    }

    private void completed(Batch b, Throwable error) {
        lock.lock();
        try {
            b.done = true;
            if (error != null) {
                fail(error);
                return;
            }
            while (!inFlight.isEmpty() && inFlight.peekFirst().done) {
                Batch h = inFlight.pollFirst();
                durableSeq = h.seq;
                recordsDurable += h.records;
                if (gate.measuring) {
                    measuredBatches++;
                    measuredRecords += h.records;
                    measuredBytes += h.used - h.prefix;
                    measuredBytesWritten += h.written;
                }
                h.durable.signalAll();
                free.add(h);
            }
            work.signal();
            if (measuredRecords >= recordsLimit) {
                gate.end("--records reached");
            }
        } finally {
            lock.unlock();
        }
    }

    private void fail(Throwable error) {
        lock.lock();
        try {
            if (failure == null) {
                failure = error;
            }
            gate.fail(error);
            open.durable.signalAll();
            for (Batch b : inFlight) {
                b.durable.signalAll();
            }
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Tells the committer to return once the open batch is empty; call once every producer has returned. */
    void close() {
        lock.lock();
        try {
            closing = true;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    private <T> T locked(java.util.function.Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /** {@return the log's logical end: every record lies before it, back to back from 0} */
    long end() {
        return locked(() -> end);
    }

    /**
     * {@return 0 when records lie back to back; else the block size: a batch may end with zeros up
     * to the next multiple of it, where the next batch starts}
     */
    int paddingAlignment() {
        return startOnBlocks ? align : 0;
    }

    /** {@return whether a producer found the log file full} */
    boolean full() {
        return locked(() -> full);
    }

    /** {@return the file position of producer's record {@code seq}, for seq below {@link #SAMPLES}; -1 if none} */
    long position(int producer, int seq) {
        return locked(() -> samplePositions[producer][seq]);
    }

    /** {@return the committer's counters: measured batches, bytes written, records durable in all} */
    LogStats stats(long recordsVerified) {
        return locked(() -> new LogStats(measuredBatches, measuredBytesWritten, recordsDurable, recordsVerified));
    }

    /** {@return records made durable in the measured interval} */
    long measuredRecords() {
        return locked(() -> measuredRecords);
    }

    /** {@return record bytes made durable in the measured interval, without padding} */
    long measuredBytes() {
        return locked(() -> measuredBytes);
    }

    /** One batch's memory and state; reused once durable. Guarded by the log's lock, but for {@link #written}. */
    private static final class Batch {
        final MemorySegment seg;
        final Condition durable;
        long seq;
        /** File position of seg[0]: the batch's first record's, rounded down to the alignment. */
        long fileStart;
        /** Bytes of the previous batch's last partial block at the start. */
        int prefix;
        /** Bytes filled: prefix and records. */
        int used;
        int records;
        /** Bytes the write wrote (used, padded); set by the committer before the write. */
        volatile int written;
        boolean done;

        Batch(MemorySegment seg, Condition durable) {
            this.seg = seg;
            this.durable = durable;
        }

        void reset(long seq, long fileStart, int prefix) {
            this.seq = seq;
            this.fileStart = fileStart;
            this.prefix = prefix;
            this.used = prefix;
            this.records = 0;
            this.done = false;
        }
    }
}
