package dev.jaio.internal.cache;

import dev.jaio.internal.linux.Errno;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * A buffered read through jaio's page cache, run as the paper's retry-based continuation (§2.2,
 * §3.1): each iteration copies every page that is uptodate from where the last one stopped, starts
 * device reads for missing pages (readahead first), and when it reaches a page that is still being
 * read, queues itself on that page's keyed wait and returns. No thread ever blocks for a request.
 *
 * <p>Threads: the first iteration runs on the thread that makes the request; a retry runs on the
 * thread that unlocks the page it waited for, which is the engine's completion thread finishing the
 * page's device read (or, after a wait for a free frame, whichever thread freed one). Only one
 * iteration of a request runs at a time: a waiting request has returned before it can be woken.
 *
 * <p>A retry never issues readahead for pages its request already showed the readahead logic;
 * pages readahead covered but that are gone again (evicted, invalidated, failed) are read on demand.
 *
 * @param <T> the future's value type
 */
public abstract class CachedRead<T> extends CompletableFuture<T> implements Runnable {

    private static final int PAGE = PageFrames.PAGE_SIZE;

    private final CacheHandle handle;
    private final PageCache cache;
    private final MemorySegment dst;
    private final MemorySegment[] dsts;
    private final long position;
    private final long length;
    private final boolean nowait;
    /** Bytes copied so far. */
    private long done;
    /** Highest page index already shown to the readahead logic by this request. */
    private long raSeen = -1;
    /** The page the request waits for, and its index (a page that had to be waited for is a miss). */
    private CachedPage waitingOn;
    private long waitedFor = -1;
    /** Position in {@link #dsts}. */
    private int segment;
    private long segmentOffset;

    /**
     * @param dst the destination, or null when {@code dsts} is given
     * @param dsts destinations filled in order (a vectored read), or null
     * @param nowait RWF_NOWAIT: complete with what is cached instead of reading or waiting (EAGAIN if nothing)
     */
    protected CachedRead(CacheHandle handle, MemorySegment dst, MemorySegment[] dsts, long position, long length,
            boolean nowait) {
        this.handle = handle;
        this.cache = handle.file().cache();
        this.dst = dst;
        this.dsts = dsts;
        this.position = position;
        this.length = length;
        this.nowait = nowait;
    }

    /** Runs the first iteration on the calling thread. */
    public final void start() {
        FileCache f = handle.file();
        try {
            if (position + length > f.size()) {
                // The read reaches past the size the cache knows: the file may have grown elsewhere.
                long s = FileStat.size(handle.directFd());
                if (s >= 0) {
                    f.setSize(s);
                }
            }
        } catch (Throwable t) {
            end(t);
            return;
        }
        iterate(false);
    }

    /** A retry: a wakeup of the page it waited for, or of a freed frame. */
    @Override
    public final void run() {
        cache.countRetry();
        iterate(true);
    }

    /**
     * The read ended: {@code result} is the byte count, or -errno when it failed before copying a
     * byte. Called exactly once, instead of {@link #failed}; must not throw.
     */
    protected abstract void finished(long result);

    /** The read failed with an exception (the destination memory was freed, say). Must not throw. */
    protected abstract void failed(Throwable cause);

    private void iterate(boolean retry) {
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
                Readahead ra = handle.readahead();
                if (ra.pageAtATime() && index > raSeen) {
                    raSeen = index;
                    ra.pageReached(handle, index);
                }
                CachedPage p = f.lookupRetained(index);
                if (p == null) {
                    if (nowait) {
                        endWith(done > 0 ? done : -Errno.EAGAIN);
                        return;
                    }
                    if (!ra.pageAtATime() && index > raSeen) {
                        raSeen = Math.max(index, ra.missed(handle, index, lastIndex));
                        p = f.lookupRetained(index);
                    }
                    if (p == null) {
                        long seen = cache.frameEvents();
                        CachedPage[] started = new CachedPage[1];
                        f.startRead(handle, index, ra.demandPages(index, lastIndex), -1, false, started);
                        // The page this call started, even if its read already failed and left the
                        // tree: waiting on it (not looking it up again) sees that outcome.
                        p = started[0] != null ? started[0] : f.lookupRetained(index);
                        if (p == null) {
                            if (f.size() <= pos) {
                                end = Math.min(end, f.size());
                                continue; // the file shrank under the read
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
                int s = p.state().get();
                if ((s & PageState.READAHEAD) != 0 && !ra.pageAtATime()
                        && (p.state().clear(PageState.READAHEAD) & PageState.READAHEAD) != 0) {
                    ra.markerReached(handle, index, lastIndex);
                }
                if ((s & PageState.UPTODATE) != 0) {
                    try {
                        int inPage = (int) (pos % PAGE);
                        int n = (int) Math.min(PAGE - inPage, end - pos);
                        copyOut(cache.frames().frame(p.frame()), inPage, n);
                        done += n;
                        progressed = true;
                    } finally {
                        if (p.release()) {
                            cache.freeFrame(p);
                        }
                    }
                    if (waitedFor == index) {
                        waitedFor = -1;
                    } else {
                        cache.countHit();
                    }
                    continue;
                }
                if (p.release()) {
                    cache.freeFrame(p);
                }
                if ((s & PageState.LOCKED) == 0) {
                    if ((s & PageState.ERROR) != 0) {
                        endWith(done > 0 ? done : -p.errno);
                        return;
                    }
                    continue; // stale and dropped: look it up again
                }
                if (nowait) {
                    endWith(done > 0 ? done : -Errno.EAGAIN);
                    return;
                }
                if (waitedFor != index) {
                    waitedFor = index;
                    cache.countMiss();
                }
                waitingOn = p;
                boolean idle = retry && !progressed;
                if (p.state().retryWhenUnlocked(this)) {
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
        int s = p.state().get();
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
        if (done > 0) {
            handle.readahead().readEnded(position + done);
        }
        finished(result);
    }

    private void end(Throwable t) {
        failed(t);
    }

    @Override
    public String toString() {
        return "CachedRead[" + position + "+" + length + ", done " + done + "]";
    }
}
