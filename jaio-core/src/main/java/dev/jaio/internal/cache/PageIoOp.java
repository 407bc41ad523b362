package dev.jaio.internal.cache;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * One device read or write of a run of pages with adjacent indices, through one of the handle's
 * descriptors. It runs on the engine's event loop, or, when a batch context takes it
 * ({@link DeviceIoSink}), in that context's own queue.
 */
public abstract sealed class PageIoOp extends IoOp<Void> permits PageReadOp, PageWriteOp {

    final FileCache file;
    final CacheHandle handle;
    final CachedPage[] run;

    PageIoOp(int opcode, int fd, MemorySegment single, MemorySegment[] frames, long offset, int rwFlags,
            FileCache file, CacheHandle handle, CachedPage[] run) {
        super(opcode, fd, single, frames, offset, rwFlags);
        this.file = file;
        this.handle = handle;
        this.run = run;
    }

    /** Whether this is I/O of {@code file}'s pages and touches one of [first, last]. */
    public final boolean covers(FileCache file, long first, long last) {
        return file == this.file && run[0].index() <= last && run[run.length - 1].index() >= first;
    }

    /** Whether it writes pages out (else it reads them in). */
    public final boolean isWrite() {
        return opcode == WRITE || opcode == WRITEV;
    }

    /** The descriptor. */
    public final int fd() {
        return fd;
    }

    /** The file offset of the first page. */
    public final long offset() {
        return offset;
    }

    /** The kernel's RWF_* flags of the request (RWF_DSYNC for a synchronized write). */
    public final int rwFlags() {
        return rwFlags;
    }

    /** The memory of a run in one buffer (one page, or frames next to each other), else null. */
    public final MemorySegment frame() {
        return buffer;
    }

    /** The frames of a run in several buffers, else null. */
    public final MemorySegment[] frames() {
        return buffers;
    }

    /** The op goes to the engine after all (the context had no room). */
    void toEngine() {
    }

    /**
     * The {@link DeviceIoSink} that took this op closes before the op reached the kernel: it goes to
     * the engine after all, since requests of other threads may be waiting for its pages.
     */
    public final void resubmitToEngine() {
        toEngine();
        file.cache().execute(this);
    }

    /** Ends the I/O with the kernel's result (bytes, or -errno); for a {@link DeviceIoSink}. */
    public final void complete(long result) {
        onResult(result);
    }

    @Override
    protected final void onResult(long result) {
        try {
            done(result);
        } finally {
            handle.releaseOp();
        }
    }

    /** The kernel's result: bytes, or -errno. */
    abstract void done(long result);

    @Override
    protected final void onRejected(IOException cause) {
        // The engine is closing: the I/O never happens. Waiters see it fail as on an I/O error.
        onResult(-Errno.ECANCELED);
    }

    /**
     * The memory of a run of pages as one buffer: its frame, or its frames when they are next to
     * each other (the clock evicts in frame order, so a run's frames usually are: one plain read or
     * write, which the device does faster than a vector of pages); null when they are scattered.
     */
    static MemorySegment oneBuffer(PageFrames frames, CachedPage[] run) {
        if (run.length == 1) {
            return frames.frame(run[0].frame());
        }
        return contiguousFrames(run) ? frames.span(run[0].frame(), run.length) : null;
    }

    /** The frames of a run of pages, for a vectored read or write. */
    static MemorySegment[] frameArray(PageFrames frames, CachedPage[] run) {
        MemorySegment[] segments = new MemorySegment[run.length];
        for (int i = 0; i < run.length; i++) {
            segments[i] = frames.frame(run[i].frame());
        }
        return segments;
    }

    private static boolean contiguousFrames(CachedPage[] run) {
        int f = run[0].frame();
        for (int i = 1; i < run.length; i++) {
            if (run[i].frame() != f + i) {
                return false;
            }
        }
        return true;
    }
}
