package dev.jaio;

import java.nio.ByteBuffer;

/**
 * How a request of a {@link FileOption#CACHED} {@link AsyncFile} ends, whichever of the cache's
 * continuations runs it ({@link CachedFileRead}, {@link CachedFileWrite}): the caller's jaio
 * buffers stay pinned until then (a retry copies long after the call returned), and the future
 * gets the count, or a failure naming the operation, path, offset and errno.
 */
final class CachedRequestEnd {

    private final AsyncFile file;
    private final String op;
    private final long position;
    private final long length;
    private final int resultKind;
    private IoBuffer[] pins;
    private ByteBuffer advance;

    /**
     * @param position the request's offset (-1 for a sync of the whole file)
     * @param length its length (-1 for a sync)
     * @param pins the jaio buffers pinned for it, or null
     * @param advance a ByteBuffer whose position moves by the count, or null
     */
    CachedRequestEnd(AsyncFile file, String op, long position, long length, int resultKind, IoBuffer[] pins,
            ByteBuffer advance) {
        this.file = file;
        this.op = op;
        this.position = position;
        this.length = length;
        this.resultKind = resultKind;
        this.pins = pins;
        this.advance = advance;
    }

    /** Ends {@code future} with the cache's {@code result} (a count, or -errno). */
    void finish(Requests.Future future, long result) {
        finish(future, result, -1, 0);
    }

    /**
     * As {@link #finish(Requests.Future, long)}; a sync that failed because a page's writeback
     * did names that page's offset ({@code writebackOffset}, -1 if none) in its exception, and a
     * write that failed after writing {@code transferred} bytes says so.
     */
    void finish(Requests.Future future, long result, long writebackOffset, long transferred) {
        ByteBuffer a = advance;
        release();
        boolean atPage = result < 0 && position < 0 && writebackOffset >= 0;
        FileOp.settleCached(future, file, op, atPage ? writebackOffset : position, atPage ? -1 : length, resultKind,
                result, a, transferred);
    }

    /** Ends {@code future} with {@code cause}, which names the request. */
    void fail(Requests.Future future, Throwable cause) {
        release();
        FileOp.settle(future, file, null, Requests.named(describe(), cause));
    }

    /** The request as messages name it. */
    String describe() {
        return Requests.describe(op, file.path(), position, length);
    }

    private void release() {
        AsyncFile.unpinAll(pins);
        pins = null;
        advance = null;
    }
}
