package dev.jaio.internal.loop;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.linux.Epoll;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.NetCalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The wait of {@code epoll+aio} and {@code threads} (the paper's §9 option 1): one epoll set holds
 * the loop's sockets and pipes and the eventfd that the queue signals on each completion (native
 * AIO's IOCB_FLAG_RESFD, or the thread pool's workers); the loop blocks in epoll_wait, and when the
 * eventfd is readable it resets it and reaps the queue without waiting (from the AIO ring in user
 * memory, no system call).
 *
 * <p>Streams are registered once, edge-triggered, for input and output: the loop tries a read or
 * write first and waits only after EAGAIN, and the edge that follows an EAGAIN is never lost (epoll
 * keeps it in its ready list until the next epoll_wait). Listeners are level-triggered for input.
 * Each registration's epoll data is a token, an index into {@link #byToken}; tokens freed during one
 * batch of events are reused only after it, so a late event of a closed descriptor never reaches a
 * new one.
 */
final class EpollWaiter implements Waiter {

    private static final int MAX_EVENTS = 256;
    /** Token of the queue's completion eventfd. */
    private static final int COMPLETION_TOKEN = 0;

    private int epfd = -1;
    private int completionFd;
    private IoQueue queue;
    private CompletionSink sink;
    private Arena arena;
    private MemorySegment events;
    private MemorySegment ctl;
    private MemorySegment counter;
    private LoopFd[] byToken = new LoopFd[64];
    private int[] freeTokens = new int[64];
    private int freeCount;
    private int nextToken = 1;
    private int[] deferred = new int[16];
    private int deferredCount;
    private boolean dispatching;

    @Override
    public void attach(Reactor reactor, IoQueue queue, CompletionSink sink) throws IOException {
        this.queue = queue;
        this.sink = sink;
        this.completionFd = queue.completionFd();
        if (completionFd < 0) {
            throw new IOException("the " + queue.engineName() + " queue has no completion eventfd for epoll");
        }
        long rc = NetCalls.epollCreate1(Epoll.EPOLL_CLOEXEC);
        if (rc < 0) {
            throw new IOException("epoll_create1: " + Errno.describe((int) -rc));
        }
        epfd = (int) rc;
        arena = Arena.ofShared();
        events = arena.allocate(Epoll.EPOLL_EVENT.byteSize() * MAX_EVENTS, 8);
        ctl = arena.allocate(Epoll.EPOLL_EVENT.byteSize(), 8);
        counter = arena.allocate(JAVA_LONG);
        ctl(Epoll.EPOLL_CTL_ADD, completionFd, Epoll.EPOLLIN, COMPLETION_TOKEN);
    }

    private void ctl(int op, int fd, int ev, int token) throws IOException {
        ctl.set(JAVA_INT, Epoll.EVENTS, ev);
        ctl.set(JAVA_LONG_UNALIGNED, Epoll.DATA, token);
        long rc = NetCalls.epollCtl(epfd, op, fd, ctl);
        if (rc < 0) {
            throw new IOException("epoll_ctl(" + (op == Epoll.EPOLL_CTL_ADD ? "ADD" : "MOD") + ", fd " + fd + "): "
                    + Errno.describe((int) -rc));
        }
    }

    @Override
    public void register(LoopFd fd) throws IOException {
        int token;
        if (freeCount > 0) {
            token = freeTokens[--freeCount];
        } else {
            token = nextToken++;
            if (token == byToken.length) {
                byToken = Arrays.copyOf(byToken, token * 2);
            }
        }
        int ev = fd instanceof ListenFd ? Epoll.EPOLLIN
                : Epoll.EPOLLIN | Epoll.EPOLLOUT | Epoll.EPOLLRDHUP | Epoll.EPOLLET;
        try {
            ctl(Epoll.EPOLL_CTL_ADD, fd.fd, ev, token);
        } catch (IOException e) {
            freeToken(token);
            throw e;
        }
        byToken[token] = fd;
        fd.token = token;
    }

    @Override
    public void awaitReady(LoopFd fd, int kind) {
        // Registered for both directions once: the next edge (or, for a listener, the level) comes by itself.
    }

    @Override
    public void listen(LoopFd fd, boolean on) {
        if (fd.token == 0) {
            return;
        }
        try {
            ctl(Epoll.EPOLL_CTL_MOD, fd.fd, on ? Epoll.EPOLLIN : 0, fd.token);
        } catch (IOException e) {
            Reactor.uncaught(e); // the registration is gone; the listener stays quiet
        }
    }

    @Override
    public void deregister(LoopFd fd) {
        int token = fd.token;
        if (token == 0 || epfd < 0) {
            return; // not registered, or released (a loop's failure fails its requests after that)
        }
        fd.token = 0;
        byToken[token] = null;
        // close(2) would drop the registration too, unless the descriptor is shared (a fork's child).
        NetCalls.epollCtl(epfd, Epoll.EPOLL_CTL_DEL, fd.fd, ctl);
        if (dispatching) {
            if (deferredCount == deferred.length) {
                deferred = Arrays.copyOf(deferred, deferredCount * 2);
            }
            deferred[deferredCount++] = token;
        } else {
            freeToken(token);
        }
    }

    private void freeToken(int token) {
        if (freeCount == freeTokens.length) {
            freeTokens = Arrays.copyOf(freeTokens, freeCount * 2);
        }
        freeTokens[freeCount++] = token;
    }

    @Override
    public int park(long timeoutNanos) {
        int ms = timeoutNanos < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, (timeoutNanos + 999_999) / 1_000_000);
        long n = NetCalls.epollWaitTry(epfd, events, MAX_EVENTS, ms);
        if (n <= 0) {
            return 0; // timeout, or a failure (EINTR: a signal; the next turn waits again)
        }
        long size = Epoll.EPOLL_EVENT.byteSize();
        boolean completions = false;
        int delivered = 0;
        dispatching = true;
        try {
            for (int i = 0; i < n; i++) {
                int ev = events.get(JAVA_INT, size * i + Epoll.EVENTS);
                int token = (int) events.get(JAVA_LONG_UNALIGNED, size * i + Epoll.DATA);
                if (token == COMPLETION_TOKEN) {
                    completions = true;
                    continue;
                }
                LoopFd fd = byToken[token];
                if (fd != null) {
                    delivered++;
                    try {
                        fd.onReady(ev);
                    } catch (RuntimeException | Error e) {
                        // One channel's failure (memory of a closed arena, say) ends that channel, not the loop.
                        Reactor.uncaught(e);
                        fd.close();
                    }
                }
            }
        } finally {
            dispatching = false;
            while (deferredCount > 0) {
                freeToken(deferred[--deferredCount]);
            }
        }
        if (completions) {
            Libc.readTry(completionFd, counter, 8); // reset first: a completion after this signals again
            delivered += queue.reap(0, queue.capacity(), 0, sink);
        }
        return delivered;
    }

    @Override
    public int poll() {
        return park(0); // epoll_wait with a timeout of 0: what is ready now
    }

    @Override
    public void wakeup() {
        queue.wakeup(); // signals the completion eventfd, which is in the set
    }

    @Override
    public void shutdown() {
        // Nothing of the waiter's own is in the queue.
    }

    @Override
    public void release() {
        if (epfd >= 0) {
            Libc.close(epfd);
            epfd = -1;
        }
        if (arena != null) {
            arena.close();
        }
    }
}
