package dev.jaio;

/**
 * Receives completions from {@link IoContext#getEvents}. Primitive-typed so that reaping allocates
 * nothing; like an io_event, it carries the caller's cookie and the raw result.
 */
@FunctionalInterface
public interface CompletionHandler {

    /**
     * @param userData the cookie given when the request was prepared
     * @param result bytes transferred (0 for fsync; a short count at end of file, or for a write the
     *     kernel did in part), or {@code -errno};
     *     {@link IoContext#errorName(long)} names a negative result
     */
    void onCompletion(long userData, long result);
}
