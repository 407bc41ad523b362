package dev.jaio.internal.linux;

/**
 * open(2) flags and the {@code *at} directory constants.
 *
 * <p>Values are the kernel's: {@code include/uapi/asm-generic/fcntl.h}, which x86_64 uses
 * unchanged, and {@code arch/arm64/include/uapi/asm/fcntl.h}, which moves four flags
 * (O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE); those four are chosen from {@link Arch} once.
 * The AT_* values are from {@code include/uapi/linux/fcntl.h}.
 */
public final class Fcntl {

    /** Open for reading only. */
    public static final int O_RDONLY = 0;
    /** Open for writing only. */
    public static final int O_WRONLY = 0x1;
    /** Open for reading and writing. */
    public static final int O_RDWR = 0x2;
    /** Mask of the access mode bits. */
    public static final int O_ACCMODE = 0x3;
    /** Create the file if it does not exist (uses the mode argument). */
    public static final int O_CREAT = 0x40;
    /** With O_CREAT: fail with EEXIST if the file exists. */
    public static final int O_EXCL = 0x80;
    /** Truncate a regular file to length 0. */
    public static final int O_TRUNC = 0x200;
    /** Every write appends. */
    public static final int O_APPEND = 0x400;
    /** Non-blocking; no effect on regular files. */
    public static final int O_NONBLOCK = 0x800;
    /** Every write is followed by the equivalent of fdatasync. */
    public static final int O_DSYNC = 0x1000;
    /** {@code __O_SYNC}: the bit that, with O_DSYNC, makes up O_SYNC. */
    public static final int __O_SYNC = 0x10_0000;
    /** Every write is followed by the equivalent of fsync ({@code __O_SYNC | O_DSYNC}). */
    public static final int O_SYNC = __O_SYNC | O_DSYNC;
    /** Do not update the access time (owner or CAP_FOWNER only, else EPERM). */
    public static final int O_NOATIME = 0x4_0000;
    /** Close on exec. */
    public static final int O_CLOEXEC = 0x8_0000;

    /** Bypass the page cache (x86_64 0x4000, aarch64 0x10000). */
    public static final int O_DIRECT;
    /** Fail with ENOTDIR unless the path is a directory (x86_64 0x10000, aarch64 0x4000). */
    public static final int O_DIRECTORY;
    /** Fail with ELOOP if the last path component is a symlink (x86_64 0x20000, aarch64 0x8000). */
    public static final int O_NOFOLLOW;
    /**
     * Allow offsets past 2 GiB (x86_64 0x8000, aarch64 0x20000). The kernel forces it for 64-bit
     * callers, which is why glibc defines it as 0 on LP64; passing the kernel value is harmless.
     */
    public static final int O_LARGEFILE;

    static {
        if (Arch.AARCH64) {
            O_DIRECTORY = 0x4000;
            O_NOFOLLOW = 0x8000;
            O_DIRECT = 0x1_0000;
            O_LARGEFILE = 0x2_0000;
        } else {
            O_DIRECT = 0x4000;
            O_LARGEFILE = 0x8000;
            O_DIRECTORY = 0x1_0000;
            O_NOFOLLOW = 0x2_0000;
        }
    }

    /** fcntl(2): the file status flags of the open file description (O_* access mode and status flags). */
    public static final int F_GETFL = 3;
    /** fcntl(2): sets the status flags O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME and O_NONBLOCK (EINVAL: O_DIRECT not supported). */
    public static final int F_SETFL = 4;

    /**
     * fcntl(2) on a pipe: sets its capacity to at least the argument in bytes and returns what it
     * became (a power-of-two number of pages); EPERM above {@code fs.pipe-max-size} (1 MiB by
     * default) or past the user's pipe pages ({@code fs.pipe-user-pages-*}) unless privileged, EBUSY
     * below what the pipe holds. {@code include/uapi/linux/fcntl.h}: F_LINUX_SPECIFIC_BASE + 7.
     */
    public static final int F_SETPIPE_SZ = 1024 + 7;
    /** fcntl(2) on a pipe: its capacity in bytes. {@code include/uapi/linux/fcntl.h}: F_LINUX_SPECIFIC_BASE + 8. */
    public static final int F_GETPIPE_SZ = 1024 + 8;

    /** The dirfd meaning "relative to the current working directory". */
    public static final int AT_FDCWD = -100;
    /** Do not follow a final symlink. */
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    /** Operate on dirfd itself when the path is empty (""). */
    public static final int AT_EMPTY_PATH = 0x1000;
    /** statx: do whatever stat(2) does about synchronising with a remote server (0). */
    public static final int AT_STATX_SYNC_AS_STAT = 0x0000;
    /** statx: force attribute synchronisation with a remote server. */
    public static final int AT_STATX_FORCE_SYNC = 0x2000;
    /** statx: use cached attributes, never synchronise. */
    public static final int AT_STATX_DONT_SYNC = 0x4000;

    private Fcntl() {
    }
}
