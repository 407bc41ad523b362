package dev.jaio.internal.cache;

/**
 * A request of jaio's page cache run as the paper's retry-based continuation (§2.2): each
 * iteration goes as far as it can without blocking and, where it must wait (a page's read or
 * writeback, a free frame, dirty memory over the limit, the write gate), queues itself and returns.
 * A wakeup makes the retry due; its {@link RequestOwner} decides where it runs.
 */
public sealed interface CachedRequest extends Runnable permits CachedRead, CachedWrite, RangeSync {

    /** Runs the first iteration on the calling thread. */
    void start();

    /** Runs a due retry on the calling thread. */
    void retryNow();
}
