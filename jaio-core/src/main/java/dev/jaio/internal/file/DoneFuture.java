package dev.jaio.internal.file;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The future of a request that a {@linkplain dev.jaio.FastPaths fast path} served whole on the
 * calling thread: completed before the caller gets it, so the kernel and jaio's cache are done
 * with the request's memory. Like the futures of requests that went to the engine, it cannot be
 * completed or overwritten by the caller ({@code obtrude*} and {@code complete*} are refused);
 * {@code cancel}, {@code orTimeout} and {@code completeOnTimeout} change nothing of a done future.
 */
final class DoneFuture<T> extends CompletableFuture<T> {

    private final OpenFile file;
    private final String op;
    private final long position;
    private final long length;

    DoneFuture(OpenFile file, String op, long position, long length, T value) {
        this.file = file;
        this.op = op;
        this.position = position;
        this.length = length;
        super.complete(value);
    }

    private String describe() {
        return Requests.describe(op, file.path(), position, length);
    }

    @Override
    public boolean complete(T value) {
        throw Requests.refused(describe(), "complete");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw Requests.refused(describe(), "completeExceptionally");
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        throw Requests.refused(describe(), "completeAsync");
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        throw Requests.refused(describe(), "completeAsync");
    }

    @Override
    public void obtrudeValue(T value) {
        throw Requests.refused(describe(), "obtrudeValue");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw Requests.refused(describe(), "obtrudeException");
    }
}
