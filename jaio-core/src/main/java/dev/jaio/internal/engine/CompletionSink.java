package dev.jaio.internal.engine;

/** Receives completions from {@link IoQueue#reap}; primitive-typed so that reaping allocates nothing. */
@FunctionalInterface
public interface CompletionSink {

    /**
     * @param userData the value given when the request was prepared
     * @param result bytes transferred or another non-negative result, or {@code -errno}
     */
    void complete(long userData, long result);
}
