package dev.jaio;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.file.FileOpener;
import dev.jaio.internal.file.HandleAccess;
import dev.jaio.internal.file.OpenFile;
import dev.jaio.internal.file.RangeLocks;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

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
 * <p>How requests complete and fail, how futures cancel, what memory a request holds, what
 * CACHED files do, the threads that run callbacks and how closing waits: see the
 * {@linkplain dev.jaio##results package overview}.
 */
public final class AsyncFile implements AutoCloseable {

    /** Largest byte count of one read or write, the kernel's MAX_RW_COUNT (INT_MAX rounded down to a page). */
    public static final int MAX_TRANSFER = OpenFile.MAX_TRANSFER;
    /** Most buffers in one vectored request (IOV_MAX). */
    public static final int MAX_BUFFERS = OpenFile.MAX_BUFFERS;
    /**
     * What {@link #tryRead} returns when it did not read: the read would have to wait (EWOULDBLOCK).
     * Not -1, which NIO's channels return at the end of a stream (tryRead returns 0 there).
     */
    public static final long WOULD_BLOCK = -2;

    private final IoEngine engine;
    /** The open file: descriptors, operation count, backend (kernel I/O or jaio's cache). */
    private final OpenFile body;

    static {
        HandleAccess.register(f -> ((AsyncFile) f).body);
    }

    private AsyncFile(IoEngine engine, OpenFile body) {
        this.engine = engine;
        this.body = body;
    }

    /**
     * Opens a file on the {@linkplain IoEngine#shared() shared engine}, as
     * {@link #open(IoEngine, Path, Set)} does, with the same exceptions.
     *
     * @param path the file, as for {@link #open(IoEngine, Path, Set)}
     * @param options how to open it; none means read-only
     * @return the open file, to be closed by the caller
     * @throws IOException when the shared engine cannot be opened, or as {@link #open(IoEngine, Path, Set)}
     */
    public static AsyncFile open(Path path, FileOption... options) throws IOException {
        return open(IoEngine.shared(), path, options);
    }

    /**
     * Opens a file on {@code engine}, as {@link #open(IoEngine, Path, Set)} does, with the same
     * exceptions.
     *
     * @param engine the engine that runs the file's requests and completes their futures
     * @param path the file, as for {@link #open(IoEngine, Path, Set)}
     * @param options how to open it; none means read-only
     * @return the open file, to be closed by the caller
     * @throws IOException as {@link #open(IoEngine, Path, Set)}
     */
    public static AsyncFile open(IoEngine engine, Path path, FileOption... options) throws IOException {
        Set<FileOption> set = EnumSet.noneOf(FileOption.class);
        Collections.addAll(set, options);
        return open(engine, path, set);
    }

    /**
     * Opens a file on {@code engine}: open(2) with O_CLOEXEC and the flags of {@code options}, and
     * statx(2) for the file's O_DIRECT alignment. Without {@link FileOption#READ} or
     * {@link FileOption#WRITE} it is opened for reading. {@code path} names the file
     * {@link java.nio.channels.FileChannel#open} would open: the kernel gets the Path's own bytes,
     * even for a name read from a directory that the JDK's charset cannot decode (its toString()
     * then differs from the name). A {@link FileOption#CACHED} file's page cache does its device I/O
     * with O_DIRECT: a read-only handle's one descriptor is turned O_DIRECT (fcntl F_SETFL), a
     * writable one gets a second, O_DIRECT descriptor; it makes the engine's page cache on first use.
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
     * @throws IoOperationException for any other open(2) or statx(2) error, naming the errno (EINVAL
     *     with DIRECT or CACHED: no O_DIRECT there), or when TRUNCATE's ftruncate(2) fails (see
     *     {@link #truncate}, whose IllegalStateExceptions it throws too)
     * @throws IOException for any other failure to open the file
     * @throws IllegalArgumentException for TRUNCATE without WRITE, for CACHED with DIRECT, for APPEND
     *     without WRITE or with CACHED or TRUNCATE, or for
     *     CACHED on a filesystem whose O_DIRECT alignment does not divide jaio's 4096-byte page
     * @throws IllegalStateException when {@code engine} is closed
     * @throws java.nio.file.ProviderMismatchException for a path of another file system than the default
     */
    public static AsyncFile open(IoEngine engine, Path path, Set<FileOption> options) throws IOException {
        return new AsyncFile(engine, FileOpener.open(engine.files(), path, checkedOptions(engine, path, options)));
    }

    private static Set<FileOption> checkedOptions(IoEngine engine, Path path, Set<FileOption> options) {
        Set<FileOption> opts = options.isEmpty() ? EnumSet.noneOf(FileOption.class) : EnumSet.copyOf(options);
        if (opts.contains(FileOption.TRUNCATE) && !opts.contains(FileOption.WRITE)) {
            throw new IllegalArgumentException("open " + path + ": TRUNCATE needs WRITE");
        }
        if (opts.contains(FileOption.APPEND) && (!opts.contains(FileOption.WRITE) || opts.contains(FileOption.CACHED)
                || opts.contains(FileOption.TRUNCATE))) {
            throw new IllegalArgumentException("open " + path + ": APPEND needs WRITE, and excludes CACHED and TRUNCATE");
        }
        if (opts.contains(FileOption.CACHED) && opts.contains(FileOption.DIRECT)) {
            throw new IllegalArgumentException("open " + path + ": CACHED (jaio's page cache) and DIRECT (no cache)"
                    + " exclude each other");
        }
        if (engine.isClosing() || engine.isClosed()) {
            throw new IllegalStateException("open " + path + ": the " + engine.name() + " engine is closed");
        }
        return opts;
    }

    /**
     * As {@link #open(IoEngine, Path, Set)}, with the attributes a file it creates gets, as
     * {@link java.nio.file.Files#newByteChannel(Path, Set, FileAttribute[])} takes them: the POSIX
     * permissions ({@code "posix:permissions"} or {@code "unix:permissions"}, e.g. from
     * {@link java.nio.file.attribute.PosixFilePermissions#asFileAttribute}) become open(2)'s mode,
     * which the process's umask then narrows. Without attributes a created file gets mode 0644, as
     * {@link FileOption#CREATE} says. An existing file keeps its permissions.
     *
     * @param engine the engine that runs the file's requests
     * @param path the file
     * @param options how to open it; empty means read-only
     * @param attributes attributes of a file the open creates
     * @return the open file, to be closed by the caller
     * @throws UnsupportedOperationException for an attribute other than the permissions
     * @throws IOException as {@link #open(IoEngine, Path, Set)}, with its other exceptions
     */
    public static AsyncFile open(IoEngine engine, Path path, Set<FileOption> options, FileAttribute<?>... attributes)
            throws IOException {
        int mode = 0644;
        for (FileAttribute<?> a : attributes) {
            if (!a.name().equals("posix:permissions") && !a.name().equals("unix:permissions")) {
                throw new UnsupportedOperationException("open " + path + ": the attribute " + a.name()
                        + " cannot be set when a file is created (only posix:permissions)");
            }
            mode = 0;
            for (Object p : (Set<?>) a.value()) {
                mode |= permissionBit((PosixFilePermission) p);
            }
        }
        Set<FileOption> opts = checkedOptions(engine, path, options);
        return new AsyncFile(engine, FileOpener.open(engine.files(), path, opts, mode));
    }

    private static int permissionBit(PosixFilePermission p) {
        return switch (p) {
            case OWNER_READ -> 0400;
            case OWNER_WRITE -> 0200;
            case OWNER_EXECUTE -> 0100;
            case GROUP_READ -> 040;
            case GROUP_WRITE -> 020;
            case GROUP_EXECUTE -> 010;
            case OTHERS_READ -> 04;
            case OTHERS_WRITE -> 02;
            case OTHERS_EXECUTE -> 01;
        };
    }

    /** {@return the path the file was opened with, as given to {@code open}, not made absolute} */
    public Path path() {
        return body.path();
    }

    /** {@return the engine the requests run on, whose completion thread completes their futures} */
    public IoEngine engine() {
        return engine;
    }

    /** {@return the options the file was opened with, as an unmodifiable set} */
    public Set<FileOption> options() {
        return body.options();
    }

    /** {@return whether the file is {@link FileOption#CACHED}: its I/O goes through jaio's page cache} */
    public boolean isCached() {
        return body.cacheHandle() != null;
    }

    /**
     * Sets the readahead policy of this CACHED handle, from a fresh state; other handles keep theirs.
     *
     * @param policy the readahead policy for this handle's later reads
     * @throws IllegalStateException when the file is not CACHED
     */
    public void setReadahead(ReadaheadPolicy policy) {
        body.requireCached("setReadahead").setLegacyReadahead(policy == ReadaheadPolicy.LEGACY);
    }

    /**
     * {@return the readahead policy of this CACHED handle: the one set by {@link #setReadahead}, or
     * else the engine's {@link PageCacheConfig#readahead()}}
     *
     * @throws IllegalStateException when the file is not CACHED
     */
    public ReadaheadPolicy readahead() {
        return body.requireCached("readahead").legacyReadahead() ? ReadaheadPolicy.LEGACY : ReadaheadPolicy.UPFRONT;
    }


    /** {@return whether the file is {@link FileOption#DIRECT}: requests aligned as {@link #alignment()} says} */
    public boolean isDirect() {
        return body.isDirect();
    }

    /**
     * {@return the file's O_DIRECT alignment in bytes (also when not opened DIRECT), found at open:
     * statx(2) STATX_DIOALIGN, or the fallback that {@link DirectIoAlignment#source()} names}
     */
    public DirectIoAlignment alignment() {
        return body.alignment();
    }

    /** {@return whether {@link #close()} began: requests made since fail with {@link FileClosedException}} */
    public boolean isClosed() {
        return body.isClosed();
    }

    /**
     * The file's preferred I/O size: statx's {@code stx_blksize}, the file system's block size
     * for efficient I/O, as a power of two from 4096 to 1 MiB (4096 when statx cannot say). Direct
     * writes that are multiples of it, at offsets aligned to it, need no read-modify-write of a
     * block; smaller ones are allowed down to {@link #alignment()}'s minimum, but may run at a
     * fraction of the speed (half, for 512-byte-aligned appends on ext4 on the development VM).
     *
     * @return bytes, a power of two, at least 4096
     */
    public int preferredIoSize() {
        return body.preferredIoSize();
    }

    /**
     * Allocates an {@link IoBuffer} fit for this file at full speed: its size rounded up to a
     * multiple of {@link #preferredIoSize()} (at least 4 KiB, and at least what {@link #alignment()}
     * requires), its address aligned to a page or more ({@link DirectIoAlignment#bufferAlignment()}:
     * the kernel needs the preferred size of offsets and lengths, not of addresses). For the smallest buffer O_DIRECT accepts, use
     * {@code IoBuffer.allocate(size, alignment().bufferAlignment())} with a size that is a multiple
     * of {@code alignment().offsetAlignment()}.
     *
     * @param size bytes wanted, at least 1
     * @return zeroed native memory of at least {@code size} bytes, which the caller closes
     * @throws IllegalArgumentException when {@code size} is not positive
     */
    public IoBuffer allocateBuffer(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("allocateBuffer for " + body.path() + ": size must be positive, got "
                    + size);
        }
        DirectIoAlignment a = alignment();
        long unit = Math.max(preferredIoSize(), Math.max(1, a.offsetAlignment()));
        return IoBuffer.allocate((size + unit - 1) / unit * unit, a.bufferAlignment());
    }

    /**
     * Reads up to {@code dst.byteSize()} bytes at {@code position}, as pread(2): IORING_OP_READ,
     * IOCB_CMD_PREAD or pread on a worker thread, depending on the engine; on a
     * {@link FileOption#CACHED} file, through jaio's page cache. Errors are described in the
     * {@linkplain dev.jaio##results package overview}; arguments that can be checked are checked on the calling thread.
     *
     * @param dst where the bytes go; native memory is used in place, heap memory through a copy
     * @param position the file offset in bytes, at least 0
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the number of bytes
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
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the number of bytes read
     * @throws IllegalArgumentException as {@link #read(MemorySegment, long)}, or for unknown flags
     */
    public CompletableFuture<Integer> read(MemorySegment dst, long position, int ioFlags) {
        IoFlags.check(ioFlags);
        return body.transfer(IoOp.READ, dst, position, ioFlags, null);
    }

    /**
     * Reads on the calling thread if the read can be done there without waiting, and otherwise does
     * nothing: the paper's §2.2 try, without a request or a future, so that a loop or a thread that
     * finds its data in a cache pays only for the copy. Allocates nothing.
     *
     * <ul>
     * <li>{@link FileOption#CACHED}: a read of at most 64 KiB whose pages are all uptodate in jaio's
     *     page cache is copied from it (no system call; a lock-free lookup, as the cached-hit fast
     *     path of {@link #read(MemorySegment, long)}), into native or heap memory. A read that
     *     reaches past the end of the file as the cache knows it is left to {@code read}, which
     *     finds out how much there is. A miss starts nothing: no readahead, no I/O.
     * <li>kernel-buffered (neither CACHED nor DIRECT): preadv2(2) with RWF_NOWAIT into native
     *     memory, done only when the kernel's page cache held all of it, or all up to the end of the
     *     file. A try that would block, or copied only part, starts the kernel's readahead of the
     *     rest, as any RWF_NOWAIT read does, and the next read of the file (a following
     *     {@link #read(MemorySegment, long)} of the same range) goes to the engine without a second
     *     try; a try that would block also counts toward the file's back-off, which leaves more of
     *     the next reads untried.
     * <li>{@link FileOption#DIRECT}, a mapped segment (its page faults may wait for a disk), or heap
     *     memory on a kernel-buffered file: never; always {@link #WOULD_BLOCK}.
     * </ul>
     * Each follows the engine's {@link FastPaths} ({@link EngineConfig#withFastPaths}: {@code cachedHits},
     * {@code nowaitReads}) and is counted in {@link IoEngine#fastPathStats()} as a try (a CACHED miss
     * here and the hit try of the {@code read} that follows count two {@code cachedFallbacks}); a
     * read done here is a {@code dev.jaio.FileRead} JFR event, as one made with {@code read}, and
     * while a JFR recording enables that event each call allocates it.
     *
     * @param dst where the bytes go
     * @param position the file offset in bytes, at least 0
     * @return the number of bytes read (fewer than asked only at the end of the file, 0 at or past
     *     it), or {@link #WOULD_BLOCK} when the read was not done (also when the file is closed or
     *     its engine is closing): make it with {@link #read(MemorySegment, long)}, which reports any
     *     failure. After WOULD_BLOCK the contents of {@code dst} are unspecified (a try may have
     *     copied part of the range).
     * @throws IllegalArgumentException as {@link #read(MemorySegment, long)}
     * @throws IllegalStateException as {@link #read(MemorySegment, long)}
     */
    public long tryRead(MemorySegment dst, long position) {
        body.checkRead(dst, position);
        long n = body.readNow(dst, position);
        return n == OpenFile.NOT_DONE ? WOULD_BLOCK : n;
    }

    /**
     * Reads into {@code dst} from its position to its limit, advancing its position by the count
     * when the request completes (as {@link java.nio.channels.AsynchronousFileChannel} does);
     * otherwise as {@link #read(MemorySegment, long)}.
     *
     * @param dst where the bytes go; a direct buffer is used in place, a heap buffer through a copy
     * @param position the file offset in bytes, at least 0
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the number of bytes read
     * @throws IllegalArgumentException when {@code dst} is read-only, or as for a segment
     */
    public CompletableFuture<Integer> read(ByteBuffer dst, long position) {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("pread " + body.path() + ": the destination buffer is read-only");
        }
        return body.transfer(IoOp.READ, MemorySegment.ofBuffer(dst), position, IoFlags.NONE, dst);
    }

    /**
     * Writes all of {@code src} at {@code position}, as pwrite(2) (IORING_OP_WRITE, IOCB_CMD_PWRITE
     * or pwrite on a worker thread, depending on the engine; on a {@link FileOption#CACHED} file, a
     * copy into jaio's page cache), continuing after a short count until all is written. Errors:
     * see the {@linkplain dev.jaio##results package overview}; arguments are checked on the calling thread.
     *
     * @param src the bytes to write; native memory is used in place, heap memory through a copy
     * @param position the file offset in bytes, at least 0
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the count written
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
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the number of bytes written
     * @throws IllegalArgumentException as for no flags, or for unknown or refused flags
     */
    public CompletableFuture<Integer> write(MemorySegment src, long position, int ioFlags) {
        IoFlags.check(ioFlags);
        return body.transfer(IoOp.WRITE, src, position, ioFlags, null);
    }

    /**
     * Writes {@code src} from its position to its limit, all of it as {@link #write(MemorySegment, long)}
     * does, advancing its position by the count written when the request completes (not when the
     * write fails).
     *
     * @param src the bytes to write; a direct buffer is used in place, a heap buffer through a copy
     * @param position the file offset in bytes, at least 0
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the number of bytes written
     */
    public CompletableFuture<Integer> write(ByteBuffer src, long position) {
        return body.transfer(IoOp.WRITE, MemorySegment.ofBuffer(src), position, IoFlags.NONE, src);
    }

    /**
     * Appends all of {@code src} at this handle's {@linkplain #appendPosition() append position}
     * and moves the position past it at once, so that appends made one after another (from any
     * threads) take consecutive ranges in the order of the calls, while several are in flight. The
     * future holds the offset the bytes were written at: what a log needs to find its records.
     * Otherwise as {@link #write(MemorySegment, long, int)}: with {@link IoFlags#DSYNC} the future
     * completes when the bytes are durable, the one-request form of a write followed by fdatasync
     * of its range (pwritev2 RWF_DSYNC; on O_DIRECT files a FUA write where the device has one).
     *
     * <p>Ordering: requests in flight are not ordered with each other, on any engine; appends may
     * complete in any order, and an {@link #fdatasync()} covers the writes that completed before it
     * was called, not those still in flight (it may or may not include them). A group-commit log
     * acknowledges a batch when its append and every earlier one have completed; see the README's
     * "A group-commit log" section for the whole pattern. A failed append leaves its range
     * unwritten (later appends still go after it): a log treats it as the end of its valid records.
     *
     * @param src the bytes; with {@link FileOption#DIRECT}, aligned memory and a length that is a
     *     multiple of the offset alignment ({@link #allocateBuffer} gives both)
     * @param ioFlags {@link IoFlags} constants or'ed together, 0 for none
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the offset
     *     written at, or exceptionally as a write's
     * @throws IllegalArgumentException for misaligned memory or lengths (DIRECT), more than
     *     {@link #MAX_TRANSFER} bytes, or unknown flags; nothing is reserved then
     * @throws IllegalStateException when the file is not open for writing or {@code src}'s memory is freed
     */
    public CompletableFuture<Long> append(MemorySegment src, int ioFlags) {
        IoFlags.check(ioFlags);
        return body.append(src, ioFlags);
    }

    /**
     * Appends without flags: as {@link #append(MemorySegment, int)}.
     *
     * @param src the bytes
     * @return a future with the offset written at
     */
    public CompletableFuture<Long> append(MemorySegment src) {
        return append(src, IoFlags.NONE);
    }

    /**
     * Where this handle's next {@link #append} goes: the value set by
     * {@link #appendPosition(long)}, else the file's size when first asked (statx, on the calling
     * thread); a {@link #truncate} through this handle to below it brings it back to the new size.
     * Only {@code append} and {@code truncate} through this handle move it ({@code write} at any
     * offset does not), and appends and truncates of other handles or processes are not seen: one
     * handle appends to a log.
     *
     * @return the offset in bytes
     * @throws IOException when the file is closed or its size cannot be read
     */
    public long appendPosition() throws IOException {
        return body.appendPosition();
    }

    /**
     * Sets where the next {@link #append} goes: in a preallocated log, the end of its valid records
     * (found by recovery), not the file's size. Preallocate a log by writing zeros, as databases
     * initialise log segments: {@link #allocate} leaves unwritten extents, and a durable write into
     * one also commits its conversion (measured here at about twice the time per DSYNC append).
     *
     * @param position the offset in bytes, at least 0; with {@link FileOption#DIRECT} a multiple of
     *     the offset alignment
     * @throws IllegalArgumentException for a negative or misaligned position
     * @throws IllegalStateException when the file is not open for writing
     */
    public void appendPosition(long position) {
        body.appendPosition(position);
    }

    /**
     * Reads into the buffers in order, as preadv(2): one request for all of them.
     *
     * @param dsts 1 to {@link #MAX_BUFFERS} native segments, filled in order; together at most
     *     {@link #MAX_TRANSFER} bytes
     * @param position the file offset of the first byte, at least 0
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the total number of
     *     bytes read (short at the end of the file), or exceptionally as {@link #read(MemorySegment, long)}'s
     * @throws IllegalArgumentException for no or too many buffers, heap memory, or as
     *     {@link #read(MemorySegment, long)}
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
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the total number of bytes read
     * @throws IllegalArgumentException as {@link #readv(MemorySegment[], long)}, or for unknown flags
     */
    public CompletableFuture<Long> readv(MemorySegment[] dsts, long position, int ioFlags) {
        IoFlags.check(ioFlags);
        return body.transfer(IoOp.READV, dsts, position, ioFlags);
    }

    /**
     * Writes all of the buffers in order, as pwritev(2): one request for all of them, continuing
     * after a short count as {@link #write(MemorySegment, long)} does.
     *
     * @param srcs 1 to {@link #MAX_BUFFERS} native segments, written in order; together at most
     *     {@link #MAX_TRANSFER} bytes
     * @param position the file offset of the first byte, at least 0
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the total count
     *     written, or exceptionally as {@link #write(MemorySegment, long)}'s
     * @throws IllegalArgumentException for no or too many buffers, heap memory, or as
     *     {@link #write(MemorySegment, long)}
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
     * @return a future, completed as {@linkplain dev.jaio##threads Threads} says, with the total number of
     *     bytes written
     * @throws IllegalArgumentException as for no flags, or for unknown or refused flags
     */
    public CompletableFuture<Long> writev(MemorySegment[] srcs, long position, int ioFlags) {
        IoFlags.check(ioFlags);
        return body.transfer(IoOp.WRITEV, srcs, position, ioFlags);
    }

    /**
     * Flushes data and metadata to stable storage (fsync(2)), asynchronously: IORING_OP_FSYNC,
     * IOCB_CMD_FSYNC or fsync on a worker thread. On a {@link FileOption#CACHED} file the dirty
     * pages of jaio's cache are written back first.
     *
     * @return a future of null, completed as {@linkplain dev.jaio##threads Threads} says, once the data
     *     is durable, or exceptionally with an {@link IoOperationException} (e.g. EIO, also for a
     *     failed writeback of the cache), {@link FileClosedException} or {@link EngineClosedException}
     */
    public CompletableFuture<Void> fsync() {
        return body.sync(false);
    }

    /**
     * Flushes data, and metadata only as needed to read it back (fdatasync(2)), asynchronously;
     * otherwise as {@link #fsync()}.
     *
     * @return a future of null, completed once the data is durable, or exceptionally as {@link #fsync()}'s
     */
    public CompletableFuture<Void> fdatasync() {
        return body.sync(true);
    }

    /**
     * The file's size (statx(2)). Synchronous: runs on the calling thread.
     *
     * @return the size in bytes; for a {@link FileOption#CACHED} file, including writes still in
     *     jaio's cache
     * @throws java.nio.channels.ClosedChannelException when the file ({@link FileClosedException}) or its
     *     engine ({@link EngineClosedException}) is closed
     * @throws IoOperationException when statx fails, naming the errno
     * @throws IOException for another failure to read the size
     */
    public long size() throws IOException {
        return body.sizes().size();
    }

    /**
     * Reserves disk space for {@code [position, position + length)} (fallocate(2) mode 0), extending
     * the file size if the range ends past it. Synchronous: runs on the calling thread.
     *
     * @param position the first byte to reserve, at least 0
     * @param length bytes to reserve, at least 1
     * @throws IllegalArgumentException for a negative offset or a length below 1
     * @throws IllegalStateException when the file is not open for writing
     * @throws java.nio.channels.ClosedChannelException when the file ({@link FileClosedException}) or its
     *     engine ({@link EngineClosedException}) is closed
     * @throws IoOperationException when fallocate fails, naming the errno (e.g. ENOSPC, or
     *     EOPNOTSUPP on a filesystem without it); EIO when the file grows and the dirty pages of
     *     jaio's cache between the disk's end and the new end could not be written back first
     * @throws IOException for another failure to allocate
     */
    public void allocate(long position, long length) throws IOException {
        if (position < 0 || length <= 0) {
            throw new IllegalArgumentException("fallocate " + body.path() + ": needs offset >= 0 and length > 0, got "
                    + position + ", " + length);
        }
        body.sizes().allocate(position, length);
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
     * @throws java.nio.channels.ClosedChannelException when the file ({@link FileClosedException}) or its
     *     engine ({@link EngineClosedException}) is closed
     * @throws IoOperationException when posix_fadvise fails, naming the errno
     * @throws IOException for another failure to advise
     */
    public void advise(long offset, long length, FileAdvice advice) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("posix_fadvise " + body.path()
                    + ": needs offset >= 0 and length >= 0, got " + offset + ", " + length);
        }
        body.advise(offset, length, advice);
    }

    /**
     * Sets the file size (ftruncate(2)): shrinks the file, or extends it with zeros. Synchronous:
     * runs on the calling thread. jaio's cached pages of the file (of this handle, or of
     * {@link FileOption#CACHED} handles of the same file on any engine) past the new end are
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
     * @throws java.nio.channels.ClosedChannelException when the file ({@link FileClosedException}) or its
     *     engine ({@link EngineClosedException}) is closed
     * @throws IoOperationException when ftruncate fails, naming the errno (e.g. EFBIG); EIO when
     *     the file grows and the dirty pages of jaio's cache between the disk's end and the new end
     *     could not be written back first
     * @throws IOException for another failure to truncate
     */
    public void truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("ftruncate " + body.path() + ": negative size " + size);
        }
        body.sizes().truncate(size);
    }

    /**
     * Tries to lock the bytes [position, position + size) of the file, shared (a read lock) or
     * exclusive (a write lock), without waiting: an open file description lock, fcntl(2)
     * {@code F_OFD_SETLK}. The lock belongs to this handle (its open file): another handle of the
     * same file, in this process or another, conflicts with it as another process would, and so
     * do classic fcntl record locks ({@code F_SETLK}, which {@link java.nio.channels.FileChannel#lock}
     * takes) of any process. It is advisory: reads and writes are not stopped. It goes with
     * {@link #unlock}, or when the handle closes. Locking a range this handle already holds changes
     * its mode (shared to exclusive, or back). Runs on the calling thread and never waits.
     *
     * @param position the first byte, at least 0
     * @param size the number of bytes, at least 0; {@link Long#MAX_VALUE} locks to the end of the
     *     file however far it grows (as {@code FileChannel.lock()} does); 0 does too, as fcntl(2) reads it
     * @param shared a shared lock (the handle must be readable), else an exclusive one (writable)
     * @return true when the lock was taken, false when another handle or process holds a
     *     conflicting one
     * @throws IllegalArgumentException when position or size is negative, or position + size overflows
     * @throws java.nio.channels.NonReadableChannelException for a shared lock of a write-only handle
     * @throws java.nio.channels.NonWritableChannelException for an exclusive lock of a read-only handle
     * @throws java.nio.channels.ClosedChannelException when the file or its engine is closed
     * @throws IoOperationException for another errno of fcntl(2), e.g. ENOLCK
     */
    public boolean tryLock(long position, long size, boolean shared) throws IOException {
        checkLockRange("lock", position, size);
        if (shared && !body.isReadable()) {
            throw new NonReadableChannelException();
        }
        if (!shared && !body.isWritable()) {
            throw new NonWritableChannelException();
        }
        return RangeLocks.tryLock(body, position, size, shared);
    }

    /**
     * Unlocks the bytes [position, position + size) that this handle locked ({@link #tryLock});
     * unlocking bytes it does not hold changes nothing.
     *
     * @param position the first byte, at least 0
     * @param size the number of bytes, as for {@link #tryLock}
     * @throws IllegalArgumentException when position or size is negative, or position + size overflows
     * @throws java.nio.channels.ClosedChannelException when the file or its engine is closed (its
     *     locks went with it)
     * @throws IoOperationException for an errno of fcntl(2)
     */
    public void unlock(long position, long size) throws IOException {
        checkLockRange("unlock", position, size);
        RangeLocks.unlock(body, position, size);
    }

    private void checkLockRange(String op, long position, long size) {
        if (position < 0 || size < 0 || (size != Long.MAX_VALUE && position + size < 0)) {
            throw new IllegalArgumentException(op + " " + body.path() + ": bad range, position " + position
                    + ", size " + size);
        }
    }

    /** The open file behind this handle, for the engine's batch contexts. */
    OpenFile body() {
        return body;
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
        body.close();
    }

    @Override
    public String toString() {
        return "AsyncFile[" + body.path() + ", " + body.options() + ", engine " + engine.name() + "]";
    }
}
