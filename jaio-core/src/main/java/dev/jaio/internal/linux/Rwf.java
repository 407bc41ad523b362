package dev.jaio.internal.linux;

/**
 * Per-I/O {@code RWF_*} flags ({@code __kernel_rwf_t}, {@code include/uapi/linux/fs.h}) for
 * preadv2/pwritev2, {@code iocb.aio_rw_flags} and io_uring's {@code rw_flags}. A kernel that does
 * not know a flag rejects the request with EOPNOTSUPP.
 */
public final class Rwf {

    /** High-priority (polled) I/O; accepted by native AIO but ignored there (Linux 4.6). */
    public static final int RWF_HIPRI = 0x01;
    /** Per-I/O O_DSYNC (Linux 4.7; AIO 4.13). */
    public static final int RWF_DSYNC = 0x02;
    /** Per-I/O O_SYNC (Linux 4.7; AIO 4.13). */
    public static final int RWF_SYNC = 0x04;
    /** Fail with EAGAIN instead of blocking (Linux 4.14). */
    public static final int RWF_NOWAIT = 0x08;
    /** Per-I/O O_APPEND (Linux 4.16). */
    public static final int RWF_APPEND = 0x10;
    /** Ignore O_APPEND for this write (Linux 6.9). */
    public static final int RWF_NOAPPEND = 0x20;
    /** Untorn write, within the statx atomic-write limits (Linux 6.11). */
    public static final int RWF_ATOMIC = 0x40;
    /** Buffered I/O whose pages are dropped once the I/O is done (Linux 6.14). */
    public static final int RWF_DONTCACHE = 0x80;

    private Rwf() {
    }
}
