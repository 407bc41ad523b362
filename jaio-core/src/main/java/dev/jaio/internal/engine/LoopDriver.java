package dev.jaio.internal.engine;

/**
 * What an {@link EventLoop} runs besides its queue's requests: tasks from other threads, timers,
 * and readiness of sockets and pipes (jaio's §9 loop, {@code dev.jaio.internal.loop.Reactor}). The
 * loop calls every method but {@link #wakeup()} on its own thread.
 *
 * <p>Each turn the loop takes new requests, lets the driver {@link #runDue() run} what is due,
 * prepares and submits requests, reaps completions without waiting, and when none of that did
 * anything, {@link #park parks} through the driver, which waits in the backend's one blocking call
 * (epoll_wait, io_getevents or io_uring_enter) for a completion, a readiness event, a wakeup or the
 * next timer; a turn that did something {@link #poll() polls} readiness without waiting instead.
 */
public interface LoopDriver {

    /**
     * The loop is being made, on the thread making it, before its thread starts: {@code loop} is the
     * loop, {@code queue} its queue and {@code sink} where completions go. A failure here (an
     * unchecked exception) fails the loop's constructor, after which {@link #release()} is called.
     */
    void attach(EventLoop loop, IoQueue queue, CompletionSink sink);

    /** Runs tasks, expired timers and ready channels; true when anything ran. */
    boolean runDue();

    /** Whether something is due now (a task is queued), so that the loop must not block. */
    boolean hasDue();

    /**
     * Blocks until a completion, a readiness event, a {@link #wakeup()} or the next timer, and
     * delivers what arrived: completions to the sink, readiness to its channels.
     *
     * @return how many completions and events were delivered
     */
    int park();
    /**
     * Delivers the readiness events that have arrived, without waiting: the loop calls it on every
     * turn that does not {@link #park()}, so that channels served by completions, tasks or timers
     * turn after turn (a client that answers at once keeps its channel ready) never keep the
     * others' readiness from being seen.
     *
     * @return how many events were delivered
     */
    default int poll() {
        return 0;
    }

    /** Makes a {@link #park()} in progress, or the next one, return at once. Any thread. */
    void wakeup();

    /**
     * The loop is closing: close channels and timers, so that nothing the driver prepared stays
     * in the queue (polls are cancelled). Called once; the loop then drains its queue.
     */
    void shutdown();

    /**
     * Socket or pipe requests wait for a place in the queue ({@code others}, and {@code receives}
     * multishot receives), asked each turn while they do: the driver may give back places that
     * requests of its own hold for long (multishot receives of silent peers). Loop thread.
     */
    default void channelPlaceWanted(int others, int receives) {
    }

    /** The queue is closed: free what the driver owns (descriptors, memory). Called once, last. */
    void release();
}
