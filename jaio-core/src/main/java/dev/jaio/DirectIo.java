package dev.jaio;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.ProcFs;
import dev.jaio.internal.linux.Statx;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** statx-based facts about files: O_DIRECT alignment, size, device. */
final class DirectIo {

    static final String SOURCE_STATX = "statx STATX_DIOALIGN";

    private DirectIo() {
    }

    /** The O_DIRECT alignment of an open file. */
    static DirectIoAlignment alignment(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Statx.STATX);
            long rc = Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH,
                    Statx.STATX_DIOALIGN | Statx.STATX_BASIC_STATS, buf);
            return rc < 0 ? new DirectIoAlignment(4096, 4096, "assumed 4096: statx failed with errno " + -rc)
                    : fromStatx(buf);
        }
    }

    /** The O_DIRECT alignment of a path, as statx reports it. */
    static DirectIoAlignment alignment(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = statx(arena, path);
            return fromStatx(buf);
        }
    }

    static MemorySegment statx(Arena arena, Path path) throws IOException {
        MemorySegment buf = arena.allocate(Statx.STATX);
        long rc = Libc.statx(Fcntl.AT_FDCWD, arena.allocateFrom(path.toAbsolutePath().toString()), 0,
                Statx.STATX_BASIC_STATS | Statx.STATX_MNT_ID | Statx.STATX_DIOALIGN, buf);
        if (rc < 0) {
            int errno = (int) -rc;
            if (errno == Errno.ENOENT) {
                throw new NoSuchFileException(path.toString(), null, Errno.describe(errno));
            }
            throw new IoOperationException("statx", path, -1, -1, errno, Errno.name(errno), Errno.describe(errno));
        }
        return buf;
    }

    private static DirectIoAlignment fromStatx(MemorySegment buf) {
        int mask = buf.get(JAVA_INT, Statx.STX_MASK);
        if ((mask & Statx.STATX_DIOALIGN) != 0) {
            int mem = buf.get(JAVA_INT, Statx.STX_DIO_MEM_ALIGN);
            int off = buf.get(JAVA_INT, Statx.STX_DIO_OFFSET_ALIGN);
            return new DirectIoAlignment(mem, off, mem == 0 ? SOURCE_STATX + " (O_DIRECT not supported here)"
                    : SOURCE_STATX);
        }
        int major = buf.get(JAVA_INT, Statx.STX_DEV_MAJOR);
        int minor = buf.get(JAVA_INT, Statx.STX_DEV_MINOR);
        int lbs = logicalBlockSize(major, minor);
        if (lbs > 0) {
            return new DirectIoAlignment(lbs, lbs, "logical block size of device " + major + ":" + minor
                    + " (no STATX_DIOALIGN)");
        }
        return new DirectIoAlignment(4096, 4096, "assumed 4096 (no STATX_DIOALIGN, no block device)");
    }

    private static int logicalBlockSize(int major, int minor) {
        Path dev = Path.of("/sys/dev/block", major + ":" + minor);
        // A partition has no queue/ of its own: its disk, the parent directory, has.
        for (Path p : new Path[] {dev.resolve("queue/logical_block_size"), dev.resolve("../queue/logical_block_size")}) {
            OptionalLong v = ProcFs.number(p);
            if (v.isPresent()) {
                return (int) v.getAsLong();
            }
        }
        return -1;
    }

    /** The size of an open file, or -errno. */
    static long size(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Statx.STATX);
            long rc = Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH, Statx.STATX_SIZE, buf);
            return rc < 0 ? rc : buf.get(JAVA_LONG, Statx.STX_SIZE);
        }
    }
}
