package dev.jaio;

import dev.jaio.internal.context.Kioctx;
import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoStatsGroup;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.file.Failures;
import dev.jaio.internal.file.OpenFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * A batch submission and completion queue driven by its caller, mirroring io_submit and
 * io_getevents: {@code prepare*} requests (nothing reaches the kernel yet), {@link #submit()} them
 * with one system call, and reap results with {@link #getEvents}. On io_uring a {@code getEvents}
 * that has to wait also submits whatever was prepared since, in the same system call. Nothing here allocates per request:
 * results come back as the caller's {@code long} cookie and the raw result. For files opened
 * {@link FileOption#CACHED CACHED} this holds for reads that hit jaio's page cache (each slot reuses
 * one read request); a read that misses allocates the cache's new page and its device read (as the
 * kernel allocates a folio and a bio), and a write or sync of a CACHED file its cache request.
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
 * <p>A write of a handle without CACHED, of a file that a CACHED handle (of any engine) has
 * open, holds that file's write gate from {@code prepareWrite} until its result is delivered by
 * {@code getEvents} (or the context closes): cached writes of the file wait meanwhile, so reap
 * such writes promptly. {@code prepareWrite} waits while a cached write copies into the file; a
 * read, fsync or fdatasync of such a handle waits on the calling thread in {@code prepare...} for
 * jaio's cache to write back the dirty pages it covers.
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

    /** The context's body: its kernel queue, slots, cached requests and their page I/O. */
    private final Kioctx body;

    IoContext(EngineProvider provider, QueueOptions options, IoStatsGroup stats) throws IOException {
        this.body = new Kioctx(provider, options, stats);
    }

    /** {@return the engine kind of this context: {@code uring}, {@code aio} or {@code threads}} */
    public String engineName() {
        return body.engineName();
    }

    /** {@return the requests the context can hold at once: the depth given to {@link IoEngine#newContext(int)}} */
    public int depth() {
        return body.depth();
    }

    /**
     * {@return the requests prepared or in flight and not yet reaped: 0 to {@link #depth()}; at
     * {@code depth()} the {@code prepare*} methods return false}
     */
    public int outstanding() {
        return body.outstanding();
    }

    /** {@return the requests prepared and not yet accepted by {@link #submit()}} */
    public int unsubmitted() {
        return body.unsubmitted();
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

    private boolean prepareTransfer(AsyncFile file, MemorySegment buffer, long position, int ioFlags, long cookie,
            boolean read) {
        checkOwner();
        String op = read ? "pread" : "pwrite";
        OpenFile f = file.body();
        if (body.isClosed()) {
            throw new IllegalStateException(op + " " + f.path() + ": the IoContext is closed");
        }
        IoFlags.check(ioFlags);
        f.checkMode(op, read);
        f.checkPosition(op, position, buffer.byteSize());
        if (!buffer.isNative()) {
            throw new IllegalArgumentException(op + " " + f.path() + ": IoContext needs native memory, got a heap segment");
        }
        if (buffer.byteSize() > AsyncFile.MAX_TRANSFER) {
            throw new IllegalArgumentException(op + " " + f.path() + ": " + buffer.byteSize()
                    + " bytes exceed the largest single transfer, " + AsyncFile.MAX_TRANSFER + " bytes");
        }
        f.checkBuffer(op, buffer, read, position);
        return body.prepareTransfer(f, buffer, position, ioFlags, cookie, read);
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
        return body.prepareFsync(file.body(), dataOnly, cookie);
    }

    /**
     * {@return whether the engine has links, timeouts and cancellation: true on io_uring; on
     * {@code aio} and {@code threads}, linkNext and the timeout and cancel methods throw
     * {@link UnsupportedOperationException}}
     */
    public boolean supportsChaining() {
        return body.supportsChaining();
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
        body.linkNext();
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
        return body.prepareLinkTimeout(timeout, unit, cookie);
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
        return body.prepareTimeout(timeout, unit, cookie);
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
        return body.prepareCancel(targetCookie, cookie);
    }

    /**
     * {@return whether the engine can register buffers and files with the kernel: true on io_uring;
     * on {@code aio} and {@code threads} the (un)register methods throw {@link UnsupportedOperationException}}
     */
    public boolean supportsRegistration() {
        return body.supportsRegistration();
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
        body.registerBuffers(buffers.length, i -> buffers[i].segment());
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
        body.unregisterBuffers();
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
        body.registerFiles(files.length, i -> files[i].body());
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
        body.unregisterFiles();
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
        return body.submit();
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
        return body.getEvents(min, max, timeout, unit, handler);
    }

    /**
     * Names a result delivered to a {@link CompletionHandler}.
     *
     * @param result a result: bytes transferred, or {@code -errno}
     * @return for a negative result the errno's name and text, e.g. {@code "EIO (Input/output error)"};
     *     for another, the count in decimal
     */
    public static String errorName(long result) {
        return result < 0 ? Failures.describe((int) -result) : Long.toString(result);
    }

    private void checkOwner() {
        Thread t = Thread.currentThread();
        if (body.owner() != t) {
            Thread o = body.adopt(t);
            if (o != t) {
                throw new WrongThreadException("IoContext is confined to " + o.getName());
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
        if (body.isClosed()) {
            return;
        }
        checkOwner();
        body.close();
    }
}
