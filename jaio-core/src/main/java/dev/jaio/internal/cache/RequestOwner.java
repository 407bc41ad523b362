package dev.jaio.internal.cache;

/**
 * Who a cached request ({@link CachedRead}, {@link CachedWrite}, {@link RangeSync}) reports to:
 * the future of an {@code AsyncFile} request, a slot of a batch context, or the cache itself
 * (the writeback a direct request needs first). The request calls exactly one of
 * {@link #finished} and {@link #failed}, once, and never touches the owner afterwards.
 */
public interface RequestOwner {

    /**
     * The request ended.
     *
     * @param result the byte count (0 for a sync), or -errno
     * @param errorOffset for a request that failed with a writeback error, the file offset of the
     *     device write that failed; else -1
     * @param transferred for a write that failed, the bytes it wrote before the failure (they stay
     *     written); else 0
     */
    void finished(long result, long errorOffset, long transferred);

    /** The request failed with an exception (its memory was freed, say). Must not throw. */
    void failed(Throwable cause);

    /**
     * A retry of {@code request} is due: run it now on the waking thread (the default: the
     * engine's completion thread, or whichever thread freed a frame, unlocked a page or opened the
     * write gate), or later on a thread of the owner's choice through {@link CachedRequest#retryNow()}.
     * A batch context runs its requests' retries on its own thread, in getEvents, as the kernel ran
     * AIO retries in the submitter's context.
     */
    default void retryDue(CachedRequest request) {
        request.retryNow();
    }

    /**
     * The device queue of the batch context this request belongs to, or null: pages whose reads
     * that context's own queue carries are waited for; those of another context are read around
     * (only that context's thread reaps them).
     */
    default DeviceIoSink deviceQueue() {
        return null;
    }
}
