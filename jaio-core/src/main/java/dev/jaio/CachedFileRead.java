package dev.jaio;

import dev.jaio.internal.cache.CacheHandle;
import dev.jaio.internal.cache.CachedRead;
import java.lang.foreign.MemorySegment;

/**
 * A read of a {@link FileOption#CACHED} {@link AsyncFile}: the cache's retrying read, and the
 * future its caller gets; {@link CachedRequestEnd} ends it.
 */
final class CachedFileRead<T> extends CachedRead<T> {

    private final CachedRequestEnd end;

    CachedFileRead(CacheHandle handle, MemorySegment dst, MemorySegment[] dsts, long position, long length,
            boolean nowait, CachedRequestEnd end) {
        super(handle, dst, dsts, position, length, nowait);
        this.end = end;
    }

    @Override
    protected void finished(long result) {
        end.finish(this, result);
    }

    @Override
    protected void failed(Throwable cause) {
        end.fail(this, cause);
    }
}
