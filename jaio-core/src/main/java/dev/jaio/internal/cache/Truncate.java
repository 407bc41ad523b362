package dev.jaio.internal.cache;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.radix.Tag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Taking pages out of a file and changing its size (the kernel's mm/truncate.c, and the file
 * system's side of a size change): truncate in two halves around the caller's ftruncate, the
 * invalidation of pages whose bytes changed elsewhere, POSIX_FADV_DONTNEED, and what must be
 * written back before the file on disk grows (a truncate up, an fallocate).
 *
 * <p>Locking: the file's {@link FileCache#lock} is held only to remove pages and change their bits,
 * never across a wait; frames are returned, and waiting requests and throttled writers run, only
 * after it is released.
 */
final class Truncate {

    private static final int PAGE = PageFrames.PAGE_SIZE;

    private final FileCache file;
    private final WriteGate gate;
    private final FileWriteback writeback;
    private final FileSync sync;
    private final PageFrames frames;
    private final PageReclaim reclaim;
    private final Flusher flusher;
    /** Truncates begun (see {@link #truncations()}). */
    private final AtomicLong truncations = new AtomicLong();

    Truncate(FileCache file, WriteGate gate, FileWriteback writeback, FileSync sync, PageCache cache) {
        this.file = file;
        this.gate = gate;
        this.writeback = writeback;
        this.sync = sync;
        this.frames = cache.frames();
        this.reclaim = cache.reclaim();
        this.flusher = cache.flusher();
    }

    // ---- truncate ----

    /**
     * The first half of a truncate to {@code newSize}: cached writes are kept out until
     * {@link #endTruncate} or {@link #abortTruncate} (the one that copies now finishes its copy
     * first, and one that waited meanwhile starts over after it: each write lies wholly before or
     * wholly after the truncate, as POSIX asks), the cache takes the new size, and every device
     * write of a page at or past the page the new end falls in is waited for (blocking), since one
     * that finished after the file shrank would extend it again. The caller must call one of the two
     * (unless this throws).
     *
     * @return the sizes before, for {@link #abortTruncate}
     * @throws IllegalStateException when called inside a cached write's copy (a callback it ran)
     */
    long[] beginTruncate(long newSize) {
        gate.lockForTruncate();
        try {
            return truncateSizes(newSize);
        } catch (RuntimeException | Error e) {
            gate.unlockAfterTruncate();
            throw e;
        }
    }

    private long[] truncateSizes(long newSize) {
        long[] saved = file.saveSizes();
        truncations.incrementAndGet();
        file.setSize(newSize);
        long from = newSize / PAGE;
        CachedPage p;
        while ((p = sync.firstUnderWriteback(from, FileCache.MAX_INDEX)) != null) {
            p.awaitWritebackEnded();
            from = p.index() + 1;
            file.release(p);
        }
        return saved;
    }

    /**
     * The truncate {@link #beginTruncate} began failed (ftruncate refused it): the sizes go back to
     * what they were, so that cached writes not yet on disk keep their bytes and the disk's end stays
     * where it is.
     */
    void abortTruncate(long[] saved) {
        try {
            file.restoreSizes(saved);
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
    void endTruncate(long newSize) {
        try {
            long firstGone = (newSize + PAGE - 1) / PAGE;
            invalidate(firstGone, FileCache.MAX_INDEX);
            if (newSize % PAGE == 0) {
                return;
            }
            CachedPage p = file.filemap.lookupRetained(newSize / PAGE);
            if (p == null) {
                return;
            }
            try {
                while (!p.tryLock()) {
                    p.awaitUnlocked();
                }
                if (p.is(PageState.UPTODATE)) {
                    frames.frame(p.frame()).asSlice(newSize % PAGE).fill((byte) 0);
                }
                p.unlock(0, 0);
            } finally {
                file.release(p);
            }
        } finally {
            gate.unlockAfterTruncate();
        }
    }

    // ---- dropping pages ----

    /**
     * Drops the pages of [firstIndex, lastIndex] from the cache because the file's bytes there
     * changed (a write or truncate through another path): a page being read is marked
     * {@link PageState#STALE} so that its read cannot make it uptodate with old bytes; others go at
     * once, and their frames return when their last reader is done.
     */
    void invalidate(long firstIndex, long lastIndex) {
        drop(firstIndex, lastIndex, true, false);
    }

    /** POSIX_FADV_DONTNEED: drops the clean, idle pages of [firstIndex, lastIndex]; pages in use stay. */
    void dropIdle(long firstIndex, long lastIndex) {
        drop(firstIndex, lastIndex, false, false);
    }

    /**
     * Around a write of another handle to [firstIndex, lastIndex] (§4): drops the range's clean
     * pages, busy or not, as {@link #invalidate} does, but never a dirty one, whose bytes no device
     * holds yet (the kernel's invalidate_inode_pages2 fails on such a page rather than lose it). The
     * caller wrote the range back first; a page dirty still is one whose writeback failed.
     */
    void invalidateClean(long firstIndex, long lastIndex) {
        drop(firstIndex, lastIndex, true, true);
    }

    private void drop(long firstIndex, long lastIndex, boolean evenBusy, boolean keepDirty) {
        List<CachedPage> toFree = new ArrayList<>();
        int batch = 64;
        CachedPage[] found = new CachedPage[batch];
        long[] indices = new long[batch];
        long from = firstIndex;
        int dirtyGone = 0;
        file.lock.lock();
        try {
            while (from <= lastIndex) {
                int n = file.tree.gangLookup(from, lastIndex, indices, found, batch);
                if (n == 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    CachedPage p = found[i];
                    if ((!evenBusy && !p.evictable()) || (keepDirty && p.is(PageState.DIRTY))) {
                        continue;
                    }
                    file.tree.remove(indices[i]);
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
            if (file.kept && file.tree.isEmpty()) {
                file.cache().keptFileEmptied(file); // a closed file with no page left (a direct write dropped them)
            }
        } finally {
            file.lock.unlock();
        }
        // After the lock: fewer dirty pages may run throttled writers on this thread, and a writer
        // that ran inside the walk above could take (or evict) pages it is halfway through dropping.
        if (dirtyGone > 0) {
            flusher.dirtyPagesGone(dirtyGone);
        }
        for (CachedPage p : toFree) {
            reclaim.freeFrame(p);
        }
        if (!toFree.isEmpty()) {
            reclaim.framesMayBeFree();
        }
    }

    // ---- growing the file on disk ----

    /**
     * The file on disk is about to grow to {@code newEnd} by other means than a cached page's
     * writeback (a truncate up, an fallocate): the dirty pages between the disk's end and there are
     * written back first (and waited for), so the disk never covers bytes still only in the cache.
     * Done at once when there are none.
     */
    CompletableFuture<Void> writeBackBeforeGrowing(long newEnd) {
        if (!dirtyBeforeGrowing(newEnd)) {
            return CompletableFuture.completedFuture(null);
        }
        long disk;
        file.lock.lock();
        try {
            disk = file.diskSize;
        } finally {
            file.lock.unlock();
        }
        return sync.writeBackRange(disk / PAGE, (newEnd - 1) / PAGE);
    }

    /**
     * The errno of the last writeback error if a page between the disk's end and {@code newEnd}
     * failed its last write (it stays dirty), else 0.
     */
    int writebackErrnoBefore(long newEnd) {
        long[] scanIndices = file.scanIndices;
        CachedPage[] scanPages = file.scanPages;
        file.lock.lock();
        try {
            if (newEnd <= file.diskSize) {
                return 0;
            }
            long from = file.diskSize / PAGE;
            long to = (newEnd - 1) / PAGE;
            while (from <= to) {
                int n = file.tree.gangLookupTag(from, to, Tag.DIRTY, scanIndices, scanPages, FileCache.SCAN);
                for (int i = 0; i < n; i++) {
                    if (scanPages[i].is(PageState.ERROR)) {
                        int errno = writeback.errors.lastErrno();
                        return errno != 0 ? errno : Errno.EIO;
                    }
                }
                if (n < FileCache.SCAN) {
                    break;
                }
                from = scanIndices[n - 1] + 1;
            }
            return 0;
        } finally {
            Arrays.fill(scanPages, null);
            file.lock.unlock();
        }
    }

    /** Whether dirty pages lie between the disk's end and {@code newEnd} (growing the file there would cover them). */
    boolean dirtyBeforeGrowing(long newEnd) {
        if (!writeback.mayHoldUnwrittenData()) {
            return false;
        }
        file.lock.lock();
        try {
            return newEnd > file.diskSize && file.tree.gangLookupTag(file.diskSize / PAGE, (newEnd - 1) / PAGE,
                    Tag.DIRTY, file.scanIndices, file.scanPages, 1) > 0;
        } finally {
            file.scanPages[0] = null;
            file.lock.unlock();
        }
    }
}
