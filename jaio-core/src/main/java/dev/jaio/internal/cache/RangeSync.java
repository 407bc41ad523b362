package dev.jaio.internal.cache;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Rwf;
import java.io.IOException;

/**
 * The synchronisation of a range of a cached file (the kernel's filemap_write_and_wait_range and
 * the O_SYNC tail of generic_write_sync, §7.1 of the paper), run as a retry-based continuation:
 *
 * <ol>
 *   <li><b>tag</b>: the range's dirty pages are tagged TOWRITE, so that pages dirtied later are
 *       not waited for;
 *   <li><b>writeback</b>: exactly the tagged pages go to WRITEBACK and are written, adjacent pages
 *       in one device write with the range's RWF_SYNC or RWF_DSYNC. A page that is locked or
 *       already under writeback is waited for, then written. No file-wide lock is held across any
 *       wait: syncs of other ranges go on;
 *   <li><b>wait</b>: every page of the range under writeback, whoever started it, is waited for
 *       once (filemap_fdatawait_range). A retry never issues a page's write again: each phase
 *       resumes where it stopped;
 *   <li><b>flush</b>: when a device write the range relied on completed without RWF_DSYNC (the
 *       cleaner's), or for fsync itself, an fsync/fdatasync of the O_DIRECT descriptor makes it
 *       durable;
 *   <li>a writeback error that the handle has not reported yet ends the sync with its errno and
 *       the offset of the device write that failed.
 * </ol>
 *
 * <p>Three kinds ({@link Kind}): an fsync or fdatasync of the whole file; the tail of an O_SYNC,
 * O_DSYNC or write-through {@link CachedWrite} over the pages it wrote; and the writeback a direct
 * request needs first (§4), which neither flushes nor reports errors (a page that fails stays
 * dirty, and the next sync reports it). Threads as for {@link CachedRead}; the owner decides where
 * retries run.
 */
public final class RangeSync implements CachedRequest {

    /** What a sync does after its pages are written. */
    enum Kind {
        /** fsync/fdatasync: always flushes, reports a writeback error. */
        FILE,
        /** The tail of a synchronized write: flushes when a device write it relied on was not synchronized. */
        WRITE,
        /** Before a direct request: no flush, no error report. */
        DIRECT
    }

    private static final int TAG = 0;
    private static final int WRITEBACK = 1;
    private static final int WAIT = 2;
    private static final int FLUSH = 3;
    private static final int FLUSHING = 4;
    private static final int REPORT = 5;

    private final CacheHandle handle;
    private final PageCache cache;
    private final RequestOwner owner;
    private final Kind kind;
    /** RWF_SYNC, RWF_DSYNC, or 0 (a write-through without O_SYNC: written, never flushed). */
    private final int syncFlags;
    private final long first;
    private final long last;
    /** Its wait-table waiter, made on its first wait and queued again for each later one (one wait at a time). */
    private WaitTable.Waiter waiter;

    private int phase = TAG;
    private Writeback writeback;
    private long waitNext;
    private long flushMark;
    private volatile long flushResult;

    RangeSync(CacheHandle handle, Kind kind, int syncFlags, long first, long last, RequestOwner owner) {
        this.handle = handle;
        this.cache = handle.file().cache();
        this.owner = owner;
        this.kind = kind;
        this.syncFlags = syncFlags;
        this.first = first;
        this.last = last;
    }

    /** An fsync ({@code dataOnly} false) or fdatasync of the whole file; ends with 0 or -errno. */
    public static RangeSync ofFile(CacheHandle handle, boolean dataOnly, RequestOwner owner) {
        return new RangeSync(handle, Kind.FILE, dataOnly ? Rwf.RWF_DSYNC : Rwf.RWF_SYNC, 0, FileCache.MAX_INDEX,
                owner);
    }

    /**
     * The writeback a direct read or write of pages [first, last] needs first (§4): the range's
     * dirty pages are written and every page of it under writeback is waited for, so that the
     * device holds what the cache does. Ends with 0.
     */
    public static RangeSync forDirect(CacheHandle handle, long first, long last, RequestOwner owner) {
        return new RangeSync(handle, Kind.DIRECT, 0, first, last, owner);
    }

    @Override
    public void start() {
        iterate();
    }

    /** A wait ended: the retry is due (see {@link RequestOwner#retryDue}). */
    @Override
    public void run() {
        owner.retryDue(this);
    }

    @Override
    public void retryNow() {
        cache.countRetry();
        iterate();
    }

    private void iterate() {
        DeviceIoSink foreign = cache.liftForeignDiversion(owner.deviceQueue());
        int[] depth = PageCache.stepBegins();
        try {
            step();
        } catch (Throwable t) {
            owner.failed(t);
        } finally {
            PageCache.stepEnded(depth);
            if (foreign != null) {
                cache.divertDeviceIo(foreign);
            }
        }
    }

    private void step() {
        FileCache f = handle.file();
        while (true) {
            switch (phase) {
                case TAG -> {
                    long start = f.syncStart(first, last);
                    f.tagToWrite(start, last);
                    writeback = new Writeback(true, start, syncFlags, (int) Math.min(256, last - start + 1));
                    phase = WRITEBACK;
                }
                case WRITEBACK -> {
                    if (!f.writeback(handle, writeback, last, Integer.MAX_VALUE)) {
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
                    CachedPage p = f.firstUnderWriteback(waitNext, last);
                    if (p == null) {
                        if (kind == Kind.DIRECT) {
                            owner.finished(0, -1, 0);
                            return;
                        }
                        phase = syncFlags != 0 ? FLUSH : REPORT; // a write-through needs no flush
                        continue;
                    }
                    waitNext = p.index() + 1; // each page is waited for once
                    if (waitFor(p, true)) {
                        return;
                    }
                }
                case FLUSH -> {
                    if (kind == Kind.FILE || f.needsFlush()) {
                        flushMark = f.unsyncedWrites();
                        phase = FLUSHING;
                        handle.retainOp();
                        cache.countFlush();
                        cache.execute(new FlushOp(this, handle.directFd(), syncFlags == Rwf.RWF_DSYNC));
                        return;
                    }
                    phase = REPORT;
                }
                case FLUSHING -> {
                    long r = flushResult;
                    if (r < 0) {
                        owner.finished(r, -1, 0);
                        return;
                    }
                    f.flushed(flushMark);
                    phase = REPORT;
                }
                default -> {
                    int err = handle.checkWritebackError();
                    owner.finished(-err, err != 0 ? f.lastWritebackErrorOffset() : -1, 0);
                    return;
                }
            }
        }
    }

    /**
     * Queues this sync on {@code p} (its writeback's end, or its unlock) and drops the caller's
     * reference; true when queued (the sync must not be touched any more), false when the
     * condition already holds.
     */
    private boolean waitFor(CachedPage p, boolean writebackEnd) {
        boolean queued = writebackEnd ? p.retryWhenWritebackEnds(waiter()) : p.retryWhenUnlocked(waiter());
        cache.release(p);
        return queued;
    }

    /** The fsync/fdatasync of the flush phase, on the engine's loop. */
    private static final class FlushOp extends IoOp<Void> {
        private final RangeSync sync;

        FlushOp(RangeSync sync, int fd, boolean dataOnly) {
            super(dataOnly ? FDATASYNC : FSYNC, fd, null, null, 0, 0);
            this.sync = sync;
        }

        @Override
        protected void onResult(long result) {
            sync.flushResult = result;
            sync.handle.releaseOp();
            sync.owner.retryDue(sync);
        }

        @Override
        protected void onRejected(IOException cause) {
            onResult(-Errno.ECANCELED);
        }
    }

    @Override
    public String toString() {
        return "RangeSync[" + kind + ", pages " + first + ".." + last + ", phase " + phase + "]";
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
