package dev.jaio.internal.file;

import dev.jaio.internal.engine.EventLoop;

import dev.jaio.internal.cache.PageCache;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * Back-pressure of an engine's queue: at most {@code queueDepth} requests of {@code AsyncFile}
 * callers are in the engine at once (queued for or in the kernel); a caller past that waits in
 * its call until one completes, instead of its request joining an unbounded queue inside the
 * engine that it cannot see. Callers on the engine's completion thread (a callback starting more
 * I/O) never wait, since only that thread completes requests; nor does the thread of any other
 * jaio loop (a §9 loop reading a file homed on another loop's engine: two loops waiting for each
 * other's places would deadlock); and neither do callbacks run inline
 * inside a step of a cached request on any other thread (a page-unlock wakeup, a frame drain, the
 * cleaner): the step holds pages that requests with places may be waiting for. Theirs go over the
 * bound. The page I/O of jaio's cache is not counted: it is bounded by the cache.
 *
 * <p>The wait is uninterruptible (a request that was not made cannot be half made), parks a
 * virtual thread without pinning its carrier, and is counted ({@link #waits()}).
 */
public final class Admission {

    private final Semaphore places;
    private final LongAdder waits = new LongAdder();

    public Admission(int queueDepth) {
        this.places = new Semaphore(queueDepth);
    }

    /**
     * Takes a place for a request of the calling thread, waiting for one when all are taken;
     * false (no place taken, no wait) on the completion thread, whose requests are not counted.
     */
    boolean enter(FileEngine engine) {
        if (engine.inCompletionThread() || EventLoop.onLoopThread() || PageCache.inRequestStep()) {
            return false;
        }
        if (!places.tryAcquire()) {
            waits.increment();
            places.acquireUninterruptibly();
        }
        return true;
    }

    /** Gives back the place of a request that {@link #enter} admitted, when it ends. */
    void leave() {
        places.release();
    }

    /** Times a caller had to wait for a place. */
    public long waits() {
        return waits.sum();
    }

    /** Places free now. */
    public int available() {
        return places.availablePermits();
    }
}
