package dev.jaio;

import dev.jaio.internal.engine.IoOp;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

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
    @SuppressWarnings("unchecked")
    protected void onResult(long result) {
        Object value = null;
        Throwable failure = null;
        try {
            if (opcode == WRITE || opcode == WRITEV) {
                file.afterWrite(offset, length, result);
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
                value = switch (resultKind) {
                    case RESULT_INT -> (int) result;
                    case RESULT_LONG -> result;
                    default -> null;
                };
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            release();
        }
        try {
            if (failure != null) {
                completeExceptionally(failure);
            } else {
                complete((T) value);
            }
        } finally {
            // Last: AsyncFile.close() returns once this runs, and by then the future must be done.
            file.endOp();
        }
    }

    @Override
    protected void onRejected(IOException cause) {
        release();
        try {
            completeExceptionally(cause);
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
