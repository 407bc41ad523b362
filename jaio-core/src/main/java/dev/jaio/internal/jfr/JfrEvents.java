package dev.jaio.internal.jfr;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import jdk.jfr.EventType;

/**
 * Starts and ends jaio's JFR events. With no recording, or the event disabled in it, {@link #begin}
 * is one check and returns null, and nothing else runs: the events cost nothing when off. When on,
 * each request's event is one object, begun at submission and committed at completion if it took
 * at least the event's threshold (20 ms by default, as the JDK's file events).
 */
public final class JfrEvents {

    /** The kinds of {@link #begin}. */
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int SYNC = 2;

    private static final EventType READ_TYPE = EventType.getEventType(FileReadEvent.class);
    private static final EventType WRITE_TYPE = EventType.getEventType(FileWriteEvent.class);
    private static final EventType SYNC_TYPE = EventType.getEventType(FileSyncEvent.class);

    private JfrEvents() {
    }

    /**
     * A begun event of {@code kind} for a request at {@code offset} (-1 for a sync) of
     * {@code requested} bytes with {@code flags}, or null when no recording wants it.
     */
    public static FileIoEvent begin(int kind, long offset, long requested, int flags) {
        FileIoEvent e;
        switch (kind) {
            case READ -> {
                if (!READ_TYPE.isEnabled()) {
                    return null;
                }
                e = new FileReadEvent();
            }
            case WRITE -> {
                if (!WRITE_TYPE.isEnabled()) {
                    return null;
                }
                e = new FileWriteEvent();
            }
            default -> {
                if (!SYNC_TYPE.isEnabled()) {
                    return null;
                }
                e = new FileSyncEvent();
            }
        }
        e.offset = offset;
        e.bytesRequested = requested;
        e.flags = flags;
        e.begin();
        return e;
    }

    /**
     * Ends {@code e} (if not null) with the request's result: bytes (or, for a sync, 0), or a
     * negative errno with {@code error} saying what failed.
     */
    public static void end(FileIoEvent e, Object path, String engine, String mode, long result, String error) {
        if (e == null) {
            return;
        }
        e.end();
        if (e.shouldCommit()) {
            e.path = String.valueOf(path);
            e.engine = engine;
            e.mode = mode;
            e.bytes = result < 0 || error != null ? -1 : result;
            e.error = error;
            e.commit();
        }
    }

    /**
     * Ends {@code e} (if not null) when {@code request} completes, with the bytes its value counts;
     * returns {@code request}.
     */
    public static <T> CompletableFuture<T> endOnCompletion(FileIoEvent e, CompletableFuture<T> request, Object path,
            String engine, String mode) {
        return endOnCompletion(e, request, path, engine, mode, -1);
    }

    /**
     * As {@link #endOnCompletion(FileIoEvent, CompletableFuture, Object, String, String)}, but a
     * request that succeeds transferred {@code bytesIfDone} (an append's value is its offset), unless
     * that is negative.
     */
    public static <T> CompletableFuture<T> endOnCompletion(FileIoEvent e, CompletableFuture<T> request, Object path,
            String engine, String mode, long bytesIfDone) {
        if (e != null) {
            request.whenComplete((v, t) -> end(e, path, engine, mode,
                    bytesIfDone >= 0 ? bytesIfDone : v instanceof Number n ? n.longValue() : 0,
                    t == null ? null : describe(t)));
        }
        return request;
    }

    private static String describe(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    /** Records an engine's opening (if a recording wants it). */
    public static void engineOpened(String engine, String requested, int depth, String reason) {
        EngineOpenEvent e = new EngineOpenEvent();
        if (e.shouldCommit()) {
            e.engine = engine;
            e.requested = requested;
            e.depth = depth;
            e.reason = reason;
            e.commit();
        }
    }
}
