package dev.jaio;

/**
 * How {@link AsyncFile#open} opens a file. Each maps to an open(2) flag, except {@link #CACHED}.
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
    /**
     * Truncate an existing regular file to length 0 once it is open, as {@code O_TRUNC} does; needs
     * {@link #WRITE}. jaio opens without {@code O_TRUNC} and then truncates through the handle
     * ({@link AsyncFile#truncate}), so that the truncate is coherent with jaio's cache of the file
     * (pages other CACHED handles hold, their writes in flight); unlike {@code O_TRUNC} it is not
     * atomic with the open.
     */
    TRUNCATE,
    /**
     * Bypass the kernel page cache (O_DIRECT). Buffers, file offsets and lengths must then be
     * aligned as {@link AsyncFile#alignment()} says; jaio checks this before the kernel sees the request.
     */
    DIRECT,
    /**
     * Buffered reads through jaio's own page cache instead of the kernel's, so that they are truly
     * asynchronous: the kernel runs a buffered read synchronously inside io_submit, jaio's cache
     * reads pages with O_DIRECT and continues each request when its pages arrive (retry-based, as in
     * the paper), with readahead ({@link ReadaheadPolicy}). No alignment is required of buffers,
     * offsets or lengths. The cache belongs to the engine ({@link EngineConfig#pageCache()}); every
     * CACHED handle of one file shares its pages. A file has one jaio cache in the JVM, as the
     * kernel keeps one page cache per inode: opening it CACHED on another engine while a CACHED
     * handle of one engine has it open fails with a {@link java.nio.file.FileSystemException}
     * saying so (two caches of one file would each miss the other's writes). Excludes {@link #DIRECT}; the filesystem must
     * support O_DIRECT with an alignment of at most 4096.
     *
     * <p>Writes go into the cache too, once the file system has agreed to hold them: a write at or
     * past RLIMIT_FSIZE fails with EFBIG, and the disk blocks of pages it extends the file into or
     * fills a hole with are reserved first ({@code fallocate(FALLOC_FL_KEEP_SIZE)}, synchronously
     * on the calling thread), so EFBIG, ENOSPC or EDQUOT fail the write itself, with nothing
     * written, never its later writeback. On a file system that cannot reserve blocks (fallocate
     * says EOPNOTSUPP: ext2, some FUSE and network file systems) writes go through the kernel's
     * buffered write instead, coherent with the cache, and fail as it fails (a write that fills the
     * disk writes what fits, then fails with ENOSPC saying how many bytes it wrote). Cached writes
     * are ordered against {@link AsyncFile#truncate} and against writes of handles without CACHED
     * (on any engine) as the kernel's inode lock orders them: each lies wholly before or after
     * the other. A write completes once its bytes are in the file's pages
     * (dirty), and every later cached read returns them; with {@link #SYNC}, {@link #DSYNC} or the
     * request's {@link IoFlags#SYNC}/{@link IoFlags#DSYNC} it completes only after its range was
     * written back and is durable. fsync and fdatasync write back the whole file first. The
     * engine's cleaner thread writes dirty pages back in the background, writers wait while dirty
     * pages are over a fifth of the cache (and fail with the writeback error when none can be
     * written back), and closing the file's last writable handle writes
     * back and syncs what is left. A failed writeback keeps its pages dirty and fails the next sync.
     * Until written back, dirty pages are seen only through jaio: other processes see the file as
     * it is on disk, and their writes are not seen by pages already cached; handles without CACHED
     * in the JVM (on any engine) write the range back before they read or write it, drop its
     * cached pages around their writes (§4 of the paper), and write the file's dirty pages back
     * before their fsync or fdatasync, as fsync(2) does for any descriptor of an inode. Truncate and allocate go
     * through the kernel and keep the cache coherent.
     */
    CACHED,
    /** Every write completes only when data and metadata are durable (O_SYNC). */
    SYNC,
    /** Every write completes only when its data is durable (O_DSYNC). */
    DSYNC,
    /**
     * Every write goes to the end of the file, whatever its offset says (O_APPEND): the kernel
     * moves to the end and writes in one step, so appends of several handles and processes never
     * overwrite each other. Needs {@link #WRITE}; excludes {@link #CACHED} (jaio's cache writes
     * pages back at their offsets) and {@link #TRUNCATE}, as the JDK excludes APPEND with
     * TRUNCATE_EXISTING.
     */
    APPEND,
    /** Fail with ELOOP when the last name of the path is a symbolic link (O_NOFOLLOW). */
    NOFOLLOW_LINKS
}
