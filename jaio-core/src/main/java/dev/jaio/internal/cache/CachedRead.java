package dev.jaio.internal.cache;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A buffered read through jaio's page cache, run as the paper's retry-based continuation (§2.2,
 * §3.1): each iteration copies every page that is uptodate from where the last one stopped, starts
 * device reads for missing pages (readahead first), and when it reaches a page that is still being
 * read, queues itself on that page's keyed wait and returns. No thread ever blocks for a request.
 *
 * <p>Threads: the first iteration runs on the thread that makes the request ({@link #start()}).
 * A retry becomes due on the thread that unlocks
 * the page it waited for, the engine's completion thread finishing the page's device read (or,
 * after a wait for a free frame, whichever thread freed one), and runs there unless
 * its {@link RequestOwner#retryDue owner} sends it elsewhere: a batch context runs its reads' retries on
 * its own thread, in getEvents, as the kernel ran AIO retries in the submitter's context. Only one
 * iteration of a request runs at a time: a waiting request has returned before it can be woken.
 *
 * <p>A retry never issues readahead for pages its request already showed the readahead logic;
 * pages readahead covered but that are gone again (evicted, invalidated, failed) are read on demand.
 * The read reports its end to its {@link RequestOwner}.
 */
public final class CachedRead implements CachedRequest {

    private static final int PAGE = PageFrames.PAGE_SIZE;
    private static final int HELD_MAX = 64;

    private final RequestOwner owner;
    /**
     * Its wait-table waiter, made on its first wait and queued again for each later one, also by the
     * next requests of a reused read (a request waits for one thing at a time).
     */
    private WaitTable.Waiter waiter;
    // The request: set by reset, for each use of a reusable read.
    private CacheHandle handle;
    private PageCache cache;
    private MemorySegment dst;
    private MemorySegment[] dsts;
    private long position;
    private long length;
    private boolean nowait;
    /** Bytes copied so far. */
    private long done;
    /** Highest page index already shown to the readahead logic by this request. */
    private long raSeen;
    /** The page the request waits for, and its index (a page that had to be waited for is a miss). */
    private CachedPage waitingOn;
    private long waitedFor;
    /**
     * Pages of this request's first {@link #HELD_MAX} pages that it holds a reference to: those its
     * own reads started, and the one it waits on. A retry takes them from here instead of looking
     * them up under the file's lock, and a held page cannot be evicted before it is copied. Its
     * length is the request's page count (at most HELD_MAX): a reused read keeps the array for a
     * next request of as many pages, and it is all null between requests.
     */
    private CachedPage[] held;
    private long heldBase;
    /**
     * The page it waits on when that lies past the held range, and its index: held the same way, so
     * that a waited-for page is never evicted before the retry copies it (one slot is enough: a
     * request waits for one page at a time).
     */
    private CachedPage far;
    private long farIndex;
    /**
     * No frame was free for the page at {@link #done} and the request let go of the pages it held
     * ahead: the next time, it waits. Cleared when it copies again.
     */
    private boolean framesShort;
    /** A page read for this request alone: its index, its memory, and the result (MIN_VALUE until done). */
    private long bypassIndex;
    private MemorySegment bypassPage;
    private volatile long bypassResult;
    /** Position in {@link #dsts}. */
    private int segment;
    private long segmentOffset;

    /**
     * @param dst the destination, or null when {@code dsts} is given
     * @param dsts destinations filled in order (a vectored read), or null
     * @param nowait RWF_NOWAIT: complete with what is cached instead of reading or waiting (EAGAIN if nothing)
     */
    public CachedRead(CacheHandle handle, MemorySegment dst, MemorySegment[] dsts, long position, long length,
            boolean nowait, RequestOwner owner) {
        this(owner);
        reset(handle, dst, dsts, position, length, nowait);
    }

    /**
     * A read to be {@link #reset} and {@link #start started} again for each request of {@code owner}
     * (a batch context's slot): a request then allocates nothing of its own. It may be reset only
     * once the last request ended ({@link RequestOwner#finished}/{@link RequestOwner#failed}), after
     * which nothing wakes it: every wait of a request ends in a retry before the request can end.
     */
    public CachedRead(RequestOwner owner) {
        this.owner = owner;
    }

    /** Makes this read the request for [position, position + length) of {@code handle}; see {@link #CachedRead(RequestOwner)}. */
    public void reset(CacheHandle handle, MemorySegment dst, MemorySegment[] dsts, long position, long length,
            boolean nowait) {
        this.handle = handle;
        this.cache = handle.file().cache();
        this.dst = dst;
        this.dsts = dsts;
        this.position = position;
        this.length = length;
        this.nowait = nowait;
        this.done = 0;
        this.raSeen = -1;
        this.waitingOn = null;
        this.waitedFor = -1;
        this.heldBase = position / PAGE;
        if (held != null && held.length != heldPages()) {
            held = null; // a request of another page count: held() sizes a new one
        }
        this.far = null;
        this.farIndex = -1;
        this.framesShort = false;
        this.bypassIndex = -1;
        this.bypassPage = null;
        this.bypassResult = Long.MIN_VALUE;
        this.segment = 0;
        this.segmentOffset = 0;
    }

    /** The length of {@link #held} for this request: its pages, at most {@link #HELD_MAX}. */
    private int heldPages() {
        long pages = length == 0 ? 1 : (position + length - 1) / PAGE - heldBase + 1;
        return (int) Math.min(HELD_MAX, pages);
    }

    private CachedPage[] held() {
        if (held == null) {
            held = new CachedPage[heldPages()];
        }
        return held;
    }

    /** The page at {@code index} with a reference for this request: a held one, or looked up. */
    private CachedPage take(FileCache f, long index) {
        long k = index - heldBase;
        if (held != null && k >= 0 && k < held.length && held[(int) k] != null) {
            CachedPage p = held[(int) k];
            held[(int) k] = null;
            return p;
        }
        if (index == farIndex) {
            CachedPage p = far;
            far = null;
            farIndex = -1;
            return p;
        }
        return f.lookupRetained(index);
    }

    /** Keeps the reference on {@code p}, the page the request waits on, for its retry. */
    private void hold(long index, CachedPage p) {
        long k = index - heldBase;
        if (k >= 0 && k < held().length) {
            held[(int) k] = p;
            return;
        }
        if (far != null) {
            release(far); // not reached: a retry takes the page it waited on before it waits again
        }
        far = p;
        farIndex = index;
    }

    private void release(CachedPage p) {
        cache.release(p);
    }

    /** Whether the request holds a page it has not copied yet. */
    private boolean holdsPages() {
        if (far != null) {
            return true;
        }
        if (held != null) {
            for (CachedPage p : held) {
                if (p != null) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Drops every page still held (the request ended before copying them). */
    private void releaseHeld() {
        if (far != null) {
            release(far);
            far = null;
            farIndex = -1;
        }
        if (held != null) {
            for (int i = 0; i < held.length; i++) {
                if (held[i] != null) {
                    release(held[i]);
                    held[i] = null;
                }
            }
        }
    }

    /**
     * The fast path of a read whose pages are all in the cache and uptodate ({@code
     * FastPaths.cachedHits}): copies [position, position + length) into {@code dst} on the calling
     * thread and returns the count, doing for each page what an iteration of a request does for a
     * hit (a reference while it copies, the hit count, the CLOCK reference bit) and, at the end,
     * the readahead state's {@code readEnded}. Returns -1 when the read is not all hits: it reaches
     * past the size the cache knows (the file may have grown), the handle uses the legacy
     * page-at-a-time readahead, or a page is missing, not uptodate or carries the readahead marker
     * (its async readahead is the request's to start). Then bytes may have been copied into
     * {@code dst} already; the request's own iterations copy them again. Never waits, never starts
     * I/O, takes no lock (the lookups are lock-free when they hit).
     */
    public static long tryHits(CacheHandle handle, MemorySegment dst, long position, long length) {
        FileCache f = handle.file();
        Readahead ra = handle.readahead();
        if (length <= 0 || position + length > f.size() || ra.pageAtATime()) {
            return -1;
        }
        PageCache cache = f.cache();
        long done = 0;
        while (done < length) {
            long pos = position + done;
            CachedPage p = f.lookupRetained(pos / PAGE);
            if (p == null) {
                return -1;
            }
            int n;
            try {
                int s = p.get();
                if ((s & (PageState.UPTODATE | PageState.READAHEAD)) != PageState.UPTODATE) {
                    return -1;
                }
                int inPage = (int) (pos % PAGE);
                n = (int) Math.min(PAGE - inPage, length - done);
                MemorySegment.copy(cache.frames().frame(p.frame()), inPage, dst, done, n);
            } finally {
                cache.release(p);
            }
            p.touch();
            done += n;
        }
        // Counted once all are hits: a fallback's own iterations count the pages they copy.
        cache.countHits((position + length - 1) / PAGE - position / PAGE + 1);
        ra.readEnded(position + done);
        return done;
    }

    @Override
    public void start() {
        FileCache f = handle.file();
        try {
            if (position + length > f.size()) {
                // The read reaches past the size the cache knows: the file may have grown elsewhere.
                long generation = f.sizeGeneration();
                long s = FileStat.size(handle.directFd());
                if (s >= 0) {
                    f.refreshSize(s, generation);
                }
            }
        } catch (Throwable t) {
            end(t);
            return;
        }
        iterate(false);
    }

    /** A wakeup of the page it waited for, or of a freed frame: the retry is due (see {@link RequestOwner#retryDue}). */
    @Override
    public void run() {
        owner.retryDue(this);
    }

    /** A one-page read for this request only, on the engine's event loop. */
    private static final class BypassRead extends IoOp<Void> {
        private final CachedRead read;

        BypassRead(CachedRead read, int fd, MemorySegment page, long offset) {
            super(READ, fd, page, null, offset, 0);
            this.read = read;
        }

        @Override
        protected void onResult(long result) {
            read.bypassDone(result);
        }

        @Override
        protected void onRejected(IOException cause) {
            read.bypassDone(-Errno.ECANCELED);
        }
    }

    private void startBypass(long index) {
        bypassIndex = index;
        // The op holds the memory until the kernel is done with it; the GC frees it after that.
        bypassPage = Arena.ofAuto().allocate(PAGE, PAGE);
        bypassResult = Long.MIN_VALUE;
        handle.retainOp();
        cache.bypass(new BypassRead(this, handle.directFd(), bypassPage, index * PAGE));
    }

    private void bypassDone(long result) {
        bypassResult = result;
        handle.releaseOp();
        owner.retryDue(this);
    }

    @Override
    public void retryNow() {
        cache.countRetry();
        iterate(true);
    }

    private void iterate(boolean retry) {
        // A local: once the step ended the request, its owner may reset this read for another file.
        PageCache pc = cache;
        DeviceIoSink foreign = pc.liftForeignDiversion(owner.deviceQueue());
        int[] depth = PageCache.stepBegins();
        try {
            step(retry);
        } finally {
            PageCache.stepEnded(depth);
            if (foreign != null) {
                pc.divertDeviceIo(foreign);
            }
        }
    }

    private void step(boolean retry) {
        boolean progressed = false;
        try {
            if (retry) {
                CachedPage w = waitingOn;
                waitingOn = null;
                if (w != null && failedPage(w)) {
                    endWith(done > 0 ? done : -w.errno);
                    return;
                }
            }
            FileCache f = handle.file();
            long end = Math.min(position + length, f.size());
            while (true) {
                long pos = position + done;
                if (pos >= end) {
                    endWith(done);
                    return;
                }
                long index = pos / PAGE;
                long lastIndex = (end - 1) / PAGE;
                if (index == bypassIndex) {
                    long r = bypassResult;
                    MemorySegment page = bypassPage;
                    bypassIndex = -1;
                    bypassPage = null;
                    if (r < 0) {
                        endWith(done > 0 ? done : r);
                        return;
                    }
                    int inPage = (int) (pos % PAGE);
                    if (r <= inPage) {
                        endWith(done); // the file ends before this position
                        return;
                    }
                    int n = (int) Math.min(Math.min(PAGE - inPage, end - pos), r - inPage);
                    copyOut(page, inPage, n);
                    done += n;
                    progressed = true;
                    framesShort = false;
                    continue;
                }
                Readahead ra = handle.readahead();
                if (ra.pageAtATime() && index > raSeen) {
                    raSeen = index;
                    ra.pageReached(handle, index);
                }
                CachedPage p = take(f, index);
                if (p == null) {
                    if (nowait) {
                        endWith(done > 0 ? done : -Errno.EAGAIN);
                        return;
                    }
                    if (!ra.pageAtATime() && index > raSeen) {
                        raSeen = Math.max(index, ra.missed(handle, index, lastIndex, held(), heldBase));
                        p = take(f, index);
                    }
                    if (p == null) {
                        long seen = cache.frameEvents();
                        f.startRead(handle, index, ra.demandPages(index, lastIndex), -1, false, held(), heldBase);
                        // The page this call started, even if its read already failed and left the
                        // tree: waiting on it (not looking it up again) sees that outcome.
                        p = take(f, index);
                        if (p == null) {
                            if (f.size() <= pos) {
                                end = Math.min(end, f.size());
                                continue; // the file shrank under the read
                            }
                            if (!framesShort && holdsPages()) {
                                // No frame, and this read holds pages ahead of where it copies (its
                                // readahead's): on a cache not much larger than a read those can be
                                // every frame but the ones it needs, and it would wait for itself.
                                // It lets go of them (they stay cached) and tries once more; the
                                // event count is read again after that, so its own releases do not
                                // wake it at once.
                                framesShort = true;
                                releaseHeld();
                                continue;
                            }
                            // No frame: every page is busy. Go on when one is freed.
                            if (retry && !progressed) {
                                cache.countIdleRetry();
                            }
                            cache.retryWhenFramesFree(this, seen);
                            return;
                        }
                    }
                }
                int s = p.get();
                if ((s & PageState.READAHEAD) != 0 && !ra.pageAtATime()
                        && (p.clear(PageState.READAHEAD) & PageState.READAHEAD) != 0) {
                    ra.markerReached(handle, index, lastIndex);
                }
                if ((s & PageState.UPTODATE) != 0) {
                    try {
                        int inPage = (int) (pos % PAGE);
                        int n = (int) Math.min(PAGE - inPage, end - pos);
                        copyOut(cache.frames().frame(p.frame()), inPage, n);
                        done += n;
                        progressed = true;
                        framesShort = false;
                    } finally {
                        release(p);
                    }
                    if (waitedFor == index) {
                        waitedFor = -1; // its first use, right after its read (placing it set the bit)
                    } else {
                        cache.countHit();
                        p.touch(); // used again: CLOCK gives it another turn (folio_mark_accessed)
                    }
                    continue;
                }
                if ((s & PageState.LOCKED) == 0) {
                    release(p);
                    if ((s & PageState.ERROR) != 0) {
                        endWith(done > 0 ? done : -p.errno);
                        return;
                    }
                    continue; // stale and dropped: look it up again
                }
                if (nowait) {
                    release(p);
                    endWith(done > 0 ? done : -Errno.EAGAIN);
                    return;
                }
                DeviceIoSink reader = p.readOwner;
                if (reader != null && reader != owner.deviceQueue()) {
                    // Another context's queue reads it: do not depend on that context's thread.
                    release(p);
                    if (retry && !progressed) {
                        cache.countIdleRetry();
                    }
                    startBypass(index);
                    return; // the bypass read's completion runs the retry
                }
                hold(index, p); // the retry copies it: it must not be evicted meanwhile
                if (waitedFor != index) {
                    waitedFor = index;
                    cache.countMiss();
                }
                waitingOn = p;
                boolean idle = retry && !progressed;
                if (p.retryWhenUnlocked(waiter())) {
                    if (idle) {
                        cache.countIdleRetry(); // woken, yet made no progress before waiting again
                    }
                    return; // nothing of this request may be touched from here on
                }
                waitingOn = null;
                if (failedPage(p)) {
                    endWith(done > 0 ? done : -p.errno);
                    return;
                }
            }
        } catch (Throwable t) {
            end(t);
        }
    }

    private static boolean failedPage(CachedPage p) {
        int s = p.get();
        return (s & (PageState.ERROR | PageState.UPTODATE)) == PageState.ERROR;
    }

    private void copyOut(MemorySegment frame, int from, int n) {
        if (dst != null) {
            MemorySegment.copy(frame, from, dst, done, n);
            return;
        }
        int left = n;
        int src = from;
        while (left > 0) {
            MemorySegment seg = dsts[segment];
            int take = (int) Math.min(left, seg.byteSize() - segmentOffset);
            MemorySegment.copy(frame, src, seg, segmentOffset, take);
            src += take;
            left -= take;
            segmentOffset += take;
            if (segmentOffset == seg.byteSize()) {
                segment++;
                segmentOffset = 0;
            }
        }
    }

    private void endWith(long result) {
        releaseHeld();
        if (done > 0) {
            handle.readahead().readEnded(position + done);
        }
        forgetMemory();
        owner.finished(result, -1, 0);
    }

    private void end(Throwable t) {
        try {
            releaseHeld();
        } finally {
            forgetMemory();
            owner.failed(t);
        }
    }

    /** The request's memory is not kept reachable by a reused read until its next request. */
    private void forgetMemory() {
        dst = null;
        dsts = null;
        bypassPage = null;
    }

    @Override
    public String toString() {
        return "CachedRead[" + position + "+" + length + ", done " + done + "]";
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
