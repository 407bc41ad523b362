package dev.jaio.internal.jfr;

import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jfr.EventType;

/**
 * jaio's JFR events, used only through {@link Jfr}, which loads this class only when module
 * {@code jdk.jfr} is present. With no recording, or the event disabled in it, {@link #begin} is
 * one check and returns null. When on, a request's event is one object, begun at submission and
 * committed at completion if it took at least the event's threshold (20 ms by default, as the
 * JDK's file events).
 */
final class JfrEvents {

    private static final EventType READ_TYPE = EventType.getEventType(FileReadEvent.class);
    private static final EventType WRITE_TYPE = EventType.getEventType(FileWriteEvent.class);
    private static final EventType SYNC_TYPE = EventType.getEventType(FileSyncEvent.class);

    static {
        // Everything a request's event initializes or links on first use, done here, on the thread
        // that opens the engine (Jfr.engineOpened): a virtual thread that waits for another's class
        // initialization pins its carrier, and thousands may make their first request at once.
        for (FileIoEvent e : new FileIoEvent[] {new FileReadEvent(), new FileWriteEvent(), new FileSyncEvent()}) {
            Pending p = new Pending(e);
            p.restart();
            e.end();
            e.shouldCommit(); // never committed: a warm-up
        }
        CacheEvents.warmUp();
    }

    private JfrEvents() {
    }

    /**
     * A request's event, begun, with what it says of the request; {@link #settle} ends it once,
     * whichever of the completing thread and the thread that made the request gets there first.
     */
    static final class Pending extends AtomicBoolean {
        private final FileIoEvent event;
        private Object path;
        private String engine;
        private String mode;
        private long bytesIfDone = -1;

        Pending(FileIoEvent event) {
            this.event = event;
        }

        void describe(Object path, String engine, String mode, long bytesIfDone) {
            this.path = path;
            this.engine = engine;
            this.mode = mode;
            this.bytesIfDone = bytesIfDone;
        }

        void restart() {
            event.begin();
        }

        /** Ends the event with the request's value (bytes) or failure; only the first call does. */
        void settle(Object value, Throwable failure) {
            if (compareAndSet(false, true)) {
                end(value instanceof Number n ? (bytesIfDone >= 0 ? bytesIfDone : n.longValue())
                        : bytesIfDone >= 0 ? bytesIfDone : 0, failure == null ? null : JfrEvents.describe(failure));
            }
        }

        /** Ends the event with a kernel result: bytes, or a negative errno with {@code error}. */
        void end(long result, String error) {
            FileIoEvent e = event;
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
    }

    static Pending begin(int kind, long offset, long requested, int flags) {
        FileIoEvent e;
        switch (kind) {
            case Jfr.READ -> {
                if (!READ_TYPE.isEnabled()) {
                    return null;
                }
                e = new FileReadEvent();
            }
            case Jfr.WRITE -> {
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
        return new Pending(e);
    }

    private static String describe(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    static void engineOpened(String engine, String requested, int depth, String reason) {
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
