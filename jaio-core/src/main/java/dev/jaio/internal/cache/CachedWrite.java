package dev.jaio.internal.cache;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Rwf;
import java.lang.foreign.MemorySegment;

/**
 * A buffered write through jaio's page cache, run as a retry-based continuation like
 * {@link CachedRead} (§2.2, §5.2 of the paper): each page of the range is found or made, locked
 * for the copy, filled, and marked dirty (tagged DIRTY in the file's tree). A page the write covers
 * only in part, and that holds bytes of the file, is read first through the same machinery as a
 * cached read. A writer that finds dirty memory over the limit waits, as a queued retry, until the
 * cleaner has written some back (balance_dirty_pages). An O_SYNC or O_DSYNC write, and any write on
 * a file system that cannot reserve blocks (written through), then synchronises the pages it
 * wrote with a {@link RangeSync}.
 *
 * <p>Threads: the first iteration runs on the caller's thread; a retry becomes due on the thread
 * that ends the wait (the engine's completion thread, a thread that frees a frame or lowers dirty
 * memory, the thread that opens the file's write gate after a truncate or an uncached write), and
 * its {@link RequestOwner} decides where it runs. The write reports its end to that owner, and is
 * the owner of its own range sync.
 */
public final class CachedWrite implements CachedRequest, WriteGate.Copier, RequestOwner {

    private static final int PAGE = PageFrames.PAGE_SIZE;
    /** Pages looked up (or made) together ahead of the copy. */
    private static final int LOOKAHEAD = 64;

    private final CacheHandle handle;
    private final PageCache cache;
    private final RequestOwner owner;
    private final MemorySegment src;
    private final MemorySegment[] srcs;
    private final long position;
    private final long length;
    /** RWF_SYNC, RWF_DSYNC, or 0 (a plain buffered write). */
    private final int syncFlags;
    private final long first;
    private final long last;
    private boolean throttleChecked;
    /** No frame was free for the page at {@link #done}: it is tried alone, with no pages made ahead. */
    private boolean framesShort;
    /** Whether the write was admitted ({@link FileCache#reserve}): its blocks are reserved. */
    private boolean admitted;
    /** {@link FileCache#truncations()} when the write was admitted. */
    private long admittedAt;
    /** Whether this write holds the file's write gate ({@link FileCache#enterCopy}): it copies now. */
    private boolean copying;
    /** The bytes admitted: {@link #length}, or fewer up to RLIMIT_FSIZE. */
    private long admittedLength;
    /** The file system cannot reserve blocks: the write is written back before it completes. */
    private boolean writeThrough;
    /** Bytes of a failed write that were written before it failed (they stay written), else 0. */
    private long transferred;
    /** Set by the page cache when this write waited over the dirty limit and writeback cannot go on. */
    volatile int throttleErrno;
    private long done;
    private int segment;
    private long segmentOffset;
    /** The page whose read this write started for a partial overwrite, or -1. */
    private long readFor = -1;
    /** Pages this write made dirty whose tags are not set yet, with references. */
    private final CachedPage[] newlyDirty = new CachedPage[32];
    /** Its wait-table waiter, made on its first wait and queued again for each later one (one wait at a time). */
    private WaitTable.Waiter waiter;

    private int newlyDirtyCount;
    /**
     * Pages of the range found or made ahead of the copy under one hold of the file's lock
     * ({@link FileCache#pagesForWrite}): page {@code aheadBase + i} in {@code ahead[i]} with a
     * reference, {@code aheadMade[i]} when this write made it (locked, empty).
     */
    private CachedPage[] ahead;
    private boolean[] aheadMade;
    private long aheadBase = -1;
    private int aheadCount;

    /**
     * A write of {@code length} bytes from {@code src} (or, in order, {@code srcs}) at
     * {@code position}.
     *
     * @param syncFlags {@link Rwf#RWF_SYNC}, {@link Rwf#RWF_DSYNC} or 0
     */
    public CachedWrite(CacheHandle handle, MemorySegment src, MemorySegment[] srcs, long position, long length,
            int syncFlags, RequestOwner owner) {
        this.handle = handle;
        this.cache = handle.file().cache();
        this.owner = owner;
        this.src = src;
        this.srcs = srcs;
        this.position = position;
        this.length = length;
        this.syncFlags = syncFlags & (Rwf.RWF_SYNC | Rwf.RWF_DSYNC);
        this.first = position / PAGE;
        this.last = length == 0 ? first : (position + length - 1) / PAGE;
        this.admittedLength = length;
    }

    @Override
    public void start() {
        iterate();
    }

    /** The write gate opened for copies (this write was queued on it): the retry is due. */
    @Override
    public void gateOpened() {
        owner.retryDue(this);
    }

    /** A wait ended: the retry is due. */
    @Override
    public void run() {
        owner.retryDue(this);
    }

    @Override
    public void retryNow() {
        cache.countRetry();
        iterate();
    }

    // ---- as the owner of its range sync ----

    /** The range sync's retries run where this write's would. */
    @Override
    public void retryDue(CachedRequest request) {
        owner.retryDue(request);
    }

    @Override
    public DeviceIoSink deviceQueue() {
        return owner.deviceQueue();
    }

    /** The range sync ended: 0, or -errno (a writeback error, at {@code errorOffset}, or a failed flush). */
    @Override
    public void finished(long result, long errorOffset, long transferredBytes) {
        if (result < 0) {
            endWith(result, errorOffset);
        } else {
            endCopied();
        }
    }

    @Override
    public void failed(Throwable cause) {
        end(cause);
    }

    private void iterate() {
        DeviceIoSink foreign = cache.liftForeignDiversion(owner.deviceQueue());
        int[] depth = PageCache.stepBegins();
        try {
            step();
        } finally {
            PageCache.stepEnded(depth);
            if (foreign != null) {
                cache.divertDeviceIo(foreign);
            }
        }
    }

    private void step() {
        try {
            if (!copyIntoPages()) {
                return;
            }
            if (syncFlags != 0 || writeThrough) {
                new RangeSync(handle, RangeSync.Kind.WRITE, syncFlags, first, last, this).start();
                return;
            }
            endCopied();
        } catch (Throwable t) {
            end(t);
        }
    }

    /** The bytes admitted are written (and synchronised, when asked): the write ends. */
    private void endCopied() {
        if (admittedLength < length) {
            // Cut at RLIMIT_FSIZE: what fitted is written, the rest is refused, as a continued
            // kernel write would be.
            transferred = admittedLength;
            endWith(-Errno.EFBIG, -1);
            return;
        }
        endWith(admittedLength, -1);
    }

    /**
     * Queues this write on {@code p}'s unlock and drops the caller's reference; true when queued
     * (the write must not be touched any more), false when the page is unlocked already.
     */
    private boolean waitForUnlock(CachedPage p) {
        boolean queued = p.retryWhenUnlocked(waiter());
        release(p);
        return queued;
    }

    /**
     * The copy phase; false when it queued a wait (or ended the request).
     *
     * <p>It copies holding the file's write gate, and lets go of it before every wait: a truncate
     * waits only for copies in progress on some thread, never for this write's I/O. A write that
     * waited while a truncate ran starts over (admitted again, every byte copied again: the same
     * bytes, so what it copied before the truncate and the truncate kept is unchanged), so each
     * write lies wholly before or wholly after a truncate.
     */
    private boolean copyIntoPages() {
        FileCache f = handle.file();
        if (!enterAndAdmit(f)) {
            return false;
        }
        if (!throttleChecked) {
            throttleChecked = true;
            if (cache.overDirtyLimit()) {
                leaveCopy();
                cache.retryWhenDirtyBelowLimit(this);
                return false;
            }
        }
        int throttled = throttleErrno;
        if (throttled != 0) {
            // Over the dirty limit, and writeback cannot clean anything: its error is this write's.
            endWith(-throttled, -1);
            return false;
        }
        if (ahead == null) {
            int pages = (int) Math.min(LOOKAHEAD, last - first + 1);
            ahead = new CachedPage[pages];
            aheadMade = new boolean[pages];
        }
        while (done < admittedLength) {
            long pos = position + done;
            long index = pos / PAGE;
            int inPage = (int) (pos % PAGE);
            int n = (int) Math.min(PAGE - inPage, admittedLength - done);
            long size = f.size();
            boolean needOld = needsOld(index, size);
            if (!framesShort && index >= aheadBase + aheadCount) {
                lookAhead(f, index, size);
            }
            CachedPage p = null;
            if (index >= aheadBase && index < aheadBase + aheadCount) {
                int k = (int) (index - aheadBase);
                p = ahead[k];
                ahead[k] = null;
                if (p != null && aheadMade[k]) {
                    aheadMade[k] = false;
                    fillNew(p, inPage, n, pos + n);
                    advance(n);
                    continue;
                }
            }
            if (p == null) {
                p = f.lookupRetained(index);
            }
            if (p == null) {
                long seen = cache.frameEvents();
                if (needOld) {
                    readFor = index;
                    f.startRead(handle, index, 1, -1, false);
                } else {
                    p = f.createForWrite(index);
                    if (p != null) {
                        fillNew(p, inPage, n, pos + n);
                        advance(n);
                        continue;
                    }
                }
                p = f.lookupRetained(index);
                if (p == null) {
                    if (f.size() != size) {
                        continue; // the size changed under it (a truncate): decide again
                    }
                    if (!framesShort) {
                        // No frame free. This write may hold some itself (pages made ahead): it
                        // lets go of them and tries once more for this page alone, so that the
                        // event count it then waits on includes no release of its own (one would
                        // wake it at once, and it would take the same frames again: a livelock).
                        framesShort = true;
                        beforeWait();
                        continue;
                    }
                    // Still none: every page is busy or dirty. The cleaner frees some.
                    cache.kickCleaner();
                    leaveCopy();
                    cache.retryWhenFramesFree(this, seen);
                    return false;
                }
            }
            int s = p.get();
            if ((s & PageState.UPTODATE) == 0) {
                DeviceIoSink reader = p.readOwner;
                if ((s & PageState.LOCKED) != 0 && reader != null && reader != owner.deviceQueue()) {
                    // Another context's own queue reads it, and only that context's thread reaps
                    // the read: do not depend on it. The page is dropped (its read goes STALE, its
                    // readers look again and find this write's page) and made anew here.
                    release(p);
                    f.invalidate(index, index);
                    continue;
                }
                if ((s & PageState.LOCKED) != 0) {
                    beforeWait();
                    leaveCopy();
                    if (waitForUnlock(p)) {
                        return false; // its read is in flight
                    }
                    if (!enterAndAdmit(f)) {
                        return false;
                    }
                    continue;
                }
                release(p);
                if ((s & PageState.ERROR) != 0 && readFor == index) {
                    releaseAhead();
                    transferred = done; // those bytes are written; reading the old bytes of the next failed
                    endWith(-p.errno, -1);
                    return false;
                }
                continue; // dropped meanwhile: look again
            }
            if (!p.tryLock()) {
                beforeWait();
                leaveCopy();
                if (waitForUnlock(p)) {
                    return false;
                }
                if (!enterAndAdmit(f)) {
                    return false;
                }
                continue;
            }
            if (p.is(PageState.STALE)) {
                p.unlock(0, 0);
                release(p);
                continue; // truncated away between the lookup and the lock
            }
            p.touch(); // written again: CLOCK keeps it (the kernel's write_begin marks it accessed)
            try {
                copyIn(cache.frames().frame(p.frame()), inPage, n);
            } catch (RuntimeException | Error e) {
                p.unlock(0, 0); // the source went away (closed arena): the page stays as it was
                release(p);
                throw e;
            }
            // The file grows before the page is dirty and unlocked (see fillNew).
            handle.file().grownByWrite(pos + n);
            int before = p.unlockQuietly(PageState.DIRTY, 0);
            p.wakeUnlocked(before);
            if ((before & PageState.DIRTY) == 0) {
                dirtied(p);
            } else {
                release(p);
            }
            advance(n);
        }
        releaseAhead();
        tagDirtyPages();
        leaveCopy();
        return true;
    }

    /**
     * Admits the write the first time (on the thread that runs it first: the caller's, before the
     * gate, so that the system calls of {@link FileCache#reserve} never run on a thread that opens
     * the gate for a queued write), then takes the gate; when a truncate ran since admission, the
     * write starts over, admitted again. False when the write waits for the gate (queued) or was
     * refused (ended).
     */
    private boolean enterAndAdmit(FileCache f) {
        if (!admitted && !admit(f)) {
            return false;
        }
        if (!f.enterCopy(this)) {
            return false; // a truncate or a direct write holds the gate: this write goes on after it
        }
        copying = true;
        if (f.truncations() != admittedAt) {
            // A truncate ran while this write waited: it may have dropped pages this write filled
            // and freed the blocks reserved for it. The write starts over, after the truncate.
            done = 0;
            segment = 0;
            segmentOffset = 0;
            readFor = -1;
            framesShort = false;
            return admit(f);
        }
        return true;
    }

    /** Reserves the write's blocks ({@link FileCache#reserve}); false when refused (the write ended). */
    private boolean admit(FileCache f) {
        admitted = true;
        admittedAt = f.truncations();
        long n = length == 0 ? 0 : f.reserve(handle, position, length);
        if (n < 0) {
            endWith(n, -1); // EFBIG, ENOSPC, EDQUOT...: nothing was copied (since the truncate)
            return false;
        }
        admittedLength = n;
        writeThrough = f.writesThrough();
        return true;
    }

    /** Lets go of the copy gate, if held: before every wait, and when the copy ends. */
    private void leaveCopy() {
        if (copying) {
            copying = false;
            handle.file().leaveCopy();
        }
    }

    /**
     * Finds or makes the pages from {@code index} on (as many as {@link #ahead} holds, up to the
     * end of the write) under one hold of the file's lock; pages the write covers all of that
     * matters are made if missing.
     */
    private void lookAhead(FileCache f, long index, long size) {
        releaseAhead();
        long end = Math.min(last, index + ahead.length - 1);
        long createFrom = needsOld(index, size) ? index + 1 : index;
        long createTo = end > index && needsOld(end, size) ? end - 1 : end;
        f.pagesForWrite(index, end, createFrom, createTo, ahead, aheadMade);
        aheadBase = index;
        aheadCount = (int) (end - index + 1);
    }

    /**
     * Whether page {@code index} of this write must be read first: it holds bytes of the file that
     * the write leaves as they are (it does not lie past the end, and the write does not cover all
     * of it up to the end of the file).
     */
    private boolean needsOld(long index, long size) {
        long pageStart = index * PAGE;
        if (pageStart >= size) {
            return false;
        }
        long from = Math.max(position, pageStart);
        long to = Math.min(position + admittedLength, pageStart + PAGE);
        return !(from == pageStart && (to == pageStart + PAGE || to >= size));
    }

    /** Drops the looked-ahead pages not used yet; those this write made go back empty. */
    private void releaseAhead() {
        for (int i = 0; i < aheadCount; i++) {
            CachedPage p = ahead[i];
            if (p != null) {
                ahead[i] = null;
                if (aheadMade[i]) {
                    aheadMade[i] = false;
                    handle.file().abandon(p);
                }
                release(p);
            }
        }
        aheadBase = -1;
        aheadCount = 0;
    }

    /**
     * Before the request waits: nothing it holds may keep others (or the cleaner) from progress.
     * Its dirty pages get their tags, and the pages it made ahead go back.
     */
    private void beforeWait() {
        releaseAhead();
        tagDirtyPages();
    }

    /**
     * Fills a page this write made (locked, empty): zeros around the bytes written; then the file
     * grows to {@code end}, and only then is the page dirty and unlocked. Invariant: whoever locks a
     * dirty page sees a size that covers every byte written into it. Writeback relies on it: it
     * writes the page that ends the file with exactly the file's bytes, so a size that grew after
     * the page was dirty and unlocked could be missed by a writeback that took the page in between,
     * and the bytes past the old end would never reach the disk. (Readers that copy without the
     * page lock see the new size only once the bytes are in the page.)
     */
    private void fillNew(CachedPage p, int inPage, int n, long end) {
        MemorySegment frame = cache.frames().frame(p.frame());
        if (inPage > 0) {
            frame.asSlice(0, inPage).fill((byte) 0);
        }
        if (inPage + n < PAGE) {
            frame.asSlice(inPage + n).fill((byte) 0);
        }
        try {
            copyIn(frame, inPage, n);
        } catch (RuntimeException | Error e) {
            handle.file().abandon(p); // never filled: out of the tree, unlocked, for waiters to look again
            release(p);
            throw e;
        }
        handle.file().grownByWrite(end);
        p.unlock(PageState.UPTODATE | PageState.DIRTY, 0);
        dirtied(p);
    }

    /** {@code n} more bytes are in the cache (the file grew for them before their page was unlocked). */
    private void advance(int n) {
        framesShort = false;
        done += n;
    }

    /** {@code p} (with this write's reference) went from clean to dirty: tag (and count) it soon. */
    private void dirtied(CachedPage p) {
        newlyDirty[newlyDirtyCount++] = p;
        if (newlyDirtyCount == newlyDirty.length) {
            tagDirtyPages();
        }
    }

    /**
     * Tags the pages this write dirtied and drops its references to them. Done before any wait:
     * untagged dirty pages would be invisible to the cleaner that the wait may depend on.
     */
    private void tagDirtyPages() {
        if (newlyDirtyCount == 0) {
            return;
        }
        int counted = handle.file().tagDirty(newlyDirty, newlyDirtyCount);
        if (counted > 0) {
            cache.dirtyPagesAdded(counted);
        }
        for (int i = 0; i < newlyDirtyCount; i++) {
            release(newlyDirty[i]);
            newlyDirty[i] = null;
        }
        newlyDirtyCount = 0;
    }

    private void copyIn(MemorySegment frame, int to, int n) {
        if (src != null) {
            MemorySegment.copy(src, done, frame, to, n);
            return;
        }
        int left = n;
        int at = to;
        while (left > 0) {
            MemorySegment seg = srcs[segment];
            int take = (int) Math.min(left, seg.byteSize() - segmentOffset);
            MemorySegment.copy(seg, segmentOffset, frame, at, take);
            at += take;
            left -= take;
            segmentOffset += take;
            if (segmentOffset == seg.byteSize()) {
                segment++;
                segmentOffset = 0;
            }
        }
    }

    /** Drops this write's reference: a frame event when the page is left idle or freed ({@link PageCache#release}). */
    private void release(CachedPage p) {
        cache.release(p);
    }

    private void endWith(long result, long errorOffset) {
        releaseAhead();
        tagDirtyPages();
        leaveCopy();
        owner.finished(result, errorOffset, result < 0 ? transferred : 0);
    }

    private void end(Throwable t) {
        try {
            if (ahead != null) {
                releaseAhead();
            }
            tagDirtyPages();
        } finally {
            try {
                leaveCopy();
            } finally {
                owner.failed(t);
            }
        }
    }

    @Override
    public String toString() {
        return "CachedWrite[" + position + "+" + length + ", done " + done + "]";
    }

    private WaitTable.Waiter waiter() {
        WaitTable.Waiter w = waiter;
        if (w == null) {
            w = new WaitTable.Waiter(this);
            waiter = w;
        }
        return w;
    }
}
