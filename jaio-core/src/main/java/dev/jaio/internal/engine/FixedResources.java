package dev.jaio.internal.engine;

import java.lang.foreign.MemorySegment;

/**
 * What a queue offers when the kernel can hold buffers and descriptors registered in advance
 * (io_uring's IORING_REGISTER_BUFFERS / FILES): requests on them skip the per-request page pinning
 * and file lookup. Only the owner thread calls these, like every other {@link IoQueue} method.
 */
public interface FixedResources {

    /** Registers buffers; request buffers inside buffer {@code i} then use index {@code i}. 0 or -errno. */
    long registerBuffers(MemorySegment... buffers);

    /** Drops the registered buffers. 0 or -errno. */
    long unregisterBuffers();

    /** Registers descriptors; file {@code i} is then named by index {@code i}. 0 or -errno. */
    long registerFiles(int... fds);

    /** Drops the registered descriptors. 0 or -errno. */
    long unregisterFiles();

    /** Marks the next prepared request as naming a registered file by index (IOSQE_FIXED_FILE). */
    void nextUsesFixedFile();

    /** A read into part of registered buffer {@code bufIndex}; see {@link IoQueue#prepareRead}. */
    boolean prepareReadFixed(int fd, MemorySegment buffer, long offset, int bufIndex, int rwFlags, long userData);

    /** A write from part of registered buffer {@code bufIndex}; see {@link IoQueue#prepareWrite}. */
    boolean prepareWriteFixed(int fd, MemorySegment buffer, long offset, int bufIndex, int rwFlags, long userData);
}
