package dev.jaio.internal.cache;

import java.lang.foreign.MemorySegment;

/** A device read of a run of missing pages through the handle's O_DIRECT descriptor. */
public final class PageReadOp extends PageIoOp {

    PageReadOp(FileCache file, CacheHandle handle, CachedPage[] run, MemorySegment single, MemorySegment[] frames) {
        super(single != null ? READ : READV, handle.directFd(), single, frames, run[0].index() * PageFrames.PAGE_SIZE,
                0, file, handle, run);
    }

    /** Anyone may wait for the pages now: the read goes to the engine, not to a context's queue. */
    @Override
    void toEngine() {
        for (CachedPage p : run) {
            p.readOwner = null;
        }
    }

    @Override
    void done(long result) {
        file.filemap.readDone(handle, run, result);
    }
}
