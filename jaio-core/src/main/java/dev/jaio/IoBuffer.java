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
     * Allocates zeroed native memory.
     *
     * @param alignment a power of two; use {@link AsyncFile#alignment()}'s
     *     {@link DirectIoAlignment#bufferAlignment()} for O_DIRECT
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

    /** The memory; valid until the buffer is closed and unpinned. */
    public MemorySegment segment() {
        return segment;
    }

    /** Bytes in the buffer. */
    public long size() {
        return segment.byteSize();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return (state & CLOSED) != 0;
    }

    /** Requests currently pinning the buffer. */
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
