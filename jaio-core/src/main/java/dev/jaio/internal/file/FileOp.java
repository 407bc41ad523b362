package dev.jaio.internal.file;

import dev.jaio.EngineClosedException;
import dev.jaio.IoOperationException;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.jfr.Jfr;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A request of an {@code AsyncFile} and the future its caller gets. It holds everything the kernel
 * may touch (pinned jaio buffers, a bounce buffer for heap memory) until the request completes,
 * then releases it all before completing the future: when the future is done, the kernel is done
 * with the request's memory. So only jaio completes it: {@link #cancel} asks the kernel to stop
 * the request, and the caller's {@code complete}, {@code completeExceptionally} and
 * {@code obtrude*} are refused.
 *
 * <p>A write the kernel does in part (a short count: a filesystem filling up, a file size limit)
 * is continued from where it stopped until all of it is written, as FileChannel's write loop
 * does; if a later part fails, the request fails with an {@link IoOperationException} that says
 * how many bytes were written.
 */
final class FileOp<T> extends IoOp<T> implements Requests.Future {

    private static final VarHandle GATE;

    static {
        try {
            GATE = MethodHandles.lookup().findVarHandle(FileOp.class, "gate", FileCache.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final OpenFile file;
    private final ResultKind resultKind;
    private final long length;
    /** The request's file offset ({@link #offset} moves on as a short write continues). */
    private final long startOffset;
    /**
     * Bytes of the request done before the part now in flight: the earlier parts of a write, or
     * what a read's or write's try on the calling thread did ({@link #startAfter}); loop thread,
     * or the submitting thread before the request is handed on.
     */
    private long done;
    /** The place the request holds in its engine's {@link Admission}, or null (not counted). */
    private Admission admission;
    /** Pinned jaio buffers, or null. */
    private PinnedMemory pin;
    private PinnedMemory[] pins;
    /** Where a read through a bounce buffer copies its bytes, or null. */
    private MemorySegment readTarget;
    /** A ByteBuffer whose position advances by the bytes transferred, or null. */
    private ByteBuffer advance;
    /** The caller asked to cancel: -ECANCELED (or -EINTR) from the kernel then means it was stopped. */
    private volatile boolean cancelRequested;
    /** What a stop by orTimeout or completeOnTimeout ends with: a TimeoutException or a Replacement. */
    private volatile Object timeoutOutcome;
    /**
     * The write gate of jaio's cache of the file this write holds (a write of a handle that is not
     * CACHED while a CACHED handle has the file open), or null; left once, when the request ends.
     */
    @SuppressWarnings("unused") // through GATE
    private volatile FileCache gate;
    /** Counted among its handle's reads in the engine ({@link #countEngineRead}) until it ends. */
    private boolean countedRead;

    FileOp(OpenFile file, int opcode, MemorySegment buffer, MemorySegment[] buffers, long offset, int rwFlags,
            long length, ResultKind resultKind) {
        super(opcode, file.fd(), buffer, buffers, offset, rwFlags);
        this.file = file;
        this.length = length;
        this.resultKind = resultKind;
        this.startOffset = offset;
    }

    /** Every request of a handle opened without DIRECT goes through the kernel's page cache. */
    @Override
    protected boolean kernelBuffered() {
        return !file.isDirect();
    }

    /**
     * Counts a read of a kernel-buffered handle among the handle's reads in the engine
     * ({@link OpenFile#mayBeReadingPages}) until it ends; the caller hands it to the engine next.
     */
    FileOp<T> countEngineRead() {
        if ((opcode == READ || opcode == READV) && !file.isDirect()) {
            file.engineReadStarted();
            countedRead = true;
        }
        return this;
    }

    FileOp<T> pin(PinnedMemory buffer) {
        this.pin = buffer;
        return this;
    }

    /** Takes a place in the engine's admission for the request (waiting for one if need be); given back when it ends. */
    FileOp<T> admit() {
        if (file.refusing()) {
            return this; // refused right after, without waiting for a place
        }
        Admission a = file.engine().admission();
        if (a.enter(file.engine())) {
            admission = a;
        }
        return this;
    }

    /** Gives back its admission place now: the request ends before reaching the engine. */
    void leaveAdmission() {
        Admission a = admission;
        admission = null;
        if (a != null) {
            a.leave();
        }
    }

    FileOp<T> pins(PinnedMemory[] buffers) {
        this.pins = buffers;
        return this;
    }

    FileOp<T> readInto(MemorySegment target) {
        this.readTarget = target;
        return this;
    }

    FileOp<T> advance(ByteBuffer buffer) {
        this.advance = buffer;
        return this;
    }

    /** The file offset. */
    long offset() {
        return startOffset;
    }

    /** Bytes the request transfers. */
    long length() {
        return length;
    }

    /** Whether it writes. */
    boolean isWrite() {
        return opcode == WRITE || opcode == WRITEV;
    }

    /**
     * The write entered {@code fc}'s write gate ({@link FileCache#enterDirectWrite}); false when
     * it had already ended (cancelled before it started): then the gate is left again at once.
     */
    boolean holdGate(FileCache fc) {
        GATE.setVolatile(this, fc);
        if (isEndedUnstarted()) {
            leaveGate(); // its end may have come before the gate was set: exactly one of the two leaves
            return false;
        }
        return true;
    }

    private void leaveGate() {
        FileCache fc = (FileCache) GATE.getAndSet(this, (FileCache) null);
        if (fc != null) {
            fc.leaveDirectWrite();
        }
    }

    /** The cache whose gate this write holds, or null. */
    FileCache heldGate() {
        return (FileCache) GATE.getVolatile(this);
    }

    /** Ends the request without submitting it, as if the kernel had answered -errno (unless a cancel ended it first). */
    void reject(int errno) {
        if (tryEndUnstarted()) {
            onResult(-errno);
        }
    }

    static String operationName(int opcode) {
        return switch (opcode) {
            case READ -> "pread";
            case WRITE -> "pwrite";
            case READV -> "preadv";
            case WRITEV -> "pwritev";
            case FSYNC -> "fsync";
            case FDATASYNC -> "fdatasync";
            default -> "op" + opcode;
        };
    }

    /** The request as messages name it: {@code "pwrite /data/f at offset 8192 (4096 bytes)"}. */
    private String describe() {
        return hasOffset() ? Requests.describe(operationName(opcode), file.path(), startOffset, length)
                : Requests.describe(operationName(opcode), file.path(), -1, -1);
    }

    @Override
    protected void onResult(long result) {
        if (result > 0 && isWrite() && done + result < length && !cancelRequested) {
            // A short write: the rest goes on from where the kernel stopped (loop thread, which
            // takes it back before it next enters the kernel); pins and buffers stay held.
            continueWrite(result);
            return;
        }
        Object value = null;
        Throwable failure = null;
        try {
            if (isWrite() && (isStarted() || done > 0)) {
                // Only a write that reached the kernel changed the file (one cancelled or refused
                // before it did must not drop the cache's pages of its range).
                file.coherence().afterUncachedWrite(heldGate(), startOffset, length,
                        result > 0 ? done + result : done > 0 ? done : result);
            }
            boolean stopped = cancelRequested && (result == -Errno.ECANCELED || result == -Errno.EINTR
                    || (result > 0 && isWrite() && done + result < length));
            if (stopped) {
                // The kernel stopped it, or a cancel came between two parts of a write.
                Object outcome = timeoutOutcome;
                if (outcome instanceof Requests.Replacement r) {
                    value = r.value();
                } else {
                    failure = Requests.cancelled(describe(), done + Math.max(0, result), outcome);
                }
            } else if (result < 0 && !isWrite() && done > 0) {
                // The try's bytes, as a pread that copied some returns them.
                if (advance != null) {
                    advance.position(advance.position() + (int) done);
                }
                value = resultKind.value(done, startOffset);
            } else if (result < 0) {
                failure = Failures.of(operationName(opcode), file.path(), hasOffset() ? startOffset : -1,
                        hasOffset() ? length : -1, (int) -result, done);
            } else if (result == 0 && isWrite() && length > 0) {
                // No progress, and no errno to say why: a loop would spin. Not seen on Linux files.
                failure = new IoOperationException(operationName(opcode), file.path(), startOffset, length, Errno.EIO,
                        Errno.name(Errno.EIO), "the kernel wrote 0 of the " + (length - done) + " bytes left",
                        done);
            } else {
                long total = done + result;
                if (readTarget != null && total > 0) {
                    MemorySegment.copy(buffer, 0, readTarget, 0, total);
                }
                if (advance != null) {
                    advance.position(advance.position() + (int) total);
                }
                value = resultKind.value(total, startOffset);
            }
        } catch (RuntimeException e) {
            failure = Requests.named(describe(), e);
        } finally {
            release();
        }
        settle(this, file, value, failure);
    }

    /** Moves the write past the {@code part} bytes the kernel just wrote and hands the rest back to the loop. */
    private void continueWrite(long part) {
        startAfter(part);
        file.engine().execute(this);
    }

    /**
     * Moves the request past {@code part} bytes already transferred: by the kernel (a short write),
     * or by a try on the calling thread before the request is handed to the engine. Its future
     * then counts them in: a write's count, and a read's, which ends with them if the rest fails
     * (as a pread that copied some bytes returns them).
     */
    FileOp<T> startAfter(long part) {
        done += part;
        offset += part;
        if (buffer != null) {
            buffer = buffer.asSlice(part);
        } else {
            long skip = part;
            int first = 0;
            while (skip >= buffers[first].byteSize()) {
                skip -= buffers[first].byteSize();
                first++;
            }
            MemorySegment[] rest = new MemorySegment[buffers.length - first];
            System.arraycopy(buffers, first, rest, 0, rest.length);
            rest[0] = rest[0].asSlice(skip);
            buffers = rest;
        }
        return this;
    }

    @Override
    protected void onRejected(IOException cause) {
        release();
        Throwable failure = cause instanceof AsynchronousCloseException
                ? new EngineClosedException(describe(), file.engine().name())
                : Requests.named(describe(), cause);
        settle(this, file, null, failure);
    }

    // ---- the future, as the caller sees it ----

    /**
     * Asks that the request be stopped. One that has not reached the kernel yet is ended at once:
     * its future is cancelled and this returns true. One the kernel has is asked to stop
     * (io_uring: IORING_OP_ASYNC_CANCEL; kernel AIO: io_cancel, which stops no file I/O; threads:
     * nothing, a running system call is not interrupted) and this returns false: the future stays
     * pending until the kernel is done with the request's memory, then completes with a
     * {@link java.util.concurrent.CancellationException} if the kernel stopped it, else with the
     * request's own result.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (isDone()) {
            return isCancelled();
        }
        cancelRequested = true;
        if (tryEndUnstarted()) {
            onResult(-Errno.ECANCELED); // the kernel never saw it: it ends here, on the caller's thread
            return isCancelled();
        }
        file.engine().cancel(this);
        return false;
    }

    /**
     * If the request has not completed after {@code timeout}, it is {@linkplain #cancel cancelled};
     * when the kernel stops it, the future completes with a {@link java.util.concurrent.TimeoutException}
     * (once the kernel is done with its memory), else with the request's own result.
     */
    @Override
    public CompletableFuture<T> orTimeout(long timeout, TimeUnit unit) {
        if (!isDone()) {
            Requests.after(timeout, unit, () -> {
                if (!isDone()) {
                    timeoutOutcome = Requests.timedOut(describe(), timeout, unit);
                    cancel(false);
                }
            });
        }
        return this;
    }

    /** As {@link #orTimeout}, but a request the timeout stopped completes with {@code value}. */
    @Override
    public CompletableFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
        if (!isDone()) {
            Requests.after(timeout, unit, () -> {
                if (!isDone()) {
                    timeoutOutcome = new Requests.Replacement(value);
                    cancel(false);
                }
            });
        }
        return this;
    }

    @Override
    public boolean complete(T value) {
        throw Requests.refused(describe(), "complete");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw Requests.refused(describe(), "completeExceptionally");
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        throw Requests.refused(describe(), "completeAsync");
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier,
            Executor executor) {
        throw Requests.refused(describe(), "completeAsync");
    }

    @Override
    public void obtrudeValue(T value) {
        throw Requests.refused(describe(), "obtrudeValue");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw Requests.refused(describe(), "obtrudeException");
    }

    /** The request's JFR event, or null: ended as the future settles. */
    private volatile Object jfrEvent;

    @Override
    public void jfrEvent(Object event) {
        jfrEvent = event;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void settle(Object value, Throwable failure) {
        Object e = jfrEvent;
        if (e != null) {
            Jfr.settle(e, value, failure); // before the callbacks, which run as the future completes
        }
        if (failure != null) {
            super.completeExceptionally(failure);
        } else {
            super.complete((T) value);
        }
    }

    /**
     * Completes a request's future with {@code value}, or exceptionally with {@code failure}, then
     * counts the request out of its file: last, since AsyncFile.close() returns once that runs, and
     * by then the future must be done.
     */
    static void settle(Requests.Future future, OpenFile file, Object value, Throwable failure) {
        try {
            future.settle(value, failure);
        } finally {
            file.endOp();
        }
    }

    private boolean hasOffset() {
        return opcode != FSYNC && opcode != FDATASYNC;
    }

    /**
     * Drops every reference the kernel could have used, so a buffer closed early is freed now, and
     * leaves the write gate: once per request, when it ends.
     */
    private void release() {
        leaveAdmission();
        leaveGate();
        if (countedRead) {
            countedRead = false;
            file.engineReadEnded();
        }
        if (pin != null) {
            pin.unpin();
            pin = null;
        }
        PinnedMemory.unpinAll(pins);
        pins = null;
        readTarget = null;
        advance = null;
    }
}
