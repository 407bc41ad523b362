package dev.jaio.internal.file;

import dev.jaio.FileAdvice;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * How an {@link OpenFile} does its I/O, once its arguments are checked: through the kernel
 * ({@link KernelIo}) or through jaio's page cache ({@link CachedIo}). Each call counts the request
 * into its file and hands it on without blocking; the future completes on the engine's thread or
 * on the thread that ended the cache's last wait.
 */
sealed interface FileBackend permits KernelIo, CachedIo {

    /**
     * A read or write of one buffer (IoOp.READ or IoOp.WRITE); {@code advance} moves by the count,
     * or null; the future holds what {@code kind} says (an Integer count, or an append's offset).
     */
    <T> CompletableFuture<T> single(int opcode, MemorySegment seg, long position, int ioFlags, ByteBuffer advance,
            ResultKind kind);

    /**
     * For a caller that blocks until the read is done (a {@code FileChannel}): the read done on the
     * calling thread if the file's fast paths can do all of it there without waiting, the count
     * (short or 0 only at the end of the file); {@link #NOT_DONE} when it is left to
     * {@link #single}. No future, no allocation.
     */
    default long readNow(MemorySegment seg, long position) {
        return NOT_DONE;
    }

    /** What {@link #readNow} returns when it did nothing. */
    long NOT_DONE = Long.MIN_VALUE;

    /** A vectored read or write of native buffers, {@code total} bytes in all. */
    CompletableFuture<Long> vectored(int opcode, MemorySegment[] segs, long position, long total, int ioFlags);

    /** IoOp.FSYNC or IoOp.FDATASYNC. */
    CompletableFuture<Void> sync(int opcode);

    /** The part of posix_fadvise that is the backend's own (after the kernel's call). */
    void advise(long offset, long length, FileAdvice advice);
}
