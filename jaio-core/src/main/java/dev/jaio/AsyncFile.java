package dev.jaio;

import dev.jaio.internal.cache.CacheHandle;
import dev.jaio.internal.cache.CachedWrite;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.cache.FileStat;
import dev.jaio.internal.cache.PageCache;
import dev.jaio.internal.cache.PageFrames;
import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.engine.Uninterruptibly;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.PathBytes;
import dev.jaio.internal.linux.Rwf;
import dev.jaio.internal.linux.Statx;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * A file open for asynchronous positional I/O on an {@link IoEngine}.
 *
 * <pre>{@code
 * try (AsyncFile file = AsyncFile.open(path, FileOption.READ, FileOption.WRITE, FileOption.CREATE, FileOption.DIRECT);
 *      IoBuffer buf = file.allocateBuffer(4096)) {
 *     file.write(buf.segment(), 0).join();
 *     int n = file.read(buf.segment(), 0).join();
 * }
 * }</pre>
 *
 * <h2>Results and errors</h2>
 * Reads and writes complete with the number of bytes transferred, as pread(2) and pwrite(2) return
 * it: a read that crosses the end of the file completes with the bytes up to it, and with 0 at or
 * past it. A request the kernel fails completes exceptionally with an {@link IoOperationException}
 * naming the operation, path, offset and errno. Bad arguments that can be checked are rejected
 * before the kernel sees them, by throwing: {@link IllegalArgumentException} for a negative offset,
 * an O_DIRECT buffer, offset or length that is not aligned as {@link #alignment()} requires (the
 * message names the alignment), or a read into read-only memory; {@link IllegalStateException}
 * for a write to a file not opened for writing (or a read from one not opened for reading), or a
 * buffer whose memory was freed. A request on a closed file completes exceptionally with
 * {@link FileClosedException}, one on a closed engine with {@link EngineClosedException}; both
 * name the operation, path and offset.
 *
 * <p>A write writes all of its buffers: when the kernel writes only part (a filesystem filling
 * up, a file size limit), the rest is written from where it stopped, as FileChannel's write loop
 * does, and the future completes with the whole length. If a later part fails, the future fails
 * with an {@link IoOperationException} whose {@link IoOperationException#bytesTransferred()} says
 * how many bytes from the offset on were written (they stay written).
 *
 * <h2>Futures and cancellation</h2>
 * The future of a request is done only once the kernel is done with the request's memory: when
 * {@code isDone()} is true (or {@code join()} returned or threw), memory of your own arena may be
 * freed. Only jaio completes it: {@code complete}, {@code completeAsync},
 * {@code completeExceptionally}, {@code obtrudeValue} and {@code obtrudeException} throw
 * {@link UnsupportedOperationException}.
 * {@code cancel(mayInterrupt)} asks that the request be stopped: one still queued in the engine
 * is cancelled at once ({@code cancel} returns true and the future is cancelled); one the kernel
 * holds is asked to stop (io_uring: IORING_OP_ASYNC_CANCEL; kernel AIO: io_cancel, which stops no
 * file I/O; the thread pool cannot interrupt a running system call) and {@code cancel} returns
 * false with the future still pending, unlike {@link java.util.concurrent.Future#cancel}'s general
 * contract: it completes once the kernel answers, with a
 * {@link java.util.concurrent.CancellationException} if the kernel stopped the request (a write
 * may have written part of its bytes), else with its result. {@code orTimeout} and
 * {@code completeOnTimeout} cancel so when the time is up, and complete with the
 * {@link java.util.concurrent.TimeoutException} or the given value only if the kernel stopped the
 * request. Requests of {@link FileOption#CACHED} files are never stopped (jaio's cache copies to
 * or from your memory until they end, which never waits on more than the device): {@code cancel}
 * and the timeouts leave them to complete with their result.
 *
 * <h2>Memory</h2>
 * Native memory ({@link MemorySegment}s, direct {@link ByteBuffer}s) is used in place. Memory of a
 * jaio {@link IoBuffer} is pinned until the request completes, so closing the buffer early is
 * safe; memory from the caller's own arena must stay open until the future is done. Heap memory
 * (arrays, heap buffers) is copied through a temporary native buffer: correct, but slower.
 *
 * <h2>Cached files</h2>
 * A file opened with {@link FileOption#CACHED} reads through jaio's page cache: reads have no
 * alignment rules, never block a thread, and complete on the engine's completion thread when their
 * pages arrive (a read of cached pages completes on the calling thread, before {@code read}
 * returns). {@link #setReadahead} chooses the handle's readahead policy; {@link #advise} with
 * {@link FileAdvice#DONTNEED}, {@code WILLNEED}, {@code RANDOM} or {@code SEQUENTIAL} acts on jaio's
 * cache too. Writes go into the cache and complete once copied (or, with O_SYNC or O_DSYNC, once
 * written back and durable): see {@link FileOption#CACHED}. {@link IoEngine#pageCacheStats()}
 * counts what the cache did.
 *
 * <h2 id="threads">Threads</h2>
 * An AsyncFile may be used by many threads at once. A request's arguments are checked on the
 * calling thread, which then hands the request to the engine and returns without waiting for the
 * I/O. Its future completes on the engine's completion thread ({@code jaio-ENGINE-N}, see
 * {@link IoEngine}), so dependent stages added with non-async methods ({@code thenApply},
 * {@code whenComplete}, ...) run there: keep them short and never block in them, or add them with
 * an {@code *Async} method. A request on a {@link FileOption#CACHED} file that has nothing to
 * wait for (a read of cached pages, a write copied into the cache with no writeback to wait for)
 * completes on the calling thread, before the method returns; one that waits for a page read, a
 * writeback or the cleaner continues, and completes, on the thread that ends its wait: usually the
 * engine's completion thread, but also a thread whose own request lets go of the frames it waited
 * for, the cleaner thread ({@code jaio-writeback-N}) when it ends a throttled write with the
 * writeback's error, or a thread whose {@link #truncate} held the write back. A request
 * that {@code cancel} stops before the kernel saw it completes on the cancelling thread
 * ({@code orTimeout} and {@code completeOnTimeout}: the JDK's delayer thread).
 * {@link #size()}, {@link #allocate}, {@link #advise} and {@link #truncate} are synchronous system
 * calls on the calling thread.
 *
 * <h2>Closing</h2>
 * {@link #close()} makes new requests fail, waits until every request already made on the file has
 * completed, and only then closes the descriptor. Dependent stages of the futures run on the
 * engine's completion thread unless added with an {@code *Async} method.
 */
public final class AsyncFile implements AutoCloseable {

    /** Largest byte count of one read or write, the kernel's MAX_RW_COUNT (INT_MAX rounded down to a page). */
    public static final int MAX_TRANSFER = 0x7ffff000;
    /** Most buffers in one vectored request (IOV_MAX). */
    public static final int MAX_BUFFERS = 1024;

    /** State bit: {@link #close()} began; no request may start, the last one out closes the descriptors. */
    private static final int CLOSED = 1 << 31;
    /**
     * State bit: the engine is closing ({@link #drainForEngineClose()}): requests of the caller are
     * refused, the cache's own writeback of this handle still runs.
     */
    private static final int DRAINING = 1 << 30;
    /** The state's low bits: requests (the caller's and the cache's) started and not finished. */
    private static final int COUNT = DRAINING - 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(AsyncFile.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final IoEngine engine;
    private final Path path;
    private final int fd;
    private final Set<FileOption> options;
    private final boolean readable;
    private final boolean writable;
    private final boolean direct;
    /**
     * Probed at open for DIRECT and CACHED files, which need it; for others on first use of
     * {@link #alignment()}, since without STATX_DIOALIGN the probe reads from the file.
     */
    private volatile DirectIoAlignment alignment;
    /** The cache handle of a {@link FileOption#CACHED} file, else null. */
    private final Handle cache;
    /** The file's identity (statx) for a handle that is not CACHED, to find the file in jaio's cache; null if unknown. */
    private final FileStat.Identity identity;
    /** CLOSED and DRAINING bits plus the number of requests started and not yet finished ({@link #COUNT}). */
    @SuppressWarnings("unused")
    private volatile int state;
    private final CountDownLatch descriptorClosed = new CountDownLatch(1);
    /** What an engine's close waits on for this file's requests to end (private: no caller can hold it). */
    private final Object drainLock = new Object();
    /** Whether the last writable handle's close sync was started (it runs once, after the last request). */
    private boolean closeSyncStarted;

    private AsyncFile(IoEngine engine, Path path, int fd, Set<FileOption> options, DirectIoAlignment alignment,
            int directFd, FileCache fileCache) {
        this.engine = engine;
        this.path = path;
        this.fd = fd;
        this.options = options;
        this.readable = options.contains(FileOption.READ) || !options.contains(FileOption.WRITE);
        this.writable = options.contains(FileOption.WRITE);
        this.direct = options.contains(FileOption.DIRECT);
        this.alignment = alignment;
        this.cache = fileCache == null ? null
                : new Handle(fileCache, directFd, engine.config().pageCache().readahead() == ReadaheadPolicy.LEGACY);
        this.identity = fileCache == null ? FileStat.identity(fd) : null;
        if (cache != null && writable) {
            fileCache.addWriter(cache);
        }
        engine.fileOpened(this);
    }

    /** The cache's view of this handle: its O_DIRECT descriptor and its requests. */
    private final class Handle extends CacheHandle {
        private final int directFd;

        Handle(FileCache file, int directFd, boolean legacy) {
            super(file, legacy);
            this.directFd = directFd;
        }

        @Override
        protected int directFd() {
            return directFd;
        }

        @Override
        protected int bufferedFd() {
            return fd;
        }

        @Override
        protected void retainOp() {
            STATE.getAndAdd(AsyncFile.this, 1);
        }

        @Override
        protected boolean tryRetainOp() {
            return retainUnlessClosed();
        }

        @Override
        protected void releaseOp() {
            endOp();
        }
    }

    /**
     * Opens a file on the {@linkplain IoEngine#shared() shared engine}, as
     * {@link #open(IoEngine, Path, Set)} does.
     *
     * @param path the file, of the default file system; relative paths are resolved against the
     *     working directory
     * @param options how to open it; none means read-only
     * @return the open file, to be closed by the caller
     * @throws NoSuchFileException when the file (or a directory on the path) does not exist and
     *     neither {@link FileOption#CREATE} nor {@link FileOption#CREATE_NEW} is given
     * @throws FileAlreadyExistsException with {@link FileOption#CREATE_NEW} when the file exists
     * @throws AccessDeniedException when open(2) fails with EACCES or EPERM
     * @throws IoOperationException for any other open(2) error, naming the errno
     * @throws IOException when the shared engine cannot be opened, or see
     *     {@link #open(IoEngine, Path, Set)}
     * @throws IllegalArgumentException for options that exclude each other, see
     *     {@link #open(IoEngine, Path, Set)}
     * @throws java.nio.file.ProviderMismatchException for a path of another file system than the default
     */
    public static AsyncFile open(Path path, FileOption... options) throws IOException {
        return open(IoEngine.shared(), path, options);
    }

    /**
     * Opens a file on {@code engine}, as {@link #open(IoEngine, Path, Set)} does.
     *
     * @param engine the engine that runs the file's requests and completes their futures
     * @param path the file, of the default file system; relative paths are resolved against the
     *     working directory
     * @param options how to open it; none means read-only
     * @return the open file, to be closed by the caller
     * @throws NoSuchFileException when the file (or a directory on the path) does not exist and
     *     neither {@link FileOption#CREATE} nor {@link FileOption#CREATE_NEW} is given
     * @throws FileAlreadyExistsException with {@link FileOption#CREATE_NEW} when the file exists
     * @throws AccessDeniedException when open(2) fails with EACCES or EPERM
     * @throws IoOperationException for any other open(2) error, naming the errno
     * @throws IOException see {@link #open(IoEngine, Path, Set)}
     * @throws IllegalArgumentException for options that exclude each other, see
     *     {@link #open(IoEngine, Path, Set)}
     * @throws java.nio.file.ProviderMismatchException for a path of another file system than the default
     * @throws IllegalStateException when {@code engine} is closed
     */
    public static AsyncFile open(IoEngine engine, Path path, FileOption... options) throws IOException {
        Set<FileOption> set = EnumSet.noneOf(FileOption.class);
        for (FileOption o : options) {
            set.add(o);
        }
        return open(engine, path, set);
    }

    /**
     * Opens a file on {@code engine}: open(2) with O_CLOEXEC and the flags of {@code options}, and
     * statx(2) for the file's O_DIRECT alignment. Without {@link FileOption#READ} or
     * {@link FileOption#WRITE} it is opened for reading. {@code path} names the file
     * {@link java.nio.channels.FileChannel#open} would open: the kernel gets the Path's own bytes,
     * even for a name read from a directory that the JDK's charset cannot decode (its toString()
     * then differs from the name). A {@link FileOption#CACHED} file also gets a second, O_DIRECT
     * descriptor for the page cache's device I/O, and makes the engine's page cache on first use.
     * Runs on the calling thread.
     *
     * @param engine the engine that runs the file's requests and completes their futures
     * @param path the file, of the default file system; relative paths are resolved against the
     *     working directory
     * @param options how to open it; empty means read-only
     * @return the open file, to be closed by the caller
     * @throws NoSuchFileException when the file (or a directory on the path) does not exist and
     *     neither {@link FileOption#CREATE} nor {@link FileOption#CREATE_NEW} is given, as
     *     {@link java.nio.file.Files} reports it
     * @throws FileAlreadyExistsException with {@link FileOption#CREATE_NEW} when the file exists
     * @throws AccessDeniedException when open(2) fails with EACCES or EPERM
     * @throws IoOperationException for any other open(2) or statx(2) error, naming the errno
     *     (EINVAL with {@link FileOption#DIRECT} or {@link FileOption#CACHED}: the filesystem refuses
     *     O_DIRECT), or when {@link FileOption#TRUNCATE}'s ftruncate(2) fails (see {@link #truncate},
     *     whose IllegalStateExceptions it throws too: on the engine's completion thread when jaio's
     *     cache has the file)
     * @throws IOException for any other failure to open the file
     * @throws IllegalArgumentException for {@link FileOption#TRUNCATE} without
     *     {@link FileOption#WRITE}, for {@link FileOption#CACHED} together with
     *     {@link FileOption#DIRECT}, or for CACHED on a filesystem whose O_DIRECT alignment does not
     *     divide jaio's 4096-byte page
     * @throws IllegalStateException when {@code engine} is closed
     * @throws java.nio.file.ProviderMismatchException for a path of another file system than the default
     */
    public static AsyncFile open(IoEngine engine, Path path, Set<FileOption> options) throws IOException {
        Set<FileOption> opts = options.isEmpty() ? EnumSet.noneOf(FileOption.class) : EnumSet.copyOf(options);
        if (opts.contains(FileOption.TRUNCATE) && !opts.contains(FileOption.WRITE)) {
            throw new IllegalArgumentException("open " + path + ": TRUNCATE needs WRITE");
        }
        if (opts.contains(FileOption.CACHED) && opts.contains(FileOption.DIRECT)) {
            throw new IllegalArgumentException("open " + path + ": CACHED (jaio's page cache) and DIRECT (no cache)"
                    + " exclude each other");
        }
        if (engine.isClosing() || engine.isClosed()) {
            throw new IllegalStateException("open " + path + ": the " + engine.name() + " engine is closed");
        }
        int flags = Fcntl.O_CLOEXEC;
        boolean read = opts.contains(FileOption.READ) || !opts.contains(FileOption.WRITE);
        boolean write = opts.contains(FileOption.WRITE);
        flags |= read && write ? Fcntl.O_RDWR : write ? Fcntl.O_WRONLY : Fcntl.O_RDONLY;
        if (opts.contains(FileOption.CREATE_NEW)) {
            flags |= Fcntl.O_CREAT | Fcntl.O_EXCL;
        } else if (opts.contains(FileOption.CREATE)) {
            flags |= Fcntl.O_CREAT;
        }
        // No O_TRUNC: it would empty the file under jaio's cache of it (pages other handles have
        // dirty, device writes in flight that would extend it again, cached writes copying). The
        // handle truncates once it is open (below), as truncate(0) does.
        if (opts.contains(FileOption.DIRECT)) {
            flags |= Fcntl.O_DIRECT;
        }
        if (opts.contains(FileOption.SYNC)) {
            flags |= Fcntl.O_SYNC;
        } else if (opts.contains(FileOption.DSYNC)) {
            flags |= Fcntl.O_DSYNC;
        }
        long fd;
        try (Arena arena = Arena.ofConfined()) {
            // The name's own bytes, as FileChannel.open passes them: not toString() encoded again.
            fd = Libc.open(PathBytes.allocate(arena, path), flags, 0644);
        }
        if (fd < 0) {
            int errno = (int) -fd;
            String reason = Errno.describe(errno);
            switch (errno) {
                case Errno.ENOENT -> throw new NoSuchFileException(path.toString(), null, reason);
                case Errno.EEXIST -> throw new FileAlreadyExistsException(path.toString(), null, reason);
                case Errno.EACCES, Errno.EPERM -> throw new AccessDeniedException(path.toString(), null, reason);
                default -> {
                    if (errno == Errno.EINVAL && opts.contains(FileOption.DIRECT)) {
                        reason += "; " + DirectIo.whyNoDirect(path);
                    }
                    throw new IoOperationException("open", path, -1, -1, errno, Errno.name(errno), reason);
                }
            }
        }
        DirectIoAlignment alignment = null;
        if (opts.contains(FileOption.DIRECT) || opts.contains(FileOption.CACHED)) {
            try {
                alignment = DirectIo.alignment((int) fd);
            } catch (RuntimeException | Error e) {
                Libc.close((int) fd);
                throw e;
            }
        }
        AsyncFile file;
        if (!opts.contains(FileOption.CACHED)) {
            file = new AsyncFile(engine, path, (int) fd, Set.copyOf(opts), alignment, -1, null);
        } else {
            try {
                file = openCached(engine, path, (int) fd, opts, alignment);
            } catch (IOException | RuntimeException | Error e) {
                Libc.close((int) fd);
                throw e;
            }
        }
        if (opts.contains(FileOption.TRUNCATE)) {
            // O_TRUNC's effect (on a regular file only, as O_TRUNC), coherent with jaio's cache.
            try {
                long type = FileStat.fileType((int) fd);
                if (type < 0) {
                    throw new IoOperationException("statx", path, -1, -1, (int) -type, Errno.name((int) -type),
                            Errno.describe((int) -type));
                }
                if (type == Statx.S_IFREG) {
                    file.truncate(0);
                }
            } catch (IOException | RuntimeException | Error e) {
                try {
                    file.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
        return file;
    }

    /**
     * The rest of opening a CACHED file: a second descriptor on the same open file with O_DIRECT
     * (through /proc/self/fd, so a rename in between cannot give another file) for the cache's page
     * reads, and the file's shared page tree.
     */
    private static AsyncFile openCached(IoEngine engine, Path path, int fd, Set<FileOption> opts,
            DirectIoAlignment alignment) throws IOException {
        if (!alignment.supported()) {
            throw new IllegalArgumentException("open " + path + ": CACHED reads pages with O_DIRECT, which this file"
                    + " does not support (" + alignment.source() + ")");
        }
        if (PageFrames.PAGE_SIZE % alignment.offsetAlignment() != 0
                || PageFrames.PAGE_SIZE % alignment.memoryAlignment() != 0) {
            throw new IllegalArgumentException("open " + path + ": CACHED reads pages with O_DIRECT, which this file's"
                    + " filesystem does not allow in " + PageFrames.PAGE_SIZE + "-byte units (" + alignment + ")");
        }
        long dfd;
        try (Arena arena = Arena.ofConfined()) {
            // Read-write for a writable handle: dirty pages are written back through it too.
            int mode = opts.contains(FileOption.WRITE) ? Fcntl.O_RDWR : Fcntl.O_RDONLY;
            dfd = Libc.open(arena.allocateFrom("/proc/self/fd/" + fd), mode | Fcntl.O_DIRECT | Fcntl.O_CLOEXEC, 0);
        }
        if (dfd < 0) {
            int errno = (int) -dfd;
            String reason = Errno.describe(errno);
            if (errno == Errno.EINVAL) {
                reason += "; CACHED needs a filesystem that supports O_DIRECT";
            } else if (errno == Errno.EACCES) {
                reason += "; CACHED reads pages through a second descriptor, so the file must be readable";
            }
            throw new IoOperationException("open", path, -1, -1, errno, Errno.name(errno), reason);
        }
        FileStat.Identity id = FileStat.identity((int) dfd);
        long size = FileStat.size((int) dfd);
        if (id == null || size < 0) {
            Libc.close((int) dfd);
            int errno = size < 0 ? (int) -size : Errno.EIO;
            throw new IoOperationException("statx", path, -1, -1, errno, Errno.name(errno), Errno.describe(errno));
        }
        PageCache pages;
        try {
            pages = engine.pageCache();
        } catch (RuntimeException | Error e) {
            Libc.close((int) dfd);
            throw e;
        }
        FileCache fileCache = pages.acquire(id, size);
        return new AsyncFile(engine, path, fd, Set.copyOf(opts), alignment, (int) dfd, fileCache);
    }

    /**
     * The path the file was opened with.
     *
     * @return the path as given to {@code open}, not made absolute
     */
    public Path path() {
        return path;
    }

    /**
     * The engine requests run on.
     *
     * @return the engine whose completion thread completes this file's futures
     */
    public IoEngine engine() {
        return engine;
    }

    /**
     * The options the file was opened with.
     *
     * @return an unmodifiable set of the options given to {@code open}
     */
    public Set<FileOption> options() {
        return options;
    }

    /**
     * Whether the file was opened with {@link FileOption#CACHED}.
     *
     * @return true when reads and writes go through jaio's page cache
     */
    public boolean isCached() {
        return cache != null;
    }

    /**
     * Sets the readahead policy of this handle (a {@link FileOption#CACHED} file); the new policy
     * starts from a fresh readahead state. Other handles of the same file keep theirs.
     *
     * @param policy the readahead policy for this handle's later reads
     * @throws IllegalStateException when the file is not CACHED
     */
    public void setReadahead(ReadaheadPolicy policy) {
        requireCached("setReadahead");
        cache.setLegacyReadahead(policy == ReadaheadPolicy.LEGACY);
    }

    /**
     * The readahead policy of this handle (a {@link FileOption#CACHED} file).
     *
     * @return the policy set by {@link #setReadahead}, or else the one of the engine's
     *     {@link PageCacheConfig#readahead()}
     * @throws IllegalStateException when the file is not CACHED
     */
    public ReadaheadPolicy readahead() {
        requireCached("readahead");
        return cache.legacyReadahead() ? ReadaheadPolicy.LEGACY : ReadaheadPolicy.UPFRONT;
    }

    private void requireCached(String op) {
        if (cache == null) {
            throw new IllegalStateException(op + " " + path + ": readahead policies belong to jaio's page cache;"
                    + " open the file with FileOption.CACHED");
        }
    }

    /**
     * Whether the file was opened with {@link FileOption#DIRECT}.
     *
     * @return true when requests bypass the kernel page cache and must be aligned as
     *     {@link #alignment()} says
     */
    public boolean isDirect() {
        return direct;
    }

    /**
     * What O_DIRECT requires of buffers, offsets and lengths on this file (also when not opened
     * DIRECT), found when the file was opened: statx(2) STATX_DIOALIGN, or the fallback that
     * {@link DirectIoAlignment#source()} names.
     *
     * @return the file's O_DIRECT alignment, in bytes
     */
    public DirectIoAlignment alignment() {
        DirectIoAlignment a = alignment;
        if (a == null) {
            if (!begin()) {
                return new DirectIoAlignment(0, 0, "unknown: the file is closed");
            }
            try {
                a = DirectIo.alignment(fd);
            } finally {
                endOp();
            }
            alignment = a; // racing probes find the same answer
        }
        return a;
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once close has begun; requests made since fail with {@link FileClosedException}
     */
    public boolean isClosed() {
        return ((int) STATE.getVolatile(this) & CLOSED) != 0;
    }

    /**
     * Allocates an {@link IoBuffer} fit for this file: aligned for O_DIRECT, its size rounded up to
     * the offset alignment.
     *
     * @param size bytes wanted, at least 1
     * @return zeroed native memory of at least {@code size} bytes, at an address aligned to
     *     {@link DirectIoAlignment#bufferAlignment()}; the caller closes it
     * @throws IllegalArgumentException when {@code size} is not positive
     */
    public IoBuffer allocateBuffer(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("allocateBuffer for " + path + ": size must be positive, got " + size);
        }
        DirectIoAlignment a = alignment();
        long unit = Math.max(1, a.offsetAlignment());
        long rounded = (size + unit - 1) / unit * unit;
        return IoBuffer.allocate(rounded, a.bufferAlignment());
    }

    // ---- reads and writes ----

    /**
     * Reads up to {@code dst.byteSize()} bytes at {@code position}, as pread(2): IORING_OP_READ,
     * IOCB_CMD_PREAD or pread on a worker thread, depending on the engine; on a
     * {@link FileOption#CACHED} file, through jaio's page cache. Errors are described in the class
     * documentation; arguments that can be checked are checked on the calling thread.
     *
     * @param dst where the bytes go; native memory is used in place, heap memory through a copy
     * @param position the file offset in bytes, at least 0
     * @return a future, completed as {@linkplain ##threads Threads} says, with the number of bytes
     *     read (fewer than asked at the end of the file, 0 at or past it), or exceptionally with an
     *     {@link IoOperationException}, {@link FileClosedException} or {@link EngineClosedException}
     * @throws IllegalArgumentException for a negative offset, read-only or misaligned memory (with
     *     {@link FileOption#DIRECT}) or more than {@link #MAX_TRANSFER} bytes
     * @throws IllegalStateException when the file is not open for reading or {@code dst}'s memory is freed
     */
    public CompletableFuture<Integer> read(MemorySegment dst, long position) {
        return read(dst, position, IoFlags.NONE);
    }

    /**
     * Reads with per-request {@link IoFlags}; otherwise as {@link #read(MemorySegment, long)}.
     *
     * @param dst where the bytes go; native memory is used in place, heap memory through a copy
     * @param position the file offset in bytes, at least 0
     * @param ioFlags {@link IoFlags} constants or'ed together (RWF_* of preadv2(2)), 0 for none
     * @return a future, completed as {@linkplain ##threads Threads} says, with the number of bytes read
     * @throws IllegalArgumentException as {@link #read(MemorySegment, long)}, or for unknown flags
     * @throws IllegalStateException as {@link #read(MemorySegment, long)}
     */
    public CompletableFuture<Integer> read(MemorySegment dst, long position, int ioFlags) {
        return single(IoOp.READ, dst, position, ioFlags, null);
    }

    /**
     * Reads into {@code dst} from its position to its limit, advancing its position by the count
     * when the request completes (as {@link java.nio.channels.AsynchronousFileChannel} does);
     * otherwise as {@link #read(MemorySegment, long)}.
     *
     * @param dst where the bytes go; a direct buffer is used in place, a heap buffer through a copy
     * @param position the file offset in bytes, at least 0
     * @return a future, completed as {@linkplain ##threads Threads} says, with the number of bytes read
     * @throws IllegalArgumentException when {@code dst} is read-only, or as
     *     {@link #read(MemorySegment, long)}
     * @throws IllegalStateException as {@link #read(MemorySegment, long)}
     */
    public CompletableFuture<Integer> read(ByteBuffer dst, long position) {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("pread " + path + ": the destination buffer is read-only");
        }
        return single(IoOp.READ, segmentOf(dst), position, IoFlags.NONE, dst);
    }

    /**
     * Writes all of {@code src} at {@code position}, as pwrite(2) (IORING_OP_WRITE, IOCB_CMD_PWRITE
     * or pwrite on a worker thread, depending on the engine; on a {@link FileOption#CACHED} file, a
     * copy into jaio's page cache), continuing after a short count until all is written. Errors are
     * described in the class documentation; arguments that can be checked are checked on the
     * calling thread.
     *
     * @param src the bytes to write; native memory is used in place, heap memory through a copy
     * @param position the file offset in bytes, at least 0
     * @return a future, completed as {@linkplain ##threads Threads} says, with the count written
     *     ({@code src.byteSize()}), or exceptionally with an {@link IoOperationException} (e.g.
     *     ENOSPC) whose {@link IoOperationException#bytesTransferred()} says how many bytes were
     *     written before the failure, a {@link FileClosedException} or an {@link EngineClosedException}
     * @throws IllegalArgumentException for a negative offset, misaligned memory (with
     *     {@link FileOption#DIRECT}) or more than {@link #MAX_TRANSFER} bytes
     * @throws IllegalStateException when the file is not open for writing or {@code src}'s memory is freed
     */
    public CompletableFuture<Integer> write(MemorySegment src, long position) {
        return write(src, position, IoFlags.NONE);
    }

    /**
     * Writes with per-request {@link IoFlags}, e.g. {@link IoFlags#DSYNC}; otherwise as
     * {@link #write(MemorySegment, long)}.
     *
     * @param src the bytes to write; native memory is used in place, heap memory through a copy
     * @param position the file offset in bytes, at least 0
     * @param ioFlags {@link IoFlags} constants or'ed together (RWF_* of pwritev2(2)), 0 for none;
     *     {@link IoFlags#NOWAIT} is refused on a {@link FileOption#CACHED} file
     * @return a future, completed as {@linkplain ##threads Threads} says, with the number of bytes written
     * @throws IllegalArgumentException as {@link #write(MemorySegment, long)}, or for unknown or
     *     refused flags
     * @throws IllegalStateException as {@link #write(MemorySegment, long)}
     */
    public CompletableFuture<Integer> write(MemorySegment src, long position, int ioFlags) {
        return single(IoOp.WRITE, src, position, ioFlags, null);
    }

    /**
     * Writes {@code src} from its position to its limit, all of it as {@link #write(MemorySegment, long)}
     * does, advancing its position by the count written when the request completes (not when the
     * write fails).
     *
     * @param src the bytes to write; a direct buffer is used in place, a heap buffer through a copy
     * @param position the file offset in bytes, at least 0
     * @return a future, completed as {@linkplain ##threads Threads} says, with the number of bytes written
     * @throws IllegalArgumentException as {@link #write(MemorySegment, long)}
     * @throws IllegalStateException as {@link #write(MemorySegment, long)}
     */
    public CompletableFuture<Integer> write(ByteBuffer src, long position) {
        return single(IoOp.WRITE, segmentOf(src), position, IoFlags.NONE, src);
    }

    /**
     * Reads into the buffers in order, as preadv(2): one request for all of them.
     *
     * @param dsts 1 to {@link #MAX_BUFFERS} native segments, filled in order; together at most
     *     {@link #MAX_TRANSFER} bytes
     * @param position the file offset of the first byte, at least 0
     * @return a future, completed as {@linkplain ##threads Threads} says, with the total number of
     *     bytes read (short at the end of the file), or exceptionally as {@link #read(MemorySegment, long)}'s
     * @throws IllegalArgumentException for no or too many buffers, heap memory, or as
     *     {@link #read(MemorySegment, long)}
     * @throws IllegalStateException as {@link #read(MemorySegment, long)}
     */
    public CompletableFuture<Long> readv(MemorySegment[] dsts, long position) {
        return readv(dsts, position, IoFlags.NONE);
    }

    /**
     * Vectored read with per-request {@link IoFlags} (preadv2(2)); otherwise as
     * {@link #readv(MemorySegment[], long)}.
     *
     * @param dsts 1 to {@link #MAX_BUFFERS} native segments, filled in order
     * @param position the file offset of the first byte, at least 0
     * @param ioFlags {@link IoFlags} constants or'ed together, 0 for none
     * @return a future, completed as {@linkplain ##threads Threads} says, with the total number of bytes read
     * @throws IllegalArgumentException as {@link #readv(MemorySegment[], long)}, or for unknown flags
     * @throws IllegalStateException as {@link #read(MemorySegment, long)}
     */
    public CompletableFuture<Long> readv(MemorySegment[] dsts, long position, int ioFlags) {
        return vectored(IoOp.READV, dsts, position, ioFlags);
    }

    /**
     * Writes all of the buffers in order, as pwritev(2): one request for all of them, continuing
     * after a short count as {@link #write(MemorySegment, long)} does.
     *
     * @param srcs 1 to {@link #MAX_BUFFERS} native segments, written in order; together at most
     *     {@link #MAX_TRANSFER} bytes
     * @param position the file offset of the first byte, at least 0
     * @return a future, completed as {@linkplain ##threads Threads} says, with the total count
     *     written, or exceptionally as {@link #write(MemorySegment, long)}'s
     * @throws IllegalArgumentException for no or too many buffers, heap memory, or as
     *     {@link #write(MemorySegment, long)}
     * @throws IllegalStateException as {@link #write(MemorySegment, long)}
     */
    public CompletableFuture<Long> writev(MemorySegment[] srcs, long position) {
        return writev(srcs, position, IoFlags.NONE);
    }

    /**
     * Vectored write with per-request {@link IoFlags} (pwritev2(2)); otherwise as
     * {@link #writev(MemorySegment[], long)}.
     *
     * @param srcs 1 to {@link #MAX_BUFFERS} native segments, written in order
     * @param position the file offset of the first byte, at least 0
     * @param ioFlags {@link IoFlags} constants or'ed together, 0 for none; {@link IoFlags#NOWAIT}
     *     is refused on a {@link FileOption#CACHED} file
     * @return a future, completed as {@linkplain ##threads Threads} says, with the total number of
     *     bytes written
     * @throws IllegalArgumentException as {@link #writev(MemorySegment[], long)}, or for unknown or
     *     refused flags
     * @throws IllegalStateException as {@link #write(MemorySegment, long)}
     */
    public CompletableFuture<Long> writev(MemorySegment[] srcs, long position, int ioFlags) {
        return vectored(IoOp.WRITEV, srcs, position, ioFlags);
    }

    /**
     * Flushes data and metadata to stable storage (fsync(2)), asynchronously: IORING_OP_FSYNC,
     * IOCB_CMD_FSYNC or fsync on a worker thread. On a {@link FileOption#CACHED} file the dirty
     * pages of jaio's cache are written back first.
     *
     * @return a future of null, completed as {@linkplain ##threads Threads} says, once the data
     *     is durable, or exceptionally with an {@link IoOperationException} (e.g. EIO, also for a
     *     failed writeback of the cache), {@link FileClosedException} or {@link EngineClosedException}
     */
    public CompletableFuture<Void> fsync() {
        return sync(IoOp.FSYNC);
    }

    /**
     * Flushes data, and metadata only as needed to read it back (fdatasync(2)), asynchronously;
     * otherwise as {@link #fsync()}.
     *
     * @return a future of null, completed as {@linkplain ##threads Threads} says, once the data
     *     is durable, or exceptionally as {@link #fsync()}'s
     */
    public CompletableFuture<Void> fdatasync() {
        return sync(IoOp.FDATASYNC);
    }

    private CompletableFuture<Integer> single(int opcode, MemorySegment seg, long position, int ioFlags,
            ByteBuffer advance) {
        String op = FileOp.operationName(opcode);
        boolean isRead = opcode == IoOp.READ;
        IoFlags.check(ioFlags);
        checkMode(op, isRead);
        checkPosition(op, position, seg.byteSize());
        if (seg.byteSize() > MAX_TRANSFER) {
            throw new IllegalArgumentException(op + " " + path + ": " + seg.byteSize()
                    + " bytes exceed the largest single transfer, " + MAX_TRANSFER + " bytes");
        }
        checkBuffer(op, seg, isRead, position);
        if (cache != null && (isRead || !writesThroughKernel(ioFlags))) {
            return isRead ? cachedRead(op, seg, null, position, seg.byteSize(), ioFlags, advance, FileOp.RESULT_INT)
                    : cachedWrite(op, seg, null, position, seg.byteSize(), ioFlags, advance, FileOp.RESULT_INT);
        }
        MemorySegment target = seg;
        MemorySegment readBack = null;
        if (!seg.isNative()) {
            target = bounce(seg, isRead);
            readBack = isRead ? seg : null;
        }
        FileOp<Integer> f = new FileOp<>(this, opcode, target, null, position, ioFlags, seg.byteSize(),
                FileOp.RESULT_INT);
        f.readInto(readBack).advance(advance);
        return submit(op, f, seg.isNative() ? seg : null);
    }

    private CompletableFuture<Long> vectored(int opcode, MemorySegment[] segs, long position, int ioFlags) {
        String op = FileOp.operationName(opcode);
        boolean isRead = opcode == IoOp.READV;
        IoFlags.check(ioFlags);
        checkMode(op, isRead);
        if (segs.length == 0 || segs.length > MAX_BUFFERS) {
            throw new IllegalArgumentException(op + " " + path + ": needs 1 to " + MAX_BUFFERS + " buffers, got "
                    + segs.length);
        }
        long total = 0;
        MemorySegment[] targets = segs.clone();
        for (int i = 0; i < segs.length; i++) {
            MemorySegment s = segs[i];
            checkBuffer(op, s, isRead, position + total);
            if (!s.isNative()) {
                throw new IllegalArgumentException(op + " " + path + ": buffer " + i
                        + " is heap memory; vectored requests need native memory");
            }
            total += s.byteSize();
        }
        checkPosition(op, position, total);
        if (total > MAX_TRANSFER) {
            throw new IllegalArgumentException(op + " " + path + ": " + total
                    + " bytes exceed the largest single transfer, " + MAX_TRANSFER + " bytes");
        }
        if (cache != null && (isRead || !writesThroughKernel(ioFlags))) {
            return isRead ? cachedRead(op, null, targets, position, total, ioFlags, null, FileOp.RESULT_LONG)
                    : cachedWrite(op, null, targets, position, total, ioFlags, null, FileOp.RESULT_LONG);
        }
        IoBuffer[] pins = new IoBuffer[targets.length];
        FileOp<Long> f = new FileOp<>(this, opcode, null, targets, position, ioFlags, total, FileOp.RESULT_LONG);
        if (!begin()) {
            return CompletableFuture.failedFuture(refused(op, position, total));
        }
        try {
            for (int i = 0; i < targets.length; i++) {
                pins[i] = IoBuffer.pin(targets[i], op, path, position, total);
            }
        } catch (RuntimeException e) {
            for (IoBuffer b : pins) {
                if (b != null) {
                    b.unpin();
                }
            }
            endOp();
            throw e;
        }
        f.pins(pins);
        dispatch(f, position, total, !isRead);
        return f;
    }

    private CompletableFuture<Void> sync(int opcode) {
        String op = FileOp.operationName(opcode);
        if (cache != null) {
            return cachedSync(op, opcode == IoOp.FDATASYNC);
        }
        FileOp<Void> f = new FileOp<>(this, opcode, null, null, 0, 0, 0, FileOp.RESULT_VOID);
        if (!begin()) {
            return CompletableFuture.failedFuture(refused(op));
        }
        engine.execute(f);
        return f;
    }

    private <T> CompletableFuture<T> submit(String op, FileOp<T> f, MemorySegment pinCandidate) {
        if (!begin()) {
            return CompletableFuture.failedFuture(refused(op, f.offset(), f.length()));
        }
        if (pinCandidate != null) {
            try {
                f.pin(IoBuffer.pin(pinCandidate, op, path, f.offset(), f.length()));
            } catch (RuntimeException e) {
                endOp();
                throw e;
            }
        }
        dispatch(f, f.offset(), f.length(), f.isWrite());
        return f;
    }

    /**
     * Hands a request of this (non-CACHED) handle to the engine, coherent with jaio's cache (§4):
     * when a CACHED handle of the same file is open on this engine and the cache may hold data the
     * device does not have yet, the range is written back (and its writeback waited for) first,
     * asynchronously; a write also drops the range's cached pages before it starts (and again when
     * it completes, {@link #afterUncachedWrite}), so no cached read returns bytes older than it.
     * A write holds the cache's write gate from before its writeback to its end, so no cached
     * write copies into the file meanwhile (its page would be dropped, or seen dirty and taken for
     * a failed writeback). Without such a handle this is one volatile read more than a plain submit.
     */
    private void dispatch(FileOp<?> f, long position, long length, boolean write) {
        FileCache fc = coherentCache();
        if (fc == null || length <= 0) {
            engine.execute(f);
            return;
        }
        long first = position / PageFrames.PAGE_SIZE;
        long last = (position + length - 1) / PageFrames.PAGE_SIZE;
        if (!write) {
            if (!fc.mayHoldUnwrittenData()) {
                engine.execute(f);
            } else {
                fc.writeBackForDirect(first, last).whenComplete((v, t) -> engine.execute(f));
            }
            return;
        }
        fc.enterDirectWrite(() -> {
            if (!f.holdGate(fc)) {
                return; // cancelled while it waited for the gate
            }
            if (!fc.mayHoldUnwrittenData()) {
                fc.invalidateClean(first, last);
                engine.execute(f);
                return;
            }
            fc.writeBackForDirect(first, last).whenComplete((v, t) -> {
                if (fc.hasDirtyPages(first, last)) {
                    // The writeback failed (no cached write can dirty the range while this write
                    // holds the gate): dropping those pages would lose their other bytes, and a
                    // later writeback of them would overwrite this write. Refused, as the kernel does.
                    f.reject(Errno.EIO);
                    return;
                }
                fc.invalidateClean(first, last);
                engine.execute(f);
            });
        });
    }

    /**
     * An {@link IoContext} read of this (non-CACHED) handle is about to be prepared: when jaio's
     * cache may hold data of the range the device does not have, it is written back first. This
     * waits (the context's thread, in prepare), a slow path taken only when a CACHED handle of the
     * file wrote and its pages are not written back yet.
     */
    void beforeUncachedReadInContext(long position, long length) {
        FileCache fc = coherentCache();
        if (fc != null && length > 0 && fc.mayHoldUnwrittenData()) {
            refuseWaitOnOwnContext("pread", position, fc, position / PageFrames.PAGE_SIZE,
                    (position + length - 1) / PageFrames.PAGE_SIZE, false);
            fc.writeBackForDirect(position / PageFrames.PAGE_SIZE, (position + length - 1) / PageFrames.PAGE_SIZE)
                    .join();
        }
    }

    /**
     * As {@link #beforeUncachedReadInContext}, for a write: then the range's cached pages are
     * dropped too. The write enters the cache's write gate (blocking while a cached write copies)
     * and holds it until {@link #afterUncachedWrite} or {@link #abandonUncachedWrite}, as
     * {@link #dispatch} does; returns the cache whose gate it holds, or null.
     */
    FileCache beforeUncachedWriteInContext(String op, long position, long length) {
        FileCache fc = coherentCache();
        if (fc == null || length <= 0) {
            return null;
        }
        long first = position / PageFrames.PAGE_SIZE;
        long last = (position + length - 1) / PageFrames.PAGE_SIZE;
        try {
            fc.enterDirectWriteNow();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(op + " " + path + " at offset " + position + ": " + e.getMessage(), e);
        }
        try {
            if (fc.mayHoldUnwrittenData()) {
                refuseWaitOnOwnContext(op, position, fc, first, last, false);
                fc.writeBackForDirect(first, last).join();
                if (fc.hasDirtyPages(first, last)) {
                    throw new java.io.UncheckedIOException(failure(op, position, length, Errno.EIO));
                }
            }
            fc.invalidateClean(first, last);
        } catch (RuntimeException | Error e) {
            fc.leaveDirectWrite();
            throw e;
        }
        return fc;
    }

    /** A context write that entered the gate ({@link #beforeUncachedWriteInContext}) will never complete. */
    static void abandonUncachedWrite(FileCache held) {
        if (held != null) {
            held.leaveDirectWrite();
        }
    }

    /**
     * The cache of this file on this engine: this handle's own (a CACHED handle's write that goes
     * through the kernel, {@link #writesThroughKernel}), or that of a CACHED handle of the file.
     */
    private FileCache coherentCache() {
        if (cache != null) {
            return cache.file();
        }
        if (identity == null) {
            return null;
        }
        PageCache pc = engine.existingPageCache();
        return pc == null ? null : pc.lookup(identity);
    }

    /**
     * A write of this (non-CACHED) handle completed: cached pages of its range are dropped (they
     * may have been read back while it ran) and the cached size grows to its end, before its future
     * completes. The size grows only now, after the data is on the device (§4.2). {@code held} is
     * the cache whose write gate the write holds (the caller leaves it afterwards), or null; the
     * cache of the file now (a CACHED handle opened meanwhile) is brought up to date too. Dirty
     * pages stay: the write held the gate, so none is newer than it, and one whose writeback
     * failed must not lose its bytes. Called only for a write that reached the kernel.
     */
    void afterUncachedWrite(FileCache held, long position, long length, long result) {
        if (length <= 0) {
            return;
        }
        FileCache now = coherentCache();
        afterUncachedWriteIn(held, position, length, result);
        if (now != null && now != held) {
            // The cache the write held was dropped (its last CACHED handle closed) and another
            // made meanwhile, which may have read the range while the write ran.
            afterUncachedWriteIn(now, position, length, result);
        }
    }

    private static void afterUncachedWriteIn(FileCache fc, long position, long length, long result) {
        if (fc == null) {
            return;
        }
        fc.invalidateClean(position / PageFrames.PAGE_SIZE, (position + length - 1) / PageFrames.PAGE_SIZE);
        if (result > 0) {
            fc.growSize(position + result);
        }
    }

    /**
     * Counts a request of a CACHED file in: null when it may go on (the caller then owes an
     * {@link #endOp()}), else the failed future to return (the file or the engine is closed).
     */
    private <T> CompletableFuture<T> refuseCached(String op, long position, long length) {
        if (!begin()) {
            return CompletableFuture.failedFuture(refused(op, position, length));
        }
        if (engine.isClosed()) {
            endOp();
            return CompletableFuture.failedFuture(
                    new EngineClosedException(Requests.describe(op, path, position, length), engine.name()));
        }
        return null;
    }

    /** {@link #pinAll} for a request already counted in, which ends if pinning throws. */
    private IoBuffer[] pinAllOrEnd(MemorySegment one, MemorySegment[] many, String op, long position, long length) {
        try {
            return pinAll(one, many, op, path, position, length);
        } catch (RuntimeException e) {
            endOp();
            throw e;
        }
    }

    private <T> CompletableFuture<T> cachedRead(String op, MemorySegment dst, MemorySegment[] dsts, long position,
            long length, int ioFlags, ByteBuffer advance, int resultKind) {
        CompletableFuture<T> refused = refuseCached(op, position, length);
        if (refused != null) {
            return refused;
        }
        IoBuffer[] pins = pinAllOrEnd(dst, dsts, op, position, length);
        CachedFileRead<T> r = new CachedFileRead<>(cache, dst, dsts, position, length,
                (ioFlags & IoFlags.NOWAIT) != 0,
                new CachedRequestEnd(this, op, position, length, resultKind, pins, advance));
        r.start();
        return r;
    }

    /**
     * A write through the page cache: copied into the file's pages (dirty), and, for O_SYNC or
     * O_DSYNC (the file's option or the request's flag), written back and made durable before the
     * future completes.
     */
    private <T> CompletableFuture<T> cachedWrite(String op, MemorySegment src, MemorySegment[] srcs, long position,
            long length, int ioFlags, ByteBuffer advance, int resultKind) {
        if ((ioFlags & IoFlags.NOWAIT) != 0) {
            throw new IllegalArgumentException(op + " " + path + ": NOWAIT writes are not supported on CACHED files");
        }
        CompletableFuture<T> refused = refuseCached(op, position, length);
        if (refused != null) {
            return refused;
        }
        IoBuffer[] pins = pinAllOrEnd(src, srcs, op, position, length);
        CachedFileWrite<T> w = new CachedFileWrite<>(cache, src, srcs, position, length, syncFlags(ioFlags),
                new CachedRequestEnd(this, op, position, length, resultKind, pins, advance));
        w.start();
        return w;
    }

    /**
     * Whether a write of this CACHED handle goes through the kernel's buffered path (a plain
     * pwrite on this handle's descriptor, coherent with jaio's cache as a write of another handle
     * is): the file system cannot reserve blocks, so jaio's cache could not fail the write at write
     * time (see {@link FileCache#writesThroughKernel}). NOWAIT is refused on CACHED files either way.
     */
    private boolean writesThroughKernel(int ioFlags) {
        if ((ioFlags & IoFlags.NOWAIT) != 0) {
            return false; // refused by cachedWrite, with its message
        }
        FileCache fc = cache.file();
        if (fc.reserveProbed()) {
            return fc.writesThroughKernel(cache); // known: no system call, no operation count
        }
        if (!begin()) {
            return false; // closed: cachedWrite refuses it, with its message
        }
        try {
            return fc.writesThroughKernel(cache); // the probe, on an open descriptor only
        } finally {
            endOp();
        }
    }

    /** Whether a write of this CACHED handle through {@code ctx} goes through the kernel (see above). */
    boolean cachedWritesGoThroughKernel() {
        return cache != null && writesThroughKernel(0);
    }

    /** RWF_SYNC or RWF_DSYNC for a write with {@code ioFlags} on this file, or 0. */
    int syncFlags(int ioFlags) {
        if (options.contains(FileOption.SYNC) || (ioFlags & IoFlags.SYNC) != 0) {
            return Rwf.RWF_SYNC;
        }
        if (options.contains(FileOption.DSYNC) || (ioFlags & IoFlags.DSYNC) != 0) {
            return Rwf.RWF_DSYNC;
        }
        return 0;
    }

    private CompletableFuture<Void> cachedSync(String op, boolean dataOnly) {
        CompletableFuture<Void> refused = refuseCached(op, -1, -1);
        if (refused != null) {
            return refused;
        }
        CachedFileWrite<Void> w = new CachedFileWrite<>(cache, dataOnly,
                new CachedRequestEnd(this, op, -1, -1, FileOp.RESULT_VOID, null, null));
        w.start();
        return w;
    }

    /** Pins the jaio buffers among the destinations (null entries for other memory); null if none. */
    private static IoBuffer[] pinAll(MemorySegment dst, MemorySegment[] dsts, String op, Path path, long position,
            long length) {
        MemorySegment[] all = dst != null ? new MemorySegment[] {dst} : dsts;
        IoBuffer[] pins = null;
        try {
            for (int i = 0; i < all.length; i++) {
                if (!all[i].isNative()) {
                    continue;
                }
                IoBuffer b = IoBuffer.pin(all[i], op, path, position, length);
                if (b != null) {
                    if (pins == null) {
                        pins = new IoBuffer[all.length];
                    }
                    pins[i] = b;
                }
            }
        } catch (RuntimeException e) {
            unpinAll(pins);
            throw e;
        }
        return pins;
    }

    static void unpinAll(IoBuffer[] pins) {
        if (pins != null) {
            for (IoBuffer b : pins) {
                if (b != null) {
                    b.unpin();
                }
            }
        }
    }

    private MemorySegment bounce(MemorySegment heap, boolean isRead) {
        // The GC frees this once the op, which holds it until completion, is gone.
        MemorySegment native_ = Arena.ofAuto().allocate(Math.max(1, heap.byteSize()), alignment().bufferAlignment())
                .asSlice(0, heap.byteSize());
        if (!isRead) {
            MemorySegment.copy(heap, 0, native_, 0, heap.byteSize());
        }
        return native_;
    }

    private static MemorySegment segmentOf(ByteBuffer buffer) {
        return MemorySegment.ofBuffer(buffer);
    }

    // ---- argument checks ----

    void checkMode(String op, boolean isRead) {
        if (isRead && !readable) {
            throw new IllegalStateException(op + " " + path + ": the file is not open for reading (add FileOption.READ)");
        }
        if (!isRead && !writable) {
            throw new IllegalStateException(op + " " + path
                    + ": the file is open read-only; open it with FileOption.WRITE to write");
        }
    }

    void checkPosition(String op, long position, long length) {
        if (position < 0) {
            throw new IllegalArgumentException(op + " " + path + ": negative offset " + position);
        }
        if (position + length < 0) {
            throw new IllegalArgumentException(op + " " + path + ": offset " + position + " + length " + length
                    + " overflows");
        }
    }

    /** Checks what the kernel would refuse, or what would corrupt memory, before it is submitted. */
    void checkBuffer(String op, MemorySegment seg, boolean isRead, long position) {
        if (!seg.scope().isAlive()) {
            throw new IllegalStateException(op + " " + path + ": the buffer's memory has been freed");
        }
        if (isRead && seg.isReadOnly()) {
            throw new IllegalArgumentException(op + " " + path + ": the destination buffer is read-only");
        }
        if (!direct) {
            return;
        }
        int offAlign = alignment.offsetAlignment();
        int memAlign = alignment.memoryAlignment();
        if (!alignment.supported()) {
            throw new IllegalArgumentException(op + " " + path + ": the file is open with O_DIRECT but its "
                    + "filesystem reports no O_DIRECT support (" + alignment.source() + ")");
        }
        if (position % offAlign != 0) {
            throw new IllegalArgumentException(op + " " + path + " at offset " + position
                    + ": O_DIRECT needs file offsets aligned to " + offAlign + " bytes (" + alignment.source() + ")");
        }
        if (seg.byteSize() % offAlign != 0) {
            throw new IllegalArgumentException(op + " " + path + " at offset " + position + ": O_DIRECT needs lengths"
                    + " that are multiples of " + offAlign + " bytes, got " + seg.byteSize() + " ("
                    + alignment.source() + ")");
        }
        if (seg.isNative() && seg.address() % memAlign != 0) {
            throw new IllegalArgumentException(op + " " + path + " at offset " + position
                    + ": O_DIRECT needs buffer addresses aligned to " + memAlign + " bytes, buffer at 0x"
                    + Long.toHexString(seg.address()) + " is off by " + (seg.address() % memAlign)
                    + " (allocate with AsyncFile.allocateBuffer or IoBuffer.allocate)");
        }
    }

    // ---- synchronous metadata operations ----

    /**
     * The file's size (statx(2)). Synchronous: runs on the calling thread.
     *
     * @return the size in bytes; for a {@link FileOption#CACHED} file, including writes still in
     *     jaio's cache
     * @throws FileClosedException when the file is closed
     * @throws EngineClosedException when the file's engine is closing or closed
     * @throws IoOperationException when statx fails, naming the errno
     * @throws IOException for another failure to read the size
     */
    public long size() throws IOException {
        beginOrThrow("statx");
        try {
            long size = DirectIo.size(fd);
            if (size < 0) {
                throw failure("statx", -1, -1, (int) -size);
            }
            if (cache != null) {
                // Writes still in the cache count: the file is as long as its readers see it.
                cache.file().refreshSize(size);
                return cache.file().size();
            }
            return size;
        } finally {
            endOp();
        }
    }

    /**
     * Reserves disk space for {@code [position, position + length)} (fallocate(2) mode 0), extending
     * the file size if the range ends past it. Synchronous: runs on the calling thread.
     *
     * @param position the first byte to reserve, at least 0
     * @param length bytes to reserve, at least 1
     * @throws IllegalArgumentException for a negative offset or a length below 1
     * @throws IllegalStateException when the file is not open for writing
     * @throws FileClosedException when the file is closed
     * @throws EngineClosedException when the file's engine is closing or closed
     * @throws IoOperationException when fallocate fails, naming the errno (e.g. ENOSPC, or
     *     EOPNOTSUPP on a filesystem without it); EIO when the file grows and the dirty pages of
     *     jaio's cache between the disk's end and the new end could not be written back first
     * @throws IOException for another failure to allocate
     */
    public void allocate(long position, long length) throws IOException {
        if (position < 0 || length <= 0) {
            throw new IllegalArgumentException("fallocate " + path + ": needs offset >= 0 and length > 0, got "
                    + position + ", " + length);
        }
        checkMode("fallocate", false);
        beginOrThrow("fallocate");
        try {
            FileCache fc = cache != null ? cache.file() : coherentCache();
            writeBackBeforeGrowing("fallocate", fc, position + length);
            long rc = Libc.fallocate(fd, 0, position, length);
            if (rc < 0) {
                throw failure("fallocate", position, length, (int) -rc);
            }
            if (fc != null) {
                fc.growSize(position + length);
            }
        } finally {
            endOp();
        }
    }

    /**
     * Gives the kernel page cache advice about {@code [offset, offset + length)} (posix_fadvise(2);
     * length 0 means to the end of the file). {@link FileAdvice#DONTNEED} after an fsync makes the
     * next buffered read of the range cold. On a {@link FileOption#CACHED} file the advice also acts on
     * jaio's cache: DONTNEED drops the range's idle pages, WILLNEED starts reading the range into it
     * (without waiting), RANDOM turns this handle's readahead off, SEQUENTIAL doubles its window and
     * NORMAL restores both. Synchronous: runs on the calling thread.
     *
     * @param offset the first byte of the range, at least 0
     * @param length bytes in the range, at least 0; 0 means to the end of the file
     * @param advice what to tell the kernel (and jaio's cache)
     * @throws IllegalArgumentException for a negative offset or length
     * @throws FileClosedException when the file is closed
     * @throws EngineClosedException when the file's engine is closing or closed
     * @throws IoOperationException when posix_fadvise fails, naming the errno
     * @throws IOException for another failure to advise
     */
    public void advise(long offset, long length, FileAdvice advice) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("posix_fadvise " + path + ": needs offset >= 0 and length >= 0, got "
                    + offset + ", " + length);
        }
        beginOrThrow("posix_fadvise");
        try {
            long rc = Libc.posixFadvise(fd, offset, length, advice.value);
            if (rc < 0) {
                throw failure("posix_fadvise", offset, length, (int) -rc);
            }
            if (cache != null) {
                adviseCache(offset, length, advice);
            }
        } finally {
            endOp();
        }
    }

    private void adviseCache(long offset, long length, FileAdvice advice) {
        long first = offset / PageFrames.PAGE_SIZE;
        long last = length == 0 ? Long.MAX_VALUE : (offset + length - 1) / PageFrames.PAGE_SIZE;
        switch (advice) {
            case DONTNEED -> cache.file().dropIdle(first, last);
            case RANDOM -> cache.setRandomAccess(true);
            case SEQUENTIAL -> {
                cache.setRandomAccess(false);
                cache.setSequentialAccess(true);
            }
            case NORMAL -> {
                cache.setRandomAccess(false);
                cache.setSequentialAccess(false);
            }
            case WILLNEED -> {
                long size = cache.file().size();
                long end = length == 0 ? size : Math.min(size, offset + length);
                if (end > offset) {
                    long lastPage = (end - 1) / PageFrames.PAGE_SIZE;
                    // Asynchronous, as the kernel's: the pages are read while this returns.
                    cache.file().startRead(cache, first, lastPage - first + 1, -1, true);
                }
            }
            case NOREUSE -> {
            }
        }
    }

    /**
     * Sets the file size (ftruncate(2)): shrinks the file, or extends it with zeros. Synchronous:
     * runs on the calling thread. jaio's cached pages of the file (of this handle, or of
     * {@link FileOption#CACHED} handles of the same file on this engine) past the new end are
     * dropped, dirty or not. Cached writes of the file are kept out while it runs, as the kernel's
     * i_rwsem keeps buffered writes out: each lies wholly before or wholly after the truncate (one
     * that was waiting, for a page read say, starts over after it).
     *
     * @param size the new size in bytes, at least 0
     * @throws IllegalArgumentException for a negative size
     * @throws IllegalStateException when the file is not open for writing; when called on the
     *     engine's completion thread while jaio's cache has the file (the truncate may wait for
     *     I/O that thread completes), from a callback that a cached write runs inline on this
     *     thread (the truncate could wait for that write), or on a thread whose {@link IoContext}
     *     carries page I/O of the file past the new end that it has not reaped yet
     * @throws FileClosedException when the file is closed
     * @throws EngineClosedException when the file's engine is closing or closed
     * @throws IoOperationException when ftruncate fails, naming the errno (e.g. EFBIG); EIO when
     *     the file grows and the dirty pages of jaio's cache between the disk's end and the new end
     *     could not be written back first
     * @throws IOException for another failure to truncate
     */
    public void truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("ftruncate " + path + ": negative size " + size);
        }
        checkMode("ftruncate", false);
        beginOrThrow("ftruncate");
        try {
            // jaio's cache of the file: this handle's, or that of CACHED handles of the file on
            // this engine (a truncate through any handle must reach it).
            FileCache fc = cache != null ? cache.file() : coherentCache();
            if (fc != null) {
                // beginTruncate may wait for writeback, a page read or another truncate that waits
                // for them: I/O this thread may be the one to complete.
                refuseWaitOnCompletionThread("ftruncate", size);
                // It waits for writeback at and past the page the new end falls in, and for the
                // lock of that page when the end falls inside it (a read of it holds the lock).
                long endPage = size / PageFrames.PAGE_SIZE;
                refuseWaitOnOwnContext("ftruncate", size, fc, endPage, Long.MAX_VALUE, true);
                if (size % PageFrames.PAGE_SIZE != 0) {
                    refuseWaitOnOwnContext("ftruncate", size, fc, endPage, endPage, false);
                }
            }
            writeBackBeforeGrowing("ftruncate", fc, size);
            long[] saved = null;
            if (fc != null) {
                // The cache's size first (writeback then skips pages past it), and writes of pages
                // past it must be over before the file shrinks: one finishing later would extend it.
                try {
                    saved = fc.beginTruncate(size);
                } catch (IllegalStateException e) {
                    throw new IllegalStateException("ftruncate " + path + " to " + size + ": " + e.getMessage(), e);
                }
            }
            long rc = Long.MIN_VALUE; // a throw from the call: refused too
            try {
                rc = Libc.ftruncate(fd, size);
            } finally {
                if (fc != null && rc < 0) {
                    fc.abortTruncate(saved); // refused: the sizes stay as they were, writes go on
                }
            }
            if (rc < 0) {
                throw failure("ftruncate", size, -1, (int) -rc);
            }
            if (fc != null) {
                // Pages past the new end go (dirty or not); the page the end falls in keeps its bytes
                // before the end and gets zeros after it, as a later extension must read.
                fc.endTruncate(size);
            }
        } finally {
            endOp();
        }
    }

    /**
     * Before the file on disk grows to {@code newEnd} (a truncate up, an fallocate): jaio's dirty
     * pages between the disk's end and there are written back first, so that the disk never covers
     * bytes still only in the cache (they would read as zeros). A writeback that fails refuses the
     * call with EIO: growing the file would show zeros where the caller's writes are.
     */
    private void writeBackBeforeGrowing(String op, FileCache fc, long newEnd) throws IOException {
        if (fc == null || !fc.dirtyBeforeGrowing(newEnd)) {
            return;
        }
        refuseWaitOnCompletionThread(op, newEnd);
        refuseWaitOnOwnContext(op, newEnd, fc, 0, Long.MAX_VALUE, true);
        // A concurrent append may dirty another page there meanwhile: a few turns, then the grow
        // goes on (that append is not older than this call).
        for (int turn = 0; turn < 4 && fc.dirtyBeforeGrowing(newEnd); turn++) {
            try {
                fc.writeBackBeforeGrowing(newEnd).join();
            } catch (java.util.concurrent.CompletionException e) {
                throw failure(op, newEnd, -1, Errno.EIO);
            }
            int errno = fc.writebackErrnoBefore(newEnd);
            if (errno != 0) {
                throw failure(op, newEnd, -1, errno); // the writeback failed: growing would show zeros
            }
        }
    }

    /**
     * A call that must wait for the cache's device I/O of pages [firstIndex, lastIndex] cannot run
     * on a thread whose own {@link IoContext} carries such page I/O unreaped: only its getEvents
     * completes it, so the call would wait for itself.
     */
    private void refuseWaitOnOwnContext(String op, long offset, FileCache fc, long firstIndex, long lastIndex,
            boolean writesOnly) {
        if (IoContext.thisThreadOwesPageIo(fc, firstIndex, lastIndex, writesOnly)) {
            throw new IllegalStateException(op + " " + path + " at offset " + offset + ": it may wait for page I/O"
                    + " of jaio's cache that an IoContext of this thread holds and only its getEvents reaps;"
                    + " reap that context's cached requests first");
        }
    }

    /**
     * A metadata call that must wait for the cache's device I/O cannot run on the engine's
     * completion thread: that thread completes the I/O, so it would wait for itself.
     */
    private void refuseWaitOnCompletionThread(String op, long offset) {
        if (engine.inCompletionThread()) {
            throw new IllegalStateException(op + " " + path + " at offset " + offset + ": it must wait for jaio's"
                    + " cache to write pages back, which completes on this thread (the " + engine.name()
                    + " engine's completion thread); call it from another thread");
        }
    }

    // ---- lifetime ----

    int fd() {
        return fd;
    }

    /** The page cache handle of a CACHED file. */
    CacheHandle cacheHandle() {
        return cache;
    }

    IoOperationException failure(String op, long offset, long length, int errno) {
        return failure(op, offset, length, errno, 0);
    }

    /** The failure of a request that transferred {@code transferred} bytes before it failed (a continued write). */
    IoOperationException failure(String op, long offset, long length, int errno, long transferred) {
        return new IoOperationException(op, path, offset, length, errno, Errno.name(errno), Errno.describe(errno),
                transferred);
    }

    /** Counts a request of the caller in, unless the file is closed or its engine is closing. */
    boolean begin() {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
            if ((s & (CLOSED | DRAINING)) != 0) {
                return false;
            }
        } while (!STATE.compareAndSet(this, s, s + 1));
        return true;
    }

    /**
     * Counts a request of the cache in (its writeback through this handle), unless the file's
     * descriptors are closing: closed with no request left. A closed file whose requests have not
     * all ended (writers waiting for the cleaner, say) still lends its descriptors to writeback,
     * or those requests could wait for it forever.
     */
    private boolean retainUnlessClosed() {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0 && (s & COUNT) == 0) {
                return false;
            }
        } while (!STATE.compareAndSet(this, s, s + 1));
        return true;
    }

    /**
     * The exception for a request {@link #begin()} refused: the file is closed, or its engine is
     * closing.
     */
    java.nio.channels.ClosedChannelException refused(String op) {
        return refused(op, -1, -1);
    }

    /** {@link #refused(String)} for a request at {@code position} of {@code length} bytes, which the message names. */
    java.nio.channels.ClosedChannelException refused(String op, long position, long length) {
        String request = Requests.describe(op, path, position, length);
        if (((int) STATE.getVolatile(this) & CLOSED) == 0 && (engine.isClosing() || engine.isClosed())) {
            return new EngineClosedException(request, engine.name());
        }
        return new FileClosedException(request);
    }

    private void beginOrThrow(String op) throws java.nio.channels.ClosedChannelException {
        if (!begin()) {
            throw refused(op);
        }
    }

    /**
     * Counts a request out. The last one out of a closed file runs the close's last steps
     * ({@link #lastOut()}); the last one out of a draining file wakes the engine's close.
     */
    void endOp() {
        int s = (int) STATE.getAndAdd(this, -1) - 1;
        if ((s & COUNT) == 0 && s != 0) {
            if ((s & CLOSED) != 0) {
                lastOut();
            }
            if ((s & DRAINING) != 0 || engine.isClosing()) {
                synchronized (drainLock) {
                    drainLock.notifyAll();
                }
            }
        }
    }

    /**
     * Every request made on the closed file has ended (the caller's writes have dirtied their pages
     * by now, whatever state they were in when {@link #close()} ran). The last writable handle of a
     * CACHED file then writes its dirty pages back and makes them durable (an fdatasync through the
     * cache), since no other handle could write them; that sync counts as a request, and the
     * descriptors close when it ends. Its errors cannot be reported: call {@link #fsync()} before
     * close to see them.
     */
    private void lastOut() {
        if (cache != null && writable && !closeSyncStarted && !engine.isClosed()) {
            // (A closed engine wrote the pages back before it stopped; its cache is gone.)
            closeSyncStarted = true;
            FileCache f = cache.file();
            f.removeWriter(cache);
            if (!f.hasWriters() && f.hasDirtyPages()) {
                STATE.getAndAdd(this, 1);
                new CachedFileWrite<Void>(cache, true,
                        new CachedRequestEnd(this, "close", -1, -1, FileOp.RESULT_VOID, null, null)).start();
                return;
            }
        }
        closeDescriptor();
    }

    private void closeDescriptor() {
        engine.fileClosed(this);
        try {
            if (cache != null) {
                cache.file().cache().release(cache.file());
                Libc.close(cache.directFd());
            }
        } finally {
            Libc.close(fd);
            descriptorClosed.countDown();
            synchronized (drainLock) {
                drainLock.notifyAll();
            }
        }
    }

    /** The engine began closing as this file opened: its caller's requests are refused, as those of the others. */
    void markDraining() {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
        } while ((s & DRAINING) == 0 && !STATE.compareAndSet(this, s, s | DRAINING));
    }

    /**
     * The engine is closing: requests of the caller are refused from now on, and this waits until
     * every request already made on the file (a close's own sync included) has completed; the engine
     * still runs them. Blocking.
     *
     * @return whether it had to wait
     */
    boolean drainForEngineClose() {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
            if ((s & (CLOSED | DRAINING)) != 0) {
                break;
            }
        } while (!STATE.compareAndSet(this, s, s | DRAINING));
        boolean waited = false;
        boolean interrupted = false;
        // A closed file is done when its descriptors are: between its last request and its close
        // sync the count passes through 0 (lastOut), which must not end the drain.
        while (((int) STATE.getVolatile(this) & COUNT) != 0
                || (((int) STATE.getVolatile(this) & CLOSED) != 0 && descriptorClosed.getCount() > 0)) {
            waited = true;
            // Requests of an IoContext whose owner thread died are reaped by nobody: close such
            // contexts, now and every 100 ms while waiting (an owner may die meanwhile).
            IoContext.closeAbandoned();
            synchronized (drainLock) {
                int now = (int) STATE.getVolatile(this);
                if ((now & COUNT) != 0 || ((now & CLOSED) != 0 && descriptorClosed.getCount() > 0)) {
                    try {
                        drainLock.wait(100);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return waited;
    }

    /**
     * Makes new requests fail, waits until every request already made on this file has completed,
     * then closes the descriptor. A write accepted before close, whatever its state, is in the
     * file's pages when its future completes; the last writable handle of a {@link FileOption#CACHED}
     * file then writes the file's dirty pages back and makes them durable before the descriptors
     * close. Called on the engine's completion thread (from a callback), or from a callback that a
     * cached request runs inline inside another request's step, it does not wait: the descriptor
     * closes when the last request completes. Do not call it from the thread that drives
     * an {@link IoContext} holding requests on this file: only that thread can reap them.
     */
    @Override
    public void close() {
        if (((int) STATE.getVolatile(this) & COUNT) != 0) {
            IoContext.closeAbandoned(); // requests of a context whose owner died would never end
        }
        int s;
        do {
            s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) {
                awaitClosed();
                return;
            }
        } while (!STATE.compareAndSet(this, s, s | CLOSED));
        if ((s & COUNT) == 0) {
            lastOut();
        }
        awaitClosed();
    }

    private void awaitClosed() {
        if (engine.inCompletionThread() || PageCache.inRequestStep()) {
            // A callback on the thread that completes requests, or run inline inside a step of
            // another request: waiting would keep that request from ending. The descriptors close
            // when the last request ends.
            return;
        }
        // Requests of an IoContext whose owner thread died are reaped by nobody: close such
        // contexts, now and, since an owner may die while we wait, every 100 ms until the end.
        boolean interrupted = false;
        while (true) {
            IoContext.closeAbandoned();
            try {
                if (descriptorClosed.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true; // a close that returned early would free what the kernel may use
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "AsyncFile[" + path + ", " + options + ", engine " + engine.name() + "]";
    }
}
