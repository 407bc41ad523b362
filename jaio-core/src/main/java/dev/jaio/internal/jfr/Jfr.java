package dev.jaio.internal.jfr;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the rest of jaio calls to record JFR events, with no {@code jdk.jfr} type in its
 * signatures: a request's event is an opaque {@code Object} (null when none is recorded). Module
 * {@code jdk.jfr} is optional ({@code requires static}): in a runtime image without it, or where
 * it is not resolved, every method here is one check of {@link #AVAILABLE} and the classes that
 * use {@code jdk.jfr} are never loaded. (A module-path application gets jdk.jfr resolved by
 * {@code -XX:StartFlightRecording}, by any module that requires it, or by
 * {@code --add-modules jdk.jfr}; the class path resolves it whenever the image has it.)
 */
public final class Jfr {

    /** The kinds of {@link #begin}. */
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int SYNC = 2;

    /** Whether jaio can use module {@code jdk.jfr} here. */
    public static final boolean AVAILABLE = available();

    private Jfr() {
    }

    private static boolean available() {
        Optional<Module> jfr = ModuleLayer.boot().findModule("jdk.jfr");
        return jfr.isPresent() && Jfr.class.getModule().canRead(jfr.get());
    }

    /**
     * A begun event of {@code kind} for a request at {@code offset} (-1 for a sync) of
     * {@code requested} bytes with {@code flags}, or null when no recording wants it.
     */
    public static Object begin(int kind, long offset, long requested, int flags) {
        return AVAILABLE ? JfrEvents.begin(kind, offset, requested, flags) : null;
    }

    /** Begins {@code event} (if not null) again: its request was prepared earlier and starts now. */
    public static void restart(Object event) {
        if (event != null) {
            ((JfrEvents.Pending) event).restart();
        }
    }

    /** Says what {@code event}'s request is: its file, engine and mode; {@code bytesIfDone} >= 0 for an append. */
    public static void describe(Object event, Object path, String engine, String mode, long bytesIfDone) {
        if (event != null) {
            ((JfrEvents.Pending) event).describe(path, engine, mode, bytesIfDone);
        }
    }

    /**
     * Ends {@code event} (if not null) as its request's future settles, with the future's value or
     * failure, before any of the future's callbacks run; only the first call for an event counts.
     */
    public static void settle(Object event, Object value, Throwable failure) {
        if (event != null) {
            ((JfrEvents.Pending) event).settle(value, failure);
        }
    }

    /** Ends {@code event} (if not null) when {@code request} completes: for futures jaio cannot settle itself. */
    public static <T> CompletableFuture<T> settleOnCompletion(Object event, CompletableFuture<T> request) {
        if (event != null) {
            request.whenComplete((v, t) -> settle(event, v, t));
        }
        return request;
    }

    /** Ends {@code event} (if not null) with a kernel result: bytes, or a negative errno with {@code error}. */
    public static void end(Object event, Object path, String engine, String mode, long result, String error) {
        if (event != null) {
            JfrEvents.Pending p = (JfrEvents.Pending) event;
            p.describe(path, engine, mode, -1);
            if (p.compareAndSet(false, true)) {
                p.end(result, error);
            }
        }
    }

    /** Records an engine's opening (if a recording wants it). */
    public static void engineOpened(String engine, String requested, int depth, String reason) {
        if (AVAILABLE) {
            JfrEvents.engineOpened(engine, requested, depth, reason);
        }
    }

    /** Readahead of {@code pagesAsked} pages from {@code firstPage} of {@code file} started {@code started} reads. */
    public static void readahead(Object file, long firstPage, long pagesAsked, int started) {
        if (AVAILABLE) {
            CacheEvents.readahead(file, firstPage, pagesAsked, started);
        }
    }

    /** Writeback of {@code pages} pages of {@code file} from {@code firstPage}, in {@code writes} device writes. */
    public static void writeback(Object file, long firstPage, int pages, long bytes, int writes, int flags) {
        if (AVAILABLE) {
            CacheEvents.writeback(file, firstPage, pages, bytes, writes, flags);
        }
    }

    /** A writer throttled with {@code dirtyPages} dirty at a limit of {@code dirtyLimit}. */
    public static void throttle(long dirtyPages, long dirtyLimit) {
        if (AVAILABLE) {
            CacheEvents.throttle(dirtyPages, dirtyLimit);
        }
    }

    /** Page {@code page} of {@code file} evicted. */
    public static void eviction(Object file, long page) {
        if (AVAILABLE) {
            CacheEvents.eviction(file, page);
        }
    }
}
