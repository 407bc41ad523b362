package dev.jaio.internal.cache;

import dev.jaio.internal.radix.RadixTree;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The cached pages of one file (the kernel's address_space): a {@link RadixTree} from page index
 * to {@link CachedPage}, the file's sizes as the cache believes in them, its writable handles and
 * its {@link WriteGate}. The work on them lives in one class per part of the kernel it follows:
 *
 * <ul>
 *   <li>{@link Filemap}: looking pages up, making new ones, device reads (mm/filemap.c);
 *   <li>{@link FileWriteback}: dirty tags, writeback in runs, device write completion, errors
 *       (mm/page-writeback.c);
 *   <li>{@link FileSync}: syncs' start, wait and flush, and the writeback a direct request needs;
 *   <li>{@link Truncate}: truncate, invalidation, DONTNEED, growing the file on disk (mm/truncate.c);
 *   <li>{@link BlockReservation}: the admission of cached writes (RLIMIT_FSIZE, fallocate).
 * </ul>
 *
 * The methods here that other classes call delegate to them.
 *
 * <p>Locking: the tree is guarded by {@link #lock}, held only for lookups, insertions and removals,
 * never across I/O or waits. A handle's readahead state is taken before a file lock; the cache's
 * frame lock may be taken under a file lock (to give a new page its frame), and eviction, which
 * holds the frame lock, only ever tryLocks a file (a busy file's pages are skipped), so the two
 * cannot deadlock. Frames of dropped pages are returned after the file lock is released.
 */
public final class FileCache {

    /** Largest page index a file can have. */
    public static final long MAX_INDEX = Long.MAX_VALUE / PageFrames.PAGE_SIZE;
    /** Indices looked up together in one walk of the tree ({@link #scanIndices}). */
    static final int SCAN = 64;
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
    /**
     * Guards {@link #tree}, {@link #scanIndices}, {@link #scanPages}, {@link #diskSize} and the
     * writeback's extending page (see the class comment).
     */
    final ReentrantLock lock = new ReentrantLock();
    final RadixTree<CachedPage> tree = new RadixTree<>();
    /** Scratch arrays for walks of the tree ({@link #SCAN} at a time); guarded by {@link #lock}. */
    final long[] scanIndices = new long[SCAN];
    final CachedPage[] scanPages = new CachedPage[SCAN];
    @SuppressWarnings("unused") // accessed through SIZE
    private volatile long size;
    /** Guards {@link #writtenSize}, the reserved ranges of {@link BlockReservation} and the raise of {@link FileSync}'s flushed writes. */
    final Object sizeLock = new Object();
    /** The end of the furthest cached write since the last truncate; guarded by {@link #sizeLock}. */
    private long writtenSize;
    /**
     * Counts the changes of the size that jaio made (writes, truncates): a size read from the disk
     * before one of them is stale, and {@link #refreshSize(long, long)} does not take it. Raised
     * before the size changes.
     */
    private final java.util.concurrent.atomic.AtomicLong sizeChanges = new java.util.concurrent.atomic.AtomicLong();
    /**
     * The size the file has on disk, as far as jaio knows (the kernel's i_disksize beside i_size):
     * a device write that ends past it extends the file there. Guarded by {@link #lock}.
     */
    long diskSize;
    /** Open handles; guarded by the cache's file map. */
    int handles;
    /**
     * Kept with its pages after its last handle closed, for a reopen of the same {@link #version}
     * ({@link PageCache#release(FileCache, FileStat.Version)}), as the kernel's inode keeps its page
     * cache after the last close. Written inside the file map's compute; read by eviction, which
     * lets the cache know when such a file's last page went.
     */
    volatile boolean kept;
    /** The version of the file its pages agree with while {@link #kept}; guarded by the file map. */
    FileStat.Version version;
    /**
     * The version the file had when its first handle (of this opening) opened it; guarded by the
     * file map. Its pages are kept at the last close only if the file is still at it then: nobody
     * (jaio included) changed it while it was open, so every page read in between is of it.
     */
    FileStat.Version openedAt;
    /**
     * Which keeping this is (the cache's running count), so that a stale record of an earlier one
     * is passed over; written inside the file map's compute.
     */
    volatile long keeping;
    /** Writable handles of the file: writeback writes through one of them. */
    final CopyOnWriteArrayList<CacheHandle> writers = new CopyOnWriteArrayList<>();
    /** i_rwsem's part: cached writes' copies against direct writes and truncate ({@link WriteGate}). */
    private final WriteGate gate = new WriteGate();
    final Filemap filemap;
    final FileWriteback writeback;
    final FileSync sync;
    final Truncate truncate;
    final BlockReservation reservation;

    FileCache(PageCache cache, Object key, long size) {
        this.cache = cache;
        this.key = key;
        this.size = size;
        this.diskSize = size;
        this.filemap = new Filemap(this, cache);
        this.writeback = new FileWriteback(this, cache);
        this.sync = new FileSync(this, writeback);
        this.truncate = new Truncate(this, gate, writeback, sync, cache);
        this.reservation = new BlockReservation(this);
    }

    /** The cache the file belongs to. */
    public PageCache cache() {
        return cache;
    }

    Object key() {
        return key;
    }

    // ---- sizes ----

    /** The file size as the cache knows it. */
    public long size() {
        return (long) SIZE.getVolatile(this);
    }

    /**
     * Sets the size after a truncate: the size cached writes established is gone too, and so
     * are the pages past it (the caller drops them).
     */
    void setSize(long newSize) {
        sizeChanges.incrementAndGet();
        synchronized (sizeLock) {
            writtenSize = newSize;
            SIZE.setVolatile(this, newSize);
            reservation.truncated(newSize);
        }
        lock.lock();
        try {
            diskSize = newSize;
        } finally {
            lock.unlock();
        }
    }

    /** {@return the count of size changes jaio made so far}: read it before the disk's size, for {@link #refreshSize(long, long)}. */
    public long sizeGeneration() {
        return sizeChanges.get();
    }

    /**
     * Takes the size the disk reports (a fresh statx, or a short device read): the file may have
     * grown or shrunk behind the cache's back, but never below what cached writes not yet on disk
     * made it. {@code generation} is {@link #sizeGeneration()} from before the disk's size was read:
     * if jaio changed the size since (a write that grew it, a truncate), the disk's size is stale and
     * is not taken; nor when the size changes while this runs (the change wins).
     */
    public void refreshSize(long diskSize, long generation) {
        synchronized (sizeLock) {
            if (sizeChanges.get() != generation) {
                return;
            }
            long s = size();
            if (!SIZE.compareAndSet(this, s, Math.max(diskSize, writtenSize))) {
                return; // raised meanwhile
            }
        }
        lock.lock();
        try {
            if (sizeChanges.get() == generation) {
                this.diskSize = diskSize;
            }
        } finally {
            lock.unlock();
        }
    }

    /** A cached write ended at {@code end}: the file is at least that long from now on. */
    void grownByWrite(long end) {
        sizeChanges.incrementAndGet();
        synchronized (sizeLock) {
            if (end > writtenSize) {
                writtenSize = end;
            }
        }
        raiseSize(end);
    }

    /**
     * The file on disk grew to at least {@code atLeast} (a direct write, an fallocate): the cache's
     * size follows.
     */
    public void growSize(long atLeast) {
        sizeChanges.incrementAndGet();
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

    /** The size, the size cached writes established and the disk's size, for {@link #restoreSizes}. */
    long[] saveSizes() {
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
        return saved;
    }

    /** Puts back the sizes {@link #saveSizes} saved (a truncate failed). */
    void restoreSizes(long[] saved) {
        sizeChanges.incrementAndGet();
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
    }

    // ---- admission of cached writes: BlockReservation ----

    /** Admits a cached write of {@code [pos, pos + len)} ({@link BlockReservation#reserve}). */
    long reserve(CacheHandle h, long pos, long len) {
        return reservation.reserve(h, pos, len);
    }

    /** Whether a cached write is written back before it completes ({@link BlockReservation#writesThrough}). */
    boolean writesThrough() {
        return reservation.writesThrough();
    }

    /** Whether {@link #writesThroughKernel} has asked the file system already (it then makes no call). */
    public boolean reserveProbed() {
        return reservation.reserveProbed();
    }

    /** Whether writes of this file must go through the kernel ({@link BlockReservation#writesThroughKernel}). */
    public boolean writesThroughKernel(CacheHandle h) {
        return reservation.writesThroughKernel(h);
    }

    // ---- pages: Filemap ----

    /** The page at {@code index} with a reference taken for the caller, or null. */
    CachedPage lookupRetained(long index) {
        return filemap.lookupRetained(index);
    }

    /** The first index in [from, to] with no page, or -1. */
    long nextMissing(long from, long to) {
        return filemap.nextMissing(from, to);
    }

    /**
     * Starts device reads for the missing pages of [first, first + count), clipped to the end of
     * the file ({@link Filemap#startRead}).
     *
     * @param readahead counts the pages as readahead (else as demand reads)
     * @return how many pages were started; 0 when none was missing or no frame could be had
     */
    public int startRead(CacheHandle h, long first, long count, long markerIndex, boolean readahead) {
        return filemap.startRead(h, first, count, markerIndex, readahead, null, 0);
    }

    /** As {@link #startRead(CacheHandle, long, long, long, boolean)}, handing the pages it starts to {@code out}. */
    int startRead(CacheHandle h, long first, long count, long markerIndex, boolean readahead, CachedPage[] out,
            long outBase) {
        return filemap.startRead(h, first, count, markerIndex, readahead, out, outBase);
    }

    /** A new page for a write that covers all of it that matters ({@link Filemap#createForWrite}). */
    CachedPage createForWrite(long index) {
        return filemap.createForWrite(index);
    }

    /** The pages of [first, last] for a write, found or made ({@link Filemap#pagesForWrite}). */
    void pagesForWrite(long first, long last, long createFrom, long createTo, CachedPage[] out, boolean[] created) {
        filemap.pagesForWrite(first, last, createFrom, createTo, out, created);
    }

    /** Gives back a page {@link #pagesForWrite} made that its writer did not fill ({@link Filemap#abandon}). */
    void abandon(CachedPage p) {
        filemap.abandon(p);
    }

    // ---- writeback: FileWriteback, FileSync ----

    /** Tags pages the caller just dirtied; returns how many the dirty count takes ({@link FileWriteback#tagDirty}). */
    int tagDirty(CachedPage[] pages, int n) {
        return writeback.tagDirty(pages, n);
    }

    /** Whether some page of [first, last] is dirty. */
    public boolean hasDirtyPages(long first, long last) {
        return writeback.hasDirtyPages(first, last);
    }

    /** Whether some page of the file is dirty. */
    public boolean hasDirtyPages() {
        return writeback.hasDirtyPages();
    }

    /** Whether a direct request on the file must write back first ({@link FileWriteback#mayHoldUnwrittenData}). */
    public boolean mayHoldUnwrittenData() {
        return writeback.mayHoldUnwrittenData();
    }

    /**
     * Writes back pages of [{@code w.next}, last] ({@link FileWriteback#writeback}) through
     * {@code h}'s descriptors, or, when {@code h} cannot write (a read-only handle's fsync, which
     * must write what the file's writable handles dirtied), through an open writable handle's:
     * a read-only handle's descriptors are O_RDONLY, and a write through them fails with EBADF.
     */
    boolean writeback(CacheHandle h, Writeback w, long last, int max) {
        if (!writers.isEmpty() && !writers.contains(h)) {
            for (CacheHandle writer : writers) {
                if (writer.tryRetainOp()) {
                    try {
                        return writeback.writeback(writer, w, last, max);
                    } finally {
                        writer.releaseOp();
                    }
                }
            }
        }
        return writeback.writeback(h, w, last, max);
    }

    /** Where an integrity sync of pages [first, last] must start ({@link FileSync#syncStart}). */
    long syncStart(long first, long last) {
        return sync.syncStart(first, last);
    }

    /** Tags the DIRTY pages of [first, last] TOWRITE for an integrity sync ({@link FileSync#tagToWrite}). */
    void tagToWrite(long first, long last) {
        sync.tagToWrite(first, last);
    }

    /** The first page of [from, last] under writeback, with a reference for the caller; null when none is. */
    CachedPage firstUnderWriteback(long from, long last) {
        return sync.firstUnderWriteback(from, last);
    }

    /** Device writes done without RWF_DSYNC so far (a sync that saw more than were flushed must flush). */
    long unsyncedWrites() {
        return writeback.unsyncedWrites();
    }

    /** Whether some completed device write is not known to be durable. */
    boolean needsFlush() {
        return sync.needsFlush();
    }

    /** A flush that started when {@code upTo} unsynced writes had completed has succeeded. */
    void flushed(long upTo) {
        sync.flushed(upTo);
    }

    /** Writes back [firstIndex, lastIndex] for a direct request and waits ({@link FileSync#writeBackForDirect}). */
    public CompletableFuture<Void> writeBackForDirect(long firstIndex, long lastIndex) {
        return sync.writeBackForDirect(firstIndex, lastIndex);
    }

    /** How many writeback errors the file has had: a handle remembers the count it has reported. */
    public long writebackErrors() {
        return writeback.errors.count();
    }

    /** The errno of the last writeback error. */
    public int lastWritebackErrno() {
        return writeback.errors.lastErrno();
    }

    /** The file offset of the device write that failed last (the first page of its run), or -1. */
    long lastWritebackErrorOffset() {
        return writeback.errors.lastOffset();
    }

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

    // ---- truncate and size changes: Truncate ----

    /**
     * The first half of a truncate to {@code newSize} ({@link Truncate#beginTruncate}): the caller
     * must call {@link #endTruncate} or {@link #abortTruncate} (unless this throws).
     *
     * @throws IllegalStateException when called inside a cached write's copy (a callback it ran)
     */
    public long[] beginTruncate(long newSize) {
        return truncate.beginTruncate(newSize);
    }

    /** The truncate {@link #beginTruncate} began failed: the sizes go back ({@link Truncate#abortTruncate}). */
    public void abortTruncate(long[] saved) {
        truncate.abortTruncate(saved);
    }

    /** The second half, after the file was truncated ({@link Truncate#endTruncate}). */
    public void endTruncate(long newSize) {
        truncate.endTruncate(newSize);
    }

    /** Truncates begun so far: a write admitted before one is admitted again (its blocks may be gone). */
    long truncations() {
        return truncate.truncations();
    }

    /** Drops the pages of [firstIndex, lastIndex]: their bytes changed elsewhere ({@link Truncate#invalidate}). */
    public void invalidate(long firstIndex, long lastIndex) {
        truncate.invalidate(firstIndex, lastIndex);
    }

    /** POSIX_FADV_DONTNEED: drops the clean, idle pages of [firstIndex, lastIndex]; pages in use stay. */
    public void dropIdle(long firstIndex, long lastIndex) {
        truncate.dropIdle(firstIndex, lastIndex);
    }

    /** Drops the clean pages of [firstIndex, lastIndex], busy or not ({@link Truncate#invalidateClean}). */
    public void invalidateClean(long firstIndex, long lastIndex) {
        truncate.invalidateClean(firstIndex, lastIndex);
    }

    /** Writes back what must be on disk before the file grows to {@code newEnd} ({@link Truncate#writeBackBeforeGrowing}). */
    public CompletableFuture<Void> writeBackBeforeGrowing(long newEnd) {
        return truncate.writeBackBeforeGrowing(newEnd);
    }

    /** The errno of a failed page between the disk's end and {@code newEnd}, else 0 ({@link Truncate#writebackErrnoBefore}). */
    public int writebackErrnoBefore(long newEnd) {
        return truncate.writebackErrnoBefore(newEnd);
    }

    /** Whether dirty pages lie between the disk's end and {@code newEnd} (growing the file there would cover them). */
    public boolean dirtyBeforeGrowing(long newEnd) {
        return truncate.dirtyBeforeGrowing(newEnd);
    }

    // ----

    /** Drops a reference to one of the file's pages ({@link PageReclaim#release}): never under the file's lock. */
    void release(CachedPage p) {
        assert !lock.isHeldByCurrentThread() : "a release may run waiting requests: never under the file's lock";
        cache.reclaim().release(p);
    }

    @Override
    public String toString() {
        return "FileCache[" + key + ", size " + size() + "]";
    }
}
