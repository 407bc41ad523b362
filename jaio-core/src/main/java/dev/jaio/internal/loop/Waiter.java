package dev.jaio.internal.loop;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.IoQueue;
import java.io.IOException;

/**
 * How a backend waits: its one blocking call, how other threads interrupt it, and how sockets and
 * pipes report readiness. Loop thread only, except {@link #wakeup()}.
 */
sealed interface Waiter permits EpollWaiter, QueueWaiter {

    /** The loop started with {@code queue}, whose completions go to {@code sink}. */
    void attach(Reactor reactor, IoQueue queue, CompletionSink sink) throws IOException;

    /** A new descriptor: register it where the backend waits (edge-triggered for streams). */
    void register(LoopFd fd) throws IOException;

    /**
     * {@code fd} wants to know when it is ready for {@code kind} ({@link ChannelOp#IN} or
     * {@link ChannelOp#OUT}); its {@link LoopFd#onReady} runs when it is.
     */
    void awaitReady(LoopFd fd, int kind);

    /**
     * Stops ({@code on} false) or restarts reporting {@code fd}'s readiness: a listener out of
     * descriptors pauses, or a level-triggered epoll would report it ready at every wait.
     */
    void listen(LoopFd fd, boolean on);

    /** {@code fd} is about to be closed. */
    void deregister(LoopFd fd);

    /** Blocks in the backend's call for at most {@code timeoutNanos} (negative: no limit); delivers what arrived. */
    int park(long timeoutNanos);

    /**
     * Delivers the readiness events that have arrived, without waiting, on a turn that does not
     * park: a backend whose readiness events come through the loop's queue (they are reaped every
     * turn) has nothing to do here.
     */
    int poll();

    /** Makes a park return; any thread. */
    void wakeup();

    /** The loop is closing: cancel what the waiter itself keeps in the queue. */
    void shutdown();

    /** The queue is closed: free descriptors and memory. */
    void release();
}
