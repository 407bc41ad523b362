package dev.jaio.internal.cache;

import dev.jaio.internal.engine.EventLoop;
import dev.jaio.internal.engine.IoOp;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * jaio's page cache: a fixed budget of page frames ({@link PageFrames}) shared by the
 * {@link FileCache}s of every cached file of one engine, one keyed {@link WaitTable} for page
 * waits, and the parts that serve every file:
 *
 * <ul>
 *   <li>{@link PageReclaim}: frames for new pages, CLOCK eviction of clean idle pages
 *       ({@link ClockEvictor}), requests waiting for a frame (mm/vmscan.c);
 *   <li>{@link Flusher}: dirty accounting, throttling of writers, the cleaner thread
 *       (balance_dirty_pages and the flusher threads);
 *   <li>{@link DeviceIo}: where page reads and writes go (the engine, or a batch context's queue);
 *   <li>{@link CacheCounters}: the counts {@link #stats()} reports.
 * </ul>
 *
 * The methods here that other classes call delegate to them. Calls go down: a file's parts call
 * these, and the flusher reaches a file's pages only through {@link Flusher.DirtyFile}.
 *
 * <p>The cache does its device I/O through the engine's {@link EventLoop}: reads of pages go into
 * frames with O_DIRECT. A page read completes on the loop's thread, which unlocks the pages and
 * so runs the retries of the requests that waited for them (see {@link CachedRead}).
 */
public final class PageCache implements AutoCloseable {

    /** Per thread: how deep it is in steps of cached requests (a step can run others' steps inline). */
    private static final ThreadLocal<int[]> STEP_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final PageFrames frames;
    private final WaitTable waits;
    private final int maxReadaheadPages;
    /**
     * The cache of each file that a CACHED handle has open, over every engine of the JVM: one cache
     * per file (by its statx identity), as the kernel keeps one page cache per inode, so that every
     * handle of the file in the JVM, whatever its engine, finds the one cache its I/O must be
     * coherent with. Entries are added and removed only inside its compute with this cache's
     * {@link #files} updated there too, so the two agree.
     */
    private static final ConcurrentHashMap<Object, FileCache> JVM_FILES = new ConcurrentHashMap<>();

    /** This cache's share of {@link #JVM_FILES}: the files whose pages live in its frames. */
    private final ConcurrentHashMap<Object, FileCache> files = new ConcurrentHashMap<>();
    /** Set by {@link #close()}; written under this, as {@link #acquire} runs, so no file joins a closed cache. */
    private volatile boolean closed;
    /**
     * Files kept with their pages after their last close ({@link FileCache#kept}), in the order
     * they were closed; records of files reopened (or kept again) since are stale and passed over.
     */
    private final ConcurrentLinkedQueue<Kept> keptOrder = new ConcurrentLinkedQueue<>();
    /** Records in {@link #keptOrder}, stale ones included. */
    private final AtomicInteger keptRecords = new AtomicInteger();
    /** Files kept now. */
    private final AtomicInteger keptFiles = new AtomicInteger();
    /** Kept files whose last page eviction took: dropped at the next open or close. */
    private final ConcurrentLinkedQueue<FileCache> emptied = new ConcurrentLinkedQueue<>();
    /** Keepings so far: each kept file's {@link FileCache#keeping}. */
    private final java.util.concurrent.atomic.AtomicLong keepings = new java.util.concurrent.atomic.AtomicLong();
    /**
     * At most this many closed files are kept: one per frame, since a kept file holds a page (one
     * whose pages all went leaves at the next open or close), so a closed file's bookkeeping costs
     * at most about what its page does.
     */
    private final int maxKeptFiles;

    /** A file kept after its last close, and which keeping. */
    private record Kept(FileCache file, long keeping) {
    }
    private final CacheCounters counters = new CacheCounters();
    private final PageReclaim reclaim;
    private final Flusher flusher;
    private final DeviceIo io;

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
        this.waits = new WaitTable(WaitTable.DEFAULT_BUCKETS, keyedWaits);
        this.maxReadaheadPages = maxReadaheadBytes / PageFrames.PAGE_SIZE;
        this.reclaim = new PageReclaim(frames, counters, p -> ((FileCache) p.owner()).filemap.detach(p),
                this::kickCleaner);
        this.flusher = new Flusher(counters, reclaim, frames.capacity(),
                () -> files.values().stream().<Flusher.DirtyFile>map(f -> f.writeback).iterator());
        this.io = new DeviceIo(loop, counters);
        this.maxKeptFiles = frames.capacity();
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

    PageReclaim reclaim() {
        return reclaim;
    }

    Flusher flusher() {
        return flusher;
    }

    DeviceIo io() {
        return io;
    }

    CacheCounters counters() {
        return counters;
    }

    // ---- files ----

    /**
     * The cache of the file {@code key} names, made on first use with {@code size}; every handle
     * that opens it calls this once and {@link #release(FileCache)} when it closes. Its pages are
     * dropped at its last close (see {@link #acquire(Object, FileStat.Version)} for a cache that
     * keeps them).
     *
     * @throws OtherEngineException when the file's pages live in another engine's cache: a file has
     *     one cache in the JVM, and its requests run on the engine that owns that cache
     */
    public FileCache acquire(Object key, long size) throws OtherEngineException {
        return acquire(key, size, (FileStat.Version) null);
    }

    /**
     * The cache of the file {@code key} names, at {@code version}: the pages a file kept since its
     * last close are used again only when the file is still at the version it had then (else they
     * are dropped and the file starts afresh, as an NFS client checks a file's attributes at open:
     * close-to-open consistency). A file kept by another engine's cache, with no handle open, moves
     * to this one (its pages are dropped). Every handle calls this once and
     * {@link #release(FileCache, FileStat.Version)} when it closes.
     *
     * @throws OtherEngineException when a handle of another engine has the file open CACHED
     */
    public FileCache acquire(Object key, FileStat.Version version) throws OtherEngineException {
        return acquire(key, version.size(), version);
    }

    private FileCache acquire(Object key, long size, FileStat.Version version) throws OtherEngineException {
        dropEmptiedKeptFiles();
        FileCache[] stale = new FileCache[1];
        try {
            return acquire(key, size, version, stale);
        } finally {
            if (stale[0] != null) {
                // Out of every map, so nobody else reaches it; dropped outside this cache's lock,
                // since freeing frames may run requests that waited for them.
                stale[0].invalidate(0, Long.MAX_VALUE);
            }
        }
    }

    private synchronized FileCache acquire(Object key, long size, FileStat.Version version, FileCache[] stale)
            throws OtherEngineException {
        if (closed) {
            // Its engine closed while the open ran: a file registered now would outlive the cache.
            throw new IllegalStateException("the engine's page cache is closed");
        }
        FileCache[] other = new FileCache[1];
        FileCache made = JVM_FILES.compute(key, (k, f) -> {
            if (f != null && f.kept) {
                PageCache home = f.cache();
                f.kept = false;
                home.keptFiles.decrementAndGet();
                if (home == this && version != null && version.equals(f.version) && f.size() == version.size()) {
                    f.version = null;
                    f.openedAt = version;
                    f.handles = 1; // its pages agree with the file still: hits from the first read
                    return f;
                }
                // Changed since its close, or kept by another engine's cache: its pages go.
                home.files.remove(k, f);
                stale[0] = f;
                f = null;
            }
            if (f != null && f.cache() != this) {
                other[0] = f;
                return f;
            }
            FileCache c = f != null ? f : new FileCache(this, k, size);
            if (c.handles == 0) {
                c.openedAt = version;
            }
            c.handles++;
            files.put(k, c);
            return c;
        });
        if (other[0] != null) {
            throw new OtherEngineException(other[0].cache(), other[0].handles);
        }
        return made;
    }

    /**
     * Ends a handle's use of {@code file}. When the last handle of a file closes, its pages are
     * dropped (every request and read of the file has completed by then).
     */
    public void release(FileCache file) {
        release(file, null);
    }

    /**
     * Ends a handle's use of {@code file}, the file being at {@code now} (null: unknown). When the
     * last handle closes, a file with pages, none of them dirty, is kept with them for a reopen at
     * the same version ({@link #acquire(Object, FileStat.Version)}), as the kernel's inode keeps its
     * page cache past the last close; CLOCK evicts its pages as any others. Otherwise (dirty pages
     * left by a failed writeback, no version, no page, a closing cache) its pages are dropped.
     * Every request and read of the file has completed by then.
     */
    public void release(FileCache file, FileStat.Version now) {
        boolean[] last = new boolean[1];
        long[] kept = {-1};
        JVM_FILES.computeIfPresent(file.key(), (k, f) -> {
            if (f != file) {
                return f; // this cache closed and another engine's took the file since
            }
            if (--f.handles == 0) {
                // Kept only if the file did not change while it was open (by anyone: a page read
                // before a change made then would be served as the new file's), none of its pages
                // is dirty, and it has a page; marked under its lock, as eviction checks it there.
                if (now != null && now.equals(f.openedAt) && !closed && maxKeptFiles > 0 && !f.mayHoldUnwrittenData()
                        && markKept(f)) {
                    f.version = now;
                    keptFiles.incrementAndGet();
                    kept[0] = f.keeping;
                    return f;
                }
                last[0] = true;
                files.remove(k, f);
                return null;
            }
            return f;
        });
        if (last[0]) {
            file.invalidate(0, Long.MAX_VALUE);
        }
        if (kept[0] >= 0) {
            keptOrder.add(new Kept(file, kept[0]));
            keptRecords.incrementAndGet();
            trimKeptFiles();
        }
    }

    /** Marks {@code f} kept, under its lock, if it has a page (so eviction sees the mark with the page it takes). */
    private boolean markKept(FileCache f) {
        f.lock.lock();
        try {
            if (f.tree.isEmpty()) {
                return false;
            }
            f.keeping = keepings.incrementAndGet();
            f.kept = true;
            return true;
        } finally {
            f.lock.unlock();
        }
    }

    private static boolean hasPages(FileCache f) {
        f.lock.lock();
        try {
            return !f.tree.isEmpty();
        } finally {
            f.lock.unlock();
        }
    }

    /** Files kept with their pages after their last close, now. */
    public int keptFiles() {
        return keptFiles.get();
    }

    /** Eviction took the last page of a kept file ({@link Filemap#detach}); called under its lock. */
    void keptFileEmptied(FileCache file) {
        emptied.add(file);
    }

    /** Drops the kept files past {@link #maxKeptFiles} (the longest closed first), and stale records. */
    private void trimKeptFiles() {
        dropEmptiedKeptFiles();
        while (keptFiles.get() > maxKeptFiles) {
            Kept k = keptOrder.poll();
            if (k == null) {
                break;
            }
            keptRecords.decrementAndGet();
            dropKept(k.file(), k.keeping());
        }
        // Records of files reopened since: cleared out once they are half of the queue.
        if (keptRecords.get() > 2 * keptFiles.get() + 64) {
            keptOrder.removeIf(k -> {
                boolean stale = !isKept(k.file(), k.keeping());
                if (stale) {
                    keptRecords.decrementAndGet();
                }
                return stale;
            });
        }
    }

    private static boolean isKept(FileCache f, long keeping) {
        return JVM_FILES.get(f.key()) == f && f.kept && f.keeping == keeping;
    }

    private void dropEmptiedKeptFiles() {
        FileCache f;
        while ((f = emptied.poll()) != null) {
            if (f.kept) {
                dropKept(f, -1);
            }
        }
    }

    /**
     * Drops kept file {@code f} if it is still kept: the keeping {@code keeping}, or when -1 any
     * keeping in which it holds no page.
     */
    private void dropKept(FileCache f, long keeping) {
        boolean[] gone = new boolean[1];
        JVM_FILES.computeIfPresent(f.key(), (k, cur) -> {
            if (cur != f || !f.kept || (keeping >= 0 ? f.keeping != keeping : hasPages(f))) {
                return cur;
            }
            f.kept = false;
            keptFiles.decrementAndGet();
            files.remove(k, f);
            gone[0] = true;
            return null;
        });
        if (gone[0]) {
            f.invalidate(0, Long.MAX_VALUE);
        }
    }

    /** The cache of the file {@code key} names in this engine's cache if a handle has it open, else null. */
    public FileCache lookup(Object key) {
        return files.get(key);
    }

    /**
     * The cache of the file {@code key} names in the JVM, whatever engine's cache holds it, if a
     * CACHED handle has it open; else null. Kernel I/O of any handle of the file must be coherent
     * with it.
     */
    public static FileCache lookupInJvm(Object key) {
        return JVM_FILES.get(key);
    }

    /** Whether the calling thread is the completion thread of the engine whose loop this cache does its I/O on. */
    public boolean inCompletionThread() {
        return io.inLoop();
    }

    /**
     * A CACHED open of a file whose pages live in another engine's cache: the file has one cache in
     * the JVM, so that every handle sees the others' writes.
     */
    public static final class OtherEngineException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient PageCache owner;
        private final int handles;

        OtherEngineException(PageCache owner, int handles) {
            super(null, null, false, false);
            this.owner = owner;
            this.handles = handles;
        }

        /** The cache that holds the file. */
        public PageCache owner() {
            return owner;
        }

        /** How many handles had the file open in it. */
        public int handles() {
            return handles;
        }
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

    // ---- requests' steps ----

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

    // ---- frames: PageReclaim ----

    /** Drops a reference a request held on {@code page} ({@link PageReclaim#release}). Never called under a file lock. */
    void release(CachedPage page) {
        reclaim.release(page);
    }

    /** A number that changes with every frame event: read it before trying to allocate. */
    long frameEvents() {
        return reclaim.frameEvents();
    }

    /** Runs {@code retry} once a frame may be free ({@link PageReclaim#retryWhenFramesFree}). */
    void retryWhenFramesFree(Runnable retry, long seen) {
        reclaim.retryWhenFramesFree(retry, seen);
    }

    // ---- dirty pages: Flusher ----

    /**
     * Sets the dirty policy: write back past {@code backgroundPercent} of the budget, make writers
     * wait past {@code limitPercent}, write back files dirty for {@code expireMillis}.
     */
    public void setDirtyLimits(int backgroundPercent, int limitPercent, long expireMillis) {
        flusher.setDirtyLimits(backgroundPercent, limitPercent, expireMillis);
    }

    /** Dirty pages now. */
    public long dirtyPages() {
        return counters.dirtyPages.get();
    }

    /** {@code n} pages went from clean to dirty. */
    void dirtyPagesAdded(int n) {
        flusher.dirtyPagesAdded(n);
    }

    /** Whether writers must wait for the cleaner before they dirty more pages. */
    boolean overDirtyLimit() {
        return flusher.overDirtyLimit();
    }

    /** Runs {@code retry} once dirty pages may have fallen below the limit ({@link Flusher#retryWhenDirtyBelowLimit}). */
    void retryWhenDirtyBelowLimit(CachedWrite retry) {
        flusher.retryWhenDirtyBelowLimit(retry);
    }

    /** Makes the cleaner look at the dirty pages now (starting it on first use). */
    void kickCleaner() {
        flusher.kick();
    }

    // ---- device I/O: DeviceIo ----

    /** Lifts this thread's diversion of page I/O to a context other than {@code owner} ({@link DeviceIo#liftForeignDiversion}). */
    DeviceIoSink liftForeignDiversion(DeviceIoSink owner) {
        return io.liftForeignDiversion(owner);
    }

    /** Page reads and writes this thread starts go to {@code sink} (null: to the engine again). */
    public void divertDeviceIo(DeviceIoSink sink) {
        io.divert(sink);
    }

    /** From here to {@link #endBatch()}, this thread's device reads are held back ({@link DeviceIo#beginBatch}). */
    public void beginBatch() {
        io.beginBatch();
    }

    /** Hands the device reads held back since {@link #beginBatch()} to the engine. */
    public void endBatch() {
        io.endBatch();
    }

    /** A read of one page for one request only, outside the cache (see {@link CachedRead}). */
    void bypass(IoOp<?> op) {
        io.bypass(op);
    }

    /** An I/O of the cache's own that is not a page read or write (a flush), on the engine's loop. */
    void execute(IoOp<?> op) {
        io.execute(op);
    }

    // ---- counters ----

    void countHit() {
        counters.hits.increment();
    }

    void countHits(long pages) {
        counters.hits.add(pages);
    }

    void countMiss() {
        counters.misses.increment();
    }

    void countRetry() {
        counters.retries.increment();
    }

    void countIdleRetry() {
        counters.idleRetries.increment();
    }

    void countFlush() {
        counters.flushes.increment();
    }

    /** A snapshot of the counters. */
    public Stats stats() {
        CacheCounters c = counters;
        long resident = (long) frames.capacity() - frames.available();
        return new Stats(frames.capacity(), resident, c.hits.sum(), c.misses.sum(), c.readaheadPages.sum(),
                c.demandPages.sum(), c.deviceReads.sum(), c.readErrors.sum(), c.evictions.sum(), c.retries.sum(),
                c.idleRetries.sum(), waits.spuriousWakeups(), waits.collisionsSkipped(), c.frameWaits.sum(),
                c.bypassReads.sum(), c.dirtyPages.get(), c.writebackPages.get(), c.pagesDirtied.sum(),
                c.pagesWritten.sum(), c.deviceWrites.sum(), c.writeErrors.sum(), c.flushes.sum(), c.throttled.sum(),
                keptFiles.get());
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
     * @param keptFiles files closed with pages kept for a reopen, now
     */
    public record Stats(long capacityPages, long residentPages, long hits, long misses, long readaheadPages,
            long demandPages, long deviceReads, long readErrors, long evictions, long retries, long idleRetries,
            long spuriousWakeups, long collisionsSkipped, long frameWaits, long bypassReads, long dirtyPages,
            long writebackPages, long pagesDirtied, long pagesWritten, long deviceWrites, long writeErrors, long flushes,
            long throttled, long keptFiles) {
    }

    /**
     * Takes this cache's files out of the JVM's map and takes no more: its engine is closing, its
     * dirty pages were written back, so kernel I/O of other engines' handles has no cache to keep
     * coherent with from now on, and another engine may cache the files. A request of another
     * engine's handle that found the cache before keeps it until it ends; it touches no frame
     * memory (only a CACHED handle's own requests copy to or from frames).
     */
    public void detachFromJvm() {
        synchronized (this) {
            closed = true;
            for (var e : files.entrySet()) {
                JVM_FILES.remove(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * Stops the cleaner and frees the frames. Call only when no I/O or request of the cache's own
     * handles can still run; the files leave the JVM's map first ({@link #detachFromJvm}).
     */
    @Override
    public void close() {
        detachFromJvm();
        flusher.close();
        frames.close();
    }
}
