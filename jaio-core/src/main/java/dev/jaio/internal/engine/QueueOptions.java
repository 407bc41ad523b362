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
 */
public record QueueOptions(int capacity, boolean wakeup, int threads, int sqPollIdleMillis) {

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
    }

    /** Options without SQPOLL. */
    public QueueOptions(int capacity, boolean wakeup, int threads) {
        this(capacity, wakeup, threads, 0);
    }
}
