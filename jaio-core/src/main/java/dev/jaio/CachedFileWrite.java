package dev.jaio;

import dev.jaio.internal.cache.CacheHandle;
import dev.jaio.internal.cache.CachedWrite;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A write, fsync or fdatasync of a {@link FileOption#CACHED} {@link AsyncFile}: the cache's
 * retrying write, and the future its caller gets. It pins the caller's jaio buffers until it ends,
 * since a retry may copy from them long after {@code write} returned.
 */
final class CachedFileWrite<T> extends CachedWrite<T> {

    private final AsyncFile file;
    private final String op;
    private final long position;
    private final long length;
    private final int resultKind;
    private IoBuffer[] pins;
    private ByteBuffer advance;

    CachedFileWrite(AsyncFile file, CacheHandle handle, String op, MemorySegment src, MemorySegment[] srcs,
            long position, long length, int syncFlags, int resultKind, IoBuffer[] pins, ByteBuffer advance) {
        super(handle, src, srcs, position, length, syncFlags);
        this.file = file;
        this.op = op;
        this.position = position;
        this.length = length;
        this.resultKind = resultKind;
        this.pins = pins;
        this.advance = advance;
    }

    /** An fsync or fdatasync ({@code dataOnly}) of the whole file. */
    CachedFileWrite(AsyncFile file, CacheHandle handle, String op, boolean dataOnly) {
        super(handle, dataOnly);
        this.file = file;
        this.op = op;
        this.position = -1;
        this.length = -1;
        this.resultKind = FileOp.RESULT_VOID;
    }

    @Override
    protected void finished(long result) {
        ByteBuffer a = advance;
        release();
        FileOp.settleCached(this, file, op, position, length, resultKind, result, a);
    }

    @Override
    protected void failed(Throwable cause) {
        release();
        FileOp.settle(this, file, null, cause);
    }

    private void release() {
        AsyncFile.unpinAll(pins);
        pins = null;
        advance = null;
    }
}
