package dev.jaio.internal.cache;

import dev.jaio.internal.radix.RadixTree;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The cached pages of one file (the kernel's address_space): a {@link RadixTree} from page index
 * to {@link CachedPage}, and the file size the cache believes in.
 *
 * <p>Locking: the tree is guarded by {@link #lock}, held only for lookups, insertions and removals,
 * never across I/O or waits. A handle's readahead state is taken before a file lock; the cache's
 * frame lock may be taken under a file lock (to give a new page its frame), and eviction, which
 * holds the frame lock, only ever tryLocks a file (a busy file's pages are skipped), so the two
 * cannot deadlock. Frames of dropped pages are returned after the file lock is released.
 */
public final class FileCache {

    private static final int PAGE = PageFrames.PAGE_SIZE;
    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(FileCache.class, "size", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PageCache cache;
    private final Object key;
    private final ReentrantLock lock = new ReentrantLock();
    private final RadixTree<CachedPage> tree = new RadixTree<>();
    /** Indices looked up together by {@link #startRead}; scratch arrays guarded by {@link #lock}. */
    private static final int SCAN = 64;
    private final long[] scanIndices = new long[SCAN];
    private final CachedPage[] scanPages = new CachedPage[SCAN];
    @SuppressWarnings("unused") // accessed through SIZE
    private volatile long size;
    /** Open handles; guarded by the cache's file map. */
    int handles;

    FileCache(PageCache cache, Object key, long size) {
        this.cache = cache;
        this.key = key;
        this.size = size;
    }

    /** The cache the file belongs to. */
    public PageCache cache() {
        return cache;
    }

    Object key() {
        return key;
    }

    /** The file size as the cache knows it. */
    public long size() {
        return (long) SIZE.getVolatile(this);
    }

    /** Sets the size (after a truncate, or a fresh statx). */
    public void setSize(long newSize) {
        SIZE.setVolatile(this, newSize);
    }

    /** Raises the size to at least {@code atLeast} (after a write that extended the file). */
    public void growSize(long atLeast) {
        long s;
        do {
            s = size();
            if (s >= atLeast) {
                return;
            }
        } while (!SIZE.compareAndSet(this, s, atLeast));
    }

    /** Pages in the tree. */
    public long cachedPages() {
        lock.lock();
        try {
            return tree.size();
        } finally {
            lock.unlock();
        }
    }

    /** The page at {@code index} with a reference taken for the caller, or null. */
    CachedPage lookupRetained(long index) {
        lock.lock();
        try {
            CachedPage p = tree.get(index);
            if (p != null) {
                p.retain();
            }
            return p;
        } finally {
            lock.unlock();
        }
    }

    /** The first index in [from, to] with no page, or -1. */
    long nextMissing(long from, long to) {
        lock.lock();
        try {
            for (long i = from; i <= to; i++) {
                if (tree.get(i) == null) {
                    return i;
                }
            }
            return -1;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts device reads for the missing pages of [first, first + count), clipped to the end of the
     * file: each missing page gets a frame (evicting if needed) and goes into the tree locked, and
     * each contiguous run of them is one device read. Pages already present are left alone. The
     * page at {@code markerIndex}, if it is one of the new pages, carries the readahead marker.
     *
     * @param readahead counts the pages as readahead (else as demand reads)
     * @return how many pages were started; 0 when none was missing or no frame could be had
     */
    public int startRead(CacheHandle h, long first, long count, long markerIndex, boolean readahead) {
        return startRead(h, first, count, markerIndex, readahead, null, 0);
    }

    /**
     * As {@link #startRead(CacheHandle, long, long, long, boolean)}, and hands each page it starts
     * whose index falls in {@code [outBase, outBase + out.length)} to {@code out[index - outBase]}
     * (if that entry is empty) with a reference taken. The requesting read then uses those pages
     * without looking them up again, which keeps the file's lock off its retries, and sees their
     * outcome even when a failed read drops them from the tree before it looks.
     */
    int startRead(CacheHandle h, long first, long count, long markerIndex, boolean readahead, CachedPage[] out,
            long outBase) {
        long fileSize = size();
        if (fileSize <= 0 || count <= 0) {
            return 0;
        }
        long last = Math.min(first + count - 1, (fileSize - 1) / PAGE);
        if (last < first) {
            return 0;
        }
        CachedPage[] pages = null;
        int used = 0;
        Object owner = cache.divertedTo();
        // One pass under the lock. Taking frames here is safe: eviction only ever tryLocks a file
        // (it skips a busy one), so holding this lock while the frame lock is taken cannot deadlock.
        lock.lock();
        try {
            // One tree walk per 64 indices finds the pages already there (instead of a get each).
            int nPresent = 0;
            int nextPresent = 0;
            for (long i = first; i <= last; i++) {
                if ((i - first) % SCAN == 0) {
                    nPresent = tree.gangLookup(i, Math.min(last, i + SCAN - 1), scanIndices, scanPages, SCAN);
                    nextPresent = 0;
                }
                if (nextPresent < nPresent && scanIndices[nextPresent] == i) {
                    nextPresent++;
                    continue;
                }
                int frame = cache.allocateFrame();
                if (frame < 0) {
                    break; // every frame busy: read what we have, the caller waits for more
                }
                CachedPage p = new CachedPage(this, i, frame, cache.waits());
                p.readOwner = owner; // before the page is visible: nobody else may wait on a context's read
                p.state().set(PageState.LOCKED | (i == markerIndex ? PageState.READAHEAD : 0));
                p.retain(); // the device read's reference
                if (out != null && i >= outBase && i - outBase < out.length && out[(int) (i - outBase)] == null) {
                    p.retain(); // the requesting read's
                    out[(int) (i - outBase)] = p;
                }
                tree.put(i, p);
                if (pages == null) {
                    pages = new CachedPage[(int) (last - i + 1)];
                }
                pages[used++] = p;
            }
        } finally {
            java.util.Arrays.fill(scanPages, null);
            lock.unlock();
        }
        if (used == 0) {
            return 0;
        }
        cache.placed(pages, used);
        cache.countStarted(used, readahead);
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
        CachedPage[] run = from == 0 && to == pages.length ? pages : java.util.Arrays.copyOfRange(pages, from, to);
        MemorySegment[] frames = null;
        MemorySegment single = null;
        if (run.length == 1) {
            single = cache.frames().frame(run[0].frame());
        } else if (contiguousFrames(run)) {
            // Frames next to each other in memory (the clock evicts in frame order, so a run's
            // frames usually are): one plain read into one buffer, which the device does faster
            // than a vector of pages.
            single = cache.frames().span(run[0].frame(), run.length);
        } else {
            frames = new MemorySegment[run.length];
            for (int i = 0; i < run.length; i++) {
                frames[i] = cache.frames().frame(run[i].frame());
            }
        }
        h.retainOp();
        cache.submit(new PageReadOp(this, h, run, single, frames));
    }

    private static boolean contiguousFrames(CachedPage[] run) {
        int f = run[0].frame();
        for (int i = 1; i < run.length; i++) {
            if (run[i].frame() != f + i) {
                return false;
            }
        }
        return true;
    }

    /**
     * Ends a device read of {@code run}: fills the pages (zeros past the bytes read, which are past
     * the end of the file), marks them uptodate unless they went stale meanwhile, or, on failure,
     * takes them out of the tree marked with the error so that their waiters fail and the next
     * reader tries again. Wakes the waiters and drops the read's references.
     */
    void readDone(CacheHandle h, CachedPage[] run, long result) {
        int[] before = new int[run.length];
        if (result < 0) {
            lock.lock();
            try {
                for (CachedPage p : run) {
                    p.errno = (int) -result;
                    if (tree.get(p.index()) == p) {
                        tree.remove(p.index());
                        p.release(); // the tree's reference; the read's is still held
                    }
                }
            } finally {
                lock.unlock();
            }
            cache.countReadError();
            for (int i = 0; i < run.length; i++) {
                before[i] = run[i].unlockQuietly(PageState.ERROR, PageState.READAHEAD);
            }
        } else {
            boolean shortRead = result < (long) run.length * PAGE;
            boolean anyStale = false;
            for (int i = 0; i < run.length; i++) {
                CachedPage p = run[i];
                long valid = Math.max(0, Math.min(PAGE, result - (long) i * PAGE));
                if (valid < PAGE) {
                    cache.frames().frame(p.frame()).asSlice(valid).fill((byte) 0);
                }
                if (p.is(PageState.STALE)) {
                    anyStale = true;
                    before[i] = p.unlockQuietly(0, PageState.READAHEAD);
                } else {
                    before[i] = p.unlockQuietly(PageState.UPTODATE, 0);
                }
            }
            if (shortRead && !anyStale) {
                // The file ends inside the run: it may have shrunk behind the cache's back.
                long s = FileStat.size(h.directFd());
                if (s >= 0) {
                    setSize(s);
                }
            }
        }
        // The read's references go before anyone is woken, so that what a woken request does next
        // (finish, and its caller drop the range, say) finds the pages idle. A page still waited on
        // cannot be evicted meanwhile: its WAITERS bit stays set until the wake below.
        for (int i = 0; i < run.length; i++) {
            if (run[i].release()) {
                cache.freeFrame(run[i]);
            }
        }
        // Wake only once every page of the run is ready: a request woken for the first page then
        // copies the whole run in one retry instead of one retry per page.
        for (int i = 0; i < run.length; i++) {
            run[i].wakeUnlocked(before[i]);
        }
        cache.framesMayBeFree();
    }


    /**
     * Drops the pages of [firstIndex, lastIndex] from the cache because the file's bytes there
     * changed (a write or truncate through another path): a page being read is marked
     * {@link PageState#STALE} so that its read cannot make it uptodate with old bytes; others go at
     * once, and their frames return when their last reader is done.
     */
    public void invalidate(long firstIndex, long lastIndex) {
        drop(firstIndex, lastIndex, true);
    }

    /** POSIX_FADV_DONTNEED: drops the clean, idle pages of [firstIndex, lastIndex]; pages in use stay. */
    public void dropIdle(long firstIndex, long lastIndex) {
        drop(firstIndex, lastIndex, false);
    }

    private void drop(long firstIndex, long lastIndex, boolean evenBusy) {
        List<CachedPage> toFree = new ArrayList<>();
        int batch = 64;
        @SuppressWarnings("unchecked")
        CachedPage[] found = new CachedPage[batch];
        long[] indices = new long[batch];
        long from = firstIndex;
        lock.lock();
        try {
            while (from <= lastIndex) {
                int n = tree.gangLookup(from, lastIndex, indices, found, batch);
                if (n == 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    CachedPage p = found[i];
                    if (!evenBusy && !p.evictable()) {
                        continue;
                    }
                    tree.remove(indices[i]);
                    p.state().set(PageState.STALE);
                    if (p.release()) {
                        toFree.add(p);
                    }
                }
                if (n < batch || indices[n - 1] == Long.MAX_VALUE) {
                    break;
                }
                from = indices[n - 1] + 1;
            }
        } finally {
            lock.unlock();
        }
        for (CachedPage p : toFree) {
            cache.freeFrame(p);
        }
        if (!toFree.isEmpty()) {
            cache.framesMayBeFree();
        }
    }

    /** Eviction: takes {@code p} out of the tree if it is still there and idle. Called under the frame lock. */
    boolean detach(CachedPage p) {
        if (!lock.tryLock()) {
            return false; // busy: the clock moves on rather than wait under the frame lock
        }
        try {
            if (tree.get(p.index()) != p || !p.evictable() || !p.releaseIfOnlyTree()) {
                return false;
            }
            tree.remove(p.index());
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "FileCache[" + key + ", size " + size() + "]";
    }
}
