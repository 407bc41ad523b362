package dev.jaio.internal.cache;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Frame allocation and reclaim (the kernel's mm/vmscan.c over jaio's fixed budget): a page gets a
 * free frame of {@link PageFrames}, or, when none is free, the frame of a clean idle page the
 * {@link ClockEvictor} chooses and its file gives up ({@link Filemap#detach}); a request that finds
 * every page busy waits, as a queued retry, for a frame event (a frame freed, a page left idle).
 *
 * <p>Locking: {@link #frameLock} guards allocation, eviction and the clock. It may be taken under a
 * file's lock (to give a new page its frame); eviction, which holds it, only ever tryLocks a file,
 * so the two cannot deadlock. Frames are returned and frame waiters run never under a file's lock
 * ({@link #release}), and waiters never under the frame lock.
 */
final class PageReclaim {

    private final PageFrames frames;
    private final ClockEvictor clock;
    private final CacheCounters counters;
    /** Takes an idle page out of its file's tree ({@link Filemap#detach}); false when it is busy after all. */
    private final Predicate<CachedPage> detach;
    /** Wakes the flusher (the kernel's wakeup_flusher_threads from reclaim). */
    private final Runnable wakeFlusher;
    /** Guards frame allocation, eviction and the clock. */
    private final ReentrantLock frameLock = new ReentrantLock();
    /** Requests waiting for a frame to free up, and the count of frame events so none is missed. */
    private final ConcurrentLinkedQueue<Runnable> frameWaiters = new ConcurrentLinkedQueue<>();
    /**
     * Frame events so far: frees, and pages left idle. A LongAdder because a request counts one
     * each time it lets go of a page it copied (see {@link #release(CachedPage)}); only the sum's
     * change matters, and a sum read after an increment completed includes it.
     */
    private final LongAdder frameEvents = new LongAdder();
    private final ThreadLocal<FrameDrain> frameDrain = ThreadLocal.withInitial(FrameDrain::new);

    /**
     * @param detach takes a page the clock chose out of its file (called under the frame lock)
     * @param wakeFlusher makes the flusher write dirty pages back now
     */
    PageReclaim(PageFrames frames, CacheCounters counters, Predicate<CachedPage> detach, Runnable wakeFlusher) {
        this.frames = frames;
        this.clock = new ClockEvictor(frames.capacity());
        this.counters = counters;
        this.detach = detach;
        this.wakeFlusher = wakeFlusher;
    }

    /** A free frame, evicting an idle page when none is free; -1 when every page is busy. */
    int allocateFrame() {
        frameLock.lock();
        try {
            int f = frames.allocate();
            if (f < 0) {
                f = clock.evict(detach);
                if (f >= 0) {
                    counters.evictions.increment();
                }
            }
            return f;
        } finally {
            frameLock.unlock();
        }
    }

    /** {@code page} now holds the frame {@link #allocateFrame()} gave it: the clock sweeps it from now on. */
    void placed(CachedPage page) {
        frameLock.lock();
        try {
            clock.placed(page);
        } finally {
            frameLock.unlock();
        }
    }

    /** {@link #placed(CachedPage[], int)} for the pages marked in {@code which}. */
    void placed(CachedPage[] pages, boolean[] which, int n) {
        frameLock.lock();
        try {
            for (int i = 0; i < n; i++) {
                if (which[i]) {
                    clock.placed(pages[i]);
                }
            }
        } finally {
            frameLock.unlock();
        }
    }

    /** {@link #placed(CachedPage)} for the first {@code n} of {@code pages}, under one hold of the lock. */
    void placed(CachedPage[] pages, int n) {
        frameLock.lock();
        try {
            for (int i = 0; i < n; i++) {
                clock.placed(pages[i]);
            }
        } finally {
            frameLock.unlock();
        }
    }

    /** Returns the frame of a page whose last reference is gone. Never called under a file lock. */
    void freeFrame(CachedPage page) {
        frameLock.lock();
        try {
            clock.removed(page);
            frames.release(page.frame());
        } finally {
            frameLock.unlock();
        }
    }

    /**
     * Drops a reference a request (or the cache's own bookkeeping) held on {@code page}. The last
     * one returns the frame; one that leaves the page to its tree alone makes it evictable (if it
     * is clean and unlocked). Either may be what a request waiting for a frame waits for, so both
     * are frame events: a request that found every page held must not wait for good once their
     * holders let go of them. Never called under a file lock.
     */
    void release(CachedPage page) {
        int left = page.releaseAndCount();
        if (left == 0) {
            freeFrame(page);
        }
        if (left <= 1) {
            framesMayBeFree();
        }
    }

    /**
     * A frame was freed or a page became idle: retries waiting for a frame may go on. Counts the
     * event whether or not anyone waits (a request about to wait compares the count afterwards,
     * see {@link #retryWhenFramesFree}), and runs the waiters queued now, on this thread.
     */
    void framesMayBeFree() {
        frameEvents.increment();
        if (frameWaiters.isEmpty()) {
            return;
        }
        FrameDrain d = frameDrain.get();
        if (d.running) {
            // A waiter this thread runs let go of a page (or queued itself again after an event):
            // the running drain takes another turn instead of this call recursing into it.
            d.again = true;
            return;
        }
        d.running = true;
        try {
            do {
                d.again = false;
                // Only those queued now: a retry that still finds no frame queues itself again for
                // the next event.
                for (int n = frameWaiters.size(); n > 0; n--) {
                    Runnable r = frameWaiters.poll();
                    if (r == null) {
                        break;
                    }
                    r.run();
                }
            } while (d.again && !frameWaiters.isEmpty());
        } finally {
            d.running = false;
        }
    }

    /** A number that changes with every {@link #framesMayBeFree()}: read it before trying to allocate. */
    long frameEvents() {
        return frameEvents.sum();
    }

    /**
     * Runs {@code retry} once a frame may be free, or now if one may have freed since {@code seen}.
     * No event is missed: an event counts before it looks for waiters, and a waiter queues before
     * it compares the count, so either the event sees the waiter or the waiter sees the count move.
     * Pages the waiter itself let go of through {@link #release} after reading {@code seen} count
     * too, and would make it retry at once, again and again: a request lets go of what it holds
     * before it reads the count (a read holds nothing here; a write's references do not go
     * through {@link #release}).
     */
    void retryWhenFramesFree(Runnable retry, long seen) {
        counters.frameWaits.increment();
        frameWaiters.add(retry);
        if (counters.dirtyPages.get() > 0) {
            wakeFlusher.run(); // dirty pages may be all that is not busy: the cleaner writes them now
        }
        if (frameEvents.sum() != seen) {
            framesMayBeFree();
        }
    }

    /**
     * Whether requests wait for a frame: memory pressure, for which the flusher writes dirty pages
     * back whatever their number or age (a dirty page can never be evicted).
     */
    boolean framesWanted() {
        return !frameWaiters.isEmpty();
    }

    /** Per thread: whether it is running frame waiters now, and whether an event came meanwhile. */
    private static final class FrameDrain {
        boolean running;
        boolean again;
    }
}
