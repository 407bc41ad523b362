package dev.jaio.internal.cache;

import dev.jaio.internal.jfr.Jfr;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The flusher: the cache's dirty accounting, the throttling of writers over the dirty limit (the
 * kernel's balance_dirty_pages, mm/page-writeback.c), and the cleaner thread that writes dirty
 * files back in the background (its flusher thread, fs/fs-writeback.c).
 *
 * <p>The cleaner drives a file's writeback only through the narrow {@link DirtyFile} entry: when the
 * file got dirty, and one batch of its background writeback. It only issues writes: their
 * completions run on the engine's thread and end in {@link #writebackEnded}.
 */
final class Flusher {

    /** How often the cleaner looks for expired files (dirty_writeback_centisecs, at most). */
    private static final long CLEANER_INTERVAL_NANOS = 5_000_000_000L;
    /** Most pages under background writeback at once, so it never floods the device queue. */
    private static final int CLEANER_IN_FLIGHT = 1024;
    /** Pages one background writeback step looks at. */
    private static final int CLEANER_BATCH = 256;
    private static final AtomicInteger CLEANERS = new AtomicInteger();

    private final CacheCounters counters;
    private final PageReclaim reclaim;
    /** Frames in the budget: the dirty thresholds are shares of it. */
    private final int capacity;
    /** The files of the cache, as the cleaner sees them. */
    private final Iterable<DirtyFile> files;
    /**
     * Dirty thresholds, as shares of the budget (the kernel's dirty_background_ratio and
     * dirty_ratio): past the first the cleaner writes pages back; past the second writers wait
     * until it has (balance_dirty_pages), so dirty memory cannot grow without bound.
     */
    private volatile int dirtyBackgroundPercent = 10;
    private volatile int dirtyLimitPercent = 20;
    /** A dirty file is written back once its oldest dirty page is this old (dirty_expire_centisecs). */
    private volatile long dirtyExpireNanos = 30_000_000_000L;
    private final ConcurrentLinkedQueue<CachedWrite> dirtyWaiters = new ConcurrentLinkedQueue<>();
    private final Object cleanerLock = new Object();
    private volatile Thread cleaner;
    private boolean cleanerKicked;
    private volatile boolean closing;

    /**
     * @param capacity frames in the budget
     * @param files the cache's files, for the cleaner's passes
     */
    Flusher(CacheCounters counters, PageReclaim reclaim, int capacity, Iterable<DirtyFile> files) {
        this.counters = counters;
        this.reclaim = reclaim;
        this.capacity = capacity;
        this.files = files;
    }

    /**
     * Sets the dirty policy: write back past {@code backgroundPercent} of the budget, make writers
     * wait past {@code limitPercent}, write back files dirty for {@code expireMillis}.
     */
    void setDirtyLimits(int backgroundPercent, int limitPercent, long expireMillis) {
        dirtyBackgroundPercent = backgroundPercent;
        dirtyLimitPercent = limitPercent;
        dirtyExpireNanos = expireMillis * 1_000_000L;
    }

    private long dirtyBackgroundPages() {
        return Math.max(1, (long) capacity * dirtyBackgroundPercent / 100);
    }

    private long dirtyLimitPages() {
        return Math.max(2, (long) capacity * dirtyLimitPercent / 100);
    }

    // ---- dirty accounting ----

    /** {@code n} pages went from clean to dirty. */
    void dirtyPagesAdded(int n) {
        counters.pagesDirtied.add(n);
        Thread c = cleaner;
        if (counters.dirtyPages.addAndGet(n) > dirtyBackgroundPages() || c == null || !c.isAlive()) {
            kick(); // and the first dirty page starts the cleaner, which also expires pages
        }
    }

    /**
     * {@code pages} pages went under writeback, {@code cleaned} of them still counted dirty (a
     * truncate may have dropped, and uncounted, the others since they were taken). Each of the
     * {@code pages} ends with {@link #writebackEnded}, so that count is what writeback adds.
     */
    void writebackStarted(int pages, int cleaned) {
        counters.dirtyPages.addAndGet(-cleaned);
        counters.writebackPages.addAndGet(pages);
        counters.pagesWritten.add(pages);
    }

    /**
     * {@code n} dirty pages left the cache unwritten (truncate, invalidation). Runs throttled
     * writers on this thread, so never under a file's lock.
     */
    void dirtyPagesGone(int n) {
        counters.dirtyPages.addAndGet(-n);
        wakeDirtyWaiters();
    }

    /** A device write of pages ended (a frame or the dirty budget may have freed up). */
    void writebackEnded(int pages) {
        long inFlight = counters.writebackPages.addAndGet(-pages);
        reclaim.framesMayBeFree();
        wakeDirtyWaiters();
        if (inFlight < CLEANER_IN_FLIGHT / 2 && counters.dirtyPages.get() > dirtyBackgroundPages()) {
            kick();
        }
    }

    // ---- throttling ----

    /** Whether writers must wait for the cleaner before they dirty more pages. */
    boolean overDirtyLimit() {
        return counters.dirtyPages.get() >= dirtyLimitPages();
    }

    /**
     * Runs {@code retry} once dirty pages may have fallen below the limit; the cleaner is told to
     * write back meanwhile. No thread blocks: the writer's request waits as a queued retry.
     */
    void retryWhenDirtyBelowLimit(CachedWrite retry) {
        counters.throttled.increment();
        Jfr.throttle(counters.dirtyPages.get(), dirtyLimitPages());
        dirtyWaiters.add(retry);
        kick();
        if (!overDirtyLimit()) {
            wakeDirtyWaiters();
        }
    }

    private void wakeDirtyWaiters() {
        if (dirtyWaiters.isEmpty() || overDirtyLimit()) {
            return;
        }
        for (int n = dirtyWaiters.size(); n > 0; n--) {
            CachedWrite r = dirtyWaiters.poll();
            if (r == null) {
                break;
            }
            r.run();
        }
    }

    // ---- the cleaner ----

    /** Makes the cleaner look at the dirty pages now (starting it on first use). */
    void kick() {
        synchronized (cleanerLock) {
            if (closing) {
                return;
            }
            Thread c = cleaner;
            if (c == null || !c.isAlive()) {
                // First use, or the cleaner died (an Error escaped it) or never started: without
                // one, dirty pages are never written back and throttled writers wait forever.
                c = Thread.ofPlatform().daemon().name("jaio-writeback-" + CLEANERS.incrementAndGet())
                        .unstarted(this::cleanerLoop);
                c.start(); // may throw OutOfMemoryError; cleaner stays as it was and the next kick tries again
                cleaner = c;
            }
            if (!cleanerKicked) {
                cleanerKicked = true;
                cleanerLock.notifyAll();
            }
        }
    }

    /**
     * The cleaner (the kernel's flusher thread for this cache): wakes when kicked or every
     * {@link #CLEANER_INTERVAL_NANOS}; while dirty pages are past the background threshold, or a
     * file's dirty pages have expired, it writes back batches of each such file, resuming where the
     * file's last batch ended, and keeps at most {@link #CLEANER_IN_FLIGHT} pages in flight. It only
     * issues writes: their completions run on the engine's thread.
     */
    private void cleanerLoop() {
        while (true) {
            synchronized (cleanerLock) {
                if (!cleanerKicked && !closing) {
                    try {
                        cleanerLock.wait(Math.max(1, Math.min(CLEANER_INTERVAL_NANOS, dirtyExpireNanos / 2) / 1_000_000));
                    } catch (InterruptedException e) {
                        // closing is checked below
                    }
                }
                cleanerKicked = false;
                if (closing) {
                    return;
                }
            }
            long issued = -1;
            try {
                issued = cleanOnce();
            } catch (RuntimeException e) {
                // A handle closed under it, say: the next pass starts afresh.
            }
            if (issued == 0) {
                failStuckWriters();
            }
        }
    }

    /**
     * A writer waits over the dirty limit only while writeback makes progress for it: when a pass
     * of the cleaner could put no page under writeback and none is in flight although dirty pages
     * are over the limit (every one of them failed its last write, so background writeback leaves
     * them to the next sync), the waiting writers end with the last writeback error instead of
     * waiting forever. Called only after such a pass (it issued nothing).
     */
    private void failStuckWriters() {
        int errno = counters.lastWriteErrno();
        if (errno == 0 || dirtyWaiters.isEmpty() || !overDirtyLimit() || counters.writebackPages.get() > 0) {
            return;
        }
        for (int n = dirtyWaiters.size(); n > 0; n--) {
            CachedWrite w = dirtyWaiters.poll();
            if (w == null) {
                break;
            }
            w.throttleErrno = errno;
            w.run();
        }
    }

    /** One pass of the cleaner; returns the pages it put under writeback (-1 when it stopped at the in-flight cap). */
    private long cleanOnce() {
        long issued = 0;
        boolean progress = true;
        while (progress && !closing) {
            progress = false;
            // Requests waiting for a frame are memory pressure: dirty pages are written back then
            // whatever their number or age (the kernel's reclaim wakes the flushers), since a
            // dirty page can never be evicted.
            boolean over = counters.dirtyPages.get() > dirtyBackgroundPages() || reclaim.framesWanted();
            long now = System.nanoTime();
            for (DirtyFile f : files) {
                if (counters.writebackPages.get() >= CLEANER_IN_FLIGHT) {
                    return -1; // writebackEnded kicks again
                }
                long since = f.dirtiedAt();
                if (since == 0 || (!over && now - since < dirtyExpireNanos)) {
                    continue;
                }
                long n = f.writeBackBatch(CLEANER_BATCH);
                if (n > 0) {
                    progress = true;
                    issued += n;
                }
            }
            if (counters.dirtyPages.get() <= dirtyBackgroundPages() && !reclaim.framesWanted()) {
                return issued; // expired files were written once this pass
            }
        }
        return issued;
    }

    /** Stops the cleaner (waiting for its pass to end, unless this is the cleaner). */
    void close() {
        Thread t;
        synchronized (cleanerLock) {
            closing = true;
            cleanerLock.notifyAll();
            t = cleaner;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What the flusher sees of a file (the kernel's inode on a bdi_writeback's dirty list, and its
     * do_writepages): the cleaner reaches a file's pages only through it.
     */
    interface DirtyFile {

        /** When the file went from clean to dirty (System.nanoTime), for the cleaner's expiry; 0 when clean. */
        long dirtiedAt();

        /**
         * One batch of background writeback: up to {@code max} dirty pages from where the last batch
         * stopped.
         *
         * @return pages put under writeback
         */
        long writeBackBatch(int max);
    }
}
