package dev.jaio;

import dev.jaio.internal.file.PinnedMemory;
import java.lang.foreign.MemorySegment;

/**
 * Aligned native memory whose lifetime jaio controls, so that it can never be freed while the
 * kernel may still read or write it.
 *
 * <p>Pass {@link #segment()}, or any slice of it, to {@link AsyncFile} or {@link IoContext}: every
 * request on it pins the buffer until the request completes. {@link #close()} frees the memory at
 * once when nothing is pinned, and otherwise when the last pinned request completes; after
 * {@code close()} new requests on the buffer are refused. Memory from the caller's own
 * {@link java.lang.foreign.Arena} cannot be pinned this way: it must stay open until its requests complete.
 */
public final class IoBuffer implements AutoCloseable {

    private final PinnedMemory memory;

    private IoBuffer(long size, long alignment) {
        this.memory = new PinnedMemory(size, alignment);
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
        return memory.segment();
    }

    /**
     * The buffer's size.
     *
     * @return the size in bytes, as allocated
     */
    public long size() {
        return memory.segment().byteSize();
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed, whether or not requests still pin the memory
     */
    public boolean isClosed() {
        return memory.isClosed();
    }

    /**
     * Requests currently pinning the buffer (and io_uring registrations, see
     * {@link IoContext#registerBuffers}).
     *
     * @return the number of pins, 0 when the memory could be freed at once
     */
    public int pinCount() {
        return memory.pinCount();
    }

    /**
     * Frees the memory now when no request pins it, and otherwise when the last pinning request
     * completes (on the thread that completes it). New requests on the buffer are refused from now
     * on. Calling it again does nothing.
     */
    @Override
    public void close() {
        memory.close();
    }
}
