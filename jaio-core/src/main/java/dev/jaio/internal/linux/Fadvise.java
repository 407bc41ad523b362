package dev.jaio.internal.linux;

/**
 * posix_fadvise(2) advice, {@code include/uapi/linux/fadvise.h}; the values are the same on x86_64
 * and aarch64 (only s390x differs). Behaviour is that of {@code mm/fadvise.c}.
 */
public final class Fadvise {

    /** Default readahead; clears RANDOM. */
    public static final int POSIX_FADV_NORMAL = 0;
    /** Random access: synchronous readahead reads only what is asked for. */
    public static final int POSIX_FADV_RANDOM = 1;
    /** Sequential access: doubles the readahead window. */
    public static final int POSIX_FADV_SEQUENTIAL = 2;
    /** Start readahead of the range now. */
    public static final int POSIX_FADV_WILLNEED = 3;
    /** Start writeback of the range, then drop its clean, unmapped, whole pages. */
    public static final int POSIX_FADV_DONTNEED = 4;
    /** The data will be accessed once. */
    public static final int POSIX_FADV_NOREUSE = 5;

    private Fadvise() {
    }
}
