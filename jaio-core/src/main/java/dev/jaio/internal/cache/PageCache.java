package dev.jaio.internal.cache;

import dev.jaio.internal.engine.EventLoop;
import dev.jaio.internal.engine.IoOp;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * jaio's page cache: a fixed budget of page frames ({@link PageFrames}) shared by the
 * {@link FileCache}s of every cached file of one engine, CLOCK eviction of clean idle pages, one
 * keyed {@link WaitTable} for page waits, and the counters the tools report.
 *
 * <p>The cache does its device I/O through the engine's {@link EventLoop}: reads of pages go into
 * frames with O_DIRECT. A page read completes on the loop's thread, which unlocks the pages and
 * so runs the retries of the requests that waited for them (see {@link CachedRead}).
 */
public final class PageCache implements AutoCloseable {

    private final PageFrames frames;
    private final ClockEvictor clock;
    private final WaitTable waits;
    private final EventLoop loop;
    private final int maxReadaheadPages;
    /** Guards frame allocation, eviction and the clock. */
    private final ReentrantLock frameLock = new ReentrantLock();
    private final ConcurrentHashMap<Object, FileCache> files = new ConcurrentHashMap<>();
    /** Requests waiting for a frame to free up, and the count of frame events so none is missed. */
    private final ConcurrentLinkedQueue<Runnable> frameWaiters = new ConcurrentLinkedQueue<>();
    /**
     * Frame events so far: frees, and pages left idle. A LongAdder because a request counts one
     * each time it lets go of a page it copied (see {@link #release(CachedPage)}); only the sum's
     * change matters, and a sum read after an increment completed includes it.
     */
    private final LongAdder frameEvents = new LongAdder();
    private final java.util.function.Predicate<CachedPage> detach = p -> ((FileCache) p.owner()).detach(p);

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder readaheadPages = new LongAdder();
    private final LongAdder demandPages = new LongAdder();
    private final LongAdder deviceReads = new LongAdder();
    private final LongAdder readErrors = new LongAdder();
    private final LongAdder bypassReads = new LongAdder();
    private final LongAdder deviceWrites = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder idleRetries = new LongAdder();
    private final LongAdder frameWaits = new LongAdder();

    /**
     * @param budgetBytes page memory, rounded down to whole pages
     * @param maxReadaheadBytes the largest readahead window, rounded down to whole pages (0: none)
     * @param keyedWaits false only to measure unfiltered wait queues
     */
    public PageCache(long budgetBytes, int maxReadaheadBytes, boolean keyedWaits, EventLoop loop) {
        if (maxReadaheadBytes < 0) {
            throw new IllegalArgumentException("maximum readahead must be >= 0: " + maxReadaheadBytes);
        }
        this.frames = new PageFrames(budgetBytes);
        this.clock = new ClockEvictor(frames.capacity());
        this.waits = new WaitTable(WaitTable.DEFAULT_BUCKETS, keyedWaits);
        this.loop = loop;
        this.maxReadaheadPages = maxReadaheadBytes / PageFrames.PAGE_SIZE;
    }

    /** The frames. */
    public PageFrames frames() {
        return frames;
    }

    /** The wait table. */
    public WaitTable waits() {
        return waits;
    }

    /** The default largest readahead window, in pages. */
    public int maxReadaheadPages() {
        return maxReadaheadPages;
    }

    // ---- files ----

    /**
     * The cache of the file {@code key} names, made on first use with {@code size}; every handle
     * that opens it calls this once and {@link #release(FileCache)} when it closes.
     */
    public FileCache acquire(Object key, long size) {
        return files.compute(key, (k, f) -> {
            FileCache c = f != null ? f : new FileCache(this, k, size);
            c.handles++;
            return c;
        });
    }

    /**
     * Ends a handle's use of {@code file}. When the last handle of a file closes, its pages are
     * dropped (every request and read of the file has completed by then).
     */
    public void release(FileCache file) {
        boolean[] last = new boolean[1];
        files.computeIfPresent(file.key(), (k, f) -> {
            if (--f.handles == 0) {
                last[0] = true;
                return null;
            }
            return f;
        });
        if (last[0]) {
            file.invalidate(0, Long.MAX_VALUE);
        }
    }

    /** The cache of the file {@code key} names if a handle has it open, else null. */
    public FileCache lookup(Object key) {
        return files.get(key);
    }

    /**
     * Writes back every dirty page of every file and waits for it (blocking; errors stay in each
     * file's errseq for its next sync). For an engine that closes with files still open.
     */
    public void writeBackAll() {
        for (FileCache f : files.values()) {
            if (f.mayHoldUnwrittenData()) {
                try {
                    f.writeBackForDirect(0, FileCache.MAX_INDEX).join();
                } catch (RuntimeException e) {
                    // a handle closing under it: its own close wrote its pages back
                }
            }
        }
    }

    /** Files with an open handle. */
    public int openFiles() {
        return files.size();
    }

    // ---- frames ----

    /** A free frame, evicting an idle page when none is free; -1 when every page is busy. */
    int allocateFrame() {
        frameLock.lock();
        try {
            int f = frames.allocate();
            if (f < 0) {
                f = clock.evict(detach);
                if (f >= 0) {
                    evictions.increment();
                }
            }
            return f;
        } finally {
            frameLock.unlock();
        }
    }

    void placed(CachedPage page) {
        frameLock.lock();
        try {
            clock.placed(page);
        } finally {
            frameLock.unlock();
        }
    }

    /** {@link #placed(CachedPage[], int)} for the pages marked in {@code which}. */
    void placed(CachedPage[] pages, boolean[] which, int n) {
        frameLock.lock();
        try {
            for (int i = 0; i < n; i++) {
                if (which[i]) {
                    clock.placed(pages[i]);
                }
            }
        } finally {
            frameLock.unlock();
        }
    }

    void placed(CachedPage[] pages, int n) {
        frameLock.lock();
        try {
            for (int i = 0; i < n; i++) {
                clock.placed(pages[i]);
            }
        } finally {
            frameLock.unlock();
        }
    }

    /** Returns the frame of a page whose last reference is gone. Never called under a file lock. */
    void freeFrame(CachedPage page) {
        frameLock.lock();
        try {
            clock.removed(page);
            frames.release(page.frame());
        } finally {
            frameLock.unlock();
        }
    }

    /**
     * Drops a reference a request (or the cache's own bookkeeping) held on {@code page}. The last
     * one returns the frame; one that leaves the page to its tree alone makes it evictable (if it
     * is clean and unlocked). Either may be what a request waiting for a frame waits for, so both
     * are frame events: a request that found every page held must not wait for good once their
     * holders let go of them. Never called under a file lock.
     */
    void release(CachedPage page) {
        int left = page.releaseAndCount();
        if (left == 0) {
            freeFrame(page);
        }
        if (left <= 1) {
            framesMayBeFree();
        }
    }

    /**
     * A frame was freed or a page became idle: retries waiting for a frame may go on. Counts the
     * event whether or not anyone waits (a request about to wait compares the count afterwards,
     * see {@link #retryWhenFramesFree}), and runs the waiters queued now, on this thread.
     */
    void framesMayBeFree() {
        frameEvents.increment();
        if (frameWaiters.isEmpty()) {
            return;
        }
        FrameDrain d = frameDrain.get();
        if (d.running) {
            // A waiter this thread runs let go of a page (or queued itself again after an event):
            // the running drain takes another turn instead of this call recursing into it.
            d.again = true;
            return;
        }
        d.running = true;
        try {
            do {
                d.again = false;
                // Only those queued now: a retry that still finds no frame queues itself again for
                // the next event.
                for (int n = frameWaiters.size(); n > 0; n--) {
                    Runnable r = frameWaiters.poll();
                    if (r == null) {
                        break;
                    }
                    r.run();
                }
            } while (d.again && !frameWaiters.isEmpty());
        } finally {
            d.running = false;
        }
    }

    /** Per thread: whether it is running frame waiters now, and whether an event came meanwhile. */
    private static final class FrameDrain {
        boolean running;
        boolean again;
    }

    private final ThreadLocal<FrameDrain> frameDrain = ThreadLocal.withInitial(FrameDrain::new);

    /** A number that changes with every {@link #framesMayBeFree()}: read it before trying to allocate. */
    long frameEvents() {
        return frameEvents.sum();
    }

    /**
     * Runs {@code retry} once a frame may be free, or now if one may have freed since {@code seen}.
     * No event is missed: an event counts before it looks for waiters, and a waiter queues before
     * it compares the count, so either the event sees the waiter or the waiter sees the count move.
     * Pages the waiter itself let go of through {@link #release} after reading {@code seen} count
     * too, and would make it retry at once, again and again: a request lets go of what it holds
     * before it reads the count (a read holds nothing here; a write's references do not go
     * through {@link #release}).
     */
    void retryWhenFramesFree(Runnable retry, long seen) {
        frameWaits.increment();
        frameWaiters.add(retry);
        if (dirtyPages.get() > 0) {
            kickCleaner(); // dirty pages may be all that is not busy: the cleaner writes them now
        }
        if (frameEvents.sum() != seen) {
            framesMayBeFree();
        }
    }

    // ---- I/O ----

    void submit(PageIoOp op) {
        if (op.isWrite()) {
            deviceWrites.increment();
        } else {
            deviceReads.increment();
        }
        DeviceIoSink sink = sinks.get();
        if (sink != null) {
            if (sink.offer(op)) {
                return;
            }
            op.toEngine();
        }
        Batch b = batch.get();
        if (b != null) {
            b.add(op);
        } else {
            loop.execute(op);
        }
    }

    /** Device reads collected on one thread between {@link #beginBatch()} and {@link #endBatch()}. */
    private static final class Batch {
        IoOp<?>[] ops = new IoOp<?>[64];
        int n;

        void add(IoOp<?> op) {
            if (n == ops.length) {
                ops = java.util.Arrays.copyOf(ops, 2 * n);
            }
            ops[n++] = op;
        }
    }

    private final ThreadLocal<Batch> batch = new ThreadLocal<>();
    private final ThreadLocal<DeviceIoSink> sinks = new ThreadLocal<>();

    /** The sink this thread's page reads go to, or null (the engine). */
    Object divertedTo() {
        return sinks.get();
    }

    /**
     * Before a request's step runs on this thread: when the thread diverts page I/O to a context's
     * queue that is not the request's own ({@code owner}, its {@code readOwner()}), the request
     * runs inline inside that context's work (woken by a page it unlocked, a frame it freed, a gate
     * it opened), and its page I/O must not go into that queue, which only the context's owner
     * reaps, when it likes: a writeback there could stay in flight for good. The diversion is
     * lifted and returned, for the caller to restore with {@link #divertDeviceIo}; null when there
     * is none to lift.
     */
    /** Per thread: how deep it is in steps of cached requests (a step can run others' steps inline). */
    private static final ThreadLocal<int[]> STEP_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * Whether this thread is running a step of a cached request (of any file), so that a callback
     * it runs inline must not block waiting for requests: the one whose step it is cannot end
     * meanwhile. {@code AsyncFile.close()} then returns without waiting, as on the completion thread.
     */
    public static boolean inRequestStep() {
        return STEP_DEPTH.get()[0] > 0;
    }

    /** A step of a cached request begins on this thread; returns the counter to hand to {@link #stepEnded}. */
    static int[] stepBegins() {
        int[] d = STEP_DEPTH.get();
        d[0]++;
        return d;
    }

    /** The step {@link #stepBegins} began has ended. */
    static void stepEnded(int[] depth) {
        depth[0]--;
    }

    DeviceIoSink liftForeignDiversion(Object owner) {
        DeviceIoSink s = sinks.get();
        if (s == null || s == owner) {
            return null;
        }
        sinks.remove();
        return s;
    }

    /** Page reads and writes this thread starts go to {@code sink} (null: to the engine again). */
    public void divertDeviceIo(DeviceIoSink sink) {
        if (sink == null) {
            sinks.remove();
        } else {
            sinks.set(sink);
        }
    }
    private final ThreadLocal<Batch> spareBatch = ThreadLocal.withInitial(Batch::new);

    /**
     * From here to {@link #endBatch()}, device reads this thread starts are held back and then
     * handed to the engine together: one publication, one wakeup, one kernel submission, as one
     * io_submit of a batch would be. Not on the engine's own thread (its reads batch anyway).
     */
    public void beginBatch() {
        if (!loop.inLoop()) {
            batch.set(spareBatch.get());
        }
    }

    /** Hands the device reads held back since {@link #beginBatch()} to the engine. */
    public void endBatch() {
        Batch b = batch.get();
        if (b == null) {
            return;
        }
        batch.remove();
        loop.executeAll(b.ops, b.n);
        java.util.Arrays.fill(b.ops, 0, b.n, null);
        b.n = 0;
    }

    /** A read of one page for one request only, outside the cache (see {@link CachedRead}). */
    void bypass(IoOp<?> op) {
        bypassReads.increment();
        loop.execute(op);
    }

    /** An I/O of the cache's own that is not a page read or write (a flush), on the engine's loop. */
    void execute(IoOp<?> op) {
        loop.execute(op);
    }

    // ---- dirty pages, throttling and the cleaner ----

    /**
     * Dirty thresholds, as shares of the budget (the kernel's dirty_background_ratio and
     * dirty_ratio): past the first the cleaner writes pages back; past the second writers wait
     * until it has (balance_dirty_pages), so dirty memory cannot grow without bound.
     */
    private volatile int dirtyBackgroundPercent = 10;
    private volatile int dirtyLimitPercent = 20;
    /** A dirty file is written back once its oldest dirty page is this old (dirty_expire_centisecs). */
    private volatile long dirtyExpireNanos = 30_000_000_000L;
    /** How often the cleaner looks for expired files (dirty_writeback_centisecs, at most). */
    private static final long CLEANER_INTERVAL_NANOS = 5_000_000_000L;
    /** Most pages under background writeback at once, so it never floods the device queue. */
    private static final int CLEANER_IN_FLIGHT = 1024;
    /** Pages one background writeback step looks at. */
    private static final int CLEANER_BATCH = 256;

    private static final java.util.concurrent.atomic.AtomicInteger CLEANERS = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong dirtyPages = new AtomicLong();
    private final AtomicLong writebackPages = new AtomicLong();
    private final ConcurrentLinkedQueue<CachedWrite> dirtyWaiters = new ConcurrentLinkedQueue<>();
    /** The errno of the last device write that failed, 0 if none has. */
    private volatile int lastWriteErrno;
    private final LongAdder pagesDirtied = new LongAdder();
    private final LongAdder pagesWritten = new LongAdder();
    private final LongAdder writeErrors = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private final LongAdder flushes = new LongAdder();
    private final Object cleanerLock = new Object();
    private volatile Thread cleaner;
    private boolean cleanerKicked;
    private volatile boolean closing;

    /**
     * Sets the dirty policy: write back past {@code backgroundPercent} of the budget, make writers
     * wait past {@code limitPercent}, write back files dirty for {@code expireMillis}.
     */
    public void setDirtyLimits(int backgroundPercent, int limitPercent, long expireMillis) {
        dirtyBackgroundPercent = backgroundPercent;
        dirtyLimitPercent = limitPercent;
        dirtyExpireNanos = expireMillis * 1_000_000L;
    }

    long dirtyBackgroundPages() {
        return Math.max(1, (long) frames.capacity() * dirtyBackgroundPercent / 100);
    }

    long dirtyLimitPages() {
        return Math.max(2, (long) frames.capacity() * dirtyLimitPercent / 100);
    }

    /** Dirty pages now. */
    public long dirtyPages() {
        return dirtyPages.get();
    }

    void dirtyPageAdded() {
        dirtyPagesAdded(1);
    }

    /** {@code n} pages went from clean to dirty. */
    void dirtyPagesAdded(int n) {
        pagesDirtied.add(n);
        Thread c = cleaner;
        if (dirtyPages.addAndGet(n) > dirtyBackgroundPages() || c == null || !c.isAlive()) {
            kickCleaner(); // and the first dirty page starts the cleaner, which also expires pages
        }
    }

    /**
     * {@code pages} pages went under writeback, {@code cleaned} of them still counted dirty (a
     * truncate may have dropped, and uncounted, the others since they were taken). Each of the
     * {@code pages} ends with {@link #writebackEnded}, so that count is what writeback adds.
     */
    void writebackStarted(int pages, int cleaned) {
        dirtyPages.addAndGet(-cleaned);
        writebackPages.addAndGet(pages);
        pagesWritten.add(pages);
    }

    /**
     * {@code n} dirty pages left the cache unwritten (truncate, invalidation). Runs throttled
     * writers on this thread, so never under a file's lock.
     */
    void dirtyPagesGone(int n) {
        dirtyPages.addAndGet(-n);
        wakeDirtyWaiters();
    }

    void countWriteError(int errno) {
        lastWriteErrno = errno;
        writeErrors.increment();
    }

    void countFlush() {
        flushes.increment();
    }

    /** A device write of pages ended (a frame or the dirty budget may have freed up). */
    void writebackEnded(int pages) {
        long inFlight = writebackPages.addAndGet(-pages);
        framesMayBeFree();
        wakeDirtyWaiters();
        if (inFlight < CLEANER_IN_FLIGHT / 2 && dirtyPages.get() > dirtyBackgroundPages()) {
            kickCleaner();
        }
    }

    /** Whether writers must wait for the cleaner before they dirty more pages. */
    boolean overDirtyLimit() {
        return dirtyPages.get() >= dirtyLimitPages();
    }

    /**
     * Runs {@code retry} once dirty pages may have fallen below the limit; the cleaner is told to
     * write back meanwhile. No thread blocks: the writer's request waits as a queued retry.
     */
    void retryWhenDirtyBelowLimit(CachedWrite retry) {
        throttled.increment();
        dirtyWaiters.add(retry);
        kickCleaner();
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

    /** Makes the cleaner look at the dirty pages now (starting it on first use). */
    void kickCleaner() {
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
        int errno = lastWriteErrno;
        if (errno == 0 || dirtyWaiters.isEmpty() || !overDirtyLimit() || writebackPages.get() > 0) {
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
            boolean over = dirtyPages.get() > dirtyBackgroundPages() || !frameWaiters.isEmpty();
            long now = System.nanoTime();
            for (FileCache f : files.values()) {
                if (writebackPages.get() >= CLEANER_IN_FLIGHT) {
                    return -1; // writebackEnded kicks again
                }
                long since = f.dirtiedAt;
                if (since == 0 || (!over && now - since < dirtyExpireNanos)) {
                    continue;
                }
                long n = f.backgroundWriteback(CLEANER_BATCH);
                if (n > 0) {
                    progress = true;
                    issued += n;
                }
            }
            if (dirtyPages.get() <= dirtyBackgroundPages() && frameWaiters.isEmpty()) {
                return issued; // expired files were written once this pass
            }
        }
        return issued;
    }


    /** Counts toward a request's retries. */
    void countStarted(int pages, boolean readahead) {
        (readahead ? readaheadPages : demandPages).add(pages);
    }

    void countReadError() {
        readErrors.increment();
    }

    void countHit() {
        hits.increment();
    }

    void countMiss() {
        misses.increment();
    }

    void countRetry() {
        retries.increment();
    }

    void countIdleRetry() {
        idleRetries.increment();
    }

    // ---- counters ----

    /** A snapshot of the counters. */
    public Stats stats() {
        long resident = (long) frames.capacity() - frames.available();
        return new Stats(frames.capacity(), resident, hits.sum(), misses.sum(), readaheadPages.sum(),
                demandPages.sum(), deviceReads.sum(), readErrors.sum(), evictions.sum(), retries.sum(),
                idleRetries.sum(), waits.spuriousWakeups(), waits.collisionsSkipped(), frameWaits.sum(),
                bypassReads.sum(), dirtyPages.get(), writebackPages.get(), pagesDirtied.sum(), pagesWritten.sum(), deviceWrites.sum(),
                writeErrors.sum(), flushes.sum(), throttled.sum());
    }

    /**
     * Counters since the cache was made.
     *
     * @param capacityPages frames in the budget
     * @param residentPages frames holding a page now
     * @param hits pages requests copied without waiting
     * @param misses pages requests had to wait for
     * @param readaheadPages pages read by readahead
     * @param demandPages pages read because a request needed them and readahead had not covered them
     * @param deviceReads device reads issued (one per contiguous run)
     * @param readErrors device reads that failed
     * @param evictions pages evicted to free a frame
     * @param retries retry iterations run by wakeups
     * @param idleRetries retries that waited again without copying a byte (woken without progress)
     * @param spuriousWakeups waiters woken for a page or condition they were not waiting for
     * @param collisionsSkipped waiters a wakeup passed over because only their bucket matched
     * @param frameWaits times a request waited for a free frame
     * @param bypassReads pages a request read for itself because another context's queue was reading them
     * @param dirtyPages pages dirty now
     * @param writebackPages pages under writeback now
     * @param pagesDirtied pages that became dirty (clean to dirty)
     * @param pagesWritten pages put under writeback
     * @param deviceWrites device writes issued (one per run of adjacent pages)
     * @param writeErrors device writes that failed
     * @param flushes device cache flushes (fdatasync/fsync) syncs issued
     * @param throttled times a writer waited for dirty pages to fall below the limit
     */
    public record Stats(long capacityPages, long residentPages, long hits, long misses, long readaheadPages,
            long demandPages, long deviceReads, long readErrors, long evictions, long retries, long idleRetries,
            long spuriousWakeups, long collisionsSkipped, long frameWaits, long bypassReads, long dirtyPages,
            long writebackPages, long pagesDirtied, long pagesWritten, long deviceWrites, long writeErrors, long flushes,
            long throttled) {
    }

    /** Stops the cleaner and frees the frames. Call only when no I/O or request of the cache can still run. */
    @Override
    public void close() {
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
        frames.close();
    }
}
