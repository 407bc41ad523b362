package dev.jaio;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.engine.Slots;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

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
 * {@link WrongThreadException}. Requests are checked as {@link AsyncFile}'s are (modes, offsets,
 * O_DIRECT alignment) and only native memory is accepted. A request the kernel refuses (say EBADF)
 * is not thrown from {@code submit()}: it completes with {@code -errno} like any other failure.
 *
 * <p>{@link #close()} waits until the kernel has finished every submitted request (their results
 * are dropped), then frees the context. {@link IoBuffer}s passed in stay pinned until then.
 */
public final class IoContext implements AutoCloseable {

    private final IoQueue queue;
    private final int depth;
    private final long[] userData;
    private final AsyncFile[] files;
    private final IoBuffer[] pins;
    private final Slots slots;
    private Thread owner;
    private CompletionHandler handler;
    private final CompletionSink sink = this::onCompletion;
    private boolean closed;

    IoContext(EngineProvider provider, QueueOptions options) throws IOException {
        this.queue = provider.openQueue(options);
        this.depth = options.capacity();
        this.userData = new long[depth];
        this.files = new AsyncFile[depth];
        this.pins = new IoBuffer[depth];
        this.slots = new Slots(depth);
    }

    /** The engine name of this context ({@code aio}, {@code threads}). */
    public String engineName() {
        return queue.engineName();
    }

    /** Requests the context can hold at once. */
    public int depth() {
        return depth;
    }

    /** Requests prepared or in flight and not yet reaped. */
    public int outstanding() {
        return slots.inUse();
    }

    /** Requests prepared and not yet accepted by {@link #submit()}. */
    public int unsubmitted() {
        return queue.unsubmitted();
    }

    /** Prepares a read of {@code buffer.byteSize()} bytes at {@code position}; false when the context is full. */
    public boolean prepareRead(AsyncFile file, MemorySegment buffer, long position, long cookie) {
        return prepareRead(file, buffer, position, IoFlags.NONE, cookie);
    }

    /** Prepares a read with per-request {@link IoFlags}. */
    public boolean prepareRead(AsyncFile file, MemorySegment buffer, long position, int ioFlags, long cookie) {
        return prepareTransfer(file, buffer, position, ioFlags, cookie, true);
    }

    /** Prepares a write of all of {@code buffer} at {@code position}; false when the context is full. */
    public boolean prepareWrite(AsyncFile file, MemorySegment buffer, long position, long cookie) {
        return prepareWrite(file, buffer, position, IoFlags.NONE, cookie);
    }

    /** Prepares a write with per-request {@link IoFlags}, e.g. {@link IoFlags#DSYNC}. */
    public boolean prepareWrite(AsyncFile file, MemorySegment buffer, long position, int ioFlags, long cookie) {
        return prepareTransfer(file, buffer, position, ioFlags, cookie, false);
    }

    /** Prepares an fsync, or an fdatasync when {@code dataOnly}; false when the context is full. */
    public boolean prepareFsync(AsyncFile file, boolean dataOnly, long cookie) {
        checkOwner();
        if (slots.available() == 0) {
            return false;
        }
        int slot = claim(file, null, cookie, dataOnly ? "fdatasync" : "fsync");
        queue.prepareFsync(file.fd(), dataOnly, slot);
        return true;
    }

    private boolean prepareTransfer(AsyncFile file, MemorySegment buffer, long position, int ioFlags, long cookie,
            boolean read) {
        checkOwner();
        String op = read ? "pread" : "pwrite";
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
        int slot = claim(file, buffer, cookie, op);
        boolean ok = read ? queue.prepareRead(file.fd(), buffer, position, ioFlags, slot)
                : queue.prepareWrite(file.fd(), buffer, position, ioFlags, slot);
        assert ok : "queue capacity equals context depth";
        return true;
    }

    private int claim(AsyncFile file, MemorySegment buffer, long cookie, String op) {
        if (closed) {
            throw new IllegalStateException(op + " " + file.path() + ": the IoContext is closed");
        }
        if (!file.begin()) {
            throw new IllegalStateException(op + " " + file.path() + ": the file is closed");
        }
        IoBuffer pin;
        try {
            pin = buffer == null ? null : IoBuffer.pin(buffer);
        } catch (RuntimeException e) {
            file.endOp();
            throw e;
        }
        int slot = slots.acquire();
        userData[slot] = cookie;
        files[slot] = file;
        pins[slot] = pin;
        return slot;
    }

    /**
     * Submits every prepared request with as few system calls as the kernel allows.
     *
     * @return how many were accepted; fewer than prepared means the kernel is full (back-pressure):
     *     reap some completions and call again
     */
    public int submit() {
        checkOwner();
        return queue.submit();
    }

    /**
     * Reaps completions, as io_getevents does.
     *
     * @param min wait until at least this many completions were delivered (0 polls)
     * @param max deliver at most this many
     * @param timeout how long to wait for {@code min}; negative waits without limit
     * @return the number delivered to {@code handler}
     */
    public int getEvents(int min, int max, long timeout, TimeUnit unit, CompletionHandler handler) {
        checkOwner();
        if (min < 0 || max < 1 || min > max) {
            throw new IllegalArgumentException("getEvents needs 0 <= min <= max and max >= 1, got min " + min
                    + ", max " + max);
        }
        this.handler = handler;
        try {
            return queue.reap(min, max, timeout < 0 ? -1 : unit.toNanos(timeout), sink);
        } finally {
            this.handler = null;
        }
    }

    private void onCompletion(long slotData, long result) {
        int slot = (int) slotData;
        long cookie = userData[slot];
        AsyncFile file = files[slot];
        IoBuffer pin = pins[slot];
        files[slot] = null;
        pins[slot] = null;
        slots.release(slot);
        if (pin != null) {
            pin.unpin();
        }
        file.endOp();
        if (handler != null) {
            handler.onCompletion(cookie, result);
        }
    }

    /** Names a negative result: {@code "EIO (Input/output error)"}; for a non-negative one, the count. */
    public static String errorName(long result) {
        return result < 0 ? Errno.describe((int) -result) : Long.toString(result);
    }

    private void checkOwner() {
        Thread t = Thread.currentThread();
        if (owner == null) {
            owner = t;
        } else if (owner != t) {
            throw new WrongThreadException("IoContext is confined to " + owner.getName());
        }
    }

    /**
     * Waits for every submitted request (dropping their results), releases their files and buffers,
     * and frees the context. Requests prepared and never submitted are dropped.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        checkOwner();
        closed = true;
        this.handler = null;
        // Reap what the kernel finishes so files and buffers are released; unsubmitted requests are
        // dropped below, after the queue's close has waited for anything still in the kernel.
        while (queue.outstanding() - queue.unsubmitted() > 0) {
            queue.reap(1, depth, -1, sink);
        }
        queue.close();
        for (int i = 0; i < depth; i++) {
            if (files[i] != null) {
                if (pins[i] != null) {
                    pins[i].unpin();
                }
                files[i].endOp();
                files[i] = null;
                pins[i] = null;
            }
        }
    }
}
