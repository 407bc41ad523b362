package dev.jaio.internal.loop;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Poll;
import java.nio.channels.AsynchronousCloseException;

/**
 * A socket or pipe descriptor of one loop, used on the loop thread only.
 *
 * <p>Invariant (descriptor safety): the descriptor is closed only after every request of it that
 * reached the loop's queue has completed ({@link #inFlight} is 0). A request prepared but not yet
 * submitted, or one the kernel still runs, names the descriptor by number; closing it earlier could
 * let the number be reused by a new file or socket and the request run on that one. So
 * {@link #close()} cancels what is in flight and the last completion closes the descriptor.
 */
abstract sealed class LoopFd permits StreamFd, ListenFd {

    final Reactor reactor;
    final int fd;
    /** The epoll registration token, or 0 when not registered. */
    int token;
    /** This descriptor's requests in the loop's queue. */
    int inFlight;
    /** close() was called: no new requests. */
    boolean closed;
    private boolean released;
    /** Readiness polls (aio-poll backend), made on first use. */
    private ChannelOp pollIn;
    private ChannelOp pollOut;

    LoopFd(Reactor reactor, int fd) {
        this.reactor = reactor;
        this.fd = fd;
    }

    /** What this is, for messages: {@code "tcp 127.0.0.1:8080 <- 127.0.0.1:51234"}, {@code "pipe fd 12"}. */
    abstract String describe();

    /** The descriptor reported {@code events} (POLL* bits; epoll's are the same). */
    abstract void onReady(int events);

    /** A request of this descriptor ended with {@code result} (-errno on failure). */
    abstract void opCompleted(int kind, long result);

    /** A multishot request of this descriptor produced {@code result} and stays in flight. */
    void opMore(int kind, long result) {
        throw new IllegalStateException(describe() + ": no multishot request of kind " + kind);
    }

    /** Fails or cancels every pending request; {@link #close()} calls it once. */
    abstract void abortPending();

    /** The descriptor number (for tests and diagnostics). */
    public final int fd() {
        return fd;
    }

    /** Whether close() was called. */
    public final boolean isClosed() {
        return closed;
    }

    /** Waits (through the backend) until the descriptor is readable; {@link #onReady} follows. */
    final void awaitReadable() {
        reactor.waiter().awaitReady(this, ChannelOp.IN);
    }

    /** Waits until the descriptor is writable; {@link #onReady} follows. */
    final void awaitWritable() {
        reactor.waiter().awaitReady(this, ChannelOp.OUT);
    }

    /** The aio-poll backend's poll request of {@code kind} (IN or OUT), made on first use. */
    final ChannelOp pollOp(int kind) {
        if (kind == ChannelOp.IN) {
            if (pollIn == null) {
                pollIn = new ChannelOp(IoOp.POLL, this, ChannelOp.IN);
            }
            return pollIn;
        }
        if (pollOut == null) {
            pollOut = new ChannelOp(IoOp.POLL, this, ChannelOp.OUT);
        }
        return pollOut;
    }

    /** Handles a poll's completion: the ready mask, or -errno (cancelled at close). */
    final void pollCompleted(long result) {
        if (closed) {
            return;
        }
        try {
            onReady(result >= 0 ? (int) result : Poll.POLLERR);
        } catch (RuntimeException | Error e) {
            // One channel's failure (memory of a closed arena, say) ends that channel, not the loop.
            Reactor.uncaught(e);
            close();
        }
    }

    /**
     * Closes: pending requests fail with {@link AsynchronousCloseException} (those in the kernel
     * when the kernel ends them), and the descriptor is closed once none is in flight.
     */
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        abortPending();
        if (pollIn != null) {
            pollIn.cancel();
        }
        if (pollOut != null) {
            pollOut.cancel();
        }
        releaseIfDone();
    }

    /** Closes the descriptor when close() was called and nothing of it is in flight any more. */
    final void releaseIfDone() {
        if (closed && inFlight == 0 && !released) {
            released = true;
            reactor.waiter().deregister(this);
            Libc.close(fd);
            releaseMore();
            reactor.released(this);
        }
    }

    /** Closes what else the descriptor owns (a pipe of its own), once nothing of it is in flight. */
    void releaseMore() {
    }

    /** Whether the descriptor is closed (nothing of it is in flight any more). */
    final boolean isReleased() {
        return released;
    }
}
