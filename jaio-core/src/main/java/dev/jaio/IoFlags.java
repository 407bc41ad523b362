package dev.jaio;

/**
 * Per-request flags for reads and writes, the kernel's RWF_* values (include/uapi/linux/fs.h).
 * Combine them with {@code |}; 0 means none.
 */
public final class IoFlags {

    /** No flags. */
    public static final int NONE = 0;
    /** High-priority request (RWF_HIPRI); the native AIO engine ignores it, as fs/aio.c does. */
    public static final int HIPRI = 0x01;
    /** This write completes only when its data is durable, as with O_DSYNC (RWF_DSYNC). */
    public static final int DSYNC = 0x02;
    /** This write completes only when data and metadata are durable, as with O_SYNC (RWF_SYNC). */
    public static final int SYNC = 0x04;
    /**
     * Fail with EAGAIN instead of blocking, e.g. on a page-cache miss (RWF_NOWAIT). Files whose
     * filesystem cannot honour it fail with EOPNOTSUPP.
     */
    public static final int NOWAIT = 0x08;

    static final int ALL = HIPRI | DSYNC | SYNC | NOWAIT;

    private IoFlags() {
    }

    static void check(int flags) {
        if ((flags & ~ALL) != 0) {
            throw new IllegalArgumentException("unknown I/O flags 0x" + Integer.toHexString(flags & ~ALL)
                    + "; use the constants of IoFlags");
        }
    }
}
