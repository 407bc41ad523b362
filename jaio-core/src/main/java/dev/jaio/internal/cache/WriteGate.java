package dev.jaio.internal.cache;

import dev.jaio.internal.engine.Uninterruptibly;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the kernel's i_rwsem does between a file's buffered writes, its direct writes and its
 * truncate, for one file in jaio's cache. Three kinds of holders:
 *
 * <ul>
 *   <li><b>copies</b>: cached writes copying into pages ({@link CachedWrite}). A copy holds the
 *       gate only while it copies on some thread, never across a wait for I/O, a frame or the
 *       cleaner, nor across a hop to another thread (it lets go first): for as long as its memcpy
 *       takes. Copies share the gate with each other.
 *   <li><b>direct writes</b>: writes of handles that are not CACHED, from before their writeback
 *       and invalidation of the range to their completion (§4 of the paper). They share the gate
 *       with each other and exclude copies: a copy in the middle of a direct write would dirty a
 *       page the write then drops (an acknowledged cached write lost), or make the write's
 *       "writeback failed" check see a page dirtied a moment ago (a false EIO).
 *   <li><b>a truncate</b>: excludes copies (one copy's pages must not be dropped halfway) and other
 *       truncates; direct writes go on beside it (the kernel orders them against the truncate;
 *       an IoContext's may end only when its owner reaps them). While it holds the gate it may
 *       wait for I/O (writeback past the new end, a read of the page the end falls in).
 * </ul>
 *
 * <p>Only a truncate and {@link #enterDirectNow()} block. {@link #enterDirectNow()} waits only for
 * copies in progress, and a truncate for copies and for an earlier truncate; a copy never waits
 * while it holds the gate, so those waits end unless the waiting thread is itself inside a copy
 * (a callback a copy ran inline): such calls are refused ({@link #insideCopy}). A truncate that
 * waits for another, which waits for I/O only the engine's completion thread ends, must not run on
 * that thread: the caller refuses it there. Everything else that cannot enter is queued, and runs
 * on the thread that opens the gate for it; a queued copy then enters again like a new one. A stream of copies can keep a
 * queued direct write waiting, and a stream of direct writes a queued copy, as a stream of
 * readers can keep a writer out of a reader-writer lock; the gate is for coherence between the
 * rare writers of one file through both kinds of handle, not for fairness. The fast path of a
 * copy, when no direct write or truncate holds or waits, is one compare-and-set in and one atomic
 * decrement out.
 */
final class WriteGate {

    /** A queued copy. */
    interface Copier {
        /** The gate opened for copies: enter again ({@link #enterCopy}). */
        void gateOpened();
    }

    /** In {@link #state}: a truncate or a direct write holds or waits; copies take the slow path. */
    private static final int CLOSED = 1 << 30;

    /**
     * The gates the current thread holds for copies, innermost last. A copy can run other requests'
     * retries, and so their callbacks, inline (a page it unlocks, a frame it frees); a callback that
     * then truncated a file, or made an IoContext write of one, could wait for this very copy (of
     * this file, or of another whose truncate waits for this one). {@link #insideCopy()} lets such
     * calls refuse instead.
     */
    private static final ThreadLocal<ArrayList<WriteGate>> HELD = ThreadLocal.withInitial(() -> new ArrayList<>(2));

    /** Copies holding the gate, plus {@link #CLOSED}. */
    private final AtomicInteger state = new AtomicInteger();
    // Guarded by this object's monitor:
    private boolean truncating;
    private int directWrites;
    private final ArrayDeque<Copier> copiers = new ArrayDeque<>();
    private final ArrayDeque<Runnable> directStarts = new ArrayDeque<>();

    /** True when the caller holds the gate now; false when {@code c} was queued ({@link Copier#gateOpened} later). */
    boolean enterCopy(Copier c) {
        int s = state.get();
        if ((s & CLOSED) == 0 && state.compareAndSet(s, s + 1)) {
            HELD.get().add(this);
            return true;
        }
        synchronized (this) {
            if (truncating || directWrites > 0) {
                copiers.add(c);
                return false;
            }
            state.incrementAndGet(); // direct writes only wait: they cannot enter while this is up
        }
        HELD.get().add(this);
        return true;
    }

    /** A copy stopped (it waits, or its copy is over), on the thread that entered. */
    void leaveCopy() {
        int left = state.decrementAndGet();
        ArrayList<WriteGate> held = HELD.get();
        int i = held.lastIndexOf(this);
        if (i >= 0) {
            held.remove(i);
        }
        if (left == CLOSED) {
            List<Object> go;
            synchronized (this) {
                notifyAll(); // a truncate or a direct write waiting for the last copy
                go = admit();
            }
            run(go);
        }
    }

    /**
     * A direct write of the file: {@code start} runs holding the gate, now on this thread or later
     * on the thread that opens the gate. Every start is matched by one {@link #leaveDirect()}.
     */
    void enterDirect(Runnable start) {
        synchronized (this) {
            close();
            if (copies() > 0) {
                directStarts.add(start);
                return;
            }
            directWrites++;
        }
        start.run();
    }

    /**
     * A direct write that must hold the gate when this returns (an IoContext
     * prepares its requests in order): waits while copies are in progress.
     *
     * @throws IllegalStateException when this thread is inside a copy ({@link #insideCopy})
     */
    void enterDirectNow() {
        refuseInsideCopy();
        synchronized (this) {
            // Closed again on every test: the gate may have opened (admit) while this waited, and
            // a copy that takes the fast path after the test would copy while this write holds the
            // gate. Closed before the test, it cannot.
            Uninterruptibly.waitUntil(this, () -> {
                close();
                return copies() == 0;
            });
            directWrites++;
        }
    }

    /** A direct write ended (or will never be issued). */
    void leaveDirect() {
        List<Object> go;
        synchronized (this) {
            if (directWrites <= 0) {
                throw new IllegalStateException("a direct write left the write gate it did not hold");
            }
            directWrites--;
            go = admit();
        }
        run(go);
    }

    /**
     * Closes the gate for a truncate (one at a time) and waits for the copies in progress.
     * Uninterruptible, as down_write(i_rwsem); an interrupt stays pending.
     */
    void lockForTruncate() {
        refuseInsideCopy();
        synchronized (this) {
            Uninterruptibly.waitUntil(this, () -> !truncating); // one truncate at a time
            truncating = true;
            close(); // stays closed while truncating: admit() does not open it
            Uninterruptibly.waitUntil(this, () -> copies() == 0);
        }
    }

    /** The truncate ended: what waited goes on, on this thread. */
    void unlockAfterTruncate() {
        List<Object> go;
        synchronized (this) {
            truncating = false;
            notifyAll(); // the next truncate, a direct write waiting in enterDirectNow
            go = admit();
        }
        run(go);
    }

    /**
     * Whether the current thread runs inside a copy, of any file (a callback that copy ran inline):
     * it must not wait on a gate, which could be waiting for that copy.
     */
    static boolean insideCopy() {
        return !HELD.get().isEmpty();
    }

    private static void refuseInsideCopy() {
        if (insideCopy()) {
            throw new IllegalStateException("called inside a cached write's copy on this thread (a callback it"
                    + " ran), which the call would have to wait for; call it from another thread");
        }
    }

    /** Copies holding the gate now. */
    int copies() {
        return state.get() & ~CLOSED;
    }

    /** Direct writes holding the gate now. */
    synchronized int directWrites() {
        return directWrites;
    }

    /** Copies and direct writes waiting. */
    synchronized int queued() {
        return copiers.size() + directStarts.size();
    }

    private void close() {
        int s;
        do {
            s = state.get();
        } while ((s & CLOSED) == 0 && !state.compareAndSet(s, s | CLOSED));
    }

    /**
     * Under the monitor, after a holder left: queued direct writes enter while no copy holds the
     * gate; otherwise, with no direct write holding it either, queued copies are let go to enter
     * again. The fast path opens again when no truncate or direct write holds or waits. Returns
     * what must run, outside the monitor.
     */
    private List<Object> admit() {
        List<Object> go = List.of();
        if (!directStarts.isEmpty() && copies() == 0) {
            go = new ArrayList<>(directStarts);
            directWrites += directStarts.size();
            directStarts.clear();
        } else if (!truncating && directWrites == 0 && !copiers.isEmpty()) {
            go = new ArrayList<>(copiers);
            copiers.clear();
        }
        if (!truncating && directWrites == 0 && directStarts.isEmpty()) {
            int s;
            do {
                s = state.get();
            } while ((s & CLOSED) != 0 && !state.compareAndSet(s, s & ~CLOSED));
        }
        return go;
    }

    /** Runs every admitted entry, even when one throws (a direct start already counted must run). */
    private static void run(List<Object> go) {
        RuntimeException first = null;
        for (Object o : go) {
            try {
                if (o instanceof Copier c) {
                    c.gateOpened();
                } else {
                    ((Runnable) o).run();
                }
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
