package dev.jaio;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.FixedResources;
import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.engine.RequestChaining;
import dev.jaio.internal.engine.Slots;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import dev.jaio.internal.cache.CachedRead;
import dev.jaio.internal.cache.CachedWrite;
import dev.jaio.internal.cache.DeviceIoSink;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.cache.PageCache;
import dev.jaio.internal.cache.PageIoOp;
import dev.jaio.internal.linux.Iovec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A batch submission and completion queue driven by its caller, mirroring io_submit and
 * io_getevents: {@code prepare*} requests (nothing reaches the kernel yet), {@link #submit()} them
 * with one system call, and reap results with {@link #getEvents}. On io_uring a {@code getEvents}
 * that has to wait also submits whatever was prepared since, in the same system call. Nothing here allocates per request:
 * results come back as the caller's {@code long} cookie and the raw result.
 *
 * <pre>{@code
 * try (IoContext ctx = engine.newContext(64)) {
 *     for (int i = 0; i < 64; i++) {
 *         ctx.prepareRead(file, buffers[i], offsets[i], i);
 *     }
 *     ctx.submit();
 *     int done = 0;
 *     while (done < 64) {
 *         done += ctx.getEvents(1, 64, -1, TimeUnit.NANOSECONDS, (cookie, result) -> ...);
 *     }
 * }
 * }</pre>
 *
 * <p>A context belongs to the thread that first uses it; other threads get a
 * {@link WrongThreadException}. That thread may be virtual: the context's kernel queue is bound to
 * no OS thread (an io_uring ring is set up without IORING_SETUP_SINGLE_ISSUER), since a virtual
 * thread makes each call from whichever carrier thread it is mounted on. If that thread dies
 * without closing the context, the next thread to call it becomes its owner, and
 * {@link AsyncFile#close()} and {@link IoEngine#close()} close such abandoned contexts rather than
 * wait forever for their requests. Requests are checked as {@link AsyncFile}'s are (modes,
 * offsets, O_DIRECT alignment) and only native memory is accepted. A request the kernel refuses
 * (say EBADF) is not thrown from {@code submit()}: it completes with {@code -errno} like any other
 * failure.
 *
 * <p>On io_uring, buffers and files can be {@linkplain #registerBuffers registered} with the
 * kernel once; requests on them then skip the per-request page pinning and descriptor lookup
 * (READ_FIXED, WRITE_FIXED, IOSQE_FIXED_FILE) without any change to how they are prepared.
 *
 * <p>Reads of {@link FileOption#CACHED} files go through jaio's page cache instead of the kernel,
 * the paper's buffered AIO: {@code submit()} runs each read's first iteration on this thread
 * (copying what is cached); the page reads they start (each contiguous run of missing pages one
 * device read) go into this context's own kernel queue, submitted together with its other
 * requests; {@code getEvents} reaps them, runs the retries they make due (the copies into your
 * buffers) and delivers the results with the others. Nothing blocks, and no other thread stands
 * between this one and the device. A read of this context never waits for a page another
 * context's queue is reading (it reads that page for itself on the file's engine), so no context
 * depends on another's thread. Pages read by other threads (the engine's readahead for an
 * {@link AsyncFile} read) are noticed within 200 microseconds while this thread waits in the
 * kernel for its own requests. Writes, fsync and fdatasync of CACHED files go through the cache
 * the same way: the copy into the file's pages runs in {@code submit()}, and the page writes of an
 * O_SYNC/O_DSYNC write or a sync go into this context's queue and are reaped (and the write
 * completed) in {@code getEvents}. Such requests cannot be linked. (On a file system that cannot
 * reserve blocks, a CACHED file's writes are kernel writes of its descriptor instead: see
 * {@link FileOption#CACHED}.)
 *
 * <p>A write of a handle without CACHED, of a file that a CACHED handle on the same engine has
 * open, holds that file's write gate from {@code prepareWrite} until its result is delivered by
 * {@code getEvents} (or the context closes): cached writes of the file wait meanwhile, so reap
 * such writes promptly. {@code prepareWrite} waits while a cached write copies into the file.
 *
 * <p>The context's kernel queue (AIO context or io_uring) holds twice its depth: room for the page
 * reads of as many cached requests.
 *
 * <p>{@link #close()} drops the requests prepared and never submitted (none of them reaches the
 * kernel, on any engine), waits until the kernel has finished every submitted request (their
 * results are dropped; timers still pending are cancelled), then frees the context.
 * {@link IoBuffer}s passed in stay pinned until then. After {@code close()}, preparing,
 * submitting and reaping throw {@link IllegalStateException}; a second {@code close()} does nothing.
 */
public final class IoContext implements AutoCloseable {

    private static final IoBuffer[] NO_BUFFERS = {};
    /** Contexts not closed yet, for {@link #closeAbandoned()}. */
    private static final java.util.Set<IoContext> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final AsyncFile[] NO_FILES = {};

    private final IoQueue queue;
    /** The queue's registration interface, or null when its engine has none. */
    private final FixedResources fixed;
    /** The queue's links, timeouts and cancellation, or null when its engine has none. */
    private final RequestChaining chaining;
    /** linkNext() was called and no request has been prepared since. */
    private boolean linkPending;
    /** The last request prepared was linked to the next one. */
    private boolean lastWasLinked;
    private final int depth;
    /** Registered buffers, pinned while registered; index i is the kernel's buffer index. */
    private IoBuffer[] registeredBuffers = NO_BUFFERS;
    /** Registered files; index i is the kernel's file index. */
    private AsyncFile[] registeredFiles = NO_FILES;
    private final long[] userData;
    private final AsyncFile[] files;
    private final IoBuffer[] pins;
    /** Slots holding a request that names no file (timeouts, cancels). */
    private final boolean[] unbound;
    /** Slots with {@link #unbound} set. */
    private int unboundOutstanding;
    private final Slots slots;
    /**
     * The thread the context is confined to: the first to call it, or, once that thread has died,
     * the next (see {@link #checkOwner}). Volatile: completers on other threads unpark it.
     */
    private volatile Thread owner;
    private CompletionHandler handler;
    private final CompletionSink sink = this::onCompletion;
    private boolean closed;
    /** {@link #queue} is closed (close() is waiting for cached reads the engine still runs). */
    private boolean queueClosed;

    // Reads of CACHED files: prepared (slot order), started and not yet delivered, and finished.
    private final int[] cachedPrepared;
    private int cachedPreparedCount;
    private final MemorySegment[] cachedBuffer;
    private final long[] cachedPosition;
    private final int[] cachedFlags;
    /** What the prepared cached request in a slot is: IoOp.READ, WRITE, FSYNC or FDATASYNC. */
    private final int[] cachedKind;
    /** Offset and length of a kernel write in a slot (length 0 for other requests), for coherence with jaio's cache. */
    private final long[] writePosition;
    private final long[] writeLength;
    /**
     * Per slot: the cache whose write gate an uncached write holds until its result is delivered
     * (or the context closes), or null.
     */
    private final FileCache[] writeGate;
    private int cachedInFlight;
    /** Due retries a getEvents left for the next (its retry budget ran out); owner only. */
    private ContextRetry backlog;
    /** Fewest retries one getEvents runs. */
    private static final int RETRY_BUDGET_MIN = 4;
    /** Cached reads whose retry is due, newest first. */
    private final java.util.concurrent.atomic.AtomicReference<ContextRetry> dueRetries =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** Finished cached reads, a Treiber stack of slots linked through {@link #doneNext}; -1 is empty. */
    private final AtomicInteger doneHead = new AtomicInteger(-1);
    private final int[] doneNext;
    private final long[] doneResult;
    /** Finished cached reads taken off the stack and not yet delivered, oldest first. */
    private final int[] ready;
    private int readyHead;
    private int readyCount;
    /** user_data bit of this context's page reads (the rest is the index in {@link #deviceOps}). */
    private static final long DEVICE = 1L << 40;
    /** Most pages of one page read taken into this context's queue. */
    private static final int DEVICE_IOVECS = 32;
    private final PageIoOp[] deviceOps;
    private final int[] deviceFree;
    private int deviceFreeCount;
    private int deviceOutstanding;
    private final Arena iovecArena;
    private final MemorySegment deviceIovecs;
    private final DeviceIoSink deviceSink = this::offerDeviceIo;
    /** User completions delivered by the current getEvents (page reads do not count). */
    private int delivered;
    /** The owner is about to park, or parked, waiting for a cached read. */
    private volatile boolean parked;
    /**
     * Finished cached reads and due retries pushed and not yet taken by the owner: a due retry
     * almost always finishes its read when run, so both count toward the owner's wakeup.
     */
    private final AtomicInteger doneCount = new AtomicInteger();
    /** How many of those the parked owner waits for: completers wake it only at that count. */
    private volatile int wakeAt = 1;

    IoContext(EngineProvider provider, QueueOptions options) throws IOException {
        // Room for as many page reads of cached requests as for the caller's own requests. Not
        // platformOwner: the owner may be a virtual thread, which changes OS thread as it runs.
        this.queue = provider.openQueue(new QueueOptions(options.capacity() * 2, options.wakeup(),
                options.threads(), options.sqPollIdleMillis(), false));
        this.fixed = queue instanceof FixedResources f ? f : null;
        this.chaining = queue instanceof RequestChaining c ? c : null;
        this.depth = options.capacity();
        this.userData = new long[depth];
        this.files = new AsyncFile[depth];
        this.pins = new IoBuffer[depth];
        this.unbound = new boolean[depth];
        this.slots = new Slots(depth);
        this.cachedPrepared = new int[depth];
        this.cachedBuffer = new MemorySegment[depth];
        this.cachedPosition = new long[depth];
        this.cachedFlags = new int[depth];
        this.cachedKind = new int[depth];
        this.writePosition = new long[depth];
        this.writeLength = new long[depth];
        this.writeGate = new FileCache[depth];
        this.doneNext = new int[depth];
        this.doneResult = new long[depth];
        this.ready = new int[depth];
        this.deviceOps = new PageIoOp[depth];
        this.deviceFree = new int[depth];
        for (int i = 0; i < depth; i++) {
            deviceFree[i] = depth - 1 - i;
        }
        this.deviceFreeCount = depth;
        this.iovecArena = Arena.ofShared();
        this.deviceIovecs = iovecArena.allocate(Iovec.IOVEC.byteSize() * DEVICE_IOVECS * depth, 8);
        OPEN.add(this);
    }

    /**
     * The engine kind of this context.
     *
     * @return {@code uring}, {@code aio} or {@code threads}, as {@link IoEngine#name()}
     */
    public String engineName() {
        return queue.engineName();
    }

    /**
     * Requests the context can hold at once.
     *
     * @return the depth given to {@link IoEngine#newContext(int)}
     */
    public int depth() {
        return depth;
    }

    /**
     * Requests prepared or in flight and not yet reaped.
     *
     * @return 0 to {@link #depth()}; at {@code depth()} the {@code prepare*} methods return false
     */
    public int outstanding() {
        return slots.inUse();
    }

    /**
     * Requests prepared and not yet accepted by {@link #submit()}.
     *
     * @return the number of prepared requests the kernel has not taken yet
     */
    public int unsubmitted() {
        return (queueClosed ? 0 : queue.unsubmitted()) + cachedPreparedCount;
    }

    /**
     * Prepares a read of {@code buffer.byteSize()} bytes at {@code position} (IORING_OP_READ,
     * IOCB_CMD_PREAD or pread on a worker, or through jaio's page cache for a
     * {@link FileOption#CACHED} file). Nothing reaches the kernel before {@link #submit()}; the
     * result, the bytes read or {@code -errno}, is delivered by {@link #getEvents}.
     *
     * @param file an open file, opened for reading
     * @param buffer native memory to read into; an {@link IoBuffer}'s stays pinned until the
     *     request is reaped, other memory must stay alive until then
     * @param position the file offset in bytes, at least 0
     * @param cookie any value, handed back to the {@link CompletionHandler} with the result
     * @return true when prepared, false when the context is full ({@link #outstanding()} equals
     *     {@link #depth()})
     * @throws IllegalArgumentException for a negative offset, heap memory, more than
     *     {@link AsyncFile#MAX_TRANSFER} bytes, memory or offsets off the O_DIRECT alignment of a
     *     {@link FileOption#DIRECT} file
     * @throws IllegalStateException when the file is not open for reading, the file, the context or
     *     the buffer's memory is closed, or a {@link FileOption#CACHED} request follows
     *     {@link #linkNext()}
     * @throws WrongThreadException when called from another thread than the context's
     */
    public boolean prepareRead(AsyncFile file, MemorySegment buffer, long position, long cookie) {
        return prepareRead(file, buffer, position, IoFlags.NONE, cookie);
    }

    /**
     * Prepares a read with per-request {@link IoFlags}; otherwise as
     * {@link #prepareRead(AsyncFile, MemorySegment, long, long)}.
     *
     * @param file an open file, opened for reading
     * @param buffer native memory to read into
     * @param position the file offset in bytes, at least 0
     * @param ioFlags {@link IoFlags} constants or'ed together (RWF_*), 0 for none
     * @param cookie any value, handed back to the {@link CompletionHandler} with the result
     * @return true when prepared, false when the context is full
     * @throws IllegalArgumentException for unknown flags, a negative offset, heap memory, more
     *     than {@link AsyncFile#MAX_TRANSFER} bytes, memory or offsets off the O_DIRECT alignment of a
     *     {@link FileOption#DIRECT} file
     * @throws IllegalStateException when the file is not open for reading, the file, the context or
     *     the buffer's memory is closed, or a {@link FileOption#CACHED} request follows
     *     {@link #linkNext()}
     * @throws WrongThreadException when called from another thread than the context's
     */
    public boolean prepareRead(AsyncFile file, MemorySegment buffer, long position, int ioFlags, long cookie) {
        return prepareTransfer(file, buffer, position, ioFlags, cookie, true);
    }

    /**
     * Prepares a write of {@code buffer} at {@code position} (IORING_OP_WRITE, IOCB_CMD_PWRITE or
     * pwrite on a worker, or into jaio's page cache for a {@link FileOption#CACHED} file). Nothing
     * reaches the kernel before {@link #submit()}; the result, the bytes written or {@code -errno},
     * is delivered by {@link #getEvents}. As with io_submit, the count may be short (a filesystem
     * filling up): the caller writes the rest, unlike {@link AsyncFile#write}, which continues itself.
     *
     * @param file an open file, opened for writing
     * @param buffer native memory to write; an {@link IoBuffer}'s stays pinned until the request
     *     is reaped, other memory must stay alive until then
     * @param position the file offset in bytes, at least 0
     * @param cookie any value, handed back to the {@link CompletionHandler} with the result
     * @return true when prepared, false when the context is full ({@link #outstanding()} equals
     *     {@link #depth()})
     * @throws IllegalArgumentException for a negative offset, heap memory, more than
     *     {@link AsyncFile#MAX_TRANSFER} bytes, memory or offsets off the O_DIRECT alignment of a
     *     {@link FileOption#DIRECT} file
     * @throws IllegalStateException when the file is not open for writing, the file, the context or
     *     the buffer's memory is closed, or a {@link FileOption#CACHED} request follows
     *     {@link #linkNext()}
     * @throws WrongThreadException when called from another thread than the context's
     * @throws java.io.UncheckedIOException (an {@link IoOperationException}, EIO) when dirty pages
     *     of the range in jaio's cache, from a CACHED handle of the same file, cannot be written back
     *     first
     * @throws IllegalStateException also when called inside a cached write's copy on this thread
     *     (a callback it ran), which the write would wait for (see the class comment on the gate),
     *     or when the range must be written back first while this thread's contexts carry page
     *     I/O of it they have not reaped (the writeback would wait for them)
     */
    public boolean prepareWrite(AsyncFile file, MemorySegment buffer, long position, long cookie) {
        return prepareWrite(file, buffer, position, IoFlags.NONE, cookie);
    }

    /**
     * Prepares a write with per-request {@link IoFlags}, e.g. {@link IoFlags#DSYNC}; otherwise as
     * {@link #prepareWrite(AsyncFile, MemorySegment, long, long)}.
     *
     * @param file an open file, opened for writing
     * @param buffer native memory to write
     * @param position the file offset in bytes, at least 0
     * @param ioFlags {@link IoFlags} constants or'ed together (RWF_*), 0 for none;
     *     {@link IoFlags#NOWAIT} is refused on a {@link FileOption#CACHED} file
     * @param cookie any value, handed back to the {@link CompletionHandler} with the result
     * @return true when prepared, false when the context is full
     * @throws IllegalArgumentException for unknown flags, a negative offset, heap memory, more
     *     than {@link AsyncFile#MAX_TRANSFER} bytes, memory or offsets off the O_DIRECT alignment of a
     *     {@link FileOption#DIRECT} file, or NOWAIT on a CACHED file
     * @throws IllegalStateException when the file is not open for writing, the file, the context or
     *     the buffer's memory is closed, or a {@link FileOption#CACHED} request follows
     *     {@link #linkNext()}
     * @throws WrongThreadException when called from another thread than the context's
     * @throws java.io.UncheckedIOException as
     *     {@link #prepareWrite(AsyncFile, MemorySegment, long, long)}
     */
    public boolean prepareWrite(AsyncFile file, MemorySegment buffer, long position, int ioFlags, long cookie) {
        return prepareTransfer(file, buffer, position, ioFlags, cookie, false);
    }

    /**
     * Prepares an fsync(2), or an fdatasync(2) when {@code dataOnly} (IORING_OP_FSYNC,
     * IOCB_CMD_FSYNC or IOCB_CMD_FDSYNC, or a worker's call); for a {@link FileOption#CACHED} file
     * the dirty pages of jaio's cache are written back first. The result, 0 or {@code -errno}, is
     * delivered by {@link #getEvents}.
     *
     * @param file an open file
     * @param dataOnly true for fdatasync, false for fsync
     * @param cookie any value, handed back to the {@link CompletionHandler} with the result
     * @return true when prepared, false when the context is full
     * @throws IllegalStateException when the file or the context is closed, or a CACHED file's
     *     sync follows {@link #linkNext()}
     * @throws WrongThreadException when called from another thread than the context's
     */
    public boolean prepareFsync(AsyncFile file, boolean dataOnly, long cookie) {
        checkOwner();
        if (closed) {
            throw new IllegalStateException((dataOnly ? "fdatasync " : "fsync ") + file.path()
                    + ": the IoContext is closed");
        }
        if (slots.available() == 0) {
            return false;
        }
        if (file.isCached()) {
            // Through the cache: its dirty pages are written back first, then the descriptor synced.
            if (linkPending) {
                throw new IllegalStateException((dataOnly ? "fdatasync " : "fsync ") + file.path()
                        + ": a request on a CACHED file runs in jaio's page cache and cannot be linked");
            }
            int slot = claim(file, null, cookie, dataOnly ? "fdatasync" : "fsync");
            cachedKind[slot] = dataOnly ? IoOp.FDATASYNC : IoOp.FSYNC;
            cachedPrepared[cachedPreparedCount++] = slot;
            return true;
        }
        int slot = claim(file, null, cookie, dataOnly ? "fdatasync" : "fsync");
        queue.prepareFsync(descriptor(file), dataOnly, slot);
        return true;
    }

    private boolean prepareTransfer(AsyncFile file, MemorySegment buffer, long position, int ioFlags, long cookie,
            boolean read) {
        checkOwner();
        String op = read ? "pread" : "pwrite";
        if (closed) {
            throw new IllegalStateException(op + " " + file.path() + ": the IoContext is closed");
        }
        IoFlags.check(ioFlags);
        file.checkMode(op, read);
        file.checkPosition(op, position, buffer.byteSize());
        if (!buffer.isNative()) {
            throw new IllegalArgumentException(op + " " + file.path() + ": IoContext needs native memory, got a heap segment");
        }
        if (buffer.byteSize() > AsyncFile.MAX_TRANSFER) {
            throw new IllegalArgumentException(op + " " + file.path() + ": " + buffer.byteSize()
                    + " bytes exceed the largest single transfer, " + AsyncFile.MAX_TRANSFER + " bytes");
        }
        file.checkBuffer(op, buffer, read, position);
        if (slots.available() == 0) {
            return false;
        }
        if (file.isCached() && (read || (ioFlags & IoFlags.NOWAIT) != 0 || !file.cachedWritesGoThroughKernel())) {
            if (linkPending) {
                throw new IllegalStateException(op + " " + file.path() + ": a request on a CACHED file runs in jaio's"
                        + " page cache and cannot be linked");
            }
            if (!read && (ioFlags & IoFlags.NOWAIT) != 0) {
                throw new IllegalArgumentException(op + " " + file.path()
                        + ": NOWAIT writes are not supported on CACHED files");
            }
            int slot = claim(file, buffer, cookie, op);
            cachedKind[slot] = read ? IoOp.READ : IoOp.WRITE;
            cachedBuffer[slot] = buffer;
            cachedPosition[slot] = position;
            cachedFlags[slot] = ioFlags;
            cachedPrepared[cachedPreparedCount++] = slot;
            return true;
        }
        FileCache gate = null;
        if (!read) {
            gate = file.beforeUncachedWriteInContext(op, position, buffer.byteSize());
        } else {
            file.beforeUncachedReadInContext(position, buffer.byteSize());
        }
        int slot;
        try {
            slot = claim(file, buffer, cookie, op);
        } catch (RuntimeException | Error e) {
            AsyncFile.abandonUncachedWrite(gate);
            throw e;
        }
        writeGate[slot] = gate;
        writeLength[slot] = read ? 0 : buffer.byteSize();
        writePosition[slot] = position;
        int fd = descriptor(file);
        int bufIndex = registeredIndexOf(buffer);
        boolean ok;
        if (bufIndex >= 0) {
            ok = read ? fixed.prepareReadFixed(fd, buffer, position, bufIndex, ioFlags, slot)
                    : fixed.prepareWriteFixed(fd, buffer, position, bufIndex, ioFlags, slot);
        } else {
            ok = read ? queue.prepareRead(fd, buffer, position, ioFlags, slot)
                    : queue.prepareWrite(fd, buffer, position, ioFlags, slot);
        }
        assert ok : "queue capacity equals context depth";
        return true;
    }

    /** The file's descriptor, or its registered index (marking the next request to use it). */
    private int descriptor(AsyncFile file) {
        AsyncFile[] files = registeredFiles;
        for (int i = 0; i < files.length; i++) {
            if (files[i] == file) {
                fixed.nextUsesFixedFile();
                return i;
            }
        }
        return file.fd();
    }

    /** The registered buffer that holds all of {@code buffer}, or -1. */
    private int registeredIndexOf(MemorySegment buffer) {
        IoBuffer[] buffers = registeredBuffers;
        long start = buffer.address();
        long end = start + buffer.byteSize();
        for (int i = 0; i < buffers.length; i++) {
            long base = buffers[i].segment().address();
            if (start >= base && end <= base + buffers[i].size()) {
                return i;
            }
        }
        return -1;
    }

    // ---- links, timeouts and cancellation (io_uring) ----

    /**
     * Whether this context's engine has links, timeouts and cancellation.
     *
     * @return true on io_uring; false on {@code aio} and {@code threads}, whose contexts throw
     *     {@link UnsupportedOperationException} from {@link #linkNext()} and the timeout and cancel
     *     methods
     */
    public boolean supportsChaining() {
        return chaining != null;
    }

    /**
     * Links the next request you prepare to the one you prepare after it: the later one starts only
     * once the earlier one has completed in full. If the earlier one fails or transfers fewer bytes
     * than asked, the later one completes with {@code -ECANCELED}. Chains end at the first request
     * not linked, and never span a {@link #submit()}. Sets IOSQE_IO_LINK on the earlier request.
     *
     * @throws UnsupportedOperationException unless {@link #supportsChaining()}
     * @throws WrongThreadException when called from another thread than the context's
     */
    public void linkNext() {
        checkOwner();
        requireChaining("linkNext");
        linkPending = true;
    }

    /**
     * Bounds the request prepared just before, which must have been linked with {@link #linkNext()}:
     * if it has not completed after {@code timeout}, it is cancelled ({@code -ECANCELED}) and this
     * completes with {@code -ETIME}; otherwise this completes with {@code -ECANCELED}
     * (IORING_OP_LINK_TIMEOUT).
     *
     * @param timeout how long the linked request may take, in {@code unit}
     * @param unit the unit of {@code timeout}
     * @param cookie any value, handed back to the {@link CompletionHandler} with this request's result
     * @return true when prepared, false when the context is full
     * @throws UnsupportedOperationException unless {@link #supportsChaining()}
     * @throws IllegalStateException when the request prepared just before was not linked, or the
     *     context is closed
     * @throws WrongThreadException when called from another thread than the context's
     */
    public boolean prepareLinkTimeout(long timeout, TimeUnit unit, long cookie) {
        checkOwner();
        requireOpen("prepareLinkTimeout");
        requireChaining("prepareLinkTimeout");
        if (!lastWasLinked) {
            throw new IllegalStateException("prepareLinkTimeout must follow a request prepared after linkNext()");
        }
        if (slots.available() == 0) {
            return false;
        }
        int slot = claimUnbound(cookie);
        chaining.prepareLinkTimeout(unit.toNanos(timeout), slot);
        return true;
    }

    /**
     * A timer: completes with {@code -ETIME} after {@code timeout} (IORING_OP_TIMEOUT).
     *
     * @param timeout how long until it completes, in {@code unit}
     * @param unit the unit of {@code timeout}
     * @param cookie any value, handed back to the {@link CompletionHandler} with the result
     * @return true when prepared, false when the context is full
     * @throws UnsupportedOperationException unless {@link #supportsChaining()}
     * @throws IllegalStateException when the context is closed
     * @throws WrongThreadException when called from another thread than the context's
     */
    public boolean prepareTimeout(long timeout, TimeUnit unit, long cookie) {
        checkOwner();
        requireOpen("prepareTimeout");
        requireChaining("prepareTimeout");
        if (slots.available() == 0) {
            return false;
        }
        int slot = claimUnbound(cookie);
        chaining.prepareTimeout(unit.toNanos(timeout), 0, slot);
        return true;
    }

    /**
     * Asks the kernel to cancel the outstanding request prepared with {@code targetCookie}. The
     * target completes with {@code -ECANCELED} if it could be stopped; this request completes with
     * 0, {@code -ENOENT} (no such request) or {@code -EALREADY} (already running, it will finish)
     * (IORING_OP_ASYNC_CANCEL).
     *
     * @param targetCookie the cookie of the request to cancel; the first outstanding one with it
     * @param cookie any value, handed back to the {@link CompletionHandler} with this request's result
     * @return true when prepared, false when the context is full
     * @throws UnsupportedOperationException unless {@link #supportsChaining()}
     * @throws IllegalStateException when the context is closed
     * @throws WrongThreadException when called from another thread than the context's
     */
    public boolean prepareCancel(long targetCookie, long cookie) {
        checkOwner();
        requireOpen("prepareCancel");
        requireChaining("prepareCancel");
        if (slots.available() == 0) {
            return false;
        }
        int target = -1;
        for (int s = 0; s < depth; s++) {
            if (userData[s] == targetCookie && isOutstanding(s)) {
                target = s;
                break;
            }
        }
        int slot = claimUnbound(cookie);
        // No such request: aim at a user data no request carries, so the kernel answers -ENOENT.
        chaining.prepareCancel(target >= 0 ? target : Long.MIN_VALUE, slot);
        return true;
    }

    private boolean isOutstanding(int slot) {
        return files[slot] != null || unbound[slot];
    }

    /** Claims a slot for a request that names no file. */
    private int claimUnbound(long cookie) {
        if (closed) {
            throw new IllegalStateException("the IoContext is closed");
        }
        takeLink();
        int slot = slots.acquire();
        userData[slot] = cookie;
        unbound[slot] = true;
        unboundOutstanding++;
        return slot;
    }

    /** Applies a pending {@link #linkNext()} to the request being prepared. */
    private void takeLink() {
        lastWasLinked = linkPending;
        if (linkPending) {
            chaining.linkNext();
            linkPending = false;
        }
    }

    private void requireChaining(String op) {
        if (chaining == null) {
            throw new UnsupportedOperationException("IoContext." + op + " needs the uring engine; this context runs on "
                    + queue.engineName());
        }
    }

    // ---- registration (io_uring) ----

    /**
     * Whether this context's engine can register buffers and files with the kernel.
     *
     * @return true on io_uring; false on {@code aio} and {@code threads}, whose contexts throw
     *     {@link UnsupportedOperationException} from the register and unregister methods
     */
    public boolean supportsRegistration() {
        return fixed != null;
    }

    /**
     * Registers buffers with the kernel, replacing any registered before: it pins their pages once,
     * and every later request whose memory lies inside one of them uses READ_FIXED / WRITE_FIXED.
     * The buffers stay pinned (closing them is deferred) until {@link #unregisterBuffers()} or
     * {@link #close()}. Calls io_uring_register(2) IORING_REGISTER_BUFFERS.
     *
     * @param buffers the buffers; their index in this array is the kernel's buffer index
     * @throws UnsupportedOperationException unless {@link #supportsRegistration()}
     * @throws IllegalStateException when a buffer is closed
     * @throws IOException when the kernel refuses, e.g. ENOMEM past the locked-memory limit
     * @throws WrongThreadException when called from another thread than the context's
     */
    public void registerBuffers(IoBuffer... buffers) throws IOException {
        checkOwner();
        requireRegistration("registerBuffers");
        unregisterBuffers();
        IoBuffer[] pinned = new IoBuffer[buffers.length];
        MemorySegment[] segments = new MemorySegment[buffers.length];
        try {
            for (int i = 0; i < buffers.length; i++) {
                pinned[i] = IoBuffer.pin(buffers[i].segment(), "registerBuffers", null, -1, -1);
                segments[i] = buffers[i].segment();
            }
        } catch (RuntimeException e) {
            unpinAll(pinned);
            throw e;
        }
        long rc = fixed.registerBuffers(segments);
        if (rc < 0) {
            unpinAll(pinned);
            throw new IOException("io_uring_register(BUFFERS) of " + buffers.length + " buffers failed: "
                    + Errno.describe((int) -rc) + (rc == -Errno.ENOMEM ? "; raise the locked-memory limit (ulimit -l)" : ""));
        }
        registeredBuffers = pinned;
    }

    /**
     * Drops the registered buffers (IORING_UNREGISTER_BUFFERS) and their pins; requests already
     * submitted keep working. Does nothing when none are registered.
     *
     * @throws UnsupportedOperationException unless {@link #supportsRegistration()}
     * @throws IOException when the kernel refuses; the buffers are unpinned anyway
     * @throws WrongThreadException when called from another thread than the context's
     */
    public void unregisterBuffers() throws IOException {
        checkOwner();
        requireRegistration("unregisterBuffers");
        if (registeredBuffers.length == 0) {
            return;
        }
        long rc = fixed.unregisterBuffers();
        unpinAll(registeredBuffers);
        registeredBuffers = NO_BUFFERS;
        if (rc < 0) {
            throw new IOException("io_uring_register(UNREGISTER_BUFFERS) failed: " + Errno.describe((int) -rc));
        }
    }

    /**
     * Registers files with the kernel, replacing any registered before; later requests on them name
     * them by index (IOSQE_FIXED_FILE). The kernel keeps a reference to each file until
     * {@link #unregisterFiles()} or {@link #close()}, even after the AsyncFile is closed. Calls
     * io_uring_register(2) IORING_REGISTER_FILES.
     *
     * @param files open files; their index in this array is the kernel's file index
     * @throws UnsupportedOperationException unless {@link #supportsRegistration()}
     * @throws IllegalStateException when a file is closed
     * @throws IOException when the kernel refuses, e.g. EMFILE past the open-files limit
     * @throws WrongThreadException when called from another thread than the context's
     */
    public void registerFiles(AsyncFile... files) throws IOException {
        checkOwner();
        requireRegistration("registerFiles");
        unregisterFiles();
        int[] fds = new int[files.length];
        for (int i = 0; i < files.length; i++) {
            if (files[i].isClosed()) {
                throw new IllegalStateException("registerFiles " + files[i].path() + ": the file is closed");
            }
            fds[i] = files[i].fd();
        }
        long rc = fixed.registerFiles(fds);
        if (rc < 0) {
            throw new IOException("io_uring_register(FILES) of " + files.length + " files failed: "
                    + Errno.describe((int) -rc));
        }
        registeredFiles = files.clone();
    }

    /**
     * Drops the registered files (IORING_UNREGISTER_FILES). Does nothing when none are registered.
     *
     * @throws UnsupportedOperationException unless {@link #supportsRegistration()}
     * @throws IOException when the kernel refuses
     * @throws WrongThreadException when called from another thread than the context's
     */
    public void unregisterFiles() throws IOException {
        checkOwner();
        requireRegistration("unregisterFiles");
        if (registeredFiles.length == 0) {
            return;
        }
        long rc = fixed.unregisterFiles();
        registeredFiles = NO_FILES;
        if (rc < 0) {
            throw new IOException("io_uring_register(UNREGISTER_FILES) failed: " + Errno.describe((int) -rc));
        }
    }

    private void requireRegistration(String op) {
        if (fixed == null) {
            throw new UnsupportedOperationException("IoContext." + op + " needs the uring engine; this context runs on "
                    + queue.engineName());
        }
    }

    private static void unpinAll(IoBuffer[] buffers) {
        for (IoBuffer b : buffers) {
            if (b != null) {
                b.unpin();
            }
        }
    }

    private int claim(AsyncFile file, MemorySegment buffer, long cookie, String op) {
        if (closed) {
            throw new IllegalStateException(op + " " + file.path() + ": the IoContext is closed");
        }
        if (!file.begin()) {
            throw new IllegalStateException(file.refused(op).getMessage());
        }
        IoBuffer pin;
        try {
            pin = buffer == null ? null : IoBuffer.pin(buffer, op, file.path(), -1, -1);
        } catch (RuntimeException e) {
            file.endOp();
            throw e;
        }
        int slot = slots.acquire();
        userData[slot] = cookie;
        files[slot] = file;
        pins[slot] = pin;
        takeLink();
        return slot;
    }

    /**
     * Submits every prepared request with as few system calls as the kernel allows:
     * io_uring_enter(2) or io_submit(2) on the kernel engines, a hand-off to the pool on
     * {@code threads}. The first iteration of each {@link FileOption#CACHED} request runs here, on
     * the calling thread.
     *
     * @return how many were accepted; fewer than prepared means the kernel is full (back-pressure):
     *     reap some completions and call again
     * @throws IllegalStateException when the context is closed
     * @throws WrongThreadException when called from another thread than the context's
     */
    public int submit() {
        checkOwner();
        requireOpen("submit");
        int before = queue.unsubmitted();
        int cached = cachedPreparedCount;
        cachedPreparedCount = 0;
        // The first iteration of each read runs here. The page reads they start go into this
        // context's own queue (reaped and retried in getEvents, with no other thread in between);
        // those it has no room for go to the file's engine as one batch: one wakeup, one submission.
        PageCache batchCache = null;
        try {
            for (int i = 0; i < cached; i++) {
                int slot = cachedPrepared[i];
                MemorySegment buffer = cachedBuffer[slot];
                cachedBuffer[slot] = null;
                cachedInFlight++;
                AsyncFile file = files[slot];
                PageCache pc = file.cacheHandle().file().cache();
                if (pc != batchCache) {
                    if (batchCache != null) {
                        batchCache.divertDeviceIo(null);
                        batchCache.endBatch();
                    }
                    pc.beginBatch();
                    pc.divertDeviceIo(deviceSink);
                    batchCache = pc;
                }
                int kind = cachedKind[slot];
                if (kind == IoOp.FSYNC || kind == IoOp.FDATASYNC) {
                    new ContextWrite(this, slot, file, kind == IoOp.FDATASYNC).start();
                } else if (kind == IoOp.WRITE) {
                    new ContextWrite(this, slot, file, buffer, cachedPosition[slot],
                            file.syncFlags(cachedFlags[slot])).start();
                } else {
                    new ContextRead(this, slot, file, buffer, cachedPosition[slot],
                            (cachedFlags[slot] & IoFlags.NOWAIT) != 0).start();
                }
            }
        } finally {
            if (batchCache != null) {
                batchCache.divertDeviceIo(null);
                batchCache.endBatch();
            }
        }
        // The caller's requests and the page reads just prepared go to the kernel together.
        int accepted = queue.submit();
        return Math.min(before, accepted) + cached;
    }

    /** A cached request of this context whose retries run on the owner's thread, in getEvents. */
    private interface ContextRetry {
        /** Runs the due retry. */
        void retry();

        /** The page cache it goes through. */
        PageCache cache();

        /** Next in the context's list of due retries. */
        ContextRetry nextRetry();

        void nextRetry(ContextRetry next);
    }

    /** A read of a CACHED file whose result goes back to its context. */
    private static final class ContextRead extends CachedRead<Void> implements ContextRetry {
        private final IoContext ctx;
        private final int slot;
        private ContextRetry nextRetry;

        ContextRead(IoContext ctx, int slot, AsyncFile file, MemorySegment buffer, long position, boolean nowait) {
            super(file.cacheHandle(), buffer, null, position, buffer.byteSize(), nowait);
            this.ctx = ctx;
            this.slot = slot;
        }

        @Override
        public ContextRetry nextRetry() {
            return nextRetry;
        }

        @Override
        public void nextRetry(ContextRetry next) {
            nextRetry = next;
        }

        @Override
        public PageCache cache() {
            return pageCache();
        }

        @Override
        protected void finished(long result) {
            ctx.cachedDone(slot, result);
        }

        @Override
        protected void scheduleRetry() {
            ctx.retryLater(this);
        }

        @Override
        public void retry() {
            retryNow();
        }

        @Override
        protected Object readOwner() {
            return ctx.deviceSink;
        }

        @Override
        protected void failed(Throwable cause) {
            // The engine closed under the read, or the destination memory was freed under it
            // (memory of the caller's own arena).
            ctx.cachedDone(slot, cause instanceof java.io.IOException ? -Errno.ECANCELED : -Errno.EFAULT);
        }
    }

    /**
     * A write of a CACHED file whose result goes back to its context: copied into the cache on the
     * submitting thread; for O_SYNC/O_DSYNC, its page writes go into this context's own queue and
     * its retries run in getEvents, as its reads' do.
     */
    private static final class ContextWrite extends CachedWrite<Void> implements ContextRetry {
        private final IoContext ctx;
        private final int slot;
        private ContextRetry nextRetry;

        ContextWrite(IoContext ctx, int slot, AsyncFile file, MemorySegment buffer, long position, int syncFlags) {
            super(file.cacheHandle(), buffer, null, position, buffer.byteSize(), syncFlags);
            this.ctx = ctx;
            this.slot = slot;
        }

        /** An fsync or fdatasync of the whole file. */
        ContextWrite(IoContext ctx, int slot, AsyncFile file, boolean dataOnly) {
            super(file.cacheHandle(), dataOnly);
            this.ctx = ctx;
            this.slot = slot;
        }

        @Override
        protected Object readOwner() {
            return ctx.deviceSink;
        }

        @Override
        public ContextRetry nextRetry() {
            return nextRetry;
        }

        @Override
        public void nextRetry(ContextRetry next) {
            nextRetry = next;
        }

        @Override
        public PageCache cache() {
            return pageCache();
        }

        @Override
        protected void finished(long result) {
            ctx.cachedDone(slot, result);
        }

        @Override
        protected void scheduleRetry() {
            ctx.retryLater(this);
        }

        @Override
        public void retry() {
            retryNow();
        }

        @Override
        protected void failed(Throwable cause) {
            ctx.cachedDone(slot, cause instanceof java.io.IOException ? -Errno.ECANCELED : -Errno.EFAULT);
        }
    }

    /** Owner: takes a page read or write of one of its cached requests into this context's queue. */
    private boolean offerDeviceIo(PageIoOp op) {
        if (closed || deviceFreeCount == 0) {
            return false;
        }
        MemorySegment[] frames = op.frames();
        if (frames != null && frames.length > DEVICE_IOVECS) {
            return false;
        }
        int id = deviceFree[--deviceFreeCount];
        boolean ok;
        if (frames == null) {
            ok = op.isWrite() ? queue.prepareWrite(op.fd(), op.frame(), op.offset(), op.rwFlags(), DEVICE | id)
                    : queue.prepareRead(op.fd(), op.frame(), op.offset(), op.rwFlags(), DEVICE | id);
        } else {
            long size = Iovec.IOVEC.byteSize();
            MemorySegment iov = deviceIovecs.asSlice(size * DEVICE_IOVECS * id, size * frames.length);
            for (int i = 0; i < frames.length; i++) {
                iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, size * i + Iovec.IOVEC_IOV_BASE, frames[i].address());
                iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, size * i + Iovec.IOVEC_IOV_LEN, frames[i].byteSize());
            }
            ok = op.isWrite() ? queue.prepareWritev(op.fd(), iov, frames.length, op.offset(), op.rwFlags(), DEVICE | id)
                    : queue.prepareReadv(op.fd(), iov, frames.length, op.offset(), op.rwFlags(), DEVICE | id);
        }
        if (!ok) {
            deviceFree[deviceFreeCount++] = id;
            return false;
        }
        deviceOps[id] = op;
        deviceOutstanding++;
        return true;
    }

    /** Any thread: a cached read finished; the owner delivers it in its next getEvents. */
    private void cachedDone(int slot, long result) {
        doneResult[slot] = result;
        int head;
        do {
            head = doneHead.get();
            doneNext[slot] = head;
        } while (!doneHead.compareAndSet(head, slot));
        // One wakeup per wait, when enough are in: not one futex call per finished read.
        if (doneCount.incrementAndGet() == wakeAt && parked) {
            LockSupport.unpark(owner);
        }
    }

    /** Any thread: a cached read's retry is due; the owner runs it in its next getEvents. */
    private void retryLater(ContextRetry r) {
        ContextRetry head;
        do {
            head = dueRetries.get();
            r.nextRetry(head);
        } while (!dueRetries.compareAndSet(head, r));
        // A retry is progress only the owner can make, but waking it per retry would cost a futex
        // call each: like finished reads, due retries wake it once enough of them are in.
        if (doneCount.incrementAndGet() == wakeAt && parked) {
            LockSupport.unpark(owner);
        }
    }

    /** Owner: runs every due retry (they copy, finish, or wait again). */
    private void runRetries(int budget) {
        ContextRetry r = backlog;
        backlog = null;
        ContextRetry due = dueRetries.getAndSet(null);
        int n = 0;
        ContextRetry tail = null;
        for (ContextRetry c = due; c != null; c = c.nextRetry()) {
            n++;
            tail = c;
        }
        if (n > 0) {
            doneCount.addAndGet(-n);
            // Older ones (the backlog) first; the due list is newest first, which no one relies on.
            tail.nextRetry(r);
            r = due;
        }
        int ran = 0;
        while (r != null) {
            if (ran++ == budget) {
                backlog = r; // for the next getEvents: the caller has what it waited for
                break;
            }
            ContextRetry next = r.nextRetry();
            r.nextRetry(null);
            PageCache pc = r.cache();
            pc.divertDeviceIo(deviceSink);
            try {
                r.retry();
            } finally {
                pc.divertDeviceIo(null);
            }
            r = next;
        }
        if (!queueClosed && queue.unsubmitted() > 0) {
            queue.submit(); // page reads the retries started
        }
    }

    /** Moves finished cached reads to the ready queue, oldest first. */
    private void takeDone() {
        int top = doneHead.getAndSet(-1);
        if (top < 0) {
            return;
        }
        doneCount.addAndGet(-countFrom(top));
        // The stack is newest first: count, then place from the back.
        int n = 0;
        for (int s = top; s >= 0; s = doneNext[s]) {
            n++;
        }
        int pos = readyHead + readyCount + n - 1;
        for (int s = top; s >= 0; s = doneNext[s]) {
            ready[pos % depth] = s;
            pos--;
        }
        readyCount += n;
    }

    private int countFrom(int top) {
        int n = 0;
        for (int s = top; s >= 0; s = doneNext[s]) {
            n++;
        }
        return n;
    }

    /**
     * Runs due retries (at most {@code retryBudget}) and delivers up to {@code max} finished cached
     * requests. A budget keeps getEvents from copying for every request the kernel finished before
     * the caller can resubmit any: the device would idle while the copies run.
     */
    private int deliverCached(int max, int retryBudget) {
        runRetries(retryBudget);
        takeDone();
        int n = 0;
        while (n < max && readyCount > 0) {
            int slot = ready[readyHead];
            readyHead = readyHead + 1 == depth ? 0 : readyHead + 1;
            readyCount--;
            cachedInFlight--;
            n++;
            onCompletion(slot, doneResult[slot]);
        }
        return n;
    }

    /**
     * Waits up to {@code nanos} (negative: until woken) for {@code wanted} cached reads to finish
     * (fewer if fewer are in flight).
     */
    private void parkForCached(long nanos, int wanted) {
        wakeAt = Math.max(1, Math.min(wanted, cachedInFlight - readyCount));
        parked = true;
        try {
            if (doneCount.get() < wakeAt) {
                if (nanos < 0) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, nanos);
                }
            }
        } finally {
            parked = false;
        }
    }

    /**
     * Reaps completions, as io_getevents(2) does, and hands each to {@code handler} on the calling
     * thread before returning. On io_uring it reads the completion ring, and enters the kernel
     * (io_uring_enter(2) with IORING_ENTER_GETEVENTS, submitting what was prepared since) only to
     * wait; on aio it reads the user-mapped completion ring, and waits in io_getevents(2). Nothing
     * is allocated per completion.
     *
     * @param min wait until at least this many completions were delivered (0 polls), at most {@code max}
     * @param max deliver at most this many, at least 1
     * @param timeout how long to wait for {@code min}, in {@code unit}; negative waits without limit
     * @param unit the unit of {@code timeout}
     * @param handler receives each completion: the request's cookie and its result (bytes, or
     *     {@code -errno})
     * @return the number delivered to {@code handler}; fewer than {@code min} when the timeout
     *     passed, or when no more requests were outstanding
     * @throws IllegalArgumentException when {@code min} or {@code max} is out of range
     * @throws IllegalStateException when the context is closed
     * @throws WrongThreadException when called from another thread than the context's
     */
    public int getEvents(int min, int max, long timeout, TimeUnit unit, CompletionHandler handler) {
        checkOwner();
        requireOpen("getEvents");
        if (min < 0 || max < 1 || min > max) {
            throw new IllegalArgumentException("getEvents needs 0 <= min <= max and max >= 1, got min " + min
                    + ", max " + max);
        }
        this.handler = handler;
        try {
            long nanos = timeout < 0 ? -1 : unit.toNanos(timeout);
            if (cachedInFlight == 0 && deviceOutstanding == 0) {
                return queue.reap(min, max, nanos, sink);
            }
            return getEventsWithCached(min, max, nanos);
        } finally {
            this.handler = null;
        }
    }

    /**
     * getEvents while cached reads are in flight: their results arrive on the context's own list, not
     * in the kernel's queue, so a wait for both polls the kernel and parks for short spells.
     */
    private int getEventsWithCached(int min, int max, long nanos) {
        long deadline = nanos < 0 ? Long.MAX_VALUE : System.nanoTime() + nanos;
        delivered = 0;
        while (true) {
            // Kernel completions first: page reads of cached requests make their retries due.
            if (queue.outstanding() > 0) {
                queue.reap(0, max - delivered, 0, sink);
            }
            if (delivered < max) {
                // counts itself in delivered, through onCompletion
                deliverCached(max - delivered, Math.max(RETRY_BUDGET_MIN, min - delivered));
            }
            int n = delivered;
            if (n >= min || n >= max) {
                return n;
            }
            long left = deadline == Long.MAX_VALUE ? -1 : deadline - System.nanoTime();
            if (left == 0 || left < -1) {
                return n;
            }
            if (backlog != null) {
                continue; // retries still to run: no waiting
            }
            if (queue.outstanding() - queue.unsubmitted() > 0) {
                // Wait in the kernel; other threads' wakeups (pages the engine read) are polled
                // at least every 200 us.
                queue.reap(1, max - n, left < 0 ? 200_000 : Math.min(left, 200_000), sink);
            } else {
                parkForCached(left, min - n);
            }
        }
    }

    private void onCompletion(long slotData, long result) {
        if ((slotData & DEVICE) != 0) {
            int id = (int) (slotData & 0xffff_ffffL);
            PageIoOp op = deviceOps[id];
            deviceOps[id] = null;
            deviceFree[deviceFreeCount++] = id;
            deviceOutstanding--;
            if (closed && result == -Errno.ECANCELED) {
                // close() took it back before it reached the kernel (nothing else cancels a page
                // I/O: no link or cancel request ever names one). Requests of other threads may be
                // waiting for its pages: it goes to the file's engine after all.
                op.resubmitToEngine();
                return;
            }
            op.complete(result); // unlocks the pages; the retries it makes due run in getEvents
            return;
        }
        delivered++;
        int slot = (int) slotData;
        long cookie = userData[slot];
        AsyncFile file = files[slot];
        IoBuffer pin = pins[slot];
        files[slot] = null;
        pins[slot] = null;
        if (unbound[slot]) {
            unbound[slot] = false;
            unboundOutstanding--;
        }
        slots.release(slot);
        if (pin != null) {
            pin.unpin();
        }
        if (file != null) {
            if (writeLength[slot] > 0) {
                FileCache gate = writeGate[slot];
                long length = writeLength[slot];
                writeGate[slot] = null;
                writeLength[slot] = 0;
                try {
                    file.afterUncachedWrite(gate, writePosition[slot], length, result);
                } finally {
                    AsyncFile.abandonUncachedWrite(gate); // the write ended: the gate is left
                }
            }
            file.endOp();
        }
        if (handler != null) {
            handler.onCompletion(cookie, result);
        }
    }

    /**
     * Names a result delivered to a {@link CompletionHandler}.
     *
     * @param result a result: bytes transferred, or {@code -errno}
     * @return for a negative result the errno's name and text, e.g. {@code "EIO (Input/output error)"};
     *     for another, the count in decimal
     */
    public static String errorName(long result) {
        return result < 0 ? Errno.describe((int) -result) : Long.toString(result);
    }

    private void requireOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": the IoContext is closed");
        }
    }

    private void checkOwner() {
        Thread t = Thread.currentThread();
        if (owner != t) {
            adopt(t);
        }
    }

    /**
     * The first call, or a call from another thread: {@code t} becomes the owner if there is none
     * or the owner has died (its requests would otherwise never be reaped, and files and engines
     * waiting for them would wait forever); a live owner keeps the context. Seeing the dead owner's
     * end makes all its writes to this context visible here (JLS 17.4.4).
     */
    private synchronized void adopt(Thread t) {
        Thread o = owner;
        if (o == null || !o.isAlive()) {
            owner = t;
        } else if (o != t) {
            throw new WrongThreadException("IoContext is confined to " + o.getName());
        }
    }

    /**
     * Whether a context this thread owns carries, in its own queue, page I/O (writes only, if
     * {@code writesOnly}) of {@code file}'s pages in [first, last], which only this thread's
     * {@code getEvents} reaps: a blocking call
     * that waits for those pages (a truncate waiting for their writeback, say) would wait for itself.
     */
    static boolean thisThreadOwesPageIo(FileCache file, long first, long last, boolean writesOnly) {
        Thread me = Thread.currentThread();
        for (IoContext c : OPEN) {
            if (c.owner != me || c.closed || c.deviceOutstanding == 0) {
                continue;
            }
            for (PageIoOp op : c.deviceOps) {
                if (op != null && (op.isWrite() || !writesOnly) && op.covers(file, first, last)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Closes every context whose owner thread died without closing it, so that what waits for
     * their requests (a file's close, an engine's close) does not wait forever.
     */
    static void closeAbandoned() {
        for (IoContext c : OPEN) {
            Thread o = c.owner;
            if (o != null && !o.isAlive()) {
                try {
                    c.close();
                } catch (WrongThreadException e) {
                    // another thread adopted it first and closes it
                }
            }
        }
    }

    /**
     * Drops the requests prepared and never submitted (none of them reaches the kernel), waits for
     * every submitted request (dropping their results), releases their files and buffers, and frees
     * the context. Timers ({@link #prepareTimeout}) still pending are cancelled, not waited for.
     * Idempotent; only the context's thread may close it.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        checkOwner();
        closed = true;
        OPEN.remove(this);
        this.handler = null;
        // Never-submitted requests first: on io_uring the waits below enter the kernel, which would
        // submit them on the way. Each completes with -ECANCELED, which releases its file and buffer
        // (a page read or write of a submitted cached request goes to the engine instead).
        queue.cancelUnsubmitted();
        // Reap what the kernel finishes so files and buffers are released and page I/O unlocks its
        // pages. Timers and cancels are not waited for (a timeout may be an hour away): the queue's
        // close cancels what is left of them.
        while (queue.outstanding() > unboundOutstanding) {
            queue.reap(1, depth, -1, sink);
        }
        queue.close();
        queueClosed = true; // its rings are unmapped: nothing may touch the queue from here on
        // Cached reads in flight copy into their buffers until they finish: wait for them.
        while (cachedInFlight > 0) {
            if (deliverCached(depth, Integer.MAX_VALUE) == 0 && backlog == null) {
                parkForCached(-1, 1);
            }
        }
        cachedPreparedCount = 0;
        iovecArena.close();
        unpinAll(registeredBuffers);
        registeredBuffers = NO_BUFFERS;
        registeredFiles = NO_FILES;
        // What is left never completed here: cached requests never submitted, timers the queue's
        // close cancelled. Their slots come back too, so outstanding() reads 0.
        for (int i = 0; i < depth; i++) {
            if (files[i] != null) {
                if (pins[i] != null) {
                    pins[i].unpin();
                }
                AsyncFile.abandonUncachedWrite(writeGate[i]);
                writeGate[i] = null;
                writeLength[i] = 0;
                files[i].endOp();
                files[i] = null;
                pins[i] = null;
                slots.release(i);
            } else if (unbound[i]) {
                unbound[i] = false;
                slots.release(i);
            }
        }
        unboundOutstanding = 0;
    }
}
