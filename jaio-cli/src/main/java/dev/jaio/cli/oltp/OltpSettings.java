package dev.jaio.cli.oltp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Every setting of one {@code jaio oltp} configuration, checked; the one home of the defaults.
 *
 * @param dbFile the database file (8 KiB pages)
 * @param logFile the redo log file
 * @param dbBytes the database size, a multiple of {@link PageFormat#PAGE_SIZE}
 * @param poolBytes the buffer pool before any memory budget is applied, a multiple of the page size
 * @param memoryBudget 0, or the bytes the pool and the cleaners share: each synchronous cleaner
 *     is charged {@link #SYNC_CLEANER_BYTES}, the AIO cleaner its write buffers, and the pool gets
 *     the rest (the paper's DB2 configuration, §8.2)
 * @param agents agent threads, which run the transactions
 * @param virtualAgents whether the agents are virtual threads
 * @param readsPerTxn pages one transaction reads
 * @param updatePercent the share of those pages a transaction updates, in [0, 100]
 * @param zipf whether accesses follow Zipf 0.99 rather than sysbench's special skew
 * @param io how the pool reaches the file
 * @param pageDsync whether the database file is open O_DSYNC: every page write (the cleaners' and the
 *     agents') is durable when it completes, as writes to the paper's raw disks were, rather than
 *     absorbed by the device's write cache
 * @param cleaners the page cleaners
 * @param cleanerDepth page writes the AIO cleaner keeps in flight
 * @param cleanAhead how far ahead of the agents' clock hand the cleaners clean
 * @param dirtyTarget the share of the pool's frames that may stay dirty, percent in [0, 99]: under it,
 *     cleaners leave dirty frames in their window to take more changes (short of
 *     {@code BufferPool.MAX_DIRTY_RUN} in a row, so that agents still meet clean victims), as DB2's
 *     cleaners start only at {@code chngpgs_thresh} changed pages (default 60%); 0 cleans every
 *     dirty frame that reaches the window
 * @param logSync how a commit is made durable
 * @param engine the jaio engine (uring, aio, threads) or null for jaio's choice
 * @param warmup how long agents run before measuring
 * @param duration how long the measured interval lasts
 * @param seed the seed of the agents' random choices
 */
public record OltpSettings(Path dbFile, Path logFile, long dbBytes, long poolBytes, long memoryBudget, int agents,
        boolean virtualAgents, int readsPerTxn, int updatePercent, boolean zipf, IoMode io, boolean pageDsync,
        CleanerSpec cleaners,
        int cleanerDepth, CleanAhead cleanAhead, int dirtyTarget, LogSync logSync, String engine, Duration warmup, Duration duration,
        long seed) {

    /** Default database size: 4 GiB. */
    public static final long DEFAULT_DB = 4L << 30;
    /** {@code --quick}'s database size. */
    public static final long QUICK_DB = 256L << 20;
    /** Default pool: a quarter of the database. */
    public static final int DEFAULT_POOL_DIVISOR = 4;
    /** Default agents. */
    public static final int DEFAULT_AGENTS = 32;
    /** Default pages per transaction. */
    public static final int DEFAULT_READS = 10;
    /** Default update share, percent: update-heavy, as the issue asks (at least 20). */
    public static final int DEFAULT_UPDATE_PERCENT = 25;
    /** Default AIO cleaner depth. */
    public static final int DEFAULT_CLEANER_DEPTH = 64;
    /** Default clean-ahead share of the pool, percent: the window, or the adaptive window's bound. */
    public static final int DEFAULT_CLEAN_AHEAD = 5;
    /** Default dirty target, percent of the pool: 0, every dirty frame in the window is cleaned. */
    public static final int DEFAULT_DIRTY_TARGET = 0;
    /** Highest dirty target, percent (DB2's {@code chngpgs_thresh} goes to 99 as well). */
    public static final int MAX_DIRTY_TARGET = 99;
    /** Most pages one transaction may read (its log record must fit a batch). */
    public static final int MAX_READS = 64;
    /**
     * Memory charged to each synchronous cleaner under a budget: its thread stack (the JVM's
     * default -Xss on Linux x64, 1 MiB) and its 8 KiB write buffer.
     */
    public static final long SYNC_CLEANER_BYTES = (1L << 20) + PageFormat.PAGE_SIZE;
    /** The pool's least size, pages: enough for every agent's pages and the clean-ahead window. */
    static final int MIN_FRAMES = 64;

    /** How the pool reaches the database file. */
    public enum IoMode {
        /** O_DIRECT: the paper's raw-device configuration (and its file-system DIO). */
        DIRECT,
        /** The kernel's page cache: the paper's synchronous buffered I/O on a file system. */
        BUFFERED,
        /** jaio's own page cache (FileOption.CACHED): the paper's buffered AIO, §3-§7. */
        CACHED;

        /** {@return the flag's spelling} */
        public String flag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How a commit is made durable. */
    public enum LogSync {
        /** The log is opened O_DSYNC: each batch's write returns once it is durable. */
        DSYNC,
        /** Each batch is written, then fdatasync'd. */
        FDATASYNC,
        /**
         * A commit waits only until its batch is written to the kernel; the log is fdatasync'd at
         * least every 10 ms and whenever a page is to be written past what is synced (the
         * write-ahead rule holds). A commit survives the process's crash, the machine's only once
         * synced: InnoDB's innodb_flush_log_at_trx_commit=2, PostgreSQL's synchronous_commit=off.
         * Not the paper's setup: it takes the log's flush out of every transaction, so that the
         * page writes are what the agents wait for.
         */
        LAZY
    }

    /**
     * The page cleaners.
     *
     * @param kind none, sync or aio
     * @param threads cleaner threads: 0 for none, 1 for aio
     */
    public record CleanerSpec(Kind kind, int threads) {
        /** The kinds of cleaner. */
        public enum Kind {
            /** No cleaner: agents write every dirty victim themselves. */
            NONE,
            /** N threads, each writing one page at a time with a blocking pwrite. */
            SYNC,
            /** One thread keeping many page writes in flight through jaio's batch API (IoContext). */
            AIO
        }

        /** Checks the values. */
        public CleanerSpec {
            if (kind == null) {
                throw new IllegalArgumentException("a cleaner kind is needed");
            }
            int expected = switch (kind) {
                case NONE -> 0;
                case AIO -> 1;
                case SYNC -> threads;
            };
            if (threads != expected || (kind == Kind.SYNC && (threads < 1 || threads > 1024))) {
                throw new IllegalArgumentException("--cleaners=" + kind.name().toLowerCase(Locale.ROOT) + ":" + threads
                        + ": none, aio:1 or sync:N with N in [1, 1024]");
            }
        }

        /** Parses {@code none}, {@code aio}, {@code aio:1} or {@code sync:N}. */
        public static CleanerSpec parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            if (t.equals("none")) {
                return new CleanerSpec(Kind.NONE, 0);
            }
            if (t.equals("aio")) {
                return new CleanerSpec(Kind.AIO, 1);
            }
            int colon = t.indexOf(':');
            if (colon > 0) {
                String kind = t.substring(0, colon);
                int n;
                try {
                    n = Integer.parseInt(t.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--cleaners=" + text + ": the count is not a number");
                }
                if (kind.equals("sync")) {
                    return new CleanerSpec(Kind.SYNC, n);
                }
                if (kind.equals("aio")) {
                    if (n != 1) {
                        throw new IllegalArgumentException("--cleaners=" + text
                                + ": the AIO configuration has one cleaner (the paper's); set its depth with --cleaner-depth");
                    }
                    return new CleanerSpec(Kind.AIO, 1);
                }
            }
            throw new IllegalArgumentException("--cleaners=" + text + ": none, aio:1 or sync:N");
        }

        /** {@return the flag's spelling: none, aio:1, sync:N} */
        public String label() {
            return kind == Kind.NONE ? "none" : kind.name().toLowerCase(Locale.ROOT) + ":" + threads;
        }
    }

    /**
     * How far ahead of the agents' clock hand the cleaners clean.
     *
     * @param percent the share of the pool, percent: the window itself, or the most an adaptive window grows to
     * @param adaptive whether the window follows the hand's speed and the cleaners' write latency (as
     *     PostgreSQL's background writer sizes its rounds): cleaning as late as the writes allow, so
     *     that a page used again before the hand reaches it is not written twice
     */
    public record CleanAhead(int percent, boolean adaptive) {
        /** Adaptive, at most {@link #DEFAULT_CLEAN_AHEAD} percent of the pool ({@code auto}). */
        public static final CleanAhead AUTO = new CleanAhead(DEFAULT_CLEAN_AHEAD, true);
        /**
         * The default: a fixed {@link #DEFAULT_CLEAN_AHEAD} percent of the pool. Measured against
         * {@link #AUTO} on the development VM: the same page writes per transaction (0.57; a page
         * cleaned early is seldom used again before the hand reaches it), and the AIO cleaner
         * spent 11-13 us of CPU per page write with this window against 17-19 us with the adaptive
         * one (~150 frames), which wakes it for fewer frames at a time.
         */
        public static final CleanAhead DEFAULT = new CleanAhead(DEFAULT_CLEAN_AHEAD, false);

        /** Checks the values. */
        public CleanAhead {
            if (percent < 1 || percent > 50) {
                throw new IllegalArgumentException("--clean-ahead=" + (adaptive ? "auto:" : "") + percent
                        + ": the share of the pool is in [1, 50] percent");
            }
        }

        /** Parses {@code auto}, {@code auto:PCT} (at most PCT percent) or {@code PCT} (a fixed window). */
        public static CleanAhead parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            if (t.equals("auto")) {
                return AUTO;
            }
            boolean auto = t.startsWith("auto:");
            String pct = auto ? t.substring("auto:".length()) : t;
            try {
                return new CleanAhead(Integer.parseInt(pct), auto);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--clean-ahead=" + text
                        + ": auto, auto:PCT (adaptive, at most PCT percent of the pool) or PCT (a fixed share)");
            }
        }

        /** {@return the flag's spelling} */
        public String label() {
            return adaptive ? (percent == DEFAULT_CLEAN_AHEAD ? "auto" : "auto:" + percent) : Integer.toString(percent);
        }
    }

    /** Checks the values. */
    public OltpSettings {
        if (dbFile == null || logFile == null || io == null || cleaners == null || cleanAhead == null || logSync == null
                || warmup == null || duration == null) {
            throw new IllegalArgumentException("missing setting");
        }
        if (dbBytes < 16L * PageFormat.PAGE_SIZE || dbBytes % PageFormat.PAGE_SIZE != 0
                || dbBytes / PageFormat.PAGE_SIZE >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--db-size=" + dbBytes + ": a multiple of 8 KiB, at least 16 pages and"
                    + " fewer than 2^31 pages");
        }
        if (poolBytes % PageFormat.PAGE_SIZE != 0 || poolBytes / PageFormat.PAGE_SIZE < MIN_FRAMES
                || poolBytes > dbBytes) {
            throw new IllegalArgumentException("--pool=" + poolBytes + ": a multiple of 8 KiB, at least " + MIN_FRAMES
                    + " pages and at most the database (" + dbBytes + ")");
        }
        if (memoryBudget < 0) {
            throw new IllegalArgumentException("--memory-budget=" + memoryBudget + ": not negative");
        }
        if (agents < 1 || agents > 100_000) {
            throw new IllegalArgumentException("--agents=" + agents + ": in [1, 100000]");
        }
        if (readsPerTxn < 1 || readsPerTxn > MAX_READS) {
            throw new IllegalArgumentException("--reads=" + readsPerTxn + ": in [1, " + MAX_READS + "]");
        }
        if (updatePercent < 0 || updatePercent > 100) {
            throw new IllegalArgumentException("--update-pct=" + updatePercent + ": in [0, 100]");
        }
        if (cleanerDepth < 1 || cleanerDepth > 4096) {
            throw new IllegalArgumentException("--cleaner-depth=" + cleanerDepth + ": in [1, 4096]");
        }
        if (dirtyTarget < 0 || dirtyTarget > MAX_DIRTY_TARGET) {
            throw new IllegalArgumentException("--dirty-target=" + dirtyTarget + ": in [0, " + MAX_DIRTY_TARGET + "]");
        }
        if (duration.isNegative() || duration.isZero() || warmup.isNegative()) {
            throw new IllegalArgumentException("--duration must be above 0 and --warmup not negative");
        }
        if (poolBytes / PageFormat.PAGE_SIZE < minFrames(agents, readsPerTxn)) {
            throw new IllegalArgumentException("--pool=" + poolBytes + " has " + poolBytes / PageFormat.PAGE_SIZE
                    + " pages: too few for " + agents + " agents that pin " + readsPerTxn + " pages each (at least "
                    + minFrames(agents, readsPerTxn) + ")");
        }
    }

    /** The least pool, pages: twice what the agents can pin at once, and {@link #MIN_FRAMES}. */
    static long minFrames(int agents, int readsPerTxn) {
        return Math.max(MIN_FRAMES, 2L * agents * readsPerTxn);
    }

    /** {@return pages in the database} */
    public long pages() {
        return dbBytes / PageFormat.PAGE_SIZE;
    }

    /** The access pattern over the database's pages. */
    public AccessPattern pattern() {
        return zipf ? AccessPattern.Zipf.ycsb(pages()) : AccessPattern.Special.sysbench(pages());
    }

    /**
     * The pool's frames: {@link #poolBytes} without a budget; under a budget, what is left of it
     * once the cleaners are charged, and never more than {@link #poolBytes}.
     */
    public int frames() {
        long pool = poolBytes;
        if (memoryBudget > 0) {
            pool = Math.min(pool, memoryBudget - cleanerBytes());
        }
        long frames = pool / PageFormat.PAGE_SIZE;
        if (frames < minFrames(agents, readsPerTxn)) {
            throw new IllegalArgumentException("--memory-budget=" + memoryBudget + " leaves " + Math.max(0, pool)
                    + " bytes for the pool after the cleaners' " + cleanerBytes() + ": fewer than "
                    + minFrames(agents, readsPerTxn) + " pages");
        }
        return (int) frames;
    }

    /** The memory charged to the cleaners under a budget (see {@link #memoryBudget}). */
    public long cleanerBytes() {
        return switch (cleaners.kind()) {
            case NONE -> 0;
            case SYNC -> cleaners.threads() * SYNC_CLEANER_BYTES;
            case AIO -> SYNC_CLEANER_BYTES + (long) cleanerDepth * PageFormat.PAGE_SIZE;
        };
    }

    /** This configuration with other cleaners. */
    public OltpSettings withCleaners(CleanerSpec c) {
        return new OltpSettings(dbFile, logFile, dbBytes, poolBytes, memoryBudget, agents, virtualAgents, readsPerTxn,
                updatePercent, zipf, io, pageDsync, c, cleanerDepth, cleanAhead, dirtyTarget, logSync, engine, warmup,
                duration, seed);
    }

    /** This configuration with another I/O mode. */
    public OltpSettings withIo(IoMode m) {
        return new OltpSettings(dbFile, logFile, dbBytes, poolBytes, memoryBudget, agents, virtualAgents, readsPerTxn,
                updatePercent, zipf, m, pageDsync, cleaners, cleanerDepth, cleanAhead, dirtyTarget, logSync, engine, warmup,
                duration, seed);
    }

    /** A short name: the I/O mode and the cleaners, as in {@code direct sync:8} or {@code direct+dsync aio:1}. */
    public String label() {
        return io.flag() + (pageDsync ? "+dsync" : "") + " " + cleaners.label();
    }
}
