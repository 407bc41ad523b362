package dev.jaio.internal.file;

/**
 * The future of a request that a {@linkplain dev.jaio.FastPaths fast path} served whole on the
 * calling thread: completed before the caller gets it, so the kernel and jaio's cache are done
 * with the request's memory. Like the futures of requests that went to the engine, it cannot be
 * completed or overwritten by the caller; {@code cancel}, {@code orTimeout} and
 * {@code completeOnTimeout} change nothing of a done future.
 */
final class DoneFuture<T> extends JaioFuture<T> {

    private final OpenFile file;
    private final String op;
    private final long position;
    private final long length;

    DoneFuture(OpenFile file, String op, long position, long length, T value) {
        this.file = file;
        this.op = op;
        this.position = position;
        this.length = length;
        settle(value, null);
    }

    @Override
    String describe() {
        return Requests.describe(op, file.path(), position, length);
    }
}
