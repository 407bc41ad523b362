package dev.jaio.internal.engine;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

/**
 * One request travelling through an {@link EventLoop}, and the future its caller holds: the request
 * is its own future and its own queue node, so a request costs one allocation.
 *
 * <p>Parameters are written by the submitting thread before {@link EventLoop#execute} publishes the
 * op (a volatile CAS), and read by the loop thread after it takes the op (a volatile read).
 *
 * <p>The op's future state is not used by the loop: a caller that completes or cancels the future
 * early changes nothing for the request, whose buffers stay in use until {@link #onResult} runs.
 *
 * @param <T> the future's value type
 */
public abstract class IoOp<T> extends CompletableFuture<T> {

    /** Positional read into {@link #buffer}. */
    public static final int READ = 0;
    /** Positional write from {@link #buffer}. */
    public static final int WRITE = 1;
    /** Vectored read into {@link #buffers}. */
    public static final int READV = 2;
    /** Vectored write from {@link #buffers}. */
    public static final int WRITEV = 3;
    /** fsync. */
    public static final int FSYNC = 4;
    /** fdatasync. */
    public static final int FDATASYNC = 5;

    private static final VarHandle NEXT;

    static {
        try {
            NEXT = MethodHandles.lookup().findVarHandle(IoOp.class, "next", IoOp.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One of the opcode constants above. */
    protected final int opcode;
    /** File descriptor. */
    protected final int fd;
    /** The buffer of READ and WRITE. */
    protected final MemorySegment buffer;
    /** The buffers of READV and WRITEV. */
    protected final MemorySegment[] buffers;
    /** File offset. */
    protected final long offset;
    /** RWF_* flags. */
    protected final int rwFlags;

    /** Next op in an {@link EventLoop} queue; written before publication, then only by the loop. */
    @SuppressWarnings("unused")
    private IoOp<?> next;
    /** iovec memory the loop allocated for a vector too long for its inline area. */
    MemorySegment spilledIovecs;

    protected IoOp(int opcode, int fd, MemorySegment buffer, MemorySegment[] buffers, long offset, int rwFlags) {
        this.opcode = opcode;
        this.fd = fd;
        this.buffer = buffer;
        this.buffers = buffers;
        this.offset = offset;
        this.rwFlags = rwFlags;
    }

    /**
     * Called exactly once, on the loop thread, with the kernel's result (bytes, 0, or -errno).
     * Must not throw; it completes the future and releases what the request held.
     */
    protected abstract void onResult(long result);

    /** Called instead of {@link #onResult} when the request can never run (its engine is gone). */
    protected abstract void onRejected(IOException cause);

    final IoOp<?> plainNext() {
        return (IoOp<?>) NEXT.get(this);
    }

    final void plainNext(IoOp<?> op) {
        NEXT.set(this, op);
    }
}
