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
 * <p>The op's future state is not used by the loop: a subclass handed to callers must not let them
 * complete the future before {@link #onResult} runs (the kernel may still use its buffers until
 * then). An op that has not reached the kernel yet can be ended by {@link #tryEndUnstarted()}
 * (a cancel), after which the loop drops it; one the kernel has is stopped by asking its loop,
 * {@link EventLoop#cancel}.
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
    /** The last opcode of file I/O: those up to here count in the loop's {@link IoStats}. */
    static final int LAST_FILE_OP = FDATASYNC;
    /** One-shot readiness poll of {@link #fd}; {@link #rwFlags} holds the POLL* mask, the result the ready mask. */
    public static final int POLL = 6;
    /** recv(2) into {@link #buffer} ({@link SocketOps}); {@link #rwFlags} holds the MSG_* flags. */
    public static final int RECV = 7;
    /** send(2) of {@link #buffer} ({@link SocketOps}); {@link #rwFlags} holds the MSG_* flags. */
    public static final int SEND = 8;
    /** accept4(2) on listening socket {@link #fd} ({@link SocketOps}); {@link #rwFlags} holds SOCK_* flags. */
    public static final int ACCEPT = 9;
    /** connect(2) to the sockaddr in {@link #buffer}, {@link #offset} bytes long ({@link SocketOps}). */
    public static final int CONNECT = 10;
    /** read(2) of a pipe or other stream into {@link #buffer}: a READ at offset -1, the current position. */
    public static final int STREAM_READ = 11;
    /** write(2) of {@link #buffer} to a pipe or other stream: a WRITE at offset -1. */
    public static final int STREAM_WRITE = 12;
    /**
     * splice(2) ({@link SocketOps}) of {@link #spliceLength} bytes from descriptor {@link #rwFlags}
     * at {@link #offset} (-1: a pipe) to {@link #fd} (a pipe or socket, at its own position).
     */
    public static final int SPLICE = 13;
    /** Multishot accept4(2) on listening socket {@link #fd} ({@link SocketOps}): {@link #onMore} per connection. */
    public static final int ACCEPT_MULTISHOT = 14;
    /**
     * LINK_TIMEOUT ({@link RequestChaining}), {@link #offset} the deadline in {@link System#nanoTime()}
     * terms (the loop hands the kernel what is left of it when it prepares the pair, so time spent in
     * the backlog counts): never queued by itself,
     * but prepared by the loop right after the op whose {@link #linkTimeout} it is, so that the
     * kernel cancels that op (-ECANCELED) if it still runs at the deadline; it completes with -ETIME when it fired,
     * else -ECANCELED or -ENOENT.
     */
    public static final int LINK_TIMEOUT = 15;
    /**
     * Zero-copy send of {@link #buffer} ({@link SocketOps#prepareSendZc}): {@link #onMore} with the
     * bytes sent, then {@link #onResult} with the notification once the kernel let go of the
     * buffer; or only {@link #onResult}, with the send's result, when no notification follows.
     */
    public static final int SEND_ZC = 16;
    /**
     * Multishot recv(2) ({@link SocketOps#prepareRecvMultishot}) into buffers the kernel picks from
     * group {@link #offset}; {@link #rwFlags} holds the MSG_* flags: {@link #onMore} per chunk, each
     * result carrying the buffer's id ({@link SocketOps#selectedBuffer}).
     */
    public static final int RECV_MULTISHOT = 17;
    /** read(2) of a stream into a buffer the kernel picks from group {@link #offset} ({@link SocketOps#prepareReadSelect}). */
    public static final int STREAM_READ_SELECT = 18;
    /** One recv(2) into a buffer the kernel picks from group {@link #offset} ({@link SocketOps#prepareRecvSelect}): a kernel without multishot RECV. */
    public static final int RECV_SELECT = 19;
    /**
     * sendmsg(2) ({@link SocketOps#prepareSendmsg}) of the {@code struct msghdr} in {@link #buffer}
     * (its iovecs name the bytes, which stay the caller's until the request ends); {@link #rwFlags}
     * holds the MSG_* flags.
     */
    public static final int SENDMSG = 20;

    /** Not yet handed to the kernel: a cancel may still end it without the kernel. */
    private static final int NEW = 0;
    /** Prepared into the loop's queue (and kept so while a short write continues). */
    private static final int STARTED = 1;
    /** Ended before it reached the kernel (cancelled or refused); the loop drops it. */
    private static final int ENDED = 2;

    private static final VarHandle NEXT;
    private static final VarHandle PHASE;

    static {
        try {
            NEXT = MethodHandles.lookup().findVarHandle(IoOp.class, "next", IoOp.class);
            PHASE = MethodHandles.lookup().findVarHandle(IoOp.class, "phase", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One of the opcode constants above. */
    protected final int opcode;
    /** File descriptor. */
    protected final int fd;
    /** The buffer of READ and WRITE; a write that continues after a short count moves it on. */
    protected MemorySegment buffer;
    /** The buffers of READV and WRITEV; a write that continues after a short count moves them on. */
    protected MemorySegment[] buffers;
    /** File offset; a write that continues after a short count moves it on (loop thread only then). */
    protected long offset;
    /** RWF_* flags (POLL: the event mask; RECV, SEND: MSG_* flags; ACCEPT: SOCK_* flags). */
    protected int rwFlags;

    /** Next op in an {@link EventLoop} queue; written before publication, then only by the loop. */
    @SuppressWarnings("unused")
    private IoOp<?> next;
    /** iovec memory the loop allocated for a vector too long for its inline area. */
    MemorySegment spilledIovecs;
    /** When the loop handed it to the kernel queue (System.nanoTime), for {@link IoStats}'s latency. */
    long submittedAt;
    /** NEW, STARTED or ENDED. */
    @SuppressWarnings("unused")
    private volatile int phase;
    /** SPLICE's byte count. */
    protected int spliceLength;
    /** SEND_ZC: ask the notification to say whether the kernel copied (IORING_SEND_ZC_REPORT_USAGE). */
    protected boolean sendZcReportUsage;
    /** The loop's slot while the op is in its queue, else -1; loop thread only. */
    int slot = -1;
    /**
     * A {@link #LINK_TIMEOUT} op that the loop prepares right after this one, linked to it, or
     * null; only for a loop whose queue {@link EventLoop#linksTimeouts() links timeouts}. Set
     * before the op is handed to the loop; the loop thread only.
     */
    protected IoOp<?> linkTimeout;

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

    /**
     * Whether this request may take one of the places a §9 loop keeps for file requests: a loop's
     * own wakeup poll, which must never wait behind idle connections.
     */
    protected boolean usesReserve() {
        return false;
    }

    /**
     * Whether this socket or pipe request waits for its peer to send (a read, a receive, an
     * accept, a poll for input). A silent peer's such request holds its place for as long as the
     * peer is silent, so these are held to the loop's channel limit; the others (writes, connects,
     * polls for room) may also take half of the places kept for file requests, so that they never
     * wait behind the reads of silent peers.
     */
    protected boolean waitsForInput() {
        return true;
    }

    /**
     * Whether this request reads or writes through the kernel's page cache (a file opened without
     * O_DIRECT): native AIO runs such a request inside io_submit, on the submitting thread, until
     * the disk answers a miss (the paper's §3), so a §9 loop on native AIO hands it to a thread pool
     * instead ({@link EventLoop}). Fixed for the op's life.
     */
    protected boolean kernelBuffered() {
        return false;
    }

    /**
     * A multishot request's completion that keeps it outstanding (loop thread); its last one comes
     * through {@link #onResult}. Only multishot ops get it.
     */
    protected void onMore(long result) {
        throw new IllegalStateException("op " + opcode + " got a multishot completion");
    }

    /** Called instead of {@link #onResult} when the request can never run (its engine is gone). */
    protected abstract void onRejected(IOException cause);

    /**
     * Ends the op before it reaches the kernel, from any thread: true when it had not been handed
     * to the kernel yet (the caller then ends it, and the loop will drop it if it ever takes it),
     * false when the loop already has (or it already ended).
     */
    protected final boolean tryEndUnstarted() {
        return PHASE.compareAndSet(this, NEW, ENDED);
    }

    /**
     * Makes a completed op usable again, for ops the loop's own thread reuses (a channel's poll,
     * recv or send: one allocation per channel, not per request). Only after its
     * {@link #onResult} ran, and only on the loop thread; its future part is left as it is.
     *
     * @param buffer the next request's buffer (null for none)
     * @param flags the next request's {@link #rwFlags}
     */
    protected final void rearm(MemorySegment buffer, int flags) {
        this.buffer = buffer;
        this.rwFlags = flags;
        PHASE.setVolatile(this, NEW);
    }

    /** Whether the op was ended before it reached the kernel ({@link #tryEndUnstarted}, or refused). */
    protected final boolean isEndedUnstarted() {
        return (int) PHASE.getVolatile(this) == ENDED;
    }

    /** Whether the op was handed to the kernel (and has not been ended before it). */
    protected final boolean isStarted() {
        return (int) PHASE.getVolatile(this) == STARTED;
    }

    /** Loop: takes the op for the kernel; false when a cancel ended it first (then it is dropped). */
    final boolean tryStart() {
        return (int) PHASE.getVolatile(this) == STARTED || PHASE.compareAndSet(this, NEW, STARTED);
    }

    /**
     * Loop: claims the op to be refused (the engine is closing or failed); false when a cancel
     * already ended it. A continuing write (already started) is the loop's to refuse.
     */
    final boolean tryRefuse() {
        return (int) PHASE.getVolatile(this) == STARTED || PHASE.compareAndSet(this, NEW, ENDED);
    }

    final IoOp<?> plainNext() {
        return (IoOp<?>) NEXT.get(this);
    }

    final void plainNext(IoOp<?> op) {
        NEXT.set(this, op);
    }
}
