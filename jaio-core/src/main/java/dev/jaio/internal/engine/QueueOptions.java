package dev.jaio.internal.engine;

/**
 * How to build one {@link IoQueue}.
 *
 * @param capacity requests that may be outstanding at once (the io_setup nr_events, ring size, or
 *     pool queue length)
 * @param wakeup whether {@link IoQueue#wakeup()} must be able to interrupt a blocking reap; the
 *     kernel engines then signal completions through an eventfd
 * @param threads worker threads, for engines that use them
 * @param sqPollIdleMillis for io_uring: 0 for no kernel submission thread, otherwise IORING_SETUP_SQPOLL
 *     with a kernel thread that polls the SQ and sleeps after this many idle milliseconds
 * @param platformOwner the queue's owner is one platform thread for the queue's whole life (an
 *     event loop's), so an io_uring ring may be bound to that OS thread (IORING_SETUP_SINGLE_ISSUER,
 *     with DEFER_TASKRUN). False for a queue its caller drives: the caller may be a virtual thread,
 *     which runs on whichever carrier thread is free, and the kernel checks the OS thread, not the
 *     Java one.
 * @param signalsCompletionFd the owner waits in an epoll set of its own rather than in a blocking reap:
 *     the queue signals an eventfd ({@link IoQueue#completionFd()}) on every completion and wakeup
 *     (the §9 loop's {@code epoll+aio} and {@code threads} backends). Requires {@code wakeup}.
 * @param threadName the name of the queue's worker threads, if it has any, before {@code -N}:
 *     {@value #DEFAULT_THREAD_NAME} unless the owner names them (an event loop names its pools
 *     after its own thread, so a thread dump tells whose they are); null means the default
 */
public record QueueOptions(int capacity, boolean wakeup, int threads, int sqPollIdleMillis, boolean platformOwner,
        boolean signalsCompletionFd, String threadName) {

    /** {@link #threadName()} unless the owner gives one. */
    public static final String DEFAULT_THREAD_NAME = "jaio-threads-worker";

    /** Largest capacity accepted: the kernel rejects larger AIO contexts anyway. */
    public static final int MAX_CAPACITY = 1 << 16;

    public QueueOptions {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("queue capacity must be in [1, " + MAX_CAPACITY + "]: " + capacity);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        if (sqPollIdleMillis < 0) {
            throw new IllegalArgumentException("sqPollIdleMillis must be >= 0: " + sqPollIdleMillis);
        }
        if (signalsCompletionFd && !wakeup) {
            throw new IllegalArgumentException("a completion eventfd needs wakeup support");
        }
        if (threadName == null) {
            threadName = DEFAULT_THREAD_NAME;
        }
    }

    /** Options whose worker threads (if any) have the default name. */
    public QueueOptions(int capacity, boolean wakeup, int threads, int sqPollIdleMillis, boolean platformOwner,
            boolean signalsCompletionFd) {
        this(capacity, wakeup, threads, sqPollIdleMillis, platformOwner, signalsCompletionFd, null);
    }

    /** {@return these options with worker threads named {@code name-N}} */
    public QueueOptions withThreadName(String name) {
        return new QueueOptions(capacity, wakeup, threads, sqPollIdleMillis, platformOwner, signalsCompletionFd, name);
    }

    /** Options of a queue whose owner waits in its reaps (no {@link #signalsCompletionFd()}). */
    public QueueOptions(int capacity, boolean wakeup, int threads, int sqPollIdleMillis, boolean platformOwner) {
        this(capacity, wakeup, threads, sqPollIdleMillis, platformOwner, false);
    }

    /** Options of a queue its caller drives, from any thread (see {@link #platformOwner()}). */
    public QueueOptions(int capacity, boolean wakeup, int threads, int sqPollIdleMillis) {
        this(capacity, wakeup, threads, sqPollIdleMillis, false);
    }

    /** Options without SQPOLL, of a queue its caller drives. */
    public QueueOptions(int capacity, boolean wakeup, int threads) {
        this(capacity, wakeup, threads, 0);
    }
}
