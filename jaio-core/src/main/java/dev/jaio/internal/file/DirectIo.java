package dev.jaio.internal.file;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jaio.DirectIoAlignment;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.PathBytes;
import dev.jaio.internal.linux.ProcFs;
import dev.jaio.internal.linux.Statx;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * statx-based facts about files: O_DIRECT alignment, size, device.
 *
 * <p>The O_DIRECT alignment is what the kernel says (statx STATX_DIOALIGN, Linux 6.1, for file
 * systems that implement it) or else what the kernel does: a file that is not a regular file or a
 * block device has no O_DIRECT; for a regular file, an O_DIRECT open is tried (ramfs refuses it with
 * EINVAL, tmpfs accepts it since Linux 6.6), and a 512-byte O_DIRECT read at a 512-byte boundary
 * measures the alignment where the file has data. Only when nothing can be measured (an empty
 * file) is the device's logical block size, or 4096, assumed, and the source says so.
 */
public final class DirectIo {

    public static final String SOURCE_STATX = "statx STATX_DIOALIGN";

    /** The smallest alignment a probe read tries: the smallest logical block size of a disk. */
    private static final int PROBE_UNIT = 512;
    /** The alignment assumed when nothing could be measured: a page, which every O_DIRECT path accepts. */
    private static final int ASSUMED = 4096;

    private DirectIo() {
    }

    /** The O_DIRECT alignment of an open file. */
    public static DirectIoAlignment alignment(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Statx.STATX);
            long rc = Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH,
                    Statx.STATX_DIOALIGN | Statx.STATX_BASIC_STATS, buf);
            if (rc < 0) {
                return new DirectIoAlignment(0, 0, "unknown: statx failed with " + Errno.name((int) -rc));
            }
            // Through /proc/self/fd: the same open file, so a rename in between cannot give another.
            return fromStatx(buf, ("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** The smallest preferred I/O size: a page. */
    public static final int MIN_PREFERRED_IO = 4096;
    /** The largest: some network file systems report many MiB, which no buffer should be rounded to. */
    public static final int MAX_PREFERRED_IO = 1 << 20;

    /**
     * The preferred I/O size of an open file: statx's {@code stx_blksize} ("the block size for
     * efficient file system I/O"), rounded down to a power of two and kept within [4096, 1 MiB];
     * 4096 when statx fails. O_DIRECT writes smaller than it, or not aligned to it, make the
     * file system read-modify-write or zero a block (measured at half the speed on ext4 here).
     */
    public static int preferredIoSize(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Statx.STATX);
            long rc = Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH, Statx.STATX_BASIC_STATS, buf);
            int blksize = rc < 0 ? 0 : buf.get(JAVA_INT, Statx.STX_BLKSIZE);
            if (blksize <= 0) {
                return MIN_PREFERRED_IO;
            }
            return Math.clamp(Integer.highestOneBit(blksize), MIN_PREFERRED_IO, MAX_PREFERRED_IO);
        }
    }

    /** The O_DIRECT alignment of a path, as statx reports it or as a probe open and read find it. */
    public static DirectIoAlignment alignment(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = statx(arena, path);
            return fromStatx(buf, PathBytes.of(path)); // the name's own bytes, as statx had them
        }
    }

    /**
     * Why an O_DIRECT open of {@code path} failed with EINVAL, for the message: the path is not a
     * regular file or block device, or its filesystem refuses O_DIRECT.
     */
    public static String whyNoDirect(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = statx(arena, path);
            int mode = Short.toUnsignedInt(buf.get(JAVA_SHORT, Statx.STX_MODE));
            int type = mode & Statx.S_IFMT;
            if (type != Statx.S_IFREG && type != Statx.S_IFBLK) {
                return "the path is " + Statx.typeName(mode) + ": O_DIRECT is only for regular files and block devices";
            }
        } catch (IOException | RuntimeException e) {
            // fall through: the filesystem is the likelier reason
        }
        return "the filesystem does not support O_DIRECT";
    }

    public static MemorySegment statx(Arena arena, Path path) throws IOException {
        MemorySegment buf = arena.allocate(Statx.STATX);
        long rc = Libc.statx(Fcntl.AT_FDCWD, PathBytes.allocate(arena, path), 0,
                Statx.STATX_BASIC_STATS | Statx.STATX_MNT_ID | Statx.STATX_DIOALIGN, buf);
        if (rc < 0) {
            int errno = (int) -rc;
            if (errno == Errno.ENOENT) {
                throw new NoSuchFileException(path.toString(), null, Errno.describe(errno));
            }
            throw Failures.of("statx", path, -1, -1, errno);
        }
        return buf;
    }

    /**
     * @param reopen the bytes of a name that opens the same file again (never opened unless the file
     *     is a regular file: opening a FIFO would block)
     */
    private static DirectIoAlignment fromStatx(MemorySegment buf, byte[] reopen) {
        int mask = buf.get(JAVA_INT, Statx.STX_MASK);
        if ((mask & Statx.STATX_DIOALIGN) != 0) {
            int mem = buf.get(JAVA_INT, Statx.STX_DIO_MEM_ALIGN);
            int off = buf.get(JAVA_INT, Statx.STX_DIO_OFFSET_ALIGN);
            return new DirectIoAlignment(mem, off, mem == 0 ? SOURCE_STATX + " (O_DIRECT not supported here)"
                    : SOURCE_STATX);
        }
        int mode = Short.toUnsignedInt(buf.get(JAVA_SHORT, Statx.STX_MODE));
        int type = mode & Statx.S_IFMT;
        if (type == Statx.S_IFBLK) {
            // A block device node: its own device is stx_rdev (stx_dev is the filesystem holding the node).
            int major = buf.get(JAVA_INT, Statx.STX_RDEV_MAJOR);
            int minor = buf.get(JAVA_INT, Statx.STX_RDEV_MINOR);
            int lbs = logicalBlockSize(major, minor);
            return lbs > 0 ? new DirectIoAlignment(lbs, lbs, "logical block size of block device " + major + ":" + minor)
                    : new DirectIoAlignment(ASSUMED, ASSUMED, "assumed " + ASSUMED + " (block device " + major + ":"
                            + minor + " has no queue/logical_block_size)");
        }
        if (type != Statx.S_IFREG) {
            return new DirectIoAlignment(0, 0, Statx.typeName(mode) + ": O_DIRECT is only for regular files and block devices");
        }
        int major = buf.get(JAVA_INT, Statx.STX_DEV_MAJOR);
        int minor = buf.get(JAVA_INT, Statx.STX_DEV_MINOR);
        return probe(reopen, logicalBlockSize(major, minor), major + ":" + minor);
    }

    /**
     * The filesystem does not report its O_DIRECT alignment: open the file again with O_DIRECT,
     * which a filesystem without O_DIRECT refuses with EINVAL, and read {@value #PROBE_UNIT} bytes
     * at offset 0 into a buffer aligned to {@value #PROBE_UNIT} but not to 1024; the kernel refuses
     * a misaligned O_DIRECT read with EINVAL before it reads anything, so data back proves the unit.
     * Not the hot path: this runs when a file is opened.
     */
    private static DirectIoAlignment probe(byte[] reopen, int deviceBlock, String device) {
        String fallback = deviceBlock > 0 ? "logical block size of device " + device : "assumed " + ASSUMED;
        int guess = deviceBlock > 0 ? deviceBlock : ASSUMED;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = PathBytes.allocate(arena, reopen);
            long fd = Libc.open(path, Fcntl.O_RDONLY | Fcntl.O_DIRECT | Fcntl.O_CLOEXEC, 0);
            if (fd == -Errno.EACCES || fd == -Errno.EPERM) {
                // Not readable by us: opening is still a test of O_DIRECT support, reading is not possible.
                fd = Libc.open(path, Fcntl.O_WRONLY | Fcntl.O_DIRECT | Fcntl.O_CLOEXEC, 0);
                if (fd >= 0) {
                    Libc.close((int) fd);
                    return new DirectIoAlignment(guess, guess, fallback
                            + " (no STATX_DIOALIGN; O_DIRECT open accepted, the file is not readable to measure)");
                }
            }
            if (fd == -Errno.EINVAL) {
                return new DirectIoAlignment(0, 0, "the filesystem refuses O_DIRECT (open with O_DIRECT: EINVAL)");
            }
            if (fd < 0) {
                return new DirectIoAlignment(guess, guess, fallback + " (no STATX_DIOALIGN; a probe open with O_DIRECT"
                        + " failed with " + Errno.name((int) -fd) + ")");
            }
            try {
                MemorySegment page = arena.allocate(2L * ASSUMED, ASSUMED);
                for (int unit = PROBE_UNIT; unit <= ASSUMED; unit *= 2) {
                    // Aligned to unit, and to nothing larger: an odd multiple of it within the page.
                    long n = Libc.pread((int) fd, page.asSlice(unit == ASSUMED ? 0 : unit, unit), unit, 0);
                    if (n > 0) {
                        return new DirectIoAlignment(unit, unit, "measured: an O_DIRECT read of " + unit
                                + " bytes at a " + unit + "-byte boundary worked (no STATX_DIOALIGN)");
                    }
                    if (n == 0) {
                        break; // empty file: nothing to measure with
                    }
                    if (n != -Errno.EINVAL) {
                        return new DirectIoAlignment(guess, guess, fallback + " (no STATX_DIOALIGN; an O_DIRECT probe"
                                + " read failed with " + Errno.name((int) -n) + ")");
                    }
                }
            } finally {
                Libc.close((int) fd);
            }
            return new DirectIoAlignment(guess, guess, fallback
                    + " (no STATX_DIOALIGN; O_DIRECT open accepted, the file is empty so the alignment was not measured)");
        }
    }

    private static int logicalBlockSize(int major, int minor) {
        if (major == 0) {
            return -1; // an anonymous device (tmpfs, ramfs, overlay, NFS): no block queue
        }
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
    public static long size(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Statx.STATX);
            long rc = Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH, Statx.STATX_SIZE, buf);
            return rc < 0 ? rc : buf.get(JAVA_LONG, Statx.STX_SIZE);
        }
    }
}
