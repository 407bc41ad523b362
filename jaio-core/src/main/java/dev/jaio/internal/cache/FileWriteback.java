package dev.jaio.internal.cache;

import dev.jaio.internal.jfr.Jfr;
import dev.jaio.internal.linux.Rwf;
import dev.jaio.internal.radix.Tag;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The writeback of one file's dirty pages (the kernel's mm/page-writeback.c, write_cache_pages and
 * its end_page_writeback, with the writeback half of mm/filemap.c): tagging dirty pages in the
 * file's tree, taking them in index order into runs of adjacent pages, one device write per run
 * ({@link PageWriteOp}), in order where a write extends the file on disk, and recording failed
 * writes ({@link Errseq}). Background writeback's entry for the {@link Flusher} is
 * {@link #writeBackBatch}; syncs drive {@link #writeback} themselves ({@link CachedWrite}).
 *
 * <p>Locking: the file's {@link FileCache#lock} is held only to find pages and change tags, never
 * across I/O; DIRTY and its tag change together under it. A reference this writeback took is dropped
 * only after it is released ({@link FileCache#release}: that may run waiting requests).
 */
final class FileWriteback implements Flusher.DirtyFile {

    private static final int PAGE = PageFrames.PAGE_SIZE;
    /** Most pages in one device write (1 MiB). */
    private static final int MAX_WRITE_PAGES = 256;
    /** The tags a page leaves and takes when it goes under writeback. */
    private static final int TO_WRITEBACK_CLEAR = (1 << Tag.DIRTY) | (1 << Tag.TOWRITE);
    private static final int TO_WRITEBACK_SET = 1 << Tag.WRITEBACK;

    private final FileCache file;
    private final PageFrames frames;
    private final Flusher flusher;
    private final DeviceIo io;
    private final CacheCounters counters;
    /** The file's writeback errors. */
    final Errseq errors = new Errseq();
    /** Device writes that completed without RWF_DSYNC (a flush makes them durable: {@link FileSync#needsFlush}). */
    private final AtomicLong unsyncedWrites = new AtomicLong();
    /** When the file went from clean to dirty (System.nanoTime), for the cleaner's expiry; 0 when clean. */
    private volatile long dirtiedAt;
    /** Where background writeback of this file resumes (the kernel's writeback_index). */
    private long writebackIndex;
    /** Pages of this file under writeback now. */
    private final AtomicInteger pagesInWriteback = new AtomicInteger();
    /**
     * The last page of the one device write in flight that extends the file on disk, with a
     * reference; null when none is. Guarded by {@link FileCache#lock}. Extending writes go one at a
     * time, in order, and only when no dirty page lies between the disk's end
     * ({@link FileCache#diskSize}) and their start: the file on disk never covers a block whose data
     * is still only in this cache (it would read as zeros).
     */
    private CachedPage extending;

    FileWriteback(FileCache file, PageCache cache) {
        this.file = file;
        this.frames = cache.frames();
        this.flusher = cache.flusher();
        this.io = cache.io();
        this.counters = cache.counters();
    }

    // ---- dirty pages and tags ----

    /**
     * Tags pages whose DIRTY bit the caller just set (from clear) as DIRTY in the tree, and returns
     * how many of them the dirty count must take ({@link PageCache#dirtyPagesAdded}): a page dropped
     * from the file (STALE) meanwhile is left untagged, and counted only if the drop already counted
     * it gone, so that the count never keeps a page that is not dirty (a leak there would throttle
     * writers for good). Drop and this change DIRTY and its tag under the file's lock.
     */
    int tagDirty(CachedPage[] pages, int n) {
        int counted = 0;
        file.lock.lock();
        try {
            for (int i = 0; i < n; i++) {
                CachedPage p = pages[i];
                if (!p.is(PageState.STALE)) {
                    if (p.is(PageState.DIRTY)) {
                        file.tree.setTag(p.index(), Tag.DIRTY);
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
            if (dirtiedAt == 0 && file.tree.anyTagged(Tag.DIRTY)) {
                dirtiedAt = System.nanoTime();
            }
        } finally {
            file.lock.unlock();
        }
        return counted;
    }

    /** Whether some page of [first, last] is dirty. */
    boolean hasDirtyPages(long first, long last) {
        file.lock.lock();
        try {
            return file.tree.gangLookupTag(first, last, Tag.DIRTY, file.scanIndices, file.scanPages, 1) > 0;
        } finally {
            file.scanPages[0] = null;
            file.lock.unlock();
        }
    }

    /** Whether some page of the file is dirty. */
    boolean hasDirtyPages() {
        file.lock.lock();
        try {
            return file.tree.anyTagged(Tag.DIRTY);
        } finally {
            file.lock.unlock();
        }
    }

    /**
     * Whether a direct request on the file must write back first: some page may be dirty or under
     * writeback. Two volatile reads: the O_DIRECT path asks on every request.
     */
    boolean mayHoldUnwrittenData() {
        return dirtiedAt != 0 || pagesInWriteback.get() > 0;
    }

    /** Device writes done without RWF_DSYNC so far (a sync that saw more than were flushed must flush). */
    long unsyncedWrites() {
        return unsyncedWrites.get();
    }

    // ---- writing pages back ----

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
            file.lock.lock();
            try {
                n = file.tree.gangLookupTag(w.next, last, tag, indices, found, Math.min(found.length, budget));
                for (int i = 0; i < n; i++) {
                    found[i].retain();
                }
            } finally {
                file.lock.unlock();
            }
            if (n == 0) {
                w.next = last + 1;
                break;
            }
            budget -= n;
            int taken = 0;
            int skipped = 0;
            CachedPage stop = null;
            for (int i = 0; i < n; i++) {
                CachedPage p = found[i];
                found[i] = null;
                if (stop != null) {
                    file.release(p);
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
                        file.release(p);
                    }
                    continue;
                }
                if (!w.integrity && p.is(PageState.ERROR)) {
                    // Its last write failed: background writeback leaves it to the next sync, which
                    // retries it and reports the error, instead of failing it over and over.
                    p.unlock(0, 0);
                    file.release(p);
                    continue;
                }
                if (!p.is(PageState.DIRTY) || p.index() * PAGE >= file.size()) {
                    // Cleaned by another writeback, or past the end (truncate drops it): only the
                    // TOWRITE tag goes, below.
                    w.clean[skipped++] = p;
                    continue;
                }
                w.taken[taken++] = p;
            }
            // The size only now that the pages are locked: a cached write grows the file before it
            // dirties and unlocks a page (CachedWrite.fillNew), so this size covers every byte of
            // every page taken. Read before the locks, it could miss a write that extended the file
            // inside the page that ends it, whose bytes past the old end would then never be written.
            long fileSize = file.size();
            // Extending writes one at a time, in order (see #extending): the pages past the one
            // extending run this step may issue wait, still dirty, for the next step.
            long extFirst = -1;
            CachedPage waitOn = null;
            long resumeAt = -1;
            int keep = taken;
            file.lock.lock();
            try {
                long diskSize = file.diskSize;
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
                            file.tree.tagRange(resumeAt, extIndex - 1, Tag.DIRTY, Tag.TOWRITE, Integer.MAX_VALUE);
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
                file.lock.unlock();
            }
            for (int i = keep; i < taken; i++) {
                w.taken[i].unlock(0, 0); // still dirty and tagged: a later step takes it
                file.release(w.taken[i]);
                w.taken[i] = null;
            }
            taken = keep;
            int cleaned = 0;
            file.lock.lock();
            try {
                // Tags per run of adjacent pages still in the tree (dropped pages are STALE): one
                // walk per run, not three per page.
                int runStart = -1;
                for (int i = 0; i <= taken; i++) {
                    boolean inTree = i < taken && !w.taken[i].is(PageState.STALE);
                    boolean extends_ = inTree && runStart >= 0
                            && w.taken[i].index() == w.taken[i - 1].index() + 1;
                    if (runStart >= 0 && !extends_) {
                        file.tree.retagRange(w.taken[runStart].index(), w.taken[i - 1].index(), TO_WRITEBACK_CLEAR,
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
                        file.tree.clearTag(p.index(), Tag.TOWRITE);
                        if (!p.is(PageState.DIRTY)) {
                            file.tree.clearTag(p.index(), Tag.DIRTY);
                        }
                    }
                }
                // Counted under writeback before the file may look clean: a direct request that
                // sees neither (mayHoldUnwrittenData) would skip waiting for these writes, and
                // its own write could land before them.
                pagesInWriteback.addAndGet(taken);
                if (!file.tree.anyTagged(Tag.DIRTY)) {
                    dirtiedAt = 0;
                }
            } finally {
                file.lock.unlock();
            }
            for (int i = 0; i < skipped; i++) {
                w.clean[i].unlock(0, 0);
                file.release(w.clean[i]);
                w.clean[i] = null;
            }
            for (int i = 0; i < taken; i++) {
                w.taken[i].unlock(0, 0); // writers may dirty it again while it is written
            }
            flusher.writebackStarted(taken, cleaned);
            issueWrites(h, w.taken, taken, fileSize, w.rwFlags, extFirst);
            w.pagesWritten += taken;
            if (resumeAt >= 0) {
                if (stop != null) {
                    file.release(stop); // after the deferred pages: met again from resumeAt
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
                    file.release(waitOn);
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

    /** The first page of [from, to] with {@code tag}, or null. Under the file's lock. */
    private CachedPage firstTagged(long from, long to, int tag) {
        if (file.tree.gangLookupTag(from, to, tag, file.scanIndices, file.scanPages, 1) == 0) {
            return null;
        }
        CachedPage p = file.scanPages[0];
        file.scanPages[0] = null;
        return p;
    }

    /**
     * Issues device writes of {@code pages} (in index order), one per run of adjacent pages; the
     * page that ends the file and the first page of the extending run ({@code extFirst}, or -1)
     * start runs of their own, so the extending write is exactly one device write.
     */
    private void issueWrites(CacheHandle h, CachedPage[] pages, int n, long fileSize, int rwFlags, long extFirst) {
        long firstPage = n > 0 ? pages[0].index() : -1;
        int writes = 0;
        int runStart = 0;
        long eofPage = fileSize % PAGE != 0 ? fileSize / PAGE : -1;
        for (int i = 1; i <= n; i++) {
            if (i == n || pages[i].index() != pages[i - 1].index() + 1 || pages[i].index() == eofPage
                    || pages[i].index() == extFirst || i - runStart == MAX_WRITE_PAGES) {
                CachedPage[] run = Arrays.copyOfRange(pages, runStart, i);
                Arrays.fill(pages, runStart, i, null);
                if (run[0].index() == eofPage) {
                    // The page that holds the end of the file: its exact bytes, through the buffered
                    // descriptor. A whole-page O_DIRECT write would make the file that much longer.
                    h.retainOp();
                    io.submit(new PageWriteOp(file, h, run, h.bufferedFd(),
                            frames.frame(run[0].frame()).asSlice(0, fileSize - eofPage * PAGE), null,
                            fileSize - eofPage * PAGE, rwFlags));
                } else {
                    MemorySegment single = PageIoOp.oneBuffer(frames, run);
                    h.retainOp();
                    io.submit(new PageWriteOp(file, h, run, h.directFd(), single,
                            single == null ? PageIoOp.frameArray(frames, run) : null, (long) run.length * PAGE,
                            rwFlags));
                }
                runStart = i;
                writes++;
            }
        }
        if (n > 0) {
            Jfr.writeback(file.key(), firstPage, n, (long) n * PAGE, writes, rwFlags);
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
            errors.record((int) -result, run[0].index() * PAGE);
            counters.countWriteError((int) -result);
        } else if ((rwFlags & (Rwf.RWF_DSYNC | Rwf.RWF_SYNC)) == 0) {
            unsyncedWrites.incrementAndGet();
        }
        file.lock.lock();
        try {
            if (!failed) {
                file.diskSize = Math.max(file.diskSize, run[0].index() * PAGE + result);
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
                file.tree.retagRange(run[0].index(), run[run.length - 1].index(), 1 << Tag.WRITEBACK, 0);
            }
            for (CachedPage p : run) {
                long idx = p.index();
                if (whole || p.is(PageState.STALE)) {
                    continue; // done above, or truncated away meanwhile
                }
                file.tree.clearTag(idx, Tag.WRITEBACK);
                if (failed) {
                    if ((p.set(PageState.DIRTY) & PageState.DIRTY) == 0) {
                        flusher.dirtyPagesAdded(1);
                    }
                    file.tree.setTag(idx, Tag.DIRTY);
                    if (dirtiedAt == 0) {
                        dirtiedAt = System.nanoTime();
                    }
                }
            }
        } finally {
            file.lock.unlock();
        }
        for (CachedPage p : run) {
            if (!failed) {
                p.clear(PageState.ERROR);
            }
            p.endWriteback(failed);
        }
        for (CachedPage p : run) {
            file.release(p);
        }
        if (extended != null) {
            file.release(extended);
            if (dirtiedAt != 0) {
                // The next extending write of this file may go now: background writeback goes on
                // (it stopped at this one), rather than wait for the cleaner's next pass.
                flusher.kick();
            }
        }
        pagesInWriteback.addAndGet(-run.length);
        flusher.writebackEnded(run.length);
    }

    private static boolean contains(CachedPage[] run, CachedPage p) {
        for (CachedPage q : run) {
            if (q == p) {
                return true;
            }
        }
        return false;
    }

    // ---- the flusher's entry ----

    @Override
    public long dirtiedAt() {
        return dirtiedAt;
    }

    /**
     * One batch of background writeback: up to {@code max} dirty pages from where the last batch
     * stopped (wrapping to the start at the end of the file), through a writable handle. Called by
     * the flusher's cleaner thread only.
     *
     * @return pages put under writeback
     */
    @Override
    public long writeBackBatch(int max) {
        for (CacheHandle h : file.writers) {
            if (!h.tryRetainOp()) {
                continue; // closing
            }
            try {
                // Cyclic, as the kernel's range_cyclic: from where the last batch stopped to the
                // end, then from the start up to there, so that no dirty page is missed because the
                // batch began past it.
                long start = writebackIndex;
                Writeback w = new Writeback(false, start, 0);
                boolean finished = writeback(h, w, FileCache.MAX_INDEX, max);
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
}
