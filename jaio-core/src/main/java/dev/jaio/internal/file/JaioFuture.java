package dev.jaio.internal.file;

import dev.jaio.internal.jfr.Jfr;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * A request's future that only jaio completes, once the kernel and jaio's cache are done with the
 * request's memory: the caller's {@code complete*} and {@code obtrude*} are refused, naming the
 * request. The base of the futures of cached requests ({@link CachedFuture}) and of requests a
 * fast path served ({@link DoneFuture}); {@link FileOp}, which is an engine op too, refuses the same.
 */
abstract class JaioFuture<T> extends CompletableFuture<T> implements Requests.Future {

    /** The request as messages name it. */
    abstract String describe();

    /** The request's JFR event, or null: ended as the future settles. */
    private volatile Object jfrEvent;

    @Override
    public final void jfrEvent(Object event) {
        jfrEvent = event;
    }

    @Override
    @SuppressWarnings("unchecked")
    public final void settle(Object value, Throwable failure) {
        Object e = jfrEvent;
        if (e != null) {
            Jfr.settle(e, value, failure); // before the callbacks, which run as the future completes
        }
        if (failure != null) {
            super.completeExceptionally(failure);
        } else {
            super.complete((T) value);
        }
    }

    @Override
    public final boolean complete(T value) {
        throw Requests.refused(describe(), "complete");
    }

    @Override
    public final boolean completeExceptionally(Throwable ex) {
        throw Requests.refused(describe(), "completeExceptionally");
    }

    @Override
    public final CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        throw Requests.refused(describe(), "completeAsync");
    }

    @Override
    public final CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        throw Requests.refused(describe(), "completeAsync");
    }

    @Override
    public final void obtrudeValue(T value) {
        throw Requests.refused(describe(), "obtrudeValue");
    }

    @Override
    public final void obtrudeException(Throwable ex) {
        throw Requests.refused(describe(), "obtrudeException");
    }
}
