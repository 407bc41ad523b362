package dev.jaio.internal.loop;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * One kind of request of one descriptor (its poll for input, its recv, ...), reused for every
 * request of that kind: a channel allocates its ops once, not per request. At most one is in the
 * loop's queue at a time; {@link #inFlight} says whether it is. Loop thread only.
 */
final class ChannelOp extends IoOp<Void> {

    /** A read (RECV, STREAM_READ) or a poll for input. */
    static final int IN = 0;
    /** A write (SEND, STREAM_WRITE) or a poll for output. */
    static final int OUT = 1;
    /** ACCEPT. */
    static final int ACCEPT = 2;
    /** CONNECT. */
    static final int CONNECT = 3;
    /** SPLICE from a file into the channel's pipe. */
    static final int SPLICE_IN = 4;
    /** SPLICE from the channel's pipe into its socket. */
    static final int SPLICE_OUT = 5;
    /** LINK_TIMEOUT bounding a read in the ring: its own completion only ends it. */
    static final int TIMEOUT = 6;
    /** A write as SEND_ZC: the bytes sent through onMore, then the notification. */
    static final int OUT_ZC = 7;
    /** A receive: RECV_MULTISHOT or STREAM_READ_SELECT into the loop's ring, or RECV/STREAM_READ into the channel's buffer. */
    static final int RECEIVE = 8;
    /** uring's sendfile of a range in the page cache: SENDMSG of the head and a staging buffer holding the range. */
    static final int OUT_STAGED = 9;

    private final LoopFd owner;
    private final int kind;
    /**
     * A socket write on native AIO: fs/aio.c runs it inside the io_submit that carries it (the
     * socket is non-blocking), so its place is free again in the same turn's reap, and it need not
     * wait behind the polls of silent peers that hold the loop's channel places.
     */
    private final boolean endsInSubmit;
    private boolean inFlight;
    /** Cancelled before the loop took it: it may still sit in the loop's backlog, so it is never reused. */
    private boolean abandoned;

    ChannelOp(int opcode, LoopFd owner, int kind) {
        this(opcode, owner.fd, owner, kind);
    }

    /** An op on descriptor {@code fd}, which {@code owner} owns besides its own (its pipe). */
    ChannelOp(int opcode, int fd, LoopFd owner, int kind) {
        super(opcode, fd, null, null, 0, 0);
        this.owner = owner;
        this.kind = kind;
        this.endsInSubmit = opcode == IoOp.STREAM_WRITE && owner.reactor.backend().engine().equals("aio");
    }

    @Override
    protected boolean usesReserve() {
        return endsInSubmit;
    }

    @Override
    protected boolean waitsForInput() {
        return kind == IN || kind == RECEIVE || kind == ACCEPT;
    }

    boolean inFlight() {
        return inFlight;
    }

    boolean abandoned() {
        return abandoned;
    }

    int opcode() {
        return opcode;
    }

    /** Whether the loop handed the op to the kernel (it holds a place in the queue), rather than it waiting in the loop. */
    boolean inKernel() {
        return inFlight && isStarted();
    }

    /** Hands the op to the loop with {@code buffer} and {@code flags} (see {@link IoOp#rearm}). */
    void start(MemorySegment buffer, int flags) {
        if (inFlight || abandoned) {
            throw new IllegalStateException("op " + opcode + " of fd " + fd + " is in flight");
        }
        rearm(buffer, flags);
        inFlight = true;
        owner.inFlight++;
        owner.reactor.loop().execute(this);
    }

    /** Hands a request that picks its buffer from group {@code group} (RECV_MULTISHOT, STREAM_READ_SELECT) to the loop. */
    void startSelect(int group, int flags) {
        this.offset = group;
        start(null, flags);
    }

    /** Hands a SEND_ZC of {@code buffer} to the loop, asking for the copy report or not. */
    void startSendZc(MemorySegment buffer, int flags, boolean reportUsage) {
        this.sendZcReportUsage = reportUsage;
        start(buffer, flags);
    }

    /** Hands a SPLICE from {@code fdIn} at {@code offIn} (-1: a pipe) of {@code length} bytes to the loop. */
    void startSplice(int fdIn, long offIn, int length) {
        this.offset = offIn;
        this.spliceLength = length;
        start(null, fdIn);
    }

    /**
     * Arms this LINK_TIMEOUT op for {@code deadline} ({@link System#nanoTime()} terms) and links it
     * to {@code parent}, which is started next: the loop prepares the two together, and the kernel
     * cancels the parent if it still runs at the deadline (the loop hands the kernel what is left of
     * it when it prepares the pair, so time spent in the loop's backlog does not extend it). Counts
     * as in flight from now, so that the descriptor stays open until its completion too.
     */
    void linkTo(ChannelOp parent, long deadline) {
        if (inFlight || abandoned) {
            throw new IllegalStateException("link timeout of fd " + fd + " is in flight");
        }
        rearm(null, 0);
        this.offset = deadline;
        inFlight = true;
        owner.inFlight++;
        parent.linkTimeout = this;
    }

    /** CONNECT's address length travels in the offset field. */
    void setAddressLength(int length) {
        this.offset = length;
    }

    /**
     * Stops the op: one the loop has not taken yet ends here with -ECANCELED; one in the kernel is
     * cancelled there and ends when the kernel says (its buffer stays the kernel's until then).
     */
    void cancel() {
        if (!inFlight) {
            return;
        }
        if (tryEndUnstarted()) {
            abandoned = true;
            end(-Errno.ECANCELED);
        } else {
            owner.reactor.loop().cancel(this);
        }
    }

    @Override
    protected void onResult(long result) {
        end(result);
    }

    @Override
    protected void onMore(long result) {
        owner.opMore(kind, result);
    }

    @Override
    protected void onRejected(IOException cause) {
        end(-Errno.ECANCELED);
    }

    private void end(long result) {
        inFlight = false;
        owner.inFlight--;
        ChannelOp timeout = (ChannelOp) linkTimeout;
        linkTimeout = null;
        if (opcode == IoOp.POLL) {
            owner.pollCompleted(result);
        } else {
            owner.opCompleted(kind, result);
        }
        owner.releaseIfDone();
        if (timeout != null && timeout.tryEndUnstarted()) {
            timeout.end(-Errno.ECANCELED); // this op never reached the kernel, nor did its timeout
        }
    }
}
