package dev.jaio.cli.oltp;

import dev.jaio.cli.oltp.OltpSettings.LogSync;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * {@code jaio oltp}'s redo log, with group commit: agents {@link #append} the record of their
 * transaction's row changes, which gets the next log sequence number (LSN), then
 * {@link #awaitDurable wait} until it is durable. One committer thread writes whatever records
 * are pending as one batch at the log's end and makes it durable (an O_DSYNC write, or a write
 * and fdatasync), while the agents append to the next batch, as InnoDB's and PostgreSQL's group
 * commit do. The log is the source of recovery ({@link #scan}): a page whose LSN is older than a
 * record's is missing that record's change.
 *
 * <pre>
 * header (32 bytes): magic "JAIOREDO" (8), base LSN (8: every LSN in this log is above it), 16 reserved
 * record:            magic 0x52454344 (4), entries n (2), 0 (2), LSN (8),
 *                    n x {page id (8), row (4), 0 (4)}, CRC32C of the record's bytes before it (4)
 * </pre>
 * Little-endian. A record sets each named row to the record's LSN, and the page's LSN to it: the
 * changes are absolute, so replaying a record twice changes nothing. A scan stops at the first
 * record that is cut short or fails its checksum: the tail a crash may leave.
 */
final class RedoLog implements AutoCloseable {

    /** The header's magic, "JAIOREDO" read as a little-endian long. */
    static final long HEADER_MAGIC = 0x4F4445524F49414AL;
    /** With {@link LogSync#LAZY}, written records are synced at least this often. */
    static final long LAZY_SYNC_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10);
    /** Header bytes. */
    static final int HEADER = 32;
    /** A record's magic. */
    static final int RECORD_MAGIC = 0x52454344;
    /** A record's fixed bytes: magic, count, padding, LSN and CRC. */
    static final int RECORD_FIXED = 4 + 2 + 2 + 8 + 4;
    /** Bytes per entry. */
    static final int ENTRY = 16;

    private final FileChannel channel;
    private final LogSync sync;
    private final Path path;
    private final ReentrantLock lock = new ReentrantLock();
    /** The committer waits on it for records; appenders wait on it for room in the open batch. */
    private final Condition work = lock.newCondition();
    private final Condition durable = lock.newCondition();
    private final Thread committer;
    private final CRC32C crc = new CRC32C();
    private ByteBuffer open;
    private ByteBuffer spare;
    /** The LSN the next record gets. Guarded by lock. */
    private long nextLsn;
    /** Every record up to this LSN is durable: on disk, synced. */
    private volatile long durableLsn;
    /**
     * Every record up to this LSN is committed: durable, or with {@link LogSync#LAZY} written to
     * the kernel (it survives the process's crash; it is synced within {@link #LAZY_SYNC_NANOS}).
     */
    private volatile long committedLsn;
    /** With {@link LogSync#LAZY}: the highest LSN a writer of pages waits to see durable. Guarded by lock. */
    private long syncWanted;
    private final boolean lazy;
    private boolean closing;
    private IOException failure;
    private long position;
    // statistics, guarded by lock
    private long batches;
    private long records;
    private long bytes;

    /**
     * Creates the log at {@code path} (truncating what was there: the caller recovered it first)
     * with its header, and starts the committer.
     *
     * @param baseLsn every LSN of this log is above it: the highest LSN the database has seen
     * @param appenders the most records pending at once (each agent has at most one)
     */
    RedoLog(Path path, LogSync sync, long baseLsn, int appenders) throws IOException {
        this(path, sync, baseLsn, baseLsn, 0, appenders);
    }

    /**
     * Opens the log that {@code scan} read to go on appending after its last valid record (a torn
     * tail is cut off), keeping its base: the database's pages are then checked against every
     * record since the log began ({@code jaio oltp --verify}).
     */
    static RedoLog reopen(Path path, LogSync sync, Scan scan, int appenders) throws IOException {
        if (scan.fileBytes() < HEADER) {
            return new RedoLog(path, sync, scan.baseLsn(), appenders);
        }
        return new RedoLog(path, sync, scan.baseLsn(), scan.lastLsn(), scan.validBytes(), appenders);
    }

    private RedoLog(Path path, LogSync sync, long baseLsn, long lastLsn, long appendAt, int appenders)
            throws IOException {
        this.path = path;
        this.sync = sync;
        this.lazy = sync == LogSync.LAZY;
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        if (appendAt == 0) {
            options.add(StandardOpenOption.TRUNCATE_EXISTING);
        }
        if (sync == LogSync.DSYNC) {
            options.add(StandardOpenOption.DSYNC);
        }
        this.channel = FileChannel.open(path, options);
        try {
            if (appendAt == 0) {
                ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
                header.putLong(HEADER_MAGIC).putLong(baseLsn).clear(); // all 32 bytes, the reserved ones zero
                channel.write(header, 0);
            } else {
                channel.truncate(appendAt); // a torn tail goes
            }
            channel.force(true);
        } catch (IOException e) {
            channel.close();
            throw new IOException("redo log " + path + ": " + (appendAt == 0 ? "writing the header" : "cutting the tail at "
                    + appendAt) + ": " + e.getMessage(), e);
        }
        this.position = appendAt == 0 ? HEADER : appendAt;
        int capacity = appenders * recordBytes(OltpSettings.MAX_READS) + 64;
        this.open = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        this.spare = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        this.nextLsn = lastLsn + 1;
        this.durableLsn = lastLsn;
        this.committedLsn = lastLsn;
        this.committer = Thread.ofPlatform().name("oltp-log-committer").daemon().start(this::runCommitter);
    }

    /** Bytes of a record of {@code entries} entries. */
    static int recordBytes(int entries) {
        return RECORD_FIXED + entries * ENTRY;
    }

    /**
     * Appends the record that sets rows {@code rows[i]} of pages {@code pages[i]}, {@code i < n}, and
     * returns its LSN; the record is durable once {@link #awaitDurable} of it returns.
     */
    long append(long[] pages, int[] rows, int n) throws IOException {
        int size = recordBytes(n);
        lock.lock();
        try {
            while (!closing && failure == null && open.remaining() < size) {
                work.awaitUninterruptibly();
            }
            checkOpen();
            long lsn = nextLsn++;
            ByteBuffer b = open;
            int start = b.position();
            b.putInt(RECORD_MAGIC).putShort((short) n).putShort((short) 0).putLong(lsn);
            for (int i = 0; i < n; i++) {
                b.putLong(pages[i]).putInt(rows[i]).putInt(0);
            }
            crc.reset();
            crc.update(b.slice(start, b.position() - start));
            b.putInt((int) crc.getValue());
            work.signalAll();
            return lsn;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every record up to {@code lsn} is durable. */
    void awaitDurable(long lsn) throws IOException {
        await(lsn, true);
    }

    /**
     * Waits until every record up to {@code lsn} is committed: what a transaction's commit waits
     * for. Durable, except with {@link LogSync#LAZY}, where it is written to the kernel.
     */
    void awaitCommitted(long lsn) throws IOException {
        await(lsn, !lazy);
    }

    /** Waits until every record up to {@code lsn} is durable, or (not {@code toDisk}) committed. */
    private void await(long lsn, boolean toDisk) throws IOException {
        if ((toDisk ? durableLsn : committedLsn) >= lsn) {
            return;
        }
        lock.lock();
        try {
            if (lsn >= nextLsn) {
                throw new IOException("redo log " + path + ": LSN " + lsn + " was never given out (the last is "
                        + (nextLsn - 1) + "): a page is ahead of its log, which was lost or is another database's; delete the"
                        + " database and its log to start over");
            }
            if (toDisk && lazy && syncWanted < lsn) {
                syncWanted = lsn; // the committer syncs now rather than at its next tick
                work.signalAll();
            }
            while ((toDisk ? durableLsn : committedLsn) < lsn) {
                if (failure != null) {
                    throw new IOException("redo log " + path + ": " + failure.getMessage(), failure);
                }
                if (closing) {
                    throw new IOException("redo log " + path + " closed before LSN " + lsn + " was "
                            + (toDisk ? "durable" : "committed"));
                }
                durable.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for LSN " + lsn + " of redo log " + path);
        } finally {
            lock.unlock();
        }
    }

    /** {@return the highest LSN that is committed} (see {@link #awaitCommitted}) */
    long committedLsn() {
        return committedLsn;
    }

    /** {@return the highest LSN that is durable} (every lower one is too) */
    long durableLsn() {
        return durableLsn;
    }

    /** {@return the highest LSN given out so far} */
    long lastLsn() {
        lock.lock();
        try {
            return nextLsn - 1;
        } finally {
            lock.unlock();
        }
    }

    /** {@return batches written, records in them, bytes} */
    long[] stats() {
        lock.lock();
        try {
            return new long[] {batches, records, bytes};
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() throws IOException {
        if (failure != null) {
            throw new IOException("redo log " + path + ": " + failure.getMessage(), failure);
        }
        if (closing) {
            throw new IOException("redo log " + path + " is closed");
        }
    }

    private void runCommitter() {
        long lastSync = System.nanoTime();
        while (true) {
            ByteBuffer batch = null;
            long last = 0;
            lock.lock();
            try {
                while (open.position() == 0) {
                    boolean unsynced = lazy && committedLsn > durableLsn;
                    if (unsynced && (syncWanted > durableLsn || closing
                            || System.nanoTime() - lastSync >= LAZY_SYNC_NANOS)) {
                        break;
                    }
                    if (closing && !unsynced) {
                        return;
                    }
                    if (unsynced) {
                        try {
                            work.awaitNanos(LAZY_SYNC_NANOS - (System.nanoTime() - lastSync));
                        } catch (InterruptedException e) {
                            // the committer is stopped by closing, not interrupts
                        }
                    } else {
                        work.awaitUninterruptibly();
                    }
                }
                if (open.position() > 0) {
                    batch = open;
                    open = spare;
                    spare = null;
                    last = nextLsn - 1;
                    work.signalAll(); // appenders waiting for room
                }
            } finally {
                lock.unlock();
            }
            try {
                long written = 0;
                if (batch != null) {
                    batch.flip();
                    written = batch.remaining();
                    while (batch.hasRemaining()) {
                        position += channel.write(batch, position);
                    }
                    if (sync == LogSync.FDATASYNC) {
                        channel.force(false);
                    }
                    batch.clear();
                }
                long syncTo = -1;
                lock.lock();
                try {
                    if (batch != null) {
                        spare = batch;
                        records += last - committedLsn;
                        committedLsn = last;
                        if (!lazy) {
                            durableLsn = last;
                        }
                        batches++;
                        bytes += written;
                        durable.signalAll();
                    }
                    if (lazy && committedLsn > durableLsn && (syncWanted > durableLsn || closing
                            || System.nanoTime() - lastSync >= LAZY_SYNC_NANOS)) {
                        syncTo = committedLsn;
                    }
                } finally {
                    lock.unlock();
                }
                if (syncTo >= 0) {
                    channel.force(false);
                    lastSync = System.nanoTime();
                    lock.lock();
                    try {
                        durableLsn = syncTo;
                        durable.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            } catch (IOException e) {
                lock.lock();
                try {
                    failure = e;
                    durable.signalAll();
                    work.signalAll();
                } finally {
                    lock.unlock();
                }
                return;
            }
        }
    }

    /** Writes what is pending, stops the committer and closes the file. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            closing = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            committer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
        lock.lock();
        try {
            durable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** One record read back: the rows it sets and its LSN. */
    record Entry(long lsn, long[] pages, int[] rows) {
    }

    /**
     * What a log holds.
     *
     * @param baseLsn the header's base LSN
     * @param entries the valid records, in log order
     * @param validBytes where the valid records end
     * @param fileBytes the file's size (more than validBytes when a torn tail was cut off)
     */
    record Scan(long baseLsn, List<Entry> entries, long validBytes, long fileBytes) {
        /** {@return the highest LSN of the log, or the base LSN when it holds no record} */
        long lastLsn() {
            return entries.isEmpty() ? baseLsn : entries.getLast().lsn();
        }
    }

    /**
     * Reads the log at {@code path}: its header, then records until the end or the first one that
     * is cut short or fails its checksum. A missing or empty file is an empty log with base 0.
     *
     * @throws IOException if the file is not a redo log or cannot be read
     */
    static Scan scan(Path path) throws IOException {
        if (!Files.exists(path) || Files.size(path) == 0) {
            return new Scan(0, List.of(), 0, 0);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER) {
                throw new IOException("redo log " + path + ": " + size + " bytes, shorter than its " + HEADER
                        + "-byte header");
            }
            ByteBuffer all = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 16))
                    .order(ByteOrder.LITTLE_ENDIAN);
            while (all.hasRemaining() && ch.read(all, all.position()) > 0) {
                // read the whole log
            }
            all.flip();
            if (all.getLong(0) != HEADER_MAGIC) {
                throw new IOException("redo log " + path + ": not a jaio oltp redo log (bad magic at offset 0)");
            }
            long base = all.getLong(8);
            List<Entry> entries = new ArrayList<>();
            CRC32C c = new CRC32C();
            int at = HEADER;
            long last = base;
            while (at + RECORD_FIXED <= all.limit() && all.getInt(at) == RECORD_MAGIC) {
                int n = Short.toUnsignedInt(all.getShort(at + 4));
                int len = recordBytes(n);
                if (n == 0 || n > OltpSettings.MAX_READS || at + len > all.limit()) {
                    break;
                }
                c.reset();
                c.update(all.slice(at, len - 4));
                if ((int) c.getValue() != all.getInt(at + len - 4)) {
                    break;
                }
                long lsn = all.getLong(at + 8);
                if (lsn <= last) {
                    throw new IOException("redo log " + path + ": LSN " + lsn + " at offset " + at + " follows LSN " + last);
                }
                long[] pages = new long[n];
                int[] rows = new int[n];
                for (int i = 0; i < n; i++) {
                    pages[i] = all.getLong(at + 16 + i * ENTRY);
                    rows[i] = all.getInt(at + 24 + i * ENTRY);
                }
                entries.add(new Entry(lsn, pages, rows));
                last = lsn;
                at += len;
            }
            return new Scan(base, entries, at, size);
        }
    }
}
