package dev.jaio.internal.cache;

import dev.jaio.internal.jfr.Jfr;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Finding, making and reading a file's pages (the kernel's mm/filemap.c): lookups in the file's
 * tree, new pages for reads and for writes (each in a frame from {@link PageReclaim}), the device
 * reads of missing pages ({@link PageReadOp}) and their completion, and taking an idle page out of
 * the tree for eviction.
 *
 * <p>Locking: the file's {@link FileCache#lock} is held only to look pages up, insert and remove
 * them, never across I/O or waits; a frame may be taken under it (eviction only ever tryLocks a
 * file). Frames of dropped pages are returned after it is released.
 */
final class Filemap {

    private static final int PAGE = PageFrames.PAGE_SIZE;
    private static final int SCAN = FileCache.SCAN;

    private final FileCache file;
    private final PageFrames frames;
    private final WaitTable waits;
    private final PageReclaim reclaim;
    private final DeviceIo io;
    private final CacheCounters counters;

    Filemap(FileCache file, PageCache cache) {
        this.file = file;
        this.frames = cache.frames();
        this.waits = cache.waits();
        this.reclaim = cache.reclaim();
        this.io = cache.io();
        this.counters = cache.counters();
    }

    /**
     * The page at {@code index} with a reference taken for the caller, or null. First without the
     * file's lock, as the kernel's {@code filemap_get_entry}: a lock-free tree walk, a reference
     * taken only if the page is alive, and a second walk that must find the same page (else it was
     * removed meanwhile: the reference goes and the locked lookup answers). A hit of many readers
     * then shares no lock; a miss, or a race with a removal, takes the lock.
     */
    CachedPage lookupRetained(long index) {
        CachedPage fast = file.tree.getAcquire(index);
        if (fast != null && fast.tryRetain()) {
            if (file.tree.getAcquire(index) == fast) {
                return fast;
            }
            reclaim.release(fast);
        }
        file.lock.lock();
        try {
            CachedPage p = file.tree.get(index);
            if (p != null) {
                p.retain();
            }
            return p;
        } finally {
            file.lock.unlock();
        }
    }

    /** The first index in [from, to] with no page, or -1. */
    long nextMissing(long from, long to) {
        file.lock.lock();
        try {
            for (long i = from; i <= to; i++) {
                if (file.tree.get(i) == null) {
                    return i;
                }
            }
            return -1;
        } finally {
            file.lock.unlock();
        }
    }

    /**
     * Starts device reads for the missing pages of [first, first + count), clipped to the end of the
     * file: each missing page gets a frame (evicting if needed) and goes into the tree locked, and
     * each contiguous run of them is one device read. Pages already present are left alone. The
     * page at {@code markerIndex}, if it is one of the new pages, carries the readahead marker.
     * Each page it starts whose index falls in {@code [outBase, outBase + out.length)} goes to
     * {@code out[index - outBase]} (if that entry is empty; {@code out} may be null) with a
     * reference taken: the requesting read then uses those pages without looking them up again,
     * which keeps the file's lock off its retries, and sees their outcome even when a failed read
     * drops them from the tree before it looks.
     *
     * @param readahead counts the pages as readahead (else as demand reads)
     * @return how many pages were started; 0 when none was missing or no frame could be had
     */
    int startRead(CacheHandle h, long first, long count, long markerIndex, boolean readahead, CachedPage[] out,
            long outBase) {
        long fileSize = file.size();
        if (fileSize <= 0 || count <= 0) {
            return 0;
        }
        long last = Math.min(first + count - 1, (fileSize - 1) / PAGE);
        if (last < first) {
            return 0;
        }
        CachedPage[] pages = null;
        int used = 0;
        DeviceIoSink owner = io.divertedTo();
        long[] scanIndices = file.scanIndices;
        CachedPage[] scanPages = file.scanPages;
        // One pass under the lock. Taking frames here is safe: eviction only ever tryLocks a file
        // (it skips a busy one), so holding this lock while the frame lock is taken cannot deadlock.
        file.lock.lock();
        try {
            // One tree walk per 64 indices finds the pages already there (instead of a get each).
            int nPresent = 0;
            int nextPresent = 0;
            for (long i = first; i <= last; i++) {
                if ((i - first) % SCAN == 0) {
                    nPresent = file.tree.gangLookup(i, Math.min(last, i + SCAN - 1), scanIndices, scanPages, SCAN);
                    nextPresent = 0;
                }
                if (nextPresent < nPresent && scanIndices[nextPresent] == i) {
                    nextPresent++;
                    continue;
                }
                int frame = reclaim.allocateFrame();
                if (frame < 0) {
                    break; // every frame busy: read what we have, the caller waits for more
                }
                CachedPage p = new CachedPage(file, i, frame, waits);
                p.readOwner = owner; // before the page is visible: nobody else may wait on a context's read
                p.set(PageState.LOCKED | (i == markerIndex ? PageState.READAHEAD : 0));
                p.retain(); // the device read's reference
                if (out != null && i >= outBase && i - outBase < out.length && out[(int) (i - outBase)] == null) {
                    p.retain(); // the requesting read's
                    out[(int) (i - outBase)] = p;
                }
                file.tree.put(i, p);
                if (pages == null) {
                    pages = new CachedPage[(int) (last - i + 1)];
                }
                pages[used++] = p;
            }
        } finally {
            Arrays.fill(scanPages, null);
            file.lock.unlock();
        }
        if (used == 0) {
            return 0;
        }
        reclaim.placed(pages, used);
        counters.countStarted(used, readahead);
        if (readahead) {
            Jfr.readahead(file.key(), first, last - first + 1, used);
        }
        int runStart = 0;
        for (int i = 1; i <= used; i++) {
            if (i == used || pages[i].index() != pages[i - 1].index() + 1) {
                issue(h, pages, runStart, i);
                runStart = i;
            }
        }
        return used;
    }

    private void issue(CacheHandle h, CachedPage[] pages, int from, int to) {
        CachedPage[] run = from == 0 && to == pages.length ? pages : Arrays.copyOfRange(pages, from, to);
        MemorySegment single = PageIoOp.oneBuffer(frames, run);
        h.retainOp();
        io.submit(new PageReadOp(file, h, run, single, single == null ? PageIoOp.frameArray(frames, run) : null));
    }

    /**
     * Ends a device read of {@code run}: fills the pages (zeros past the bytes read, which are past
     * the end of the file), marks them uptodate unless they went stale meanwhile, or, on failure,
     * takes them out of the tree marked with the error so that their waiters fail and the next
     * reader tries again. Wakes the waiters and drops the read's references.
     */
    void readDone(CacheHandle h, CachedPage[] run, long result) {
        if (result < 0) {
            file.lock.lock();
            try {
                for (CachedPage p : run) {
                    p.errno = (int) -result;
                    if (file.tree.get(p.index()) == p) {
                        file.tree.remove(p.index());
                        p.set(PageState.STALE); // out of the tree: see detach
                        p.release(); // the tree's reference; the read's is still held
                    }
                }
            } finally {
                file.lock.unlock();
            }
            counters.readErrors.increment();
            for (CachedPage p : run) {
                p.unlockQuietly(PageState.ERROR, PageState.READAHEAD);
            }
        } else {
            boolean shortRead = result < (long) run.length * PAGE;
            boolean anyStale = false;
            for (int i = 0; i < run.length; i++) {
                CachedPage p = run[i];
                long valid = Math.max(0, Math.min(PAGE, result - (long) i * PAGE));
                if (valid < PAGE) {
                    frames.frame(p.frame()).asSlice(valid).fill((byte) 0);
                }
                if (p.is(PageState.STALE)) {
                    anyStale = true;
                    p.unlockQuietly(0, PageState.READAHEAD);
                } else {
                    p.unlockQuietly(PageState.UPTODATE, 0);
                }
            }
            if (shortRead && !anyStale) {
                // The file ends inside the run: it may have shrunk behind the cache's back.
                long generation = file.sizeGeneration();
                long s = FileStat.size(h.directFd());
                if (s >= 0) {
                    file.refreshSize(s, generation);
                }
            }
        }
        // The read's references go before anyone is woken, so that what a woken request does next
        // (finish, and its caller drop the range, say) finds the pages idle. A read that waits for a
        // page holds a reference to it, so the page cannot be evicted before its retry copies it (a
        // write that waited looks its page up again, and reads it again if it went meanwhile).
        for (int i = 0; i < run.length; i++) {
            if (run[i].release()) {
                reclaim.freeFrame(run[i]);
            }
        }
        // Wake only once every page of the run is ready: a request woken for the first page then
        // copies the whole run in one retry instead of one retry per page. The state now, not the
        // state each unlock replaced, tells whether to: WAITERS stays set while a waiter queued
        // before the unlock is still queued (PageState's invariant; one that came after found the
        // page unlocked and did not queue), so no array of before-states is needed per read.
        for (CachedPage p : run) {
            p.wakeUnlocked(p.get());
        }
        reclaim.framesMayBeFree();
    }

    /**
     * A new page for a write that covers all of it that matters (every byte of it the file has is
     * overwritten): made LOCKED, neither uptodate nor dirty, in a free frame, with a reference for
     * the caller, who fills it and unlocks it. Null when the page exists (look it up) or no frame is
     * free now.
     */
    CachedPage createForWrite(long index) {
        CachedPage p;
        file.lock.lock();
        try {
            if (file.tree.get(index) != null) {
                return null;
            }
            int frame = reclaim.allocateFrame();
            if (frame < 0) {
                return null;
            }
            p = new CachedPage(file, index, frame, waits);
            p.set(PageState.LOCKED);
            p.retain(); // the writer's
            file.tree.put(index, p);
        } finally {
            file.lock.unlock();
        }
        reclaim.placed(p);
        return p;
    }

    /**
     * The pages of [first, last] for a write, found or made under one hold of the lock: {@code out[i]}
     * gets page {@code first + i} with a reference for the caller; a missing page whose index is in
     * [createFrom, createTo] (those the write covers all of that matters) is made LOCKED in a free
     * frame and also marked in {@code created}; other missing pages stay null (the caller reads them
     * first, or finds no frame).
     */
    void pagesForWrite(long first, long last, long createFrom, long createTo, CachedPage[] out, boolean[] created) {
        int n = (int) (last - first + 1);
        int made = 0;
        long[] scanIndices = file.scanIndices;
        CachedPage[] scanPages = file.scanPages;
        file.lock.lock();
        try {
            int nPresent = file.tree.gangLookup(first, last, scanIndices, scanPages, Math.min(SCAN, n));
            // References first: taking a frame below may evict (this thread holds the lock, so
            // eviction can take pages of this very file), and a referenced page is never evicted.
            for (int i = 0; i < nPresent; i++) {
                scanPages[i].retain();
            }
            int k = 0;
            for (int i = 0; i < n; i++) {
                long idx = first + i;
                created[i] = false;
                if (k < nPresent && scanIndices[k] == idx) {
                    out[i] = scanPages[k++];
                    continue;
                }
                out[i] = null;
                if (idx < createFrom || idx > createTo) {
                    continue;
                }
                int frame = reclaim.allocateFrame();
                if (frame < 0) {
                    continue;
                }
                CachedPage p = new CachedPage(file, idx, frame, waits);
                p.set(PageState.LOCKED);
                p.retain(); // the writer's
                file.tree.put(idx, p);
                out[i] = p;
                created[i] = true;
                made++;
            }
        } finally {
            Arrays.fill(scanPages, null);
            file.lock.unlock();
        }
        if (made > 0) {
            reclaim.placed(out, created, n);
        }
    }

    /**
     * Gives back a page {@link #pagesForWrite} made that its writer did not fill (it has to wait
     * first): out of the tree, marked STALE and unlocked, so that anyone who found it looks again,
     * and its frame returns once the last reference goes. The caller still drops its own reference.
     */
    void abandon(CachedPage p) {
        file.lock.lock();
        try {
            if (file.tree.get(p.index()) == p) {
                file.tree.remove(p.index());
                p.release(); // the tree's; the writer's is still held
            }
        } finally {
            file.lock.unlock();
        }
        p.unlock(PageState.STALE, 0);
    }

    /**
     * Eviction ({@link PageReclaim}): takes {@code p} out of the tree if it is still there and idle.
     * Called under the frame lock.
     */
    boolean detach(CachedPage p) {
        if (!file.lock.tryLock()) {
            return false; // busy: the clock moves on rather than wait under the frame lock
        }
        try {
            // A page out of the tree is STALE (dropped, or its read failed) or was evicted before;
            // one in it is the page at its index.
            if (p.is(PageState.STALE) || !p.evictable() || !p.releaseIfOnlyTree()) {
                return false;
            }
            file.tree.remove(p.index());
            if (file.kept && file.tree.isEmpty()) {
                file.cache().keptFileEmptied(file); // a closed file with no page left: nothing to keep it for
            }
            return true;
        } finally {
            file.lock.unlock();
        }
    }
}
