package dev.jaio.internal.cache;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Statx;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The statx facts the cache needs about an open file: its identity, its size and its {@link Version}. */
public final class FileStat {

    private FileStat() {
    }

    /**
     * Which file an open descriptor names: the device and inode, so that every handle of one file
     * shares one {@link FileCache}, as every open file of one inode shares the kernel's page cache.
     */
    public record Identity(int devMajor, int devMinor, long inode) {

        // Written out, not the record's own: those are linked (invokedynamic) at their first call,
        // a file's first read on a virtual thread, and virtual threads that wait for that pin.
        @Override
        public int hashCode() {
            return (31 * devMajor + devMinor) * 31 + Long.hashCode(inode);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && i.devMajor == devMajor && i.devMinor == devMinor && i.inode == inode;
        }
    }

    /** The identity of {@code fd}, or null when statx fails. */
    public static Identity identity(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Statx.STATX);
            long rc = Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH, Statx.STATX_INO, buf);
            if (rc < 0) {
                return null;
            }
            return new Identity(buf.get(JAVA_INT, Statx.STX_DEV_MAJOR), buf.get(JAVA_INT, Statx.STX_DEV_MINOR),
                    buf.get(JAVA_LONG, Statx.STX_INO));
        }
    }

    /**
     * What a file was when jaio's cache last agreed with it: its size and its modification, change
     * and birth times (NFS's close-to-open check, with the birth time for an inode number that was
     * freed and given to a new file). A file closed with pages in the cache keeps them only while
     * a reopen finds the same version ({@link PageCache#release(FileCache, Version)}). The change
     * time moves with every write, truncate and attribute change, whoever makes it; on file systems
     * with multigrain timestamps (ext4, xfs, btrfs and tmpfs since Linux 6.13) a change made after
     * a statx that read the time gets a later one, so two versions taken around a change differ.
     *
     * @param birthSec {@code stx_btime}'s seconds, 0 with its nanoseconds when the file system
     *     gives no birth time
     */
    public record Version(long size, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec, long birthSec,
            int birthNsec) {
    }

    /** The {@link Version} of {@code fd}'s file, or null when statx fails. */
    public static Version version(int fd) {
        Opened o = opened(fd);
        return o == null ? null : o.version();
    }

    /** A CACHED open's facts about its file, from one statx: which file, and its version. */
    public record Opened(Identity identity, Version version) {
    }

    /** The identity and {@link Version} of {@code fd}'s file from one statx, or null when it fails. */
    public static Opened opened(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Statx.STATX);
            int needed = Statx.STATX_INO | Statx.STATX_SIZE | Statx.STATX_MTIME | Statx.STATX_CTIME;
            long rc = Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH, needed | Statx.STATX_BTIME, buf);
            int got = buf.get(JAVA_INT, Statx.STX_MASK);
            if (rc < 0 || (got & needed) != needed) {
                return null;
            }
            boolean birth = (got & Statx.STATX_BTIME) != 0;
            Identity id = new Identity(buf.get(JAVA_INT, Statx.STX_DEV_MAJOR), buf.get(JAVA_INT, Statx.STX_DEV_MINOR),
                    buf.get(JAVA_LONG, Statx.STX_INO));
            return new Opened(id, new Version(buf.get(JAVA_LONG, Statx.STX_SIZE),
                    buf.get(JAVA_LONG, Statx.STX_MTIME + Statx.STATX_TIMESTAMP_TV_SEC),
                    buf.get(JAVA_INT, Statx.STX_MTIME + Statx.STATX_TIMESTAMP_TV_NSEC),
                    buf.get(JAVA_LONG, Statx.STX_CTIME + Statx.STATX_TIMESTAMP_TV_SEC),
                    buf.get(JAVA_INT, Statx.STX_CTIME + Statx.STATX_TIMESTAMP_TV_NSEC),
                    birth ? buf.get(JAVA_LONG, Statx.STX_BTIME + Statx.STATX_TIMESTAMP_TV_SEC) : 0,
                    birth ? buf.get(JAVA_INT, Statx.STX_BTIME + Statx.STATX_TIMESTAMP_TV_NSEC) : 0));
        }
    }

    /** The file type of {@code fd} (its mode's {@link Statx#S_IFMT} bits), or -errno when statx fails. */
    public static long fileType(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Statx.STATX);
            long rc = Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH, Statx.STATX_TYPE, buf);
            return rc < 0 ? rc : Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT, Statx.STX_MODE)) & Statx.S_IFMT;
        }
    }

    /** The size of {@code fd}'s file, or -errno. */
    public static long size(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Statx.STATX);
            long rc = Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH, Statx.STATX_SIZE, buf);
            return rc < 0 ? rc : buf.get(JAVA_LONG, Statx.STX_SIZE);
        }
    }
}
