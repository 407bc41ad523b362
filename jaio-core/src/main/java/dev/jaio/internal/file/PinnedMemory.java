package dev.jaio.internal.file;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The native memory of a jaio buffer ({@code dev.jaio.IoBuffer}), which the kernel may read or
 * write while a request is in flight: every request on it pins it until the request completes,
 * and closing it frees the memory only when the last pin is gone, whatever the caller does
 * meanwhile (close, cancel, exceptions). One owner Arena per region.
 *
 * <p>Invariant: the arena is closed exactly once, when the CLOSED bit is set and the pin count is
 * zero; a pin is taken only while CLOSED is clear.
 */
public final class PinnedMemory {

    private static final int CLOSED = 1 << 31;
    private static final VarHandle STATE;
    /** Finds the memory behind any slice of it, by the arena scope slices share. */
    private static final Map<MemorySegment.Scope, PinnedMemory> BY_SCOPE = new ConcurrentHashMap<>();

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PinnedMemory.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Arena arena;
    private final MemorySegment segment;
    /** CLOSED bit plus the number of pinning requests. */
    @SuppressWarnings("unused")
    private volatile int state;

    /** {@code size} bytes aligned to {@code alignment} (checked by the caller: positive, a power of two). */
    public PinnedMemory(long size, long alignment) {
        this.arena = Arena.ofShared();
        this.segment = arena.allocate(size, alignment);
        BY_SCOPE.put(segment.scope(), this);
    }

    /** The whole region. */
    public MemorySegment segment() {
        return segment;
    }

    /** Whether it was closed (its memory is freed, or will be when the last request ends). */
    public boolean isClosed() {
        return ((int) STATE.getVolatile(this) & CLOSED) != 0;
    }

    /** Requests that pin it now. */
    public int pinCount() {
        return (int) STATE.getVolatile(this) & ~CLOSED;
    }

    /**
     * Pins the jaio memory that {@code segment} belongs to, if any.
     *
     * @param op, path, offset, length the request that pins it, for the message of a refusal
     *     (offset -1 leaves offset and length out; a null path leaves the path out)
     * @return the pinned memory, or null when the segment is not jaio memory
     * @throws IllegalStateException when the buffer is already closed, or the segment's memory
     *     (jaio's or not) is already freed: its address must not reach the kernel
     */
    public static PinnedMemory pin(MemorySegment segment, String op, Path path, long offset, long length) {
        PinnedMemory memory = BY_SCOPE.get(segment.scope());
        if (memory == null) {
            if (!segment.scope().isAlive()) {
                throw new IllegalStateException((path == null ? op : Requests.describe(op, path, offset, length))
                        + ": the memory is freed (its arena or IoBuffer is closed)");
            }
            return null;
        }
        int s;
        do {
            s = (int) STATE.getVolatile(memory);
            if ((s & CLOSED) != 0) {
                throw new IllegalStateException((path == null ? op : Requests.describe(op, path, offset, length))
                        + ": the IoBuffer is closed; a closed buffer takes no new requests");
            }
        } while (!STATE.compareAndSet(memory, s, s + 1));
        return memory;
    }

    /**
     * Throws as {@link #pin} would, without pinning: for a request that must not take anything
     * (an append's range) for memory it will then refuse.
     */
    public static void checkOpen(MemorySegment segment, String op, Path path, long offset, long length) {
        PinnedMemory m = pin(segment, op, path, offset, length);
        if (m != null) {
            m.unpin();
        }
    }

    /** Releases one pin; frees the memory when it was the last pin of a closed buffer. */
    public void unpin() {
        int s = (int) STATE.getAndAdd(this, -1) - 1;
        if (s == CLOSED) {
            free();
        }
    }

    /** Releases every pin of {@code pins} (null entries and a null array are skipped). */
    public static void unpinAll(PinnedMemory[] pins) {
        if (pins != null) {
            for (PinnedMemory m : pins) {
                if (m != null) {
                    m.unpin();
                }
            }
        }
    }

    /**
     * Frees the memory now when no request pins it, else when the last pinning request completes
     * (on the thread that completes it). New requests are refused from now on. Idempotent.
     */
    public void close() {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
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
