package dev.jaio.internal.loop;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.NetCalls;
import dev.jaio.internal.linux.Sockets;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * A listening TCP socket that accepts for as long as it is open, handing each connection to its
 * handler on the loop thread. On {@code uring} one multishot IORING_OP_ACCEPT stays in the ring and
 * completes once per connection (made again if the kernel ends it; a kernel without multishot
 * accept, before 5.19, answers EINVAL and gets one ACCEPT per connection); on the other backends
 * the loop waits for the socket to be readable and then accepts with accept4(2) until EAGAIN.
 *
 * <p>When the process is out of descriptors (EMFILE, ENFILE) or memory, the handler hears of it
 * and accepting pauses for {@link #BACKOFF_NANOS} rather than spinning on a connection it cannot take.
 */
public final class ListenFd extends LoopFd {

    /** How long accepting pauses after the process ran out of descriptors or memory. */
    static final long BACKOFF_NANOS = 100_000_000L;
    /** Connections taken per readiness event before the loop turns to other work. */
    private static final int ACCEPTS_PER_EVENT = 64;

    private final Object handler;
    private final boolean inRing;
    private final InetSocketAddress local;
    private ChannelOp acceptOp;
    private boolean pausedByBackoff;
    /** uring: whether the accept is multishot (until a kernel refuses it). */
    private boolean multishot = true;

    ListenFd(Reactor reactor, int fd, Object handler, InetSocketAddress local) {
        super(reactor, fd);
        this.handler = handler;
        this.inRing = reactor.backend() == Backend.URING;
        this.local = local;
    }

    /** The bound address (with the port the kernel chose for port 0). */
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    String describe() {
        return "tcp listener " + local + " (fd " + fd + ")";
    }

    /** Starts accepting: called once, after registration. */
    void start() {
        if (inRing) {
            acceptOp = new ChannelOp(IoOp.ACCEPT_MULTISHOT, this, ChannelOp.ACCEPT);
            acceptOp.start(null, Sockets.SOCK_CLOEXEC);
        } else {
            awaitReadable();
        }
    }

    @Override
    void onReady(int events) {
        if (closed || pausedByBackoff) {
            return;
        }
        if (inRing) {
            acceptOp.start(null, Sockets.SOCK_CLOEXEC); // after an EAGAIN: readable again
            return;
        }
        for (int i = 0; i < ACCEPTS_PER_EVENT && !closed; i++) {
            long rc = NetCalls.accept4(fd, MemorySegment.NULL, MemorySegment.NULL,
                    Sockets.SOCK_NONBLOCK | Sockets.SOCK_CLOEXEC);
            if (rc >= 0) {
                reactor.accepted(this, handler, (int) rc);
                continue;
            }
            if (rc == -Errno.EINTR || rc == -Errno.ECONNABORTED) {
                continue; // a connection reset before it was taken: take the next
            }
            if (rc != -Errno.EAGAIN) {
                if (acceptFailed(rc)) {
                    return; // paused: the backoff timer re-arms
                }
            }
            break;
        }
        if (!closed) {
            awaitReadable();
        }
    }

    @Override
    void opMore(int which, long result) {
        if (closed) {
            if (result >= 0) {
                dev.jaio.internal.linux.Libc.close((int) result); // accepted as the listener closed
            }
            return;
        }
        if (result >= 0) {
            reactor.accepted(this, handler, (int) result);
        } else if (result != -Errno.EINTR && result != -Errno.ECONNABORTED && result != -Errno.EAGAIN) {
            reactor.acceptFailed(handler, new IOException("accept on " + describe() + ": " + Errno.describe((int) -result)));
        }
    }

    @Override
    void opCompleted(int which, long result) {
        if (result == -Errno.EINVAL && multishot && !closed) {
            // A kernel without multishot accept (before 5.19): one ACCEPT per connection from now on.
            multishot = false;
            acceptOp = new ChannelOp(IoOp.ACCEPT, this, ChannelOp.ACCEPT);
            acceptOp.start(null, Sockets.SOCK_CLOEXEC);
            return;
        }
        if (result >= 0 && closed) {
            dev.jaio.internal.linux.Libc.close((int) result);
            return;
        }
        if (result >= 0) {
            reactor.accepted(this, handler, (int) result);
        } else if (closed) {
            return;
        } else if (result == -Errno.EAGAIN) {
            awaitReadable(); // the kernel would not wait (a non-blocking listener): wait for a connection
            return;
        } else if (result != -Errno.EINTR && result != -Errno.ECONNABORTED && acceptFailed(result)) {
            return;
        }
        if (!closed) {
            acceptOp.start(null, Sockets.SOCK_CLOEXEC);
        }
    }

    /** Reports a failed accept; true when accepting pauses (out of descriptors or memory). */
    private boolean acceptFailed(long rc) {
        int errno = (int) -rc;
        reactor.acceptFailed(handler, new IOException("accept on " + describe() + ": " + Errno.describe(errno)));
        if (errno == Errno.EMFILE || errno == Errno.ENFILE || errno == Errno.ENOBUFS || errno == Errno.ENOMEM) {
            // Pause: no readiness reports (a level-triggered epoll would repeat it at every wait)
            // and no accepts until one timer ends it (nginx's ngx_disable_accept_events).
            pausedByBackoff = true;
            reactor.waiter().listen(this, false);
            reactor.scheduleOnLoop(() -> {
                pausedByBackoff = false;
                if (!closed) {
                    reactor.waiter().listen(this, true);
                    onReady(0);
                }
            }, BACKOFF_NANOS);
            return true;
        }
        return false;
    }

    /** Whether accepting is paused after running out of descriptors (tests). */
    boolean pausedByBackoff() {
        return pausedByBackoff;
    }

    @Override
    void abortPending() {
        if (acceptOp != null) {
            acceptOp.cancel();
        }
    }
}
