package dev.jaio.internal.engine;

import java.lang.foreign.MemorySegment;

/**
 * A group of equal buffers that the kernel picks from when a read has data, rather than each read
 * holding a buffer of its own while it waits (io_uring's provided buffer ring,
 * IORING_REGISTER_PBUF_RING, Linux 5.19): a thousand idle connections hold no memory, and one
 * multishot receive fills as many buffers as data arrives. A request that picked one reports its id
 * in the result ({@link SocketOps#selectedBuffer}); the buffer is the owner's until it
 * {@link #recycle recycles} it, and the kernel's again after that.
 *
 * <p>Threads: the owner thread of the queue only. Memory: owned by the queue, freed when it closes
 * (after the kernel let go of the ring).
 */
public interface ProvidedBuffers {

    /** {@return the buffer group id (sqe.buf_group of requests that pick from it)} */
    int group();

    /** {@return how many buffers the group has} */
    int count();

    /** {@return the size of each buffer, in bytes} */
    int size();

    /**
     * {@return buffer {@code id}, whole (a segment made once per buffer: no allocation)}
     *
     * @param id a buffer id the kernel reported, {@code 0 <= id < count()}
     */
    MemorySegment buffer(int id);

    /**
     * Hands buffer {@code id} back to the kernel, which may fill it from the next read on: its bytes
     * must not be used after this.
     *
     * @param id a buffer id the kernel reported and the owner has not recycled since
     */
    void recycle(int id);
}
