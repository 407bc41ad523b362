package dev.jaio.internal.file;

import dev.jaio.internal.cache.RequestOwner;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The future of a request of a CACHED file (a read, a write, an fsync), and the owner its cache
 * request ({@code CachedRead}, {@code CachedWrite}, {@code RangeSync}) reports to: the caller's
 * jaio buffers stay pinned until then (a retry copies long after the call returned), and the
 * future gets the count, or a failure naming the operation, path, offset and errno. Only the cache
 * completes it.
 */
final class CachedFuture<T> extends JaioFuture<T> implements RequestOwner {

    private final OpenFile file;
    private final String op;
    /** The request's offset, or -1 for a sync of the whole file. */
    private final long position;
    /** Its length, or -1 for a sync. */
    private final long length;
    private final ResultKind kind;
    /** The jaio buffers pinned for it, or null. */
    private PinnedMemory[] pins;
    /** A ByteBuffer whose position moves by the count, or null. */
    private ByteBuffer advance;

    CachedFuture(OpenFile file, String op, long position, long length, ResultKind kind, PinnedMemory[] pins,
            ByteBuffer advance) {
        this.file = file;
        this.op = op;
        this.position = position;
        this.length = length;
        this.kind = kind;
        this.pins = pins;
        this.advance = advance;
    }

    /**
     * The cache ended the request with {@code result}, a count or -errno; a sync that failed
     * because a page's writeback did names that page's offset, and a write that failed after
     * writing {@code transferred} bytes says so.
     */
    @Override
    public void finished(long result, long errorOffset, long transferred) {
        ByteBuffer a = advance;
        release();
        boolean atPage = result < 0 && position < 0 && errorOffset >= 0;
        long offset = atPage ? errorOffset : position;
        long len = atPage ? -1 : length;
        Object value = null;
        Throwable failure = null;
        try {
            if (result < 0) {
                failure = Failures.of(op, file.path(), offset, len, (int) -result, transferred);
            } else {
                if (a != null) {
                    a.position(a.position() + (int) result);
                }
                value = kind.value(result, position);
            }
        } catch (RuntimeException e) {
            failure = Requests.named(Requests.describe(op, file.path(), offset, len), e);
        }
        FileOp.settle(this, file, value, failure);
    }

    @Override
    public void failed(Throwable cause) {
        release();
        FileOp.settle(this, file, null, Requests.named(describe(), cause));
    }

    @Override
    String describe() {
        return Requests.describe(op, file.path(), position, length);
    }

    private void release() {
        PinnedMemory.unpinAll(pins);
        pins = null;
        advance = null;
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
    public CompletableFuture<T> orTimeout(long timeout, TimeUnit unit) {
        return this;
    }

    /** Has no effect: a cached request cannot be stopped (see {@link #cancel}); it completes with its result. */
    @Override
    public CompletableFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
        return this;
    }
}
