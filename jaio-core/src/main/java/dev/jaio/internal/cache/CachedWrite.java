package dev.jaio.internal.cache;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Rwf;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * A buffered write through jaio's page cache, or a sync of a range of it, run as a retry-based
 * continuation like {@link CachedRead} (§2.2, §5.2, §7.1 of the paper):
 *
 * <ol>
 *   <li><b>copy</b>: each page of the range is found or made, locked for the copy, filled, and
 *       marked dirty (tagged DIRTY in the file's tree). A page the write covers only in part, and
 *       that holds bytes of the file, is read first through the same machinery as a cached read.
 *       A writer that finds dirty memory over the limit waits, as a queued retry, until the
 *       cleaner has written some back (balance_dirty_pages).
 *   <li><b>writeback</b> (O_SYNC, O_DSYNC, fsync): the dirty pages of the range are tagged TOWRITE
 *       and exactly those are moved to WRITEBACK and written, adjacent pages in one device write
 *       with Rwf.RWF_SYNC or Rwf.RWF_DSYNC. A page that is locked or already under writeback is waited for,
 *       then written. No file-wide lock is held across any wait: syncs of other ranges go on.
 *   <li><b>wait</b>: every page of the range under writeback, whoever started it, is waited for
 *       once (filemap_fdatawait_range). A retry never dirties pages again or issues their writes
 *       again (§7.1): each phase resumes where it stopped.
 *   <li><b>flush</b>: when a device write the range relied on completed without Rwf.RWF_DSYNC (the
 *       cleaner's), or for fsync itself, an fsync/fdatasync of the descriptor makes it durable.
 *   <li>a writeback error this handle has not reported yet fails the request with its errno.
 * </ol>
 *
 * <p>Threads: the first iteration runs on the caller's thread; a retry runs on the thread that ends
 * the wait (the engine's completion thread, a thread that frees a frame or lowers dirty memory,
 * the thread that opens the file's write gate after a truncate or an uncached write, or the batch
 * context's own thread in getEvents: see {@link #scheduleRetry()}).
 *
 * @param <T> the future's value type
 */
public abstract class CachedWrite<T> extends CompletableFuture<T> implements Runnable, WriteGate.Copier {

    private static final int PAGE = PageFrames.PAGE_SIZE;

    /** Pages looked up (or made) together ahead of the copy. */
    private static final int LOOKAHEAD = 64;
    private static final int COPY = 0;
    private static final int TAG = 1;
    private static final int WRITEBACK = 2;
    private static final int WAIT = 3;
    private static final int FLUSH = 4;
    private static final int FLUSHING = 5;
    private static final int DONE = 6;

    private final CacheHandle handle;
    private final PageCache cache;
    private final MemorySegment src;
    private final MemorySegment[] srcs;
    private final long position;
    private final long length;
    /** Rwf.RWF_SYNC, Rwf.RWF_DSYNC, or 0 (a plain buffered write). */
    private final int syncFlags;
    /** A sync of the whole file (fsync/fdatasync), no copy. */
    private final boolean fileSync;
    /** Only the writeback and the wait, over [first, last]: no flush, no error report (direct I/O's). */
    private final boolean rangeOnly;
    private final long first;
    private final long last;
    private int phase;
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
    /** Where the writeback whose error this request reports failed, or -1. */
    private long errorOffset = -1;
    /** Set by the page cache when this write waited over the dirty limit and writeback cannot go on. */
    volatile int throttleErrno;
    private long done;
    private int segment;
    private long segmentOffset;
    /** The page whose read this write started for a partial overwrite, or -1. */
    private long readFor = -1;
    /** Pages this write made dirty whose tags are not set yet, with references. */
    private final CachedPage[] newlyDirty = new CachedPage[32];
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
    private Writeback writeback;
    private long waitNext;
    private long flushMark;
    private volatile long flushResult;

    /**
     * A write of {@code length} bytes from {@code src} (or, in order, {@code srcs}) at
     * {@code position}.
     *
     * @param syncFlags {@link Rwf#Rwf.RWF_SYNC}, {@link Rwf#Rwf.RWF_DSYNC} or 0
     */
    protected CachedWrite(CacheHandle handle, MemorySegment src, MemorySegment[] srcs, long position, long length,
            int syncFlags) {
        this.handle = handle;
        this.cache = handle.file().cache();
        this.src = src;
        this.srcs = srcs;
        this.position = position;
        this.length = length;
        this.syncFlags = syncFlags & (Rwf.RWF_SYNC | Rwf.RWF_DSYNC);
        this.fileSync = false;
        this.rangeOnly = false;
        this.first = position / PAGE;
        this.last = length == 0 ? first : (position + length - 1) / PAGE;
        this.admittedLength = length;
        this.phase = COPY;
    }

    /** An fsync ({@code dataOnly} false) or fdatasync of the whole file. */
    protected CachedWrite(CacheHandle handle, boolean dataOnly) {
        this.handle = handle;
        this.cache = handle.file().cache();
        this.src = null;
        this.srcs = null;
        this.position = 0;
        this.length = 0;
        this.syncFlags = dataOnly ? Rwf.RWF_DSYNC : Rwf.RWF_SYNC;
        this.fileSync = true;
        this.rangeOnly = false;
        this.first = 0;
        this.last = FileCache.MAX_INDEX;
        this.phase = TAG;
    }

    /**
     * The writeback a direct read or write of pages [first, last] needs first (§4): the range's
     * dirty pages are written and every page of it under writeback is waited for, so that the
     * device holds what the cache does. No flush (durability is the direct request's business) and
     * no error report: a page that fails stays dirty, and the next sync reports it.
     */
    protected CachedWrite(CacheHandle handle, long first, long last) {
        this.handle = handle;
        this.cache = handle.file().cache();
        this.src = null;
        this.srcs = null;
        this.position = first * PAGE;
        this.length = 0;
        this.syncFlags = 0;
        this.fileSync = false;
        this.rangeOnly = true;
        this.first = first;
        this.last = last;
        this.phase = TAG;
    }

    /** Runs the first iteration on the calling thread. */
    public final void start() {
        iterate();
    }

    /**
     * The batch context this write belongs to ({@link DeviceIoSink}), or null: a page another
     * context's queue is reading is never waited for (see {@link CachedRead#readOwner()}).
     */
    protected Object readOwner() {
        return null;
    }

    /** The write gate opened for copies (this write was queued on it): the retry is due. */
    @Override
    public final void gateOpened() {
        scheduleRetry();
    }

    /** A wait ended: the retry is due. */
    @Override
    public final void run() {
        scheduleRetry();
    }

    /** Where a due retry runs: by default on the waking thread (see {@link CachedRead#scheduleRetry()}). */
    protected void scheduleRetry() {
        retryNow();
    }

    /** Runs the due retry on the calling thread. */
    protected final void retryNow() {
        cache.countRetry();
        iterate();
    }

    /** The page cache this write goes through. */
    public final PageCache pageCache() {
        return cache;
    }

    /**
     * When the request failed with a writeback error (a sync, an O_SYNC write): the file offset of
     * the device write that failed, else -1.
     */
    protected final long writebackErrorOffset() {
        return errorOffset;
    }

    /** For a write that failed (-errno): the bytes it wrote before the failure (they stay written), else 0. */
    protected final long transferredBeforeFailure() {
        return transferred;
    }

    /** The write ended: the byte count (0 for a sync), or -errno. Called once; must not throw. */
    protected abstract void finished(long result);

    /** The write failed with an exception (the source memory was freed, say). Must not throw. */
    protected abstract void failed(Throwable cause);

    private void iterate() {
        DeviceIoSink foreign = cache.liftForeignDiversion(readOwner());
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
            while (true) {
                switch (phase) {
                    case COPY -> {
                        if (!copyIntoPages()) {
                            return;
                        }
                        phase = syncFlags != 0 || writeThrough ? TAG : DONE;
                    }
                    case TAG -> {
                        long start = handle.file().syncStart(first, last);
                        handle.file().tagToWrite(start, last);
                        writeback = new Writeback(true, start, syncFlags, (int) Math.min(256, last - start + 1));
                        phase = WRITEBACK;
                    }
                    case WRITEBACK -> {
                        if (!handle.file().writeback(handle, writeback, last, Integer.MAX_VALUE)) {
                            CachedPage b = writeback.takeBlocked();
                            if (b != null && waitFor(b, b.is(PageState.WRITEBACK))) {
                                return;
                            }
                            continue;
                        }
                        phase = WAIT;
                        waitNext = first;
                    }
                    case WAIT -> {
                        CachedPage p = handle.file().firstUnderWriteback(waitNext, last);
                        if (p == null) {
                            if (rangeOnly) {
                                endWith(0);
                                return;
                            }
                            phase = syncFlags != 0 ? FLUSH : DONE; // a write-through needs no flush
                            continue;
                        }
                        waitNext = p.index() + 1; // each page is waited for once
                        if (waitFor(p, true)) {
                            return;
                        }
                    }
                    case FLUSH -> {
                        FileCache f = handle.file();
                        if (fileSync || f.needsFlush()) {
                            flushMark = f.unsyncedWrites();
                            phase = FLUSHING;
                            handle.retainOp();
                            cache.countFlush();
                            cache.execute(new FlushOp(this, handle.directFd(), syncFlags == Rwf.RWF_DSYNC));
                            return;
                        }
                        phase = DONE;
                    }
                    case FLUSHING -> {
                        long r = flushResult;
                        if (r < 0) {
                            endWith(r);
                            return;
                        }
                        handle.file().flushed(flushMark);
                        phase = DONE;
                    }
                    default -> {
                        int err = syncFlags != 0 || writeThrough ? handle.checkWritebackError() : 0;
                        if (err != 0) {
                            errorOffset = handle.file().lastWritebackErrorOffset();
                        }
                        if (err == 0 && admittedLength < length) {
                            // Cut at RLIMIT_FSIZE: what fitted is written, the rest is refused, as
                            // a continued kernel write would be.
                            transferred = admittedLength;
                            err = Errno.EFBIG;
                        }
                        endWith(err != 0 ? -err : fileSync ? 0 : admittedLength);
                        return;
                    }
                }
            }
        } catch (Throwable t) {
            end(t);
        }
    }

    /**
     * Queues this request on {@code p} (its writeback's end, or its unlock) and drops the caller's
     * reference; true when queued (the request must not be touched any more), false when the
     * condition already holds.
     */
    private boolean waitFor(CachedPage p, boolean writebackEnd) {
        boolean queued = writebackEnd ? p.retryWhenWritebackEnds(this) : p.retryWhenUnlocked(this);
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
            endWith(-throttled);
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
                    fillNew(p, inPage, n);
                    advance(pos + n, n);
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
                        fillNew(p, inPage, n);
                        advance(pos + n, n);
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
                Object owner = p.readOwner;
                if ((s & PageState.LOCKED) != 0 && owner != null && owner != readOwner()) {
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
                    if (waitFor(p, false)) {
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
                    endWith(-p.errno);
                    return false;
                }
                continue; // dropped meanwhile: look again
            }
            if (!p.tryLock()) {
                beforeWait();
                leaveCopy();
                if (waitFor(p, false)) {
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
            int before = p.unlockQuietly(PageState.DIRTY, 0);
            p.wakeUnlocked(before);
            if ((before & PageState.DIRTY) == 0) {
                dirtied(p);
            } else {
                release(p);
            }
            advance(pos + n, n);
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
            endWith(n); // EFBIG, ENOSPC, EDQUOT...: nothing was copied (since the truncate)
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

    /** Fills a page this write made (locked, empty): zeros around the bytes written, then dirty. */
    private void fillNew(CachedPage p, int inPage, int n) {
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
        p.unlock(PageState.UPTODATE | PageState.DIRTY, 0);
        dirtied(p);
    }

    private void advance(long end, int n) {
        framesShort = false;
        done += n;
        handle.file().grownByWrite(end);
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

    private void endWith(long result) {
        releaseAhead();
        tagDirtyPages();
        leaveCopy();
        finished(result);
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
                failed(t);
            }
        }
    }

    /** The fsync/fdatasync of a sync's flush phase, on the engine's loop. */
    private static final class FlushOp extends IoOp<Void> {
        private final CachedWrite<?> write;

        FlushOp(CachedWrite<?> write, int fd, boolean dataOnly) {
            super(dataOnly ? FDATASYNC : FSYNC, fd, null, null, 0, 0);
            this.write = write;
        }

        @Override
        protected void onResult(long result) {
            write.flushResult = result;
            write.handle.releaseOp();
            write.scheduleRetry();
        }

        @Override
        protected void onRejected(IOException cause) {
            onResult(-Errno.ECANCELED);
        }
    }

    @Override
    public String toString() {
        return "CachedWrite[" + position + "+" + length + ", done " + done + ", phase " + phase + "]";
    }
}
