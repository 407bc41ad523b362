package dev.jaio;

/** Advice for the kernel's page cache about a range of a file: posix_fadvise(2) values. */
public enum FileAdvice {
    /** No special treatment (POSIX_FADV_NORMAL). */
    NORMAL(0),
    /** Random access: readahead reads just the request (POSIX_FADV_RANDOM). */
    RANDOM(1),
    /** Sequential access: a larger readahead window (POSIX_FADV_SEQUENTIAL). */
    SEQUENTIAL(2),
    /** Read the range into the cache now (POSIX_FADV_WILLNEED). */
    WILLNEED(3),
    /**
     * Drop the range's clean cached pages (POSIX_FADV_DONTNEED): starts writeback of dirty pages
     * without waiting, so call {@link AsyncFile#fsync()} first to drop everything.
     */
    DONTNEED(4),
    /** The data will be accessed once (POSIX_FADV_NOREUSE). */
    NOREUSE(5);

    private final int value;

    FileAdvice(int value) {
        this.value = value;
    }

    /**
     * The advice as posix_fadvise(2) takes it.
     *
     * @return the POSIX_FADV_* value (include/uapi/linux/fadvise.h)
     */
    public int value() {
        return value;
    }
}
