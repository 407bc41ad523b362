package dev.jaio;

/**
 * How {@link AsyncFile#open} opens a file. Each maps to an open(2) flag.
 */
public enum FileOption {
    /** Open for reading (O_RDONLY, or O_RDWR together with {@link #WRITE}). */
    READ,
    /** Open for writing (O_WRONLY, or O_RDWR together with {@link #READ}). */
    WRITE,
    /** Create the file if it does not exist (O_CREAT, mode 0644 before the umask). */
    CREATE,
    /** Create the file and fail if it exists (O_CREAT|O_EXCL). */
    CREATE_NEW,
    /** Truncate an existing file to length 0 (O_TRUNC); needs {@link #WRITE}. */
    TRUNCATE,
    /**
     * Bypass the kernel page cache (O_DIRECT). Buffers, file offsets and lengths must then be
     * aligned as {@link AsyncFile#alignment()} says; jaio checks this before the kernel sees the request.
     */
    DIRECT,
    /** Every write completes only when data and metadata are durable (O_SYNC). */
    SYNC,
    /** Every write completes only when its data is durable (O_DSYNC). */
    DSYNC
}
