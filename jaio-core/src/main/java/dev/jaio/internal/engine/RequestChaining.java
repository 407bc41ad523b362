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

    /** Completes with -ETIME after {@code nanos}, or with 0 after {@code count} other completions. */
    boolean prepareTimeout(long nanos, int count, long userData);

    /** Cancels the outstanding request prepared with {@code targetUserData}: 0, -ENOENT or -EALREADY. */
    boolean prepareCancel(long targetUserData, long userData);
}
