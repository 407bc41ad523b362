package dev.jaio;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Aligned native memory whose lifetime jaio controls, so that it can never be freed while the
 * kernel may still read or write it.
 *
 * <p>Pass {@link #segment()}, or any slice of it, to {@link AsyncFile} or {@link IoContext}: every
 * request on it pins the buffer until the request completes. {@link #close()} frees the memory at
 * once when nothing is pinned, and otherwise when the last pinned request completes; after
 * {@code close()} new requests on the buffer are refused. Memory from the caller's own
 * {@link Arena} cannot be pinned this way: it must stay open until its requests complete.
 */
public final class IoBuffer implements AutoCloseable {

    private static final int CLOSED = 1 << 31;
    private static final VarHandle STATE;
    /** Finds the jaio buffer behind any slice of it, by the arena scope slices share. */
    private static final Map<MemorySegment.Scope, IoBuffer> BY_SCOPE = new ConcurrentHashMap<>();

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(IoBuffer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Arena arena;
    private final MemorySegment segment;
    /** CLOSED bit plus the number of pinning requests. */
    @SuppressWarnings("unused")
    private volatile int state;

    private IoBuffer(long size, long alignment) {
        this.arena = Arena.ofShared();
        this.segment = arena.allocate(size, alignment);
        BY_SCOPE.put(segment.scope(), this);
    }

    /**
     * Allocates zeroed native memory, in a shared arena of its own (so any thread may use it).
     * {@link AsyncFile#allocateBuffer(long)} picks the size and alignment for a file.
     *
     * @param size bytes, at least 1
     * @param alignment of the address in bytes, a power of two; use {@link AsyncFile#alignment()}'s
     *     {@link DirectIoAlignment#bufferAlignment()} for O_DIRECT
     * @return the buffer; the caller closes it
     * @throws IllegalArgumentException when {@code size} is not positive or {@code alignment} is not
     *     a power of two
     * @throws OutOfMemoryError when the memory cannot be allocated
     */
    public static IoBuffer allocate(long size, long alignment) {
        if (size <= 0) {
            throw new IllegalArgumentException("buffer size must be positive: " + size);
        }
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        return new IoBuffer(size, alignment);
    }

    /**
     * The memory.
     *
     * @return the whole buffer, {@link #size()} bytes; valid until the buffer is closed and
     *     unpinned, after which accessing it throws {@link IllegalStateException}
     */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * The buffer's size.
     *
     * @return the size in bytes, as allocated
     */
    public long size() {
        return segment.byteSize();
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed, whether or not requests still pin the memory
     */
    public boolean isClosed() {
        return (state & CLOSED) != 0;
    }

    /**
     * Requests currently pinning the buffer (and io_uring registrations, see
     * {@link IoContext#registerBuffers}).
     *
     * @return the number of pins, 0 when the memory could be freed at once
     */
    public int pinCount() {
        return state & ~CLOSED;
    }

    /**
     * Pins the jaio buffer that {@code segment} belongs to, if any.
     *
     * @param op, path, offset, length the request that pins it, for the message of a refusal
     *     (offset -1 leaves offset and length out; a null path leaves the path out)
     * @return the pinned buffer, or null when the segment is not jaio memory
     * @throws IllegalStateException when the buffer is already closed
     */
    static IoBuffer pin(MemorySegment segment, String op, java.nio.file.Path path, long offset, long length) {
        IoBuffer buffer = BY_SCOPE.get(segment.scope());
        if (buffer == null) {
            return null;
        }
        int s;
        do {
            s = buffer.state;
            if ((s & CLOSED) != 0) {
                throw new IllegalStateException((path == null ? op : Requests.describe(op, path, offset, length))
                        + ": the IoBuffer is closed; a closed buffer takes no new requests");
            }
        } while (!STATE.compareAndSet(buffer, s, s + 1));
        return buffer;
    }

    /** Releases one pin; frees the memory when it was the last pin of a closed buffer. */
    void unpin() {
        int s = (int) STATE.getAndAdd(this, -1) - 1;
        if (s == CLOSED) {
            free();
        }
    }

    /**
     * Frees the memory now when no request pins it, and otherwise when the last pinning request
     * completes (on the thread that completes it). New requests on the buffer are refused from now
     * on. Calling it again does nothing.
     */
    @Override
    public void close() {
        int s;
        do {
            s = state;
            if ((s & CLOSED) != 0) {
                return;
            }
        } while (!STATE.compareAndSet(this, s, s | CLOSED));
        if (s == 0) {
            free();
        }
    }

    private void free() {
        BY_SCOPE.remove(segment.scope());
        arena.close();
    }
}
