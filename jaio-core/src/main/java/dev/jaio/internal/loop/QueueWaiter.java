package dev.jaio.internal.loop;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.EventFdWakeup;
import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.linux.EventFd;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Poll;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The wait of {@code uring} and {@code aio-poll}: everything (files, polls, socket requests)
 * completes in the loop's one queue, and the loop blocks in that queue's reap: io_uring_enter, or
 * one io_getevents. Readiness is a one-shot poll request in the same queue (IORING_OP_POLL_ADD,
 * IOCB_CMD_POLL).
 *
 * <p>Wakeups: the uring queue keeps a read of its own eventfd armed; the aio-poll queue has no
 * RESFD eventfd (nothing but io_getevents is waited in), so this waiter keeps an IOCB_CMD_POLL of
 * an eventfd of its own in the context, and {@link #wakeup()} writes that eventfd.
 */
final class QueueWaiter implements Waiter {

    private final boolean ownWakeup;
    private IoQueue queue;
    private CompletionSink sink;
    private Reactor reactor;
    private EventFdWakeup wakeFd;
    private WakePoll wakePoll;
    private Arena arena;
    private MemorySegment counter;

    QueueWaiter(boolean ownWakeup) {
        this.ownWakeup = ownWakeup;
    }

    @Override
    public void attach(Reactor reactor, IoQueue queue, CompletionSink sink) throws IOException {
        this.reactor = reactor;
        this.queue = queue;
        this.sink = sink;
        if (ownWakeup) {
            wakeFd = EventFdWakeup.open(EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
            arena = Arena.ofShared();
            counter = arena.allocate(JAVA_LONG);
            wakePoll = new WakePoll(wakeFd.fd());
            wakePoll.arm();
        }
    }

    @Override
    public void register(LoopFd fd) {
        // Nothing to register: each wait is a request of its own.
    }

    @Override
    public void awaitReady(LoopFd fd, int kind) {
        ChannelOp poll = fd.pollOp(kind);
        if (!poll.inFlight()) {
            poll.start(null, kind == ChannelOp.IN ? Poll.POLLIN | Poll.POLLRDHUP : Poll.POLLOUT);
        }
    }

    @Override
    public void listen(LoopFd fd, boolean on) {
        // Each wait is a one-shot request: a paused descriptor simply makes none.
    }

    @Override
    public void deregister(LoopFd fd) {
        // Its polls were cancelled and have completed (the descriptor closes only then).
    }

    @Override
    public int park(long timeoutNanos) {
        return queue.reap(1, queue.capacity(), timeoutNanos, sink);
    }

    @Override
    public int poll() {
        return 0; // readiness is a poll request in the queue, which the loop reaps every turn
    }

    @Override
    public void wakeup() {
        if (wakeFd != null) {
            wakeFd.signal();
        } else {
            queue.wakeup();
        }
    }

    @Override
    public void shutdown() {
        if (wakePoll != null) {
            wakePoll.stop();
        }
    }

    @Override
    public void release() {
        if (wakeFd != null) {
            wakeFd.close();
            arena.close();
        }
    }

    /** The aio-poll backend's wakeup: an IOCB_CMD_POLL of the waiter's eventfd, re-armed after each wakeup. */
    private final class WakePoll extends IoOp<Void> {
        private boolean stopped;
        private boolean inFlight;

        WakePoll(int fd) {
            super(IoOp.POLL, fd, null, null, 0, Poll.POLLIN);
        }

        @Override
        protected boolean usesReserve() {
            return true; // the loop's wakeup must never wait behind idle connections' polls
        }

        void arm() {
            inFlight = true;
            rearm(null, Poll.POLLIN);
            reactor.loop().execute(this);
        }

        void stop() {
            stopped = true;
            if (inFlight) {
                if (tryEndUnstarted()) {
                    inFlight = false;
                } else {
                    reactor.loop().cancel(this);
                }
            }
        }

        @Override
        protected void onResult(long result) {
            inFlight = false;
            Libc.readTry(fd, counter, 8); // reset the counter: the next wakeup makes it readable again
            if (!stopped && result >= 0) {
                arm();
            }
        }

        @Override
        protected void onRejected(IOException cause) {
            inFlight = false;
        }
    }
}
