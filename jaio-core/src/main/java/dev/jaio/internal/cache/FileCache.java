package dev.jaio.internal.cache;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Falloc;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Rlimit;
import dev.jaio.internal.linux.Rwf;
import dev.jaio.internal.linux.Seek;
import dev.jaio.internal.radix.RadixTree;
import dev.jaio.internal.radix.Tag;
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
public final class FileCache implements Flusher.DirtyFile {

    private static final int PAGE = PageFrames.PAGE_SIZE;
    /** Most pages in one device write (1 MiB). */
    private static final int MAX_WRITE_PAGES = 256;
    /** The tags a page leaves and takes when it goes under writeback. */
    private static final int TO_WRITEBACK_CLEAR = (1 << Tag.DIRTY) | (1 << Tag.TOWRITE);
    private static final int TO_WRITEBACK_SET = 1 << Tag.WRITEBACK;
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
    private final Object sizeLock = new Object();
    /** The end of the furthest cached write since the last truncate; guarded by {@link #sizeLock}. */
    private long writtenSize;
    /** Writeback errors: the errno of the last one, and how many there were (the kernel's errseq_t). */
    private volatile int wbErrno;
    private volatile long wbErrOffset = -1;
    private final java.util.concurrent.atomic.AtomicLong wbErrSeq = new java.util.concurrent.atomic.AtomicLong();
    /** Device writes that completed without RWF_DSYNC, and how many of them a flush has made durable. */
    private final java.util.concurrent.atomic.AtomicLong unsyncedWrites = new java.util.concurrent.atomic.AtomicLong();
    private volatile long flushedWrites;
    /** When the file went from clean to dirty (System.nanoTime), for the cleaner's expiry; 0 when clean. */
    volatile long dirtiedAt;
    /** Where background writeback of this file resumes (the kernel's writeback_index). */
    long writebackIndex;
    /** Pages of this file under writeback now. */
    private final java.util.concurrent.atomic.AtomicInteger pagesInWriteback =
            new java.util.concurrent.atomic.AtomicInteger();
    /** Open handles; guarded by the cache's file map. */
    int handles;
    /**
     * Bytes [0, reservedEnd) have disk blocks (allocated, or reserved by {@link #reserve}): a
     * write below it cannot meet ENOSPC at writeback. -1 until the first reservation looks
     * (SEEK_HOLE). Guarded by {@link #sizeLock}.
     */
    private long reservedEnd = -1;
    /**
     * The last range reserved past a hole (a sparse file's writes past {@link #reservedEnd}):
     * [reservedFrom, reservedTo); guarded by {@link #sizeLock}.
     */
    private long reservedFrom;
    private long reservedTo;
    /** How far past its end a write that extends the file reserves (one fallocate per this many appended bytes). */
    private static final long RESERVE_AHEAD = 256 << 10;
    /** Truncates begun (see {@link #truncations()}). */
    private final java.util.concurrent.atomic.AtomicLong truncations = new java.util.concurrent.atomic.AtomicLong();
    /** i_rwsem's part: cached writes' copies against direct writes and truncate ({@link WriteGate}). */
    private final WriteGate gate = new WriteGate();
    /**
     * The file system cannot reserve blocks (fallocate says EOPNOTSUPP): writes of CACHED handles go
     * through the kernel ({@link #writesThroughKernel}); one admitted before that was known (or on
     * a file system that refuses only some ranges) is written back before it completes.
     */
    private volatile boolean noReserve;
    /** Whether {@link #noReserve} is known ({@link #writesThroughKernel}). */
    private volatile boolean reserveProbed;
    /** The largest file this process may write (RLIMIT_FSIZE), as last read. */
    private static volatile long fileSizeLimit = Long.MAX_VALUE;
    /**
     * The size the file has on disk, as far as jaio knows (the kernel's i_disksize beside i_size):
     * a device write that ends past it extends the file there. Guarded by {@link #lock}.
     */
    private long diskSize;
    /**
     * The last page of the one device write in flight that extends the file on disk, with a
     * reference; null when none is. Guarded by {@link #lock}. Extending writes go one at a time, in
     * order, and only when no dirty page lies between the disk's end and their start: the file on
     * disk never covers a block whose data is still only in this cache (it would read as zeros).
     */
    private CachedPage extending;

    FileCache(PageCache cache, Object key, long size) {
        this.cache = cache;
        this.key = key;
        this.size = size;
        this.diskSize = size;
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

    /**
     * Sets the size after a truncate: the size cached writes established is gone too, and so
     * are the pages past it (the caller drops them).
     */
    public void setSize(long newSize) {
        synchronized (sizeLock) {
            writtenSize = newSize;
            SIZE.setVolatile(this, newSize);
            if (reservedEnd > newSize) {
                reservedEnd = newSize / PAGE * PAGE; // the truncate frees the blocks past it
            }
            reservedTo = Math.min(reservedTo, newSize / PAGE * PAGE);
        }
        lock.lock();
        try {
            diskSize = newSize;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the size the disk reports (a fresh statx, or a short device read): the file may have
     * grown or shrunk behind the cache's back, but never below what cached writes not yet on disk
     * made it.
     */
    public void refreshSize(long diskSize) {
        synchronized (sizeLock) {
            SIZE.setVolatile(this, Math.max(diskSize, writtenSize));
        }
        lock.lock();
        try {
            this.diskSize = diskSize;
        } finally {
            lock.unlock();
        }
    }

    /** A cached write ended at {@code end}: the file is at least that long from now on. */
    void grownByWrite(long end) {
        synchronized (sizeLock) {
            if (end > writtenSize) {
                writtenSize = end;
            }
        }
        raiseSize(end);
    }

    /**
     * Admits a cached write of {@code [pos, pos + len)} before a byte of it is copied, as the
     * kernel's buffered write does (generic_write_checks, then block reservation in write_begin):
     * a write at or past the process's RLIMIT_FSIZE fails with EFBIG (one that crosses it is cut
     * there), and the disk blocks of pages the write extends the file into or fills a hole with are
     * reserved with {@code fallocate(FALLOC_FL_KEEP_SIZE)}, so that ENOSPC, EDQUOT or EFBIG (past
     * the file system's largest file) fail the write now, not its writeback later. Bytes known to
     * have blocks ({@link #reservedEnd}, or the last range reserved past a hole) need no call, and a
     * write that extends the file reserves {@link #RESERVE_AHEAD} past its end (blocks past EOF, as
     * ext4 and XFS preallocate; just its own pages when that much does not fit), so an append
     * stream calls fallocate (and getrlimit) once per 256 KiB. Synchronous, on the calling thread.
     *
     * @return the bytes admitted ({@code len}, or fewer up to RLIMIT_FSIZE), or {@code -errno}
     */
    long reserve(CacheHandle h, long pos, long len) {
        long end = pos + len;
        long known;
        synchronized (sizeLock) {
            known = reservedEnd;
            if (end <= fileSizeLimit && (end <= known || (pos >= reservedFrom && end <= reservedTo))) {
                return len;
            }
        }
        long limit = Libc.getrlimitCurrent(Rlimit.RLIMIT_FSIZE);
        fileSizeLimit = limit < 0 ? Long.MAX_VALUE : limit;
        if (pos >= fileSizeLimit) {
            return -Errno.EFBIG;
        }
        if (end > fileSizeLimit) {
            end = fileSizeLimit;
            len = end - pos;
        }
        if (known < 0) {
            // Every byte before the first hole has blocks (the end of the file counts as a hole).
            long hole = Libc.lseek(h.bufferedFd(), 0, Seek.SEEK_HOLE);
            synchronized (sizeLock) {
                if (reservedEnd < 0) {
                    reservedEnd = hole > 0 ? hole / PAGE * PAGE : 0;
                }
                known = reservedEnd;
            }
        }
        if (end <= known || noReserve) {
            return len;
        }
        // Whole pages: writeback writes whole pages (but the one ending the file) with O_DIRECT.
        long from = pos / PAGE * PAGE;
        long to = (end + PAGE - 1) / PAGE * PAGE;
        // A write that extends the file reserves ahead (an append stream then calls fallocate once
        // per RESERVE_AHEAD bytes, not once per write); if that much does not fit, just its own.
        long ahead = end > size() ? (end + RESERVE_AHEAD - 1) / RESERVE_AHEAD * RESERVE_AHEAD : to;
        long rc = Libc.fallocate(h.bufferedFd(),
                Falloc.FALLOC_FL_KEEP_SIZE, from, ahead - from);
        if (rc < 0 && ahead > to && rc != -Errno.EOPNOTSUPP) {
            ahead = to;
            rc = Libc.fallocate(h.bufferedFd(),
                    Falloc.FALLOC_FL_KEEP_SIZE, from, to - from);
        }
        if (rc == -Errno.EOPNOTSUPP) {
            noReserve = true; // such writes are written through instead (see CachedWrite)
            return len;
        }
        if (rc < 0) {
            return rc;
        }
        synchronized (sizeLock) {
            if (from <= reservedEnd) {
                reservedEnd = Math.max(reservedEnd, ahead);
            } else if (from >= reservedFrom && from <= reservedTo) {
                reservedTo = Math.max(reservedTo, ahead);
            } else {
                reservedFrom = from;
                reservedTo = ahead;
            }
        }
        return len;
    }


    /**
     * Whether this file system cannot reserve blocks: a cached write is then written back before it
     * completes, so that its errors reach its caller.
     */
    boolean writesThrough() {
        return noReserve;
    }

    /** Whether {@link #writesThroughKernel} has asked the file system already (it then makes no call). */
    public boolean reserveProbed() {
        return reserveProbed;
    }

    /**
     * Whether writes of this file must go through the kernel's own buffered path instead of jaio's
     * cache: the file system cannot reserve blocks (fallocate says EOPNOTSUPP: ext2, ext3 without
     * extents, some FUSE and network file systems), so only the kernel's write can find out at write
     * time that a block does not fit, and say how many bytes did (a short write, then ENOSPC),
     * without leaving bytes of a failed write behind. Asked before the first write: it tries
     * {@code fallocate(FALLOC_FL_KEEP_SIZE)} once for the page at the file's end (the blocks a
     * first extending write reserves anyway).
     */
    public boolean writesThroughKernel(CacheHandle h) {
        if (!reserveProbed) {
            long at = size() / PAGE * PAGE;
            if (Libc.fallocate(h.bufferedFd(), Falloc.FALLOC_FL_KEEP_SIZE, at, PAGE) == -Errno.EOPNOTSUPP) {
                noReserve = true;
            }
            reserveProbed = true; // any other answer (ENOSPC too) says the call is supported
        }
        return noReserve;
    }

    /**
     * Where an integrity sync of pages [first, last] must start: when the range ends past the disk's
     * end, the dirty pages between the disk's end and {@code first} go first, since the file on
     * disk may only grow over written data.
     */
    long syncStart(long first, long last) {
        lock.lock();
        try {
            long diskPage = diskSize / PAGE;
            return last >= diskPage ? Math.min(first, diskPage) : first;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The file on disk grew to at least {@code atLeast} (a direct write, an fallocate): the cache's
     * size follows.
     */
    public void growSize(long atLeast) {
        lock.lock();
        try {
            diskSize = Math.max(diskSize, atLeast);
        } finally {
            lock.unlock();
        }
        raiseSize(atLeast);
    }

    /** Raises the cache's size to at least {@code atLeast}. */
    private void raiseSize(long atLeast) {
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

    /** Runs {@code action} on every page in the tree, in index order, under the file's lock (for checks and tests). */
    void forEachPage(java.util.function.Consumer<CachedPage> action) {
        lock.lock();
        try {
            long from = 0;
            while (true) {
                int n = tree.gangLookup(from, MAX_INDEX, scanIndices, scanPages, SCAN);
                for (int i = 0; i < n; i++) {
                    action.accept(scanPages[i]);
                }
                if (n < SCAN) {
                    return;
                }
                from = scanIndices[n - 1] + 1;
            }
        } finally {
            java.util.Arrays.fill(scanPages, null);
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
        Object owner = cache.io().divertedTo();
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
                int frame = cache.reclaim().allocateFrame();
                if (frame < 0) {
                    break; // every frame busy: read what we have, the caller waits for more
                }
                CachedPage p = new CachedPage(this, i, frame, cache.waits());
                p.readOwner = owner; // before the page is visible: nobody else may wait on a context's read
                p.set(PageState.LOCKED | (i == markerIndex ? PageState.READAHEAD : 0));
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
        cache.reclaim().placed(pages, used);
        cache.counters().countStarted(used, readahead);
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
        MemorySegment single = oneBuffer(run);
        h.retainOp();
        cache.io().submit(new PageReadOp(this, h, run, single, single == null ? frameArray(run) : null));
    }

    /**
     * The memory of a run of pages as one buffer: its frame, or its frames when they are next to
     * each other (the clock evicts in frame order, so a run's frames usually are: one plain read or
     * write, which the device does faster than a vector of pages); null when they are scattered.
     */
    private MemorySegment oneBuffer(CachedPage[] run) {
        if (run.length == 1) {
            return cache.frames().frame(run[0].frame());
        }
        return contiguousFrames(run) ? cache.frames().span(run[0].frame(), run.length) : null;
    }

    /** The frames of a run of pages, for a vectored read or write. */
    private MemorySegment[] frameArray(CachedPage[] run) {
        MemorySegment[] frames = new MemorySegment[run.length];
        for (int i = 0; i < run.length; i++) {
            frames[i] = cache.frames().frame(run[i].frame());
        }
        return frames;
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
                        p.set(PageState.STALE); // out of the tree: see detach
                        p.release(); // the tree's reference; the read's is still held
                    }
                }
            } finally {
                lock.unlock();
            }
            cache.counters().readErrors.increment();
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
                    refreshSize(s);
                }
            }
        }
        // The read's references go before anyone is woken, so that what a woken request does next
        // (finish, and its caller drop the range, say) finds the pages idle. A read that waits for a
        // page holds a reference to it, so the page cannot be evicted before its retry copies it (a
        // write that waited looks its page up again, and reads it again if it went meanwhile).
        for (int i = 0; i < run.length; i++) {
            if (run[i].release()) {
                cache.reclaim().freeFrame(run[i]);
            }
        }
        // Wake only once every page of the run is ready: a request woken for the first page then
        // copies the whole run in one retry instead of one retry per page.
        for (int i = 0; i < run.length; i++) {
            run[i].wakeUnlocked(before[i]);
        }
        cache.reclaim().framesMayBeFree();
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
        drop(firstIndex, lastIndex, false, false);
    }

    /**
     * Around a write of another handle to [firstIndex, lastIndex] (§4): drops the range's clean
     * pages, busy or not, as {@link #invalidate} does, but never a dirty one, whose bytes no device
     * holds yet (the kernel's invalidate_inode_pages2 fails on such a page rather than lose it). The
     * caller wrote the range back first; a page dirty still is one whose writeback failed.
     */
    public void invalidateClean(long firstIndex, long lastIndex) {
        drop(firstIndex, lastIndex, true, true);
    }

    private void drop(long firstIndex, long lastIndex, boolean evenBusy) {
        drop(firstIndex, lastIndex, evenBusy, false);
    }

    private void drop(long firstIndex, long lastIndex, boolean evenBusy, boolean keepDirty) {
        List<CachedPage> toFree = new ArrayList<>();
        int batch = 64;
        @SuppressWarnings("unchecked")
        CachedPage[] found = new CachedPage[batch];
        long[] indices = new long[batch];
        long from = firstIndex;
        int dirtyGone = 0;
        lock.lock();
        try {
            while (from <= lastIndex) {
                int n = tree.gangLookup(from, lastIndex, indices, found, batch);
                if (n == 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    CachedPage p = found[i];
                    if ((!evenBusy && !p.evictable()) || (keepDirty && p.is(PageState.DIRTY))) {
                        continue;
                    }
                    tree.remove(indices[i]);
                    if ((p.clear(PageState.DIRTY) & PageState.DIRTY) != 0) {
                        dirtyGone++;
                    }
                    p.set(PageState.STALE);
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
        // After the lock: fewer dirty pages may run throttled writers on this thread, and a writer
        // that ran inside the walk above could take (or evict) pages it is halfway through dropping.
        if (dirtyGone > 0) {
            cache.flusher().dirtyPagesGone(dirtyGone);
        }
        for (CachedPage p : toFree) {
            cache.reclaim().freeFrame(p);
        }
        if (!toFree.isEmpty()) {
            cache.reclaim().framesMayBeFree();
        }
    }

    // ---- writes and writeback ----

    /**
     * A new page for a write that covers all of it that matters (every byte of it the file has is
     * overwritten): made LOCKED, neither uptodate nor dirty, in a free frame, with a reference for
     * the caller, who fills it and unlocks it. Null when the page exists (look it up) or no frame is
     * free now.
     */
    CachedPage createForWrite(long index) {
        CachedPage p;
        lock.lock();
        try {
            if (tree.get(index) != null) {
                return null;
            }
            int frame = cache.reclaim().allocateFrame();
            if (frame < 0) {
                return null;
            }
            p = new CachedPage(this, index, frame, cache.waits());
            p.set(PageState.LOCKED);
            p.retain(); // the writer's
            tree.put(index, p);
        } finally {
            lock.unlock();
        }
        cache.reclaim().placed(p);
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
        lock.lock();
        try {
            int nPresent = tree.gangLookup(first, last, scanIndices, scanPages, Math.min(SCAN, n));
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
                int frame = cache.reclaim().allocateFrame();
                if (frame < 0) {
                    continue;
                }
                CachedPage p = new CachedPage(this, idx, frame, cache.waits());
                p.set(PageState.LOCKED);
                p.retain(); // the writer's
                tree.put(idx, p);
                out[i] = p;
                created[i] = true;
                made++;
            }
        } finally {
            java.util.Arrays.fill(scanPages, null);
            lock.unlock();
        }
        if (made > 0) {
            cache.reclaim().placed(out, created, n);
        }
    }

    /**
     * Gives back a page {@link #pagesForWrite} made that its writer did not fill (it has to wait
     * first): out of the tree, marked STALE and unlocked, so that anyone who found it looks again,
     * and its frame returns once the last reference goes. The caller still drops its own reference.
     */
    void abandon(CachedPage p) {
        lock.lock();
        try {
            if (tree.get(p.index()) == p) {
                tree.remove(p.index());
                p.release(); // the tree's; the writer's is still held
            }
        } finally {
            lock.unlock();
        }
        p.unlock(PageState.STALE, 0);
    }

    /**
     * Tags pages whose DIRTY bit the caller just set (from clear) as DIRTY in the tree, and returns
     * how many of them the dirty count must take ({@link PageCache#dirtyPagesAdded}): a page dropped
     * from the file (STALE) meanwhile is left untagged, and counted only if the drop already counted
     * it gone, so that the count never keeps a page that is not dirty (a leak there would throttle
     * writers for good). Drop and this change DIRTY and its tag under this lock.
     */
    int tagDirty(CachedPage[] pages, int n) {
        int counted = 0;
        lock.lock();
        try {
            for (int i = 0; i < n; i++) {
                CachedPage p = pages[i];
                if (!p.is(PageState.STALE)) {
                    if (p.is(PageState.DIRTY)) {
                        tree.setTag(p.index(), Tag.DIRTY);
                        counted++;
                    }
                } else if (p.is(PageState.DIRTY)) {
                    // Dropped before its writer dirtied it: drop() did not count it gone, so it is
                    // not counted in either; the bit goes (the page is no part of the file).
                    p.clear(PageState.DIRTY);
                } else {
                    // Dropped after its writer dirtied it: drop() counted it gone already.
                    counted++;
                }
            }
            if (dirtiedAt == 0 && tree.anyTagged(Tag.DIRTY)) {
                dirtiedAt = System.nanoTime();
            }
        } finally {
            lock.unlock();
        }
        return counted;
    }

    /** Whether some page of [first, last] is dirty. */
    public boolean hasDirtyPages(long first, long last) {
        lock.lock();
        try {
            return tree.gangLookupTag(first, last, Tag.DIRTY, scanIndices, scanPages, 1) > 0;
        } finally {
            scanPages[0] = null;
            lock.unlock();
        }
    }

    /** Whether some page of the file is dirty. */
    public boolean hasDirtyPages() {
        lock.lock();
        try {
            return tree.anyTagged(Tag.DIRTY);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The start of an integrity sync of [first, last] (the kernel's tag_pages_for_writeback): tags
     * the DIRTY pages TOWRITE, so that the sync writes exactly those and cannot be kept busy forever
     * by writers that dirty the range again.
     */
    void tagToWrite(long first, long last) {
        lock.lock();
        try {
            tree.tagRange(first, last, Tag.DIRTY, Tag.TOWRITE, Integer.MAX_VALUE);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes back pages of [{@code w.next}, last]: takes the pages tagged TOWRITE (an integrity
     * sync) or DIRTY (background) in index order, moves each dirty one it can lock to WRITEBACK, and
     * writes adjacent pages with one device write ({@link PageWriteOp}). The file's lock is held only
     * to find pages and change tags, never across I/O.
     *
     * <p>An integrity sync cannot skip a page: one that is locked or already under writeback (its
     * data may predate the writes the sync must cover) is handed back in {@link Writeback#blocked},
     * with a reference, for the caller to wait on; the call returns false and the next call goes on
     * from that page. Background writeback skips such pages.
     *
     * @param max most pages looked at (background writeback's batch); the call returns false when it
     *     stops for that
     * @return true when every page of the range has been dealt with
     */
    boolean writeback(CacheHandle h, Writeback w, long last, int max) {
        int tag = w.integrity ? Tag.TOWRITE : Tag.DIRTY;
        int budget = max;
        CachedPage[] found = w.found;
        long[] indices = w.indices;
        while (budget > 0 && w.next <= last) {
            int n;
            lock.lock();
            try {
                n = tree.gangLookupTag(w.next, last, tag, indices, found, Math.min(found.length, budget));
                for (int i = 0; i < n; i++) {
                    found[i].retain();
                }
            } finally {
                lock.unlock();
            }
            if (n == 0) {
                w.next = last + 1;
                break;
            }
            budget -= n;
            long fileSize = size();
            int taken = 0;
            int skipped = 0;
            CachedPage stop = null;
            for (int i = 0; i < n; i++) {
                CachedPage p = found[i];
                found[i] = null;
                if (stop != null) {
                    release(p);
                    continue;
                }
                boolean locked = !p.is(PageState.WRITEBACK) && p.tryLock();
                if (locked && p.is(PageState.WRITEBACK)) {
                    p.unlock(0, 0);
                    locked = false;
                }
                if (!locked) {
                    if (w.integrity) {
                        stop = p; // waited on by the caller, with this reference
                        w.next = p.index();
                    } else {
                        release(p);
                    }
                    continue;
                }
                if (!w.integrity && p.is(PageState.ERROR)) {
                    // Its last write failed: background writeback leaves it to the next sync, which
                    // retries it and reports the error, instead of failing it over and over.
                    p.unlock(0, 0);
                    release(p);
                    continue;
                }
                if (!p.is(PageState.DIRTY) || p.index() * PAGE >= fileSize) {
                    // Cleaned by another writeback, or past the end (truncate drops it): only the
                    // TOWRITE tag goes, below.
                    w.clean[skipped++] = p;
                    continue;
                }
                w.taken[taken++] = p;
            }
            // Extending writes one at a time, in order (see #extending): the pages past the one
            // extending run this step may issue wait, still dirty, for the next step.
            long extFirst = -1;
            CachedPage waitOn = null;
            long resumeAt = -1;
            int keep = taken;
            lock.lock();
            try {
                long eofPage = fileSize % PAGE != 0 ? fileSize / PAGE : -1;
                int firstExt = 0;
                while (firstExt < taken && writeEnd(w.taken[firstExt].index(), fileSize, eofPage) <= diskSize) {
                    firstExt++;
                }
                if (firstExt < taken) {
                    long extIndex = w.taken[firstExt].index();
                    long gapFrom = Math.max(diskSize / PAGE, firstExt > 0 ? w.taken[firstExt - 1].index() + 1 : 0);
                    CachedPage gapWb = gapFrom < extIndex ? firstTagged(gapFrom, extIndex - 1, Tag.WRITEBACK) : null;
                    CachedPage gapDirty = gapFrom < extIndex && gapWb == null && extending == null
                            ? firstTagged(gapFrom, extIndex - 1, Tag.DIRTY) : null;
                    keep = firstExt;
                    if (extending != null || gapWb != null) {
                        waitOn = extending != null ? extending : gapWb;
                        waitOn.retain();
                        resumeAt = extIndex;
                    } else if (gapDirty != null && gapDirty.is(PageState.ERROR)) {
                        // A page between the disk's end and this write failed its last write (this
                        // sync's own try, if it was in its range: an integrity sync takes its pages
                        // in index order). The file cannot grow past it: the pages after it stay
                        // dirty, and the sync ends, reporting the error (errseq); the next sync
                        // tries that page again. Background writeback leaves the file alone.
                        resumeAt = Long.MAX_VALUE;
                    } else if (gapDirty != null) {
                        // Dirty pages lie between the disk's end and this write: they go first.
                        resumeAt = gapDirty.index();
                        if (w.integrity) {
                            tree.tagRange(resumeAt, extIndex - 1, Tag.DIRTY, Tag.TOWRITE, Integer.MAX_VALUE);
                        }
                    } else {
                        int j = firstExt + 1;
                        if (extIndex != eofPage) {
                            while (j < taken && w.taken[j].index() == w.taken[j - 1].index() + 1
                                    && w.taken[j].index() != eofPage && j - firstExt < MAX_WRITE_PAGES) {
                                j++;
                            }
                        }
                        keep = j;
                        extFirst = extIndex;
                        extending = w.taken[j - 1];
                        extending.retain(); // extending's own, dropped by writeDone
                        if (j < taken) {
                            waitOn = extending;
                            waitOn.retain();
                            resumeAt = w.taken[j].index();
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
            for (int i = keep; i < taken; i++) {
                w.taken[i].unlock(0, 0); // still dirty and tagged: a later step takes it
                release(w.taken[i]);
                w.taken[i] = null;
            }
            taken = keep;
            int cleaned = 0;
            lock.lock();
            try {
                // Tags per run of adjacent pages still in the tree (dropped pages are STALE): one
                // walk per run, not three per page.
                int runStart = -1;
                for (int i = 0; i <= taken; i++) {
                    boolean inTree = i < taken && !w.taken[i].is(PageState.STALE);
                    boolean extends_ = inTree && runStart >= 0
                            && w.taken[i].index() == w.taken[i - 1].index() + 1;
                    if (runStart >= 0 && !extends_) {
                        tree.retagRange(w.taken[runStart].index(), w.taken[i - 1].index(), TO_WRITEBACK_CLEAR,
                                TO_WRITEBACK_SET);
                        runStart = -1;
                    }
                    if (inTree && runStart < 0) {
                        runStart = i;
                    }
                }
                for (int i = 0; i < taken; i++) {
                    CachedPage p = w.taken[i];
                    // Both bits change under this lock while the page is locked: tagDirty and
                    // writeDone see DIRTY and its tag agree.
                    p.set(PageState.WRITEBACK);
                    if ((p.clear(PageState.DIRTY) & PageState.DIRTY) != 0) {
                        cleaned++;
                    }
                }
                for (int i = 0; i < skipped; i++) {
                    CachedPage p = w.clean[i];
                    if (!p.is(PageState.STALE)) {
                        tree.clearTag(p.index(), Tag.TOWRITE);
                        if (!p.is(PageState.DIRTY)) {
                            tree.clearTag(p.index(), Tag.DIRTY);
                        }
                    }
                }
                // Counted under writeback before the file may look clean: a direct request that
                // sees neither (mayHoldUnwrittenData) would skip waiting for these writes, and
                // its own write could land before them.
                pagesInWriteback.addAndGet(taken);
                if (!tree.anyTagged(Tag.DIRTY)) {
                    dirtiedAt = 0;
                }
            } finally {
                lock.unlock();
            }
            for (int i = 0; i < skipped; i++) {
                w.clean[i].unlock(0, 0);
                release(w.clean[i]);
                w.clean[i] = null;
            }
            for (int i = 0; i < taken; i++) {
                w.taken[i].unlock(0, 0); // writers may dirty it again while it is written
            }
            cache.flusher().writebackStarted(taken, cleaned);
            issueWrites(h, w.taken, taken, fileSize, w.rwFlags, extFirst);
            w.pagesWritten += taken;
            if (resumeAt >= 0) {
                if (stop != null) {
                    release(stop); // after the deferred pages: met again from resumeAt
                }
                if (resumeAt == Long.MAX_VALUE) {
                    w.next = last + 1; // blocked by a failed page: done for now (see above)
                    return true;
                }
                w.next = resumeAt;
                if (waitOn == null) {
                    continue; // the pages between the disk's end and the deferred ones, first
                }
                if (w.integrity) {
                    w.blocked = waitOn;
                } else {
                    release(waitOn);
                }
                return false;
            }
            if (stop != null) {
                w.blocked = stop;
                return false;
            }
            if (n > 0 && w.next <= indices[n - 1]) {
                w.next = indices[n - 1] + 1;
            }
        }
        return w.next > last;
    }

    /** Where a device write of page {@code index} ends: the page's end, or the file's for the page that ends it. */
    private static long writeEnd(long index, long fileSize, long eofPage) {
        return index == eofPage ? fileSize : (index + 1) * PAGE;
    }

    /** The first page of [from, to] with {@code tag}, or null. Under {@link #lock}. */
    private CachedPage firstTagged(long from, long to, int tag) {
        if (tree.gangLookupTag(from, to, tag, scanIndices, scanPages, 1) == 0) {
            return null;
        }
        CachedPage p = scanPages[0];
        scanPages[0] = null;
        return p;
    }

    /**
     * Issues device writes of {@code pages} (in index order), one per run of adjacent pages; the
     * page that ends the file and the first page of the extending run ({@code extFirst}, or -1)
     * start runs of their own, so the extending write is exactly one device write.
     */
    private void issueWrites(CacheHandle h, CachedPage[] pages, int n, long fileSize, int rwFlags, long extFirst) {
        int runStart = 0;
        long eofPage = fileSize % PAGE != 0 ? fileSize / PAGE : -1;
        for (int i = 1; i <= n; i++) {
            if (i == n || pages[i].index() != pages[i - 1].index() + 1 || pages[i].index() == eofPage
                    || pages[i].index() == extFirst || i - runStart == MAX_WRITE_PAGES) {
                CachedPage[] run = java.util.Arrays.copyOfRange(pages, runStart, i);
                java.util.Arrays.fill(pages, runStart, i, null);
                if (run[0].index() == eofPage) {
                    // The page that holds the end of the file: its exact bytes, through the buffered
                    // descriptor. A whole-page O_DIRECT write would make the file that much longer.
                    h.retainOp();
                    cache.io().submit(new PageWriteOp(this, h, run, h.bufferedFd(),
                            cache.frames().frame(run[0].frame()).asSlice(0, fileSize - eofPage * PAGE), null,
                            fileSize - eofPage * PAGE, rwFlags));
                } else {
                    MemorySegment single = oneBuffer(run);
                    h.retainOp();
                    cache.io().submit(new PageWriteOp(this, h, run, h.directFd(), single,
                            single == null ? frameArray(run) : null, (long) run.length * PAGE, rwFlags));
                }
                runStart = i;
            }
        }
    }

    /**
     * Ends a device write of {@code run}: the pages leave writeback; on failure they become dirty
     * again (never silently clean) and marked ERROR, and the error is recorded for the next sync of
     * every handle ({@link CacheHandle#checkWritebackError()}). Drops the write's references.
     */
    void writeDone(CachedPage[] run, long result, int rwFlags) {
        boolean failed = result < 0;
        CachedPage extended = null;
        if (failed) {
            wbErrOffset = run[0].index() * PAGE;
            wbErrno = (int) -result;
            wbErrSeq.incrementAndGet();
            cache.counters().countWriteError((int) -result);
        } else if ((rwFlags & (Rwf.RWF_DSYNC | Rwf.RWF_SYNC)) == 0) {
            unsyncedWrites.incrementAndGet();
        }
        lock.lock();
        try {
            if (!failed) {
                diskSize = Math.max(diskSize, run[0].index() * PAGE + result);
            }
            if (extending != null && extending.index() >= run[0].index()
                    && extending.index() <= run[run.length - 1].index() && contains(run, extending)) {
                extended = extending; // the next extending write may go
                extending = null;
            }
            boolean whole = !failed;
            for (CachedPage p : run) {
                whole &= !p.is(PageState.STALE);
            }
            if (whole) {
                // The usual case: the run's pages, adjacent, all still in the tree.
                tree.retagRange(run[0].index(), run[run.length - 1].index(), 1 << Tag.WRITEBACK, 0);
            }
            for (CachedPage p : run) {
                long idx = p.index();
                if (whole || p.is(PageState.STALE)) {
                    continue; // done above, or truncated away meanwhile
                }
                tree.clearTag(idx, Tag.WRITEBACK);
                if (failed) {
                    if ((p.set(PageState.DIRTY) & PageState.DIRTY) == 0) {
                        cache.flusher().dirtyPagesAdded(1);
                    }
                    tree.setTag(idx, Tag.DIRTY);
                    if (dirtiedAt == 0) {
                        dirtiedAt = System.nanoTime();
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        for (CachedPage p : run) {
            if (!failed) {
                p.clear(PageState.ERROR);
            }
            p.endWriteback(failed);
        }
        for (CachedPage p : run) {
            release(p);
        }
        if (extended != null) {
            release(extended);
            if (dirtiedAt != 0) {
                // The next extending write of this file may go now: background writeback goes on
                // (it stopped at this one), rather than wait for the cleaner's next pass.
                cache.kickCleaner();
            }
        }
        pagesInWriteback.addAndGet(-run.length);
        cache.flusher().writebackEnded(run.length);
    }

    private static boolean contains(CachedPage[] run, CachedPage p) {
        for (CachedPage q : run) {
            if (q == p) {
                return true;
            }
        }
        return false;
    }

    // ---- the write gate ----

    /**
     * A cached write is about to copy into pages (on this thread, without waiting): true when it
     * may; false when a truncate or a direct write holds the gate, and then {@code w} is queued and
     * told when the gate opens ({@link WriteGate.Copier#gateOpened}). Every true is matched by one
     * {@link #leaveCopy()}.
     */
    boolean enterCopy(WriteGate.Copier w) {
        return gate.enterCopy(w);
    }

    /** The write stopped copying (it waits, or its copy is over). */
    void leaveCopy() {
        gate.leaveCopy();
    }

    /**
     * A write of a handle that is not CACHED, coherent with this cache (§4): {@code start} runs
     * once no cached write copies and no truncate runs (now, on this thread, or later on the thread
     * that lets the gate open), and from then until {@link #leaveDirectWrite()} no cached write
     * copies into the file: the direct write's writeback, invalidation and I/O are not raced by
     * a cached write of the same pages.
     */
    public void enterDirectWrite(Runnable start) {
        gate.enterDirect(start);
    }

    /** {@link #enterDirectWrite} for a caller that must hold the gate when this returns (blocking). */
    public void enterDirectWriteNow() {
        gate.enterDirectNow();
    }

    /** The direct write that entered the gate ended, or will never be issued. */
    public void leaveDirectWrite() {
        gate.leaveDirect();
    }

    /** The gate, for tests. */
    WriteGate writeGate() {
        return gate;
    }

    /**
     * The first half of a truncate to {@code newSize}: cached writes are kept out until
     * {@link #endTruncate} or {@link #abortTruncate} (the one that copies now finishes its copy
     * first, and one that waited meanwhile starts over after it: each write lies wholly before or
     * wholly after the truncate, as POSIX asks), the cache takes the new size, and every device
     * write of a page at or past the page the new end falls in is waited for (blocking), since one
     * that finished after the file shrank would extend it again. The caller must call one of the two
     * (unless this throws).
     *
     * @throws IllegalStateException when called inside a cached write's copy (a callback it ran)
     */
    public long[] beginTruncate(long newSize) {
        gate.lockForTruncate();
        try {
            return truncateSizes(newSize);
        } catch (RuntimeException | Error e) {
            gate.unlockAfterTruncate();
            throw e;
        }
    }

    private long[] truncateSizes(long newSize) {
        long[] saved;
        synchronized (sizeLock) {
            saved = new long[] {size(), writtenSize};
        }
        lock.lock();
        try {
            saved = new long[] {saved[0], saved[1], diskSize};
        } finally {
            lock.unlock();
        }
        truncations.incrementAndGet();
        setSize(newSize);
        long from = newSize / PAGE;
        CachedPage p;
        while ((p = firstUnderWriteback(from, MAX_INDEX)) != null) {
            p.awaitWritebackEnded();
            from = p.index() + 1;
            release(p);
        }
        return saved;
    }

    /**
     * The truncate {@link #beginTruncate} began failed (ftruncate refused it): the sizes go back to
     * what they were, so that cached writes not yet on disk keep their bytes and the disk's end stays
     * where it is.
     */
    public void abortTruncate(long[] saved) {
        try {
            synchronized (sizeLock) {
                writtenSize = saved[1];
                SIZE.setVolatile(this, saved[0]);
            }
            lock.lock();
            try {
                diskSize = saved[2];
            } finally {
                lock.unlock();
            }
        } finally {
            gate.unlockAfterTruncate();
        }
    }

    /** Truncates begun so far: a write admitted before one is admitted again (its blocks may be gone). */
    long truncations() {
        return truncations.get();
    }

    /**
     * The second half, after the file was truncated: pages wholly past {@code newSize} leave the
     * cache, dirty or not; the page {@code newSize} falls in keeps its bytes before it and gets
     * zeros after it (blocking until it can lock the page).
     */
    public void endTruncate(long newSize) {
        try {
            long firstGone = (newSize + PAGE - 1) / PAGE;
            invalidate(firstGone, MAX_INDEX);
            if (newSize % PAGE == 0) {
                return;
            }
            CachedPage p = lookupRetained(newSize / PAGE);
            if (p == null) {
                return;
            }
            try {
                while (!p.tryLock()) {
                    p.awaitUnlocked();
                }
                if (p.is(PageState.UPTODATE)) {
                    cache.frames().frame(p.frame()).asSlice(newSize % PAGE).fill((byte) 0);
                }
                p.unlock(0, 0);
            } finally {
                release(p);
            }
        } finally {
            gate.unlockAfterTruncate();
        }
    }

    /**
     * Whether a direct request on the file must write back first: some page may be dirty or under
     * writeback. Two volatile reads: the O_DIRECT path asks on every request.
     */
    public boolean mayHoldUnwrittenData() {
        return dirtiedAt != 0 || pagesInWriteback.get() > 0;
    }

    /**
     * Writes back the dirty pages of [firstIndex, lastIndex] and waits for every page of it under
     * writeback, as a direct request on the file must before it goes to the device (§4: a direct
     * read would read old bytes, a direct write would be overwritten by a later writeback). Through
     * one of the file's writable handles; done at once when there is none (then nothing is dirty).
     */
    public java.util.concurrent.CompletableFuture<Void> writeBackForDirect(long firstIndex, long lastIndex) {
        java.util.concurrent.CompletableFuture<Void> range = writeBackRange(firstIndex, lastIndex);
        long s = size();
        long eofPage = s > 0 ? (s - 1) / PAGE : -1;
        if (eofPage > lastIndex && hasDirtyPages(eofPage, eofPage)) {
            // Cached writes made the file longer than the disk knows: the page that ends it goes
            // too, so the direct request sees the file's size (a hole before it reads zeros).
            return range.thenCompose(v -> writeBackRange(eofPage, eofPage));
        }
        return range;
    }

    /**
     * The file on disk is about to grow to {@code newEnd} by other means than a cached page's
     * writeback (a truncate up, an fallocate): the dirty pages between the disk's end and there are
     * written back first (and waited for), so the disk never covers bytes still only in the cache.
     * Done at once when there are none.
     */
    public java.util.concurrent.CompletableFuture<Void> writeBackBeforeGrowing(long newEnd) {
        if (!dirtyBeforeGrowing(newEnd)) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        long disk;
        lock.lock();
        try {
            disk = diskSize;
        } finally {
            lock.unlock();
        }
        return writeBackRange(disk / PAGE, (newEnd - 1) / PAGE);
    }

    /**
     * The errno of the last writeback error if a page between the disk's end and {@code newEnd}
     * failed its last write (it stays dirty), else 0.
     */
    public int writebackErrnoBefore(long newEnd) {
        lock.lock();
        try {
            if (newEnd <= diskSize) {
                return 0;
            }
            long from = diskSize / PAGE;
            long to = (newEnd - 1) / PAGE;
            while (from <= to) {
                int n = tree.gangLookupTag(from, to, Tag.DIRTY, scanIndices, scanPages, SCAN);
                for (int i = 0; i < n; i++) {
                    if (scanPages[i].is(PageState.ERROR)) {
                        return wbErrno != 0 ? wbErrno : Errno.EIO;
                    }
                }
                if (n < SCAN) {
                    break;
                }
                from = scanIndices[n - 1] + 1;
            }
            return 0;
        } finally {
            java.util.Arrays.fill(scanPages, null);
            lock.unlock();
        }
    }

    /** Whether dirty pages lie between the disk's end and {@code newEnd} (growing the file there would cover them). */
    public boolean dirtyBeforeGrowing(long newEnd) {
        if (!mayHoldUnwrittenData()) {
            return false;
        }
        lock.lock();
        try {
            return newEnd > diskSize
                    && tree.gangLookupTag(diskSize / PAGE, (newEnd - 1) / PAGE, Tag.DIRTY, scanIndices, scanPages, 1) > 0;
        } finally {
            scanPages[0] = null;
            lock.unlock();
        }
    }

    private java.util.concurrent.CompletableFuture<Void> writeBackRange(long firstIndex, long lastIndex) {
        for (CacheHandle h : writers) {
            if (h.tryRetainOp()) {
                RangeWriteback w = new RangeWriteback(h, firstIndex, lastIndex);
                w.start();
                return w;
            }
        }
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** {@link #writeBackForDirect}'s request. */
    private static final class RangeWriteback extends CachedWrite<Void> {
        private final CacheHandle handle;

        RangeWriteback(CacheHandle handle, long first, long last) {
            super(handle, first, last);
            this.handle = handle;
        }

        @Override
        protected void finished(long result) {
            handle.releaseOp();
            complete(null);
        }

        @Override
        protected void failed(Throwable cause) {
            handle.releaseOp();
            completeExceptionally(cause);
        }
    }

    /** Largest page index a file can have. */
    static final long MAX_INDEX = Long.MAX_VALUE / PAGE;

    /** Writable handles of the file: background writeback writes through one of them. */
    private final java.util.concurrent.CopyOnWriteArrayList<CacheHandle> writers =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** {@code h} can write the file: background writeback may use its descriptors. */
    public void addWriter(CacheHandle h) {
        writers.add(h);
    }

    /** {@code h} closes: background writeback stops using it. */
    public void removeWriter(CacheHandle h) {
        writers.remove(h);
    }

    /** Whether a writable handle is open. */
    public boolean hasWriters() {
        return !writers.isEmpty();
    }

    /** When the file went from clean to dirty (System.nanoTime), for the cleaner's expiry; 0 when clean. */
    @Override
    public long dirtiedAt() {
        return dirtiedAt;
    }

    /**
     * One batch of background writeback: up to {@code max} dirty pages from where the last batch
     * stopped (wrapping to the start at the end of the file), through a writable handle.
     *
     * @return pages put under writeback
     */
    @Override
    public long writeBackBatch(int max) {
        for (CacheHandle h : writers) {
            if (!h.tryRetainOp()) {
                continue; // closing
            }
            try {
                // Cyclic, as the kernel's range_cyclic: from where the last batch stopped to the
                // end, then from the start up to there, so that no dirty page is missed because the
                // batch began past it.
                long start = writebackIndex;
                Writeback w = new Writeback(false, start, 0);
                boolean finished = writeback(h, w, MAX_INDEX, max);
                long written = w.pagesWritten;
                if (finished && start > 0 && written < max) {
                    Writeback wrap = new Writeback(false, 0, 0);
                    finished = writeback(h, wrap, start - 1, (int) (max - written));
                    written += wrap.pagesWritten;
                    writebackIndex = finished ? 0 : wrap.next;
                } else {
                    writebackIndex = finished ? 0 : w.next;
                }
                return written;
            } finally {
                h.releaseOp();
            }
        }
        return 0;
    }

    /**
     * The first page of [from, last] under writeback, with a reference for the caller (who waits
     * for it, the kernel's __filemap_fdatawait_range); null when none is.
     */
    CachedPage firstUnderWriteback(long from, long last) {
        lock.lock();
        try {
            if (tree.gangLookupTag(from, last, Tag.WRITEBACK, scanIndices, scanPages, 1) == 0) {
                return null;
            }
            CachedPage p = scanPages[0];
            scanPages[0] = null;
            p.retain();
            return p;
        } finally {
            lock.unlock();
        }
    }

    /** How many writeback errors the file has had: a handle remembers the count it has reported. */
    long writebackErrors() {
        return wbErrSeq.get();
    }

    /** The errno of the last writeback error. */
    int lastWritebackErrno() {
        return wbErrno;
    }

    /** The file offset of the device write that failed last (the first page of its run), or -1. */
    long lastWritebackErrorOffset() {
        return wbErrOffset;
    }

    /** Device writes done without RWF_DSYNC so far (a sync that saw more than were flushed must flush). */
    long unsyncedWrites() {
        return unsyncedWrites.get();
    }

    /** Whether some completed device write is not known to be durable. */
    boolean needsFlush() {
        return unsyncedWrites.get() != flushedWrites;
    }

    /** A flush that started when {@code upTo} unsynced writes had completed has succeeded. */
    void flushed(long upTo) {
        synchronized (sizeLock) {
            if (upTo > flushedWrites) {
                flushedWrites = upTo;
            }
        }
    }

    private void release(CachedPage p) {
        assert !lock.isHeldByCurrentThread() : "a release may run waiting requests: never under the file's lock";
        cache.release(p);
    }

    /** Eviction: takes {@code p} out of the tree if it is still there and idle. Called under the frame lock. */
    boolean detach(CachedPage p) {
        if (!lock.tryLock()) {
            return false; // busy: the clock moves on rather than wait under the frame lock
        }
        try {
            // A page out of the tree is STALE (dropped, or its read failed) or was evicted before;
            // one in it is the page at its index.
            if (p.is(PageState.STALE) || !p.evictable() || !p.releaseIfOnlyTree()) {
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
