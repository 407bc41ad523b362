package dev.jaio.internal.engine;

/** Receives completions from {@link IoQueue#reap}; primitive-typed so that reaping allocates nothing. */
@FunctionalInterface
public interface CompletionSink {

    /**
     * @param userData the value given when the request was prepared
     * @param result bytes transferred or another non-negative result, or {@code -errno}
     */
    void complete(long userData, long result);

    /**
     * A completion of a multishot request (io_uring's IORING_CQE_F_MORE) that stays outstanding:
     * more follow, and its last one comes through {@link #complete}. Only sinks of queues given
     * multishot requests ({@link SocketOps#prepareAcceptMultishot}) see it.
     *
     * @param userData the value given when the request was prepared
     * @param result this completion's result, or {@code -errno}
     */
    default void completeMore(long userData, long result) {
        throw new IllegalStateException("a multishot completion reached a sink that takes none: " + userData);
    }
}
