package dev.jaio.internal.file;

import dev.jaio.IoOperationException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the futures of {@code AsyncFile} requests share: how a request is named in messages, the
 * completions its caller may not make (only jaio completes the future, once the kernel, or jaio's
 * cache, is done with the request's memory), and how cancels and timeouts end it.
 */
public final class Requests {

    private Requests() {
    }

    /** A request's future, which only jaio completes. */
    interface Future {
        /** Completes the future from inside jaio, with {@code value}, or exceptionally with {@code failure}. */
        void settle(Object value, Throwable failure);

        /**
         * Hands the future its request's JFR event ({@code dev.jaio.internal.jfr.Jfr}), which
         * {@link #settle} ends before the future's callbacks run.
         */
        void jfrEvent(Object event);
    }

    /** The value {@link CompletableFuture#completeOnTimeout} asked for, in place of a timeout's failure. */
    record Replacement(Object value) {
    }

    /** {@code "pwrite /data/f at offset 8192 (4096 bytes)"}; offset -1 (fsync) leaves offset and length out. */
    public static String describe(String op, Path path, long offset, long length) {
        return op + " " + path + (offset >= 0 ? " at offset " + offset : "") + (length >= 0 ? " (" + length + " bytes)" : "");
    }

    /** The refusal of {@code method} (complete, obtrudeValue...) on the future of {@code request}. */
    public static UnsupportedOperationException refused(String request, String method) {
        return new UnsupportedOperationException(request + ": " + method + "() is refused: the future of a jaio request"
                + " completes only once the kernel is done with its memory; cancel() asks the kernel to stop it");
    }

    /**
     * The failure of a request stopped by a cancel: the outcome its {@code orTimeout} or
     * {@code completeOnTimeout} chose ({@code timeoutOutcome}), else a CancellationException.
     */
    static Throwable cancelled(String request, long written, Object timeoutOutcome) {
        if (timeoutOutcome instanceof TimeoutException t) {
            return t;
        }
        return new CancellationException(request + ": cancelled"
                + (written > 0 ? " after " + written + " bytes were written" : ""));
    }

    /** The TimeoutException of a request that {@code orTimeout} stopped. */
    static TimeoutException timedOut(String request, long timeout, TimeUnit unit) {
        return new TimeoutException(request + ": not completed within " + timeout + " " + unit.name().toLowerCase(Locale.ROOT)
                + "; the kernel stopped it");
    }

    /**
     * Runs {@code task} after {@code timeout}, on the JDK's delayer thread, as CompletableFuture's
     * own timeouts do: a request the task's cancel ends before the kernel saw it completes there
     * (with its dependent stages); one the kernel stops completes on the engine's thread.
     */
    static void after(long timeout, TimeUnit unit, Runnable task) {
        CompletableFuture.delayedExecutor(timeout, unit).execute(task);
    }

    /**
     * {@code cause} with a message that names {@code request}, of the same kind: failures that
     * already name it (kernel errors, closed files and engines, cancels) are kept as they are.
     */
    public static Throwable named(String request, Throwable cause) {
        if (cause instanceof IoOperationException || cause instanceof ClosedChannelException
                || cause instanceof CancellationException || cause instanceof TimeoutException || cause instanceof Error) {
            return cause;
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (message.startsWith(request)) {
            return cause;
        }
        String text = request + ": " + message;
        if (cause instanceof IOException) {
            return new IOException(text, cause);
        }
        if (cause instanceof IllegalArgumentException) {
            return new IllegalArgumentException(text, cause);
        }
        return new IllegalStateException(text, cause);
    }
}
