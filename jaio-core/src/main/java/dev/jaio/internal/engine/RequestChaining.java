package dev.jaio.internal.engine;

/**
 * Links, timeouts and cancellation, for queues whose kernel interface has them (io_uring's
 * IOSQE_IO_LINK, IORING_OP_LINK_TIMEOUT, IORING_OP_TIMEOUT, IORING_OP_ASYNC_CANCEL). Owner thread only.
 */
public interface RequestChaining {

    /** Makes the next prepared request a link: the request prepared after it starts when it has completed in full. */
    void linkNext();

    /** Bounds the preceding linked request: it is cancelled after {@code nanos}; see UringQueue.prepareLinkTimeout. */
    boolean prepareLinkTimeout(long nanos, long userData);

    /**
     * Bounds the preceding linked request by a deadline: it is cancelled once {@link System#nanoTime()}
     * reaches {@code deadlineNanos} (IORING_TIMEOUT_ABS on CLOCK_MONOTONIC, the clock of
     * {@code System.nanoTime()} on Linux), however long the pair waited before its submission; a
     * deadline already past cancels it at once unless it completes when issued.
     */
    boolean prepareLinkDeadline(long deadlineNanos, long userData);

    /** Completes with -ETIME after {@code nanos}, or with 0 after {@code count} other completions. */
    boolean prepareTimeout(long nanos, int count, long userData);

    /** Cancels the outstanding request prepared with {@code targetUserData}: 0, -ENOENT or -EALREADY. */
    boolean prepareCancel(long targetUserData, long userData);
}
