package dev.jaio.internal.cache;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** One device read of a run of contiguous pages, through the handle's O_DIRECT descriptor. */
final class PageReadOp extends IoOp<Void> {

    private final FileCache file;
    private final CacheHandle handle;
    private final CachedPage[] run;

    PageReadOp(FileCache file, CacheHandle handle, CachedPage[] run, MemorySegment single, MemorySegment[] frames) {
        super(single != null ? READ : READV, handle.directFd(), single, frames,
                run[0].index() * PageFrames.PAGE_SIZE, 0);
        this.file = file;
        this.handle = handle;
        this.run = run;
    }

    @Override
    protected void onResult(long result) {
        try {
            file.readDone(handle, run, result);
        } finally {
            handle.releaseOp();
        }
    }

    @Override
    protected void onRejected(IOException cause) {
        // The engine is closing: the pages never get their bytes. Waiters fail as on an I/O error.
        onResult(-Errno.ECANCELED);
    }
}
