package dev.jaio.internal.cache;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * One device read of a run of contiguous pages, through the handle's O_DIRECT descriptor. It runs
 * on the engine's event loop, or, when a batch context takes it ({@link DeviceReadSink}), in that
 * context's own queue.
 */
public final class PageReadOp extends IoOp<Void> {

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

    /** The descriptor to read from. */
    public int fd() {
        return fd;
    }

    /** The file offset of the first page. */
    public long offset() {
        return offset;
    }

    /** The frame of a one-page run, else null. */
    public MemorySegment frame() {
        return buffer;
    }

    /** The frames of a run of several pages, else null. */
    public MemorySegment[] frames() {
        return buffers;
    }

    /** The read goes to the engine after all (the context had no room): anyone may wait for it. */
    void toEngine() {
        for (CachedPage p : run) {
            p.readOwner = null;
        }
    }

    /** Ends the read with the kernel's result (bytes, or -errno); for a {@link DeviceReadSink}. */
    public void complete(long result) {
        onResult(result);
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
