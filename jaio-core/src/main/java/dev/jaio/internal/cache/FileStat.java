package dev.jaio.internal.cache;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Statx;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The statx facts the cache needs about an open file: its identity and its size. */
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
