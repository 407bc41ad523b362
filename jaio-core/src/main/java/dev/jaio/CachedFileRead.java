package dev.jaio;

import dev.jaio.internal.cache.CacheHandle;
import dev.jaio.internal.cache.CachedRead;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A read of a {@link FileOption#CACHED} {@link AsyncFile}: the cache's retrying read, and the
 * future its caller gets. It pins the caller's jaio buffers until it ends, since a retry copies into
 * them long after {@code read} returned.
 */
final class CachedFileRead<T> extends CachedRead<T> {

    private final AsyncFile file;
    private final String op;
    private final long position;
    private final long length;
    private final int resultKind;
    private IoBuffer[] pins;
    private ByteBuffer advance;

    CachedFileRead(AsyncFile file, CacheHandle handle, String op, MemorySegment dst, MemorySegment[] dsts,
            long position, long length, boolean nowait, int resultKind, IoBuffer[] pins, ByteBuffer advance) {
        super(handle, dst, dsts, position, length, nowait);
        this.file = file;
        this.op = op;
        this.position = position;
        this.length = length;
        this.resultKind = resultKind;
        this.pins = pins;
        this.advance = advance;
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
