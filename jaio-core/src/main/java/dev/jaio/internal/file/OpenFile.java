package dev.jaio.internal.file;

import dev.jaio.DirectIoAlignment;
import dev.jaio.EngineClosedException;
import dev.jaio.FileAdvice;
import dev.jaio.FileClosedException;
import dev.jaio.FileOption;
import dev.jaio.IoFlags;
import dev.jaio.IoOperationException;
import dev.jaio.internal.cache.CacheHandle;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.cache.FileStat;
import dev.jaio.internal.cache.PageCache;
import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.jfr.Jfr;
import dev.jaio.internal.linux.Libc;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The body of an open file behind {@code dev.jaio.AsyncFile}, as {@code sun.nio.ch}'s channel
 * implementations are behind the public channel classes: its descriptors, its operation count and
 * close, the argument checks that depend on how it was opened, and its backend, by composition:
 * {@link KernelIo} (direct or kernel-buffered I/O) or {@link CachedIo} (jaio's page cache).
 * {@link Coherence} keeps kernel I/O of any handle coherent with jaio's cache of the file, and
 * {@link FileSize} changes the file's size. Opening is {@link FileOpener}'s.
 *
 * <p>Lifetime: every request, and every page I/O the cache does for the handle, holds one count
 * of {@link #state} from before it reaches the kernel until its future is done. Invariant: the
 * descriptors are closed exactly once, by the last count out after {@link #close()} (after the
 * close sync of the last writable CACHED handle), so the kernel never sees a closed or reused
 * descriptor number in a request of this file.
 */
public final class OpenFile implements CacheHandle.OpCount {

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
    private static final VarHandle APPEND_AT;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(OpenFile.class, "state", int.class);
            APPEND_AT = MethodHandles.lookup().findVarHandle(OpenFile.class, "appendAt", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final FileEngine engine;
    private final Path path;
    private final int fd;
    private final Set<FileOption> options;
    private final boolean readable;
    private final boolean writable;
    private final boolean direct;
    /** Opened with SYNC or DSYNC: every write waits for the device. */
    private final boolean syncWrites;
    /**
     * Probed at open for DIRECT and CACHED files, which need it; for others on first use of
     * {@link #alignment()}, since without STATX_DIOALIGN the probe reads from the file.
     */
    private volatile DirectIoAlignment alignment;
    /** Where the next {@link #append} goes; -1 until set or first asked for (then the file's size). */
    @SuppressWarnings("unused") // also through APPEND_AT
    private volatile long appendAt = -1;
    /** {@link DirectIo#preferredIoSize}, probed on first use; 0 until then. */
    private volatile int preferredIoSize;
    /** The cache handle of a CACHED file, else null. */
    private final CacheHandle handle;
    private final Coherence coherence;
    private final KernelIo kernel;
    /** {@link #kernel}, or a {@link CachedIo} for a CACHED file. */
    private final FileBackend backend;
    private final FileSize sizes;
    /** CLOSED and DRAINING bits plus the number of requests started and not yet finished ({@link #COUNT}). */
    @SuppressWarnings("unused")
    private volatile int state;
    private final CountDownLatch descriptorClosed = new CountDownLatch(1);
    /** What an engine's close waits on for this file's requests to end (private: no caller can hold it). */
    private final Object drainLock = new Object();
    /** Whether the last writable handle's close sync was started (it runs once, after the last request). */
    private boolean closeSyncStarted;

    /**
     * @param directFd the O_DIRECT descriptor of a CACHED file, else -1
     * @param fileCache jaio's cache of a CACHED file, else null
     */
    OpenFile(FileEngine engine, Path path, int fd, Set<FileOption> options, DirectIoAlignment alignment, int directFd,
            FileCache fileCache) {
        this.engine = engine;
        this.path = path;
        this.fd = fd;
        this.options = options;
        this.readable = options.contains(FileOption.READ) || !options.contains(FileOption.WRITE);
        this.writable = options.contains(FileOption.WRITE);
        this.direct = options.contains(FileOption.DIRECT);
        this.syncWrites = options.contains(FileOption.SYNC) || options.contains(FileOption.DSYNC);
        this.alignment = alignment;
        this.handle = fileCache == null ? null
                : new CacheHandle(fileCache, engine.legacyReadahead(), directFd, fd, this);
        this.coherence = new Coherence(this, handle, fileCache == null ? FileStat.identity(fd) : null);
        this.kernel = new KernelIo(this);
        this.backend = handle == null ? kernel : new CachedIo(this, handle, kernel);
        this.sizes = new FileSize(this);
        if (handle != null && writable) {
            fileCache.addWriter(handle);
        }
        engine.fileOpened(this);
    }

    // ---- what the file is ----

    public Path path() {
        return path;
    }

    public Set<FileOption> options() {
        return options;
    }

    public FileEngine engine() {
        return engine;
    }

    /** The descriptor requests go through. */
    public int fd() {
        return fd;
    }

    /**
     * Whether a kernel-buffered write with {@code ioFlags} may be tried with RWF_NOWAIT on the
     * calling thread: not a SYNC or DSYNC write (its flush would wait for the device).
     */
    boolean kernelWriteMayTry(int ioFlags) {
        return (ioFlags & (IoFlags.SYNC | IoFlags.DSYNC)) == 0 && !syncWrites;
    }

    public boolean isDirect() {
        return direct;
    }

    /** Reads of this (kernel-buffered) handle in its engine now: {@link #mayBeReadingPages}. */
    private final AtomicInteger engineReads = new AtomicInteger();
    /**
     * System.nanoTime() when the last of them ended, or a try on a calling thread missed
     * ({@link #readaheadStarted}), whichever came last; before either, a time already out of the window.
     */
    private volatile long engineReadEndedAt = System.nanoTime() - READAHEAD_QUIET_NANOS;

    /** A read of this handle goes to the engine (kernel-buffered handles; {@link FileOp#countEngineRead}). */
    void engineReadStarted() {
        engineReads.incrementAndGet();
    }

    /** That read ended; the time first, so that a reader that sees the count fall sees the time too. */
    void engineReadEnded() {
        engineReadEndedAt = System.nanoTime();
        engineReads.decrementAndGet();
    }

    /**
     * An RWF_NOWAIT try of this handle found a page not (yet) in the page cache, on a calling
     * thread: the kernel started the readahead of the range it missed, and those pages are under
     * read for a while though no read of this handle goes to the engine ({@link dev.jaio.AsyncFile#tryRead}
     * that the caller does not follow with a read): counted as a read that ended now.
     */
    void readaheadStarted() {
        engineReadEndedAt = System.nanoTime();
    }

    /**
     * How long after a read of this handle ended in the engine the kernel may still be reading
     * pages of the file for it: its readahead. Longer than a readahead read takes on a busy disk
     * (the cold runs of {@code jaio serve}: 3-8 ms on average).
     */
    public static final long READAHEAD_QUIET_NANOS = 250_000_000L;

    /**
     * Whether the kernel may still be reading pages of this file for a read of this handle: one is
     * in the engine (a read that the kernel's page cache could not serve on the calling thread), or
     * one ended (or a try on a calling thread missed) less than {@link #READAHEAD_QUIET_NANOS}
     * before {@code now}, whose readahead (pages
     * the kernel added to the page cache locked, to fill them from the disk) may still be in
     * flight. Such pages count as resident for cachestat(2) and mincore(2), yet a sendfile(2) or
     * copy of them waits for the disk. Reads of other handles of the file, or by other processes,
     * are not seen.
     *
     * @param now {@link System#nanoTime()}
     */
    public boolean mayBeReadingPages(long now) {
        if (engineReads.get() > 0) {
            return true;
        }
        return now - engineReadEndedAt < READAHEAD_QUIET_NANOS;
    }

    /** The end of the last range of this handle read on a calling thread by the kernel ({@link #readOnCallingThread}); -1: none. */
    private volatile long callerReadEnd = -1;
    private volatile long callerReadAt;

    /**
     * The kernel read the file up to {@code end} for this handle on the calling thread, at
     * {@code now} (a sendfile): its readahead may read pages past {@code end} for a while.
     */
    public void readOnCallingThread(long end, long now) {
        callerReadAt = now;
        callerReadEnd = end;
    }

    /**
     * {@link #mayBeReadingPages(long)}, or a range ending at {@code end} reaches past the end of a
     * range read on a calling thread less than {@link #READAHEAD_QUIET_NANOS} before {@code now}
     * (whose readahead, of pages past its end, may still be in flight). A range within what was
     * read (a whole file sent again) is not held back.
     */
    public boolean mayBeReadingPages(long now, long end) {
        if (mayBeReadingPages(now)) {
            return true;
        }
        long e = callerReadEnd;
        return e >= 0 && end > e && now - callerReadAt < READAHEAD_QUIET_NANOS;
    }

    /** Opened for reading (READ, or no WRITE). */
    public boolean isReadable() {
        return readable;
    }

    /** Opened for writing. */
    public boolean isWritable() {
        return writable;
    }

    /** The handle of jaio's cache of a CACHED file, else null. */
    public CacheHandle cacheHandle() {
        return handle;
    }

    /** The cache handle of a CACHED file; {@code op} (a readahead call) is refused on others. */
    public CacheHandle requireCached(String op) {
        if (handle == null) {
            throw new IllegalStateException(op + " " + path + ": readahead policies belong to jaio's page cache;"
                    + " open the file with FileOption.CACHED");
        }
        return handle;
    }

    /** The direct/cached coherence protocol of this handle. */
    public Coherence coherence() {
        return coherence;
    }

    /** Size changes: size, allocate, truncate. */
    public FileSize sizes() {
        return sizes;
    }

    /** The file's preferred I/O size ({@link DirectIo#preferredIoSize}): a power of two in [4096, 1 MiB]. */
    public int preferredIoSize() {
        int p = preferredIoSize;
        if (p == 0) {
            if (!begin()) {
                return DirectIo.MIN_PREFERRED_IO; // closed: the descriptor may be gone
            }
            try {
                p = DirectIo.preferredIoSize(fd);
            } finally {
                endOp();
            }
            preferredIoSize = p; // racing probes find the same answer
        }
        return p;
    }

    /** The O_DIRECT alignment, probed on first use for a file that is neither DIRECT nor CACHED. */
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

    // ---- requests ----

    /** A read or write of one buffer (IoOp.READ or IoOp.WRITE), checked against how the file is open. */
    public CompletableFuture<Integer> transfer(int opcode, MemorySegment seg, long position, int ioFlags,
            ByteBuffer advance) {
        String op = FileOp.operationName(opcode);
        boolean isRead = opcode == IoOp.READ;
        checkSingle(op, seg, isRead, position);
        Object ev = Jfr.begin(isRead ? Jfr.READ : Jfr.WRITE, position, seg.byteSize(), ioFlags);
        CompletableFuture<Integer> r = backend.single(opcode, seg, position, ioFlags, advance, ResultKind.INT);
        return track(ev, r, -1);
    }

    /**
     * Hands a request's JFR event (null: none) to its future, which ends it as it settles, before
     * the caller's callbacks run (they would count in its duration); a future settled already, or
     * one jaio does not settle itself, ends it here or when it completes.
     */
    private <T> CompletableFuture<T> track(Object ev, CompletableFuture<T> r, long bytesIfDone) {
        if (ev == null) {
            return r;
        }
        Jfr.describe(ev, path, engine().name(), jfrMode(), bytesIfDone);
        if (r instanceof Requests.Future f) {
            f.jfrEvent(ev);
            if (r.isDone()) {
                Jfr.settleOnCompletion(ev, r); // it settled before the event was handed over: now, here
            }
        } else {
            Jfr.settleOnCompletion(ev, r);
        }
        return r;
    }

    /** The I/O mode jaio's JFR events name: direct, cached (jaio's cache) or buffered (the kernel's). */
    public String jfrMode() {
        return isDirect() ? "direct" : cacheHandle() != null ? "cached" : "buffered";
    }

    /** What {@link #readNow} returns when it did nothing. */
    public static final long NOT_DONE = FileBackend.NOT_DONE;

    /**
     * A read of one native buffer done on the calling thread if the file's fast paths can do it
     * without waiting ({@link FileBackend#readNow}): the count (short or 0 only at the end of the
     * file), or {@link #NOT_DONE}, when the caller makes the request with
     * {@link #transfer}, which checks the arguments and says what is wrong with them.
     */
    public long readNow(MemorySegment seg, long position) {
        if (!readable || position < 0 || position + seg.byteSize() < 0 || seg.byteSize() > MAX_TRANSFER) {
            return NOT_DONE; // the request's checks say what is wrong
        }
        Object ev = Jfr.begin(Jfr.READ, position, seg.byteSize(), IoFlags.NONE);
        long n = backend.readNow(seg, position);
        if (ev != null && n != NOT_DONE) {
            Jfr.end(ev, path, engine().name(), jfrMode(), n, null); // done on the calling thread
        }
        return n;
    }

    /**
     * The checks {@link #transfer} makes of a read of one buffer, for a caller that tries
     * {@link #readNow} first and must report bad arguments as the request would.
     */
    public void checkRead(MemorySegment seg, long position) {
        checkSingle("pread", seg, true, position);
    }

    /** The checks of a read or write of one buffer: open for it, offset, size, memory. */
    private void checkSingle(String op, MemorySegment seg, boolean isRead, long position) {
        checkMode(op, isRead);
        checkPosition(op, position, seg.byteSize());
        if (seg.byteSize() > MAX_TRANSFER) {
            throw new IllegalArgumentException(op + " " + path + ": " + seg.byteSize()
                    + " bytes exceed the largest single transfer, " + MAX_TRANSFER + " bytes");
        }
        checkBuffer(op, seg, isRead, position);
    }

    /**
     * The read of one buffer after {@link #readNow} declined it, as {@link #transfer} makes it but
     * with no try on the calling thread (readNow made the try, or the back-off skipped it, and
     * counted it).
     */
    public CompletableFuture<Integer> readAfterTry(MemorySegment seg, long position) {
        checkRead(seg, position);
        Object ev = Jfr.begin(Jfr.READ, position, seg.byteSize(), IoFlags.NONE);
        CompletableFuture<Integer> r = backend instanceof KernelIo k ? k.submitUntried(seg, position)
                : backend instanceof CachedIo c ? c.readUntried(seg, position)
                : backend.single(IoOp.READ, seg, position, 0, null, ResultKind.INT);
        return track(ev, r, -1);
    }

    /**
     * The offset the next {@link #append} goes to: set by {@link #appendPosition(long)}, else the
     * file's size when first asked, then moved past each append as it is made (not as it completes).
     */
    public long appendPosition() throws IOException {
        long p = appendAt;
        if (p >= 0) {
            return p;
        }
        long size = sizes.size();
        APPEND_AT.compareAndSet(this, -1L, size);
        return appendAt;
    }

    /** This handle truncated the file to {@code size}: an append position past it comes back to it. */
    void truncatedTo(long size) {
        long p;
        do {
            p = appendAt;
            if (p <= size) {
                return;
            }
        } while (!APPEND_AT.compareAndSet(this, p, size));
    }

    /** Sets where the next append goes, e.g. the end of a log's valid records inside a preallocated file. */
    public void appendPosition(long position) {
        checkMode("append", false);
        checkPosition("append", position, 0);
        if (direct) {
            long unit = alignment().offsetAlignment();
            if (unit > 0 && position % unit != 0) {
                throw new IllegalArgumentException("append " + path + ": position " + position + " is not a multiple"
                        + " of the O_DIRECT offset alignment, " + unit + " bytes");
            }
        }
        appendAt = position;
    }

    /**
     * Reserves {@code seg.byteSize()} bytes at the append position and writes {@code seg} there;
     * the future holds the offset. Checked before the reservation, so a refused append takes no
     * range (one refused after it, by a race with a close of its buffer or another reservation
     * that overflows, gives the range back unless a later append took the next one); one that
     * fails in the kernel leaves its range unwritten, and later appends go after it.
     */
    public CompletableFuture<Long> append(MemorySegment seg, int ioFlags) {
        String op = "append"; // in the messages of refusals; the kernel's pwrite names its own failures
        checkMode(op, false);
        long length = seg.byteSize();
        if (length > MAX_TRANSFER) {
            throw new IllegalArgumentException("append " + path + ": " + length
                    + " bytes exceed the largest single transfer, " + MAX_TRANSFER + " bytes");
        }
        long at;
        try {
            at = appendPosition();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        checkPosition(op, at, length);
        checkBuffer(op, seg, false, at); // the alignment of every reserved offset, as all appends of a DIRECT file are aligned
        PinnedMemory.checkOpen(seg, op, path, at, length); // a closed IoBuffer takes no range
        long reserved = (long) APPEND_AT.getAndAdd(this, length);
        try {
            checkPosition(op, reserved, length);
            Object ev = Jfr.begin(Jfr.WRITE, reserved, length, ioFlags);
            CompletableFuture<Long> r = backend.single(IoOp.WRITE, seg, reserved, ioFlags, null, ResultKind.OFFSET);
            return track(ev, r, length);
        } catch (RuntimeException e) {
            APPEND_AT.compareAndSet(this, reserved + length, reserved); // give the range back if it is the last
            throw e;
        }
    }

    /** A vectored read or write (IoOp.READV or IoOp.WRITEV) of native buffers. */
    public CompletableFuture<Long> transfer(int opcode, MemorySegment[] segs, long position, int ioFlags) {
        String op = FileOp.operationName(opcode);
        boolean isRead = opcode == IoOp.READV;
        checkMode(op, isRead);
        if (segs.length == 0 || segs.length > MAX_BUFFERS) {
            throw new IllegalArgumentException(op + " " + path + ": needs 1 to " + MAX_BUFFERS + " buffers, got "
                    + segs.length);
        }
        long total = 0;
        MemorySegment[] targets = segs.clone();
        for (int i = 0; i < targets.length; i++) {
            MemorySegment s = targets[i];
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
        Object ev = Jfr.begin(isRead ? Jfr.READ : Jfr.WRITE, position, total, ioFlags);
        CompletableFuture<Long> r = backend.vectored(opcode, targets, position, total, ioFlags);
        return track(ev, r, -1);
    }

    /** fsync ({@code dataOnly} false) or fdatasync. */
    public CompletableFuture<Void> sync(boolean dataOnly) {
        Object ev = Jfr.begin(Jfr.SYNC, -1, 0, dataOnly ? 1 : 0);
        CompletableFuture<Void> r = backend.sync(dataOnly ? IoOp.FDATASYNC : IoOp.FSYNC);
        return track(ev, r, -1);
    }

    /** posix_fadvise(2), then the same advice to jaio's cache of a CACHED file. */
    public void advise(long offset, long length, FileAdvice advice) throws IOException {
        beginOrThrow("posix_fadvise");
        try {
            long rc = Libc.posixFadvise(fd, offset, length, advice.value());
            if (rc < 0) {
                throw failure("posix_fadvise", offset, length, (int) -rc);
            }
            backend.advise(offset, length, advice);
        } finally {
            endOp();
        }
    }

    /** RWF_SYNC or RWF_DSYNC for a cached write with {@code ioFlags} on this file, or 0. */
    public int cachedSyncFlags(int ioFlags) {
        return backend instanceof CachedIo c ? c.syncFlags(ioFlags) : 0;
    }

    /** Whether a CACHED handle's writes go through the kernel's buffered pwrite (no block reservation). */
    public boolean cachedWritesGoThroughKernel() {
        return backend instanceof CachedIo c && c.writesThroughKernel(0);
    }

    // ---- argument checks ----

    public void checkMode(String op, boolean isRead) {
        if (isRead && !readable) {
            throw new IllegalStateException(op + " " + path + ": the file is not open for reading (add FileOption.READ)");
        }
        if (!isRead && !writable) {
            throw new IllegalStateException(op + " " + path
                    + ": the file is open read-only; open it with FileOption.WRITE to write");
        }
    }

    public void checkPosition(String op, long position, long length) {
        if (position < 0) {
            throw new IllegalArgumentException(op + " " + path + ": negative offset " + position);
        }
        if (position + length < 0) {
            throw new IllegalArgumentException(op + " " + path + ": offset " + position + " + length " + length
                    + " overflows");
        }
    }

    public void checkBuffer(String op, MemorySegment seg, boolean isRead, long position) {
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

    // ---- the operation count ----

    /** {@code op} on this file failed with {@code errno}. */
    public IoOperationException failure(String op, long offset, long length, int errno) {
        return Failures.of(op, path, offset, length, errno);
    }

    /** Counts a request in unless the file is closed or its engine closing (then false). */
    public boolean begin() {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
            if ((s & (CLOSED | DRAINING)) != 0 || engine.refusesRequests()) {
                // Closed, or its engine is closing: IoEngine.close() drains its files one at a
                // time, and a file it has not reached yet must refuse too.
                return false;
            }
        } while (!STATE.compareAndSet(this, s, s + 1));
        return true;
    }

    /** {@link #begin()}, or the refusal as an exception. */
    public void beginOrThrow(String op) throws ClosedChannelException {
        if (!begin()) {
            throw refused(op);
        }
    }

    @Override
    public void retain() {
        STATE.getAndAdd(this, 1);
    }

    @Override
    public boolean tryRetain() {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0 && (s & COUNT) == 0) {
                return false;
            }
        } while (!STATE.compareAndSet(this, s, s + 1));
        return true;
    }

    @Override
    public void release() {
        endOp();
    }

    /** Why a request was refused: the file is closed, or its engine is. */
    public ClosedChannelException refused(String op) {
        return refused(op, -1, -1);
    }

    public ClosedChannelException refused(String op, long position, long length) {
        String request = Requests.describe(op, path, position, length);
        if (((int) STATE.getVolatile(this) & CLOSED) == 0 && engine.refusesRequests()) {
            return new EngineClosedException(request, engine.name());
        }
        return new FileClosedException(request);
    }

    /** Counts a request out; the last one out of a closed file closes it. */
    public void endOp() {
        int s = (int) STATE.getAndAdd(this, -1) - 1;
        if ((s & COUNT) == 0 && s != 0) {
            if ((s & CLOSED) != 0) {
                lastOut();
            }
            if ((s & DRAINING) != 0 || engine.refusesRequests()) {
                synchronized (drainLock) {
                    drainLock.notifyAll();
                }
            }
        }
    }

    // ---- close ----

    public boolean isClosed() {
        return ((int) STATE.getVolatile(this) & CLOSED) != 0;
    }

    /** Whether {@link #begin} would refuse now (closed, draining, or the engine closing): no need to wait for a place. */
    boolean refusing() {
        return ((int) STATE.getVolatile(this) & (CLOSED | DRAINING)) != 0 || engine.refusesRequests();
    }

    private void lastOut() {
        if (backend instanceof CachedIo c && writable && !closeSyncStarted && !engine.isClosed()) {
            // (A closed engine wrote the pages back before it stopped; its cache is gone.)
            closeSyncStarted = true;
            if (c.startCloseSync()) {
                return; // its end counts it out, and closes the descriptors
            }
        }
        closeDescriptor();
    }

    private void closeDescriptor() {
        engine.fileClosed(this);
        try {
            if (handle != null) {
                PageCache pc = handle.file().cache();
                // The version the file is at as the handle lets go (its dirty pages written back):
                // the pages it leaves in the cache are used again by a reopen that finds it unchanged.
                pc.release(handle.file(), FileStat.version(handle.directFd()));
                if (handle.directFd() != fd) { // a read-only handle's one descriptor is both
                    Libc.close(handle.directFd());
                }
            }
        } finally {
            Libc.close(fd);
            descriptorClosed.countDown();
            synchronized (drainLock) {
                drainLock.notifyAll();
            }
        }
    }

    /** The engine began closing: requests of callers are refused from now on. */
    public void markDraining() {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
        } while ((s & DRAINING) == 0 && !STATE.compareAndSet(this, s, s | DRAINING));
    }

    /**
     * Refuses new requests and waits until those in flight have ended (and a closed file's
     * descriptors are closed); returns whether it waited.
     */
    public boolean drainForEngineClose() {
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
            engine.closeAbandonedContexts();
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

    /** Closes the file once its requests have ended (see {@code AsyncFile.close()}). */
    public void close() {
        if (((int) STATE.getVolatile(this) & COUNT) != 0) {
            engine.closeAbandonedContexts(); // requests of a context whose owner died would never end
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
            engine.closeAbandonedContexts();
            try {
                if (descriptorClosed.await(100, TimeUnit.MILLISECONDS)) {
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
        return "OpenFile[" + path + ", " + options + ", engine " + engine.name() + "]";
    }
}
