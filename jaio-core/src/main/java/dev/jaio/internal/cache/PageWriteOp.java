package dev.jaio.internal.cache;

import dev.jaio.internal.linux.Errno;
import java.lang.foreign.MemorySegment;

/**
 * A device write of a run of pages under writeback: through the handle's O_DIRECT descriptor, or,
 * for the page that holds the end of the file, through its own (a writable handle's buffered) descriptor with the exact
 * length (an O_DIRECT write of the whole page would make the file longer than it is).
 */
public final class PageWriteOp extends PageIoOp {

    private final long expected;

    PageWriteOp(FileCache file, CacheHandle handle, CachedPage[] run, int fd, MemorySegment single,
            MemorySegment[] frames, long length, int rwFlags) {
        super(single != null ? WRITE : WRITEV, fd, single, frames, run[0].index() * PageFrames.PAGE_SIZE, rwFlags,
                file, handle, run);
        this.expected = length;
    }

    @Override
    void done(long result) {
        // A short write is an error here (the pages are not all on disk): ENOSPC is the usual cause.
        file.writeback.writeDone(run, result < 0 ? result : result < expected ? -Errno.ENOSPC : result, rwFlags);
    }
}
