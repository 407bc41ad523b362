package dev.jaio;

import dev.jaio.internal.cache.CacheHandle;
import dev.jaio.internal.cache.CachedWrite;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * A write, fsync or fdatasync of a {@link FileOption#CACHED} {@link AsyncFile}: the cache's
 * retrying write, and the future its caller gets; {@link CachedRequestEnd} ends it.
 */
final class CachedFileWrite<T> extends CachedWrite<T> implements Requests.Future {

    private final CachedRequestEnd end;

    CachedFileWrite(CacheHandle handle, MemorySegment src, MemorySegment[] srcs, long position, long length,
            int syncFlags, CachedRequestEnd end) {
        super(handle, src, srcs, position, length, syncFlags);
        this.end = end;
    }

    /** An fsync or fdatasync ({@code dataOnly}) of the whole file. */
    CachedFileWrite(CacheHandle handle, boolean dataOnly, CachedRequestEnd end) {
        super(handle, dataOnly);
        this.end = end;
    }

    @Override
    protected void finished(long result) {
        end.finish(this, result, writebackErrorOffset(), transferredBeforeFailure());
    }

    @Override
    protected void failed(Throwable cause) {
        end.fail(this, cause);
    }

    // ---- the future, as the caller sees it: only the cache completes it ----

    /**
     * Does not stop the request: jaio's cache copies to or from the caller's memory until it ends,
     * which it does without waiting on anything but the device. Returns true only if it was
     * already cancelled; the future completes with the request's result.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return isCancelled();
    }

    /** Has no effect: a cached request cannot be stopped (see {@link #cancel}); it completes with its result. */
    @Override
    public CompletableFuture<T> orTimeout(long timeout, java.util.concurrent.TimeUnit unit) {
        return this;
    }

    /** Has no effect: a cached request cannot be stopped (see {@link #cancel}); it completes with its result. */
    @Override
    public CompletableFuture<T> completeOnTimeout(T value, long timeout, java.util.concurrent.TimeUnit unit) {
        return this;
    }

    @Override
    public boolean complete(T value) {
        throw Requests.refused(end.describe(), "complete");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw Requests.refused(end.describe(), "completeExceptionally");
    }

    @Override
    public CompletableFuture<T> completeAsync(java.util.function.Supplier<? extends T> supplier) {
        throw Requests.refused(end.describe(), "completeAsync");
    }

    @Override
    public CompletableFuture<T> completeAsync(java.util.function.Supplier<? extends T> supplier,
            java.util.concurrent.Executor executor) {
        throw Requests.refused(end.describe(), "completeAsync");
    }

    @Override
    public void obtrudeValue(T value) {
        throw Requests.refused(end.describe(), "obtrudeValue");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw Requests.refused(end.describe(), "obtrudeException");
    }

    @Override
    @SuppressWarnings("unchecked")
    public void settle(Object value, Throwable failure) {
        if (failure != null) {
            super.completeExceptionally(failure);
        } else {
            super.complete((T) value);
        }
    }
}
