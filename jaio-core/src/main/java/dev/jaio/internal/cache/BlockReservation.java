package dev.jaio.internal.cache;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Falloc;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Rlimit;
import dev.jaio.internal.linux.Seek;

/**
 * The admission of a file's cached writes (the file system's side of a buffered write:
 * generic_write_checks, and the block reservation of its write_begin): RLIMIT_FSIZE, and disk
 * blocks reserved with {@code fallocate(FALLOC_FL_KEEP_SIZE)} before a byte is copied, so that a
 * full disk fails the write, not its writeback later. Also the probe that finds a file system
 * that cannot reserve blocks, whose writes then go through the kernel.
 *
 * <p>What is known to be reserved is guarded by the file's {@link FileCache#sizeLock}; the system
 * calls run outside it, on the writing thread.
 */
final class BlockReservation {

    private static final int PAGE = PageFrames.PAGE_SIZE;
    /** How far past its end a write that extends the file reserves (one fallocate per this many appended bytes). */
    private static final long RESERVE_AHEAD = 256 << 10;
    /** The largest file this process may write (RLIMIT_FSIZE), as last read. */
    private static volatile long fileSizeLimit = Long.MAX_VALUE;

    private final FileCache file;
    /**
     * Bytes [0, reservedEnd) have disk blocks (allocated, or reserved by {@link #reserve}): a
     * write below it cannot meet ENOSPC at writeback. -1 until the first reservation looks
     * (SEEK_HOLE). Guarded by {@link FileCache#sizeLock}.
     */
    private long reservedEnd = -1;
    /**
     * The last range reserved past a hole (a sparse file's writes past {@link #reservedEnd}):
     * [reservedFrom, reservedTo); guarded by {@link FileCache#sizeLock}.
     */
    private long reservedFrom;
    private long reservedTo;
    /**
     * The file system cannot reserve blocks (fallocate says EOPNOTSUPP): writes of CACHED handles go
     * through the kernel ({@link #writesThroughKernel}); one admitted before that was known (or on
     * a file system that refuses only some ranges) is written back before it completes.
     */
    private volatile boolean noReserve;
    /** Whether {@link #noReserve} is known ({@link #writesThroughKernel}). */
    private volatile boolean reserveProbed;

    BlockReservation(FileCache file) {
        this.file = file;
    }

    /**
     * Admits a cached write of {@code [pos, pos + len)} before a byte of it is copied, as the
     * kernel's buffered write does (generic_write_checks, then block reservation in write_begin):
     * a write at or past the process's RLIMIT_FSIZE fails with EFBIG (one that crosses it is cut
     * there), and the disk blocks of pages the write extends the file into or fills a hole with are
     * reserved with {@code fallocate(FALLOC_FL_KEEP_SIZE)}, so that ENOSPC, EDQUOT or EFBIG (past
     * the file system's largest file) fail the write now, not its writeback later. Bytes known to
     * have blocks ({@link #reservedEnd}, or the last range reserved past a hole) need no call, and a
     * write that extends the file reserves {@link #RESERVE_AHEAD} past its end (blocks past EOF, as
     * ext4 and XFS preallocate; just its own pages when that much does not fit), so an append
     * stream calls fallocate (and getrlimit) once per 256 KiB. Synchronous, on the calling thread.
     *
     * @return the bytes admitted ({@code len}, or fewer up to RLIMIT_FSIZE), or {@code -errno}
     */
    long reserve(CacheHandle h, long pos, long len) {
        long end = pos + len;
        long known;
        synchronized (file.sizeLock) {
            known = reservedEnd;
            if (end <= fileSizeLimit && (end <= known || (pos >= reservedFrom && end <= reservedTo))) {
                return len;
            }
        }
        long limit = Libc.getrlimitCurrent(Rlimit.RLIMIT_FSIZE);
        fileSizeLimit = limit < 0 ? Long.MAX_VALUE : limit;
        if (pos >= fileSizeLimit) {
            return -Errno.EFBIG;
        }
        if (end > fileSizeLimit) {
            end = fileSizeLimit;
            len = end - pos;
        }
        if (known < 0) {
            // Every byte before the first hole has blocks (the end of the file counts as a hole).
            long hole = Libc.lseek(h.bufferedFd(), 0, Seek.SEEK_HOLE);
            synchronized (file.sizeLock) {
                if (reservedEnd < 0) {
                    reservedEnd = hole > 0 ? hole / PAGE * PAGE : 0;
                }
                known = reservedEnd;
            }
        }
        if (end <= known || noReserve) {
            return len;
        }
        // Whole pages: writeback writes whole pages (but the one ending the file) with O_DIRECT.
        long from = pos / PAGE * PAGE;
        long to = (end + PAGE - 1) / PAGE * PAGE;
        // A write that extends the file reserves ahead (an append stream then calls fallocate once
        // per RESERVE_AHEAD bytes, not once per write); if that much does not fit, just its own.
        long ahead = end > file.size() ? (end + RESERVE_AHEAD - 1) / RESERVE_AHEAD * RESERVE_AHEAD : to;
        long rc = Libc.fallocate(h.bufferedFd(),
                Falloc.FALLOC_FL_KEEP_SIZE, from, ahead - from);
        if (rc < 0 && ahead > to && rc != -Errno.EOPNOTSUPP) {
            ahead = to;
            rc = Libc.fallocate(h.bufferedFd(),
                    Falloc.FALLOC_FL_KEEP_SIZE, from, to - from);
        }
        if (rc == -Errno.EOPNOTSUPP) {
            noReserve = true; // such writes are written through instead (see CachedWrite)
            return len;
        }
        if (rc < 0) {
            return rc;
        }
        synchronized (file.sizeLock) {
            if (from <= reservedEnd) {
                reservedEnd = Math.max(reservedEnd, ahead);
            } else if (from >= reservedFrom && from <= reservedTo) {
                reservedTo = Math.max(reservedTo, ahead);
            } else {
                reservedFrom = from;
                reservedTo = ahead;
            }
        }
        return len;
    }

    /**
     * The file was truncated to {@code newSize}: the truncate frees the blocks past it. Called
     * under {@link FileCache#sizeLock}.
     */
    void truncated(long newSize) {
        if (reservedEnd > newSize) {
            reservedEnd = newSize / PAGE * PAGE; // the truncate frees the blocks past it
        }
        reservedTo = Math.min(reservedTo, newSize / PAGE * PAGE);
    }

    /**
     * Whether this file system cannot reserve blocks: a cached write is then written back before it
     * completes, so that its errors reach its caller.
     */
    boolean writesThrough() {
        return noReserve;
    }

    /** Whether {@link #writesThroughKernel} has asked the file system already (it then makes no call). */
    boolean reserveProbed() {
        return reserveProbed;
    }

    /**
     * Whether writes of this file must go through the kernel's own buffered path instead of jaio's
     * cache: the file system cannot reserve blocks (fallocate says EOPNOTSUPP: ext2, ext3 without
     * extents, some FUSE and network file systems), so only the kernel's write can find out at write
     * time that a block does not fit, and say how many bytes did (a short write, then ENOSPC),
     * without leaving bytes of a failed write behind. Asked before the first write: it tries
     * {@code fallocate(FALLOC_FL_KEEP_SIZE)} once for the page at the file's end (the blocks a
     * first extending write reserves anyway).
     */
    boolean writesThroughKernel(CacheHandle h) {
        if (!reserveProbed) {
            long at = file.size() / PAGE * PAGE;
            if (Libc.fallocate(h.bufferedFd(), Falloc.FALLOC_FL_KEEP_SIZE, at, PAGE) == -Errno.EOPNOTSUPP) {
                noReserve = true;
            }
            reserveProbed = true; // any other answer (ENOSPC too) says the call is supported
        }
        return noReserve;
    }
}
