package dev.jaio;

import dev.jaio.internal.engine.IoOp;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A request of an {@link AsyncFile} and the future its caller gets. It holds everything the kernel
 * may touch (pinned {@link IoBuffer}s, a bounce buffer for heap memory) until the request completes,
 * then releases it all before completing the future.
 */
final class FileOp<T> extends IoOp<T> {

    static final int RESULT_INT = 0;
    static final int RESULT_LONG = 1;
    static final int RESULT_VOID = 2;

    private final AsyncFile file;
    private final int resultKind;
    private final long length;
    /** Pinned jaio buffers, or null. */
    private IoBuffer pin;
    private IoBuffer[] pins;
    /** Where a read through a bounce buffer copies its bytes, or null. */
    private MemorySegment readTarget;
    /** A ByteBuffer whose position advances by the bytes transferred, or null. */
    private ByteBuffer advance;

    FileOp(AsyncFile file, int opcode, MemorySegment buffer, MemorySegment[] buffers, long offset, int rwFlags,
            long length, int resultKind) {
        super(opcode, file.fd(), buffer, buffers, offset, rwFlags);
        this.file = file;
        this.length = length;
        this.resultKind = resultKind;
    }

    FileOp<T> pin(IoBuffer buffer) {
        this.pin = buffer;
        return this;
    }

    FileOp<T> pins(IoBuffer[] buffers) {
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
        return offset;
    }

    /** Bytes the request transfers. */
    long length() {
        return length;
    }

    /** Whether it writes. */
    boolean isWrite() {
        return opcode == WRITE || opcode == WRITEV;
    }

    /** Ends the request without submitting it, as if the kernel had answered -errno. */
    void reject(int errno) {
        onResult(-errno);
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

    @Override
    protected void onResult(long result) {
        Object value = null;
        Throwable failure = null;
        try {
            if (opcode == WRITE || opcode == WRITEV) {
                file.afterUncachedWrite(offset, length, result);
            }
            if (result < 0) {
                failure = file.failure(operationName(opcode), hasOffset() ? offset : -1, hasOffset() ? length : -1,
                        (int) -result);
            } else {
                if (readTarget != null && result > 0) {
                    MemorySegment.copy(buffer, 0, readTarget, 0, result);
                }
                if (advance != null) {
                    advance.position(advance.position() + (int) result);
                }
                value = resultValue(resultKind, result);
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            release();
        }
        settle(this, file, value, failure);
    }

    @Override
    protected void onRejected(IOException cause) {
        release();
        settle(this, file, null, cause);
    }

    /** The future's value for a non-negative {@code result}: an Integer, a Long, or null (fsync). */
    static Object resultValue(int resultKind, long result) {
        return switch (resultKind) {
            case RESULT_INT -> (int) result;
            case RESULT_LONG -> result;
            default -> null;
        };
    }

    /**
     * Ends a request of a {@link FileOption#CACHED} file with the cache's {@code result} (a count,
     * or -errno): its value (advancing {@code advance}'s position by the count), or the failure
     * naming the operation, path, offset and errno; then counts it out of its file.
     */
    static <T> void settleCached(CompletableFuture<T> future, AsyncFile file, String op, long position, long length,
            int resultKind, long result, ByteBuffer advance) {
        Object value = null;
        Throwable failure = null;
        try {
            if (result < 0) {
                failure = file.failure(op, position, length, (int) -result);
            } else {
                if (advance != null) {
                    advance.position(advance.position() + (int) result);
                }
                value = resultValue(resultKind, result);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        settle(future, file, value, failure);
    }

    /**
     * Completes a request's future with {@code value}, or exceptionally with {@code failure}, then
     * counts the request out of its file: last, since AsyncFile.close() returns once that runs, and
     * by then the future must be done.
     */
    @SuppressWarnings("unchecked")
    static <T> void settle(CompletableFuture<T> future, AsyncFile file, Object value, Throwable failure) {
        try {
            if (failure != null) {
                future.completeExceptionally(failure);
            } else {
                future.complete((T) value);
            }
        } finally {
            file.endOp();
        }
    }

    private boolean hasOffset() {
        return opcode != FSYNC && opcode != FDATASYNC;
    }

    /** Drops every reference the kernel could have used, so a buffer closed early is freed now. */
    private void release() {
        if (pin != null) {
            pin.unpin();
            pin = null;
        }
        if (pins != null) {
            for (IoBuffer b : pins) {
                if (b != null) {
                    b.unpin();
                }
            }
            pins = null;
        }
        readTarget = null;
        advance = null;
    }
}
