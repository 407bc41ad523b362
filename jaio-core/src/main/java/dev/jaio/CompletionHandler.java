package dev.jaio;

/**
 * Receives completions from {@link IoContext#getEvents}. Primitive-typed so that reaping allocates
 * nothing; like an io_event, it carries the caller's cookie and the raw result.
 */
@FunctionalInterface
public interface CompletionHandler {

    /**
     * Called once per reaped request, on the thread that called {@link IoContext#getEvents}, in
     * the order completions are reaped (not necessarily the order of submission). The request's
     * slot is already free, so the handler may prepare a new request on the same context. It should
     * not throw: an exception propagates out of {@code getEvents}.
     *
     * @param userData the cookie given when the request was prepared
     * @param result bytes transferred (0 for fsync; a short count at end of file, or for a write the
     *     kernel did in part), or {@code -errno};
     *     {@link IoContext#errorName(long)} names a negative result
     */
    void onCompletion(long userData, long result);
}
