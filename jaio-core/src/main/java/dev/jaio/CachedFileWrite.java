package dev.jaio;

import dev.jaio.internal.cache.CacheHandle;
import dev.jaio.internal.cache.CachedWrite;
import java.lang.foreign.MemorySegment;

/**
 * A write, fsync or fdatasync of a {@link FileOption#CACHED} {@link AsyncFile}: the cache's
 * retrying write, and the future its caller gets; {@link CachedRequestEnd} ends it.
 */
final class CachedFileWrite<T> extends CachedWrite<T> {

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
        end.finish(this, result, writebackErrorOffset());
    }

    @Override
    protected void failed(Throwable cause) {
        end.fail(this, cause);
    }
}
