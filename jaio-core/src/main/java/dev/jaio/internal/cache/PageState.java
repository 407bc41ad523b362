package dev.jaio.internal.cache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The state word of one cached page, changed only by atomic read-modify-write operations, and the
 * link between those changes and the {@link WaitTable}: like the kernel's folio flags with
 * PG_waiters, a state change that ends a wait calls into the wait table only when the
 * {@link #WAITERS} bit says someone may be waiting, so the common unlock or I/O completion never
 * touches a shared bucket.
 *
 * <p>Bits: {@link #LOCKED} (I/O or an exclusive update in progress), {@link #UPTODATE} (the memory
 * holds the file's data), {@link #DIRTY} (newer than the file), {@link #WRITEBACK} (a write of it
 * is in flight), {@link #ERROR} (the last I/O failed). A waiter sets WAITERS before it queues
 * (under the bucket lock, inside {@link WaitTable#waitAsync}'s condition test), and a waker that
 * clears a bit reads WAITERS in the same atomic operation: either the waiter's re-test sees the
 * cleared bit, or the waker sees WAITERS and wakes.
 *
 * <p>Invariant: outside the bucket lock, WAITERS is set exactly while a waiter of the page is
 * queued. The wait table clears it, under the bucket lock, whenever the last waiter of the page
 * leaves: woken, cancelled, or never queued because the condition held by the time it tested (the
 * test sets the bit first). WAITERS is only a hint for wakers; nothing treats it as a holder of the
 * page (eviction looks at the lock, writeback and the references), so even a bug that left it set
 * could cost bucket visits but never pin a frame.
 */
public class PageState {

    /** Locked: being read from or written to disk, or changed exclusively. */
    public static final int LOCKED = 1;
    /** The page memory holds the file's data. */
    public static final int UPTODATE = 1 << 1;
    /** Modified since it was last written. */
    public static final int DIRTY = 1 << 2;
    /** A write of the page is in flight. */
    public static final int WRITEBACK = 1 << 3;
    /** The last I/O on the page failed. */
    public static final int ERROR = 1 << 4;
    /**
     * Out of its file's tree: dropped (a truncate, an invalidation; a read in flight then must not
     * mark it uptodate, and its waiters look the index up again), given back empty by a writer, or
     * its read failed. A page without it that someone holds is the page at its index.
     */
    public static final int STALE = 1 << 5;
    /** The kernel's PG_readahead: reaching this page starts the next asynchronous readahead window. */
    public static final int READAHEAD = 1 << 6;
    /** Someone may be waiting on this page in the wait table. */
    public static final int WAITERS = 1 << 7;

    /** Wait-table conditions: what a waiter waits for. */
    public static final int UNLOCKED = 0;
    /** Wait-table condition: writeback ended. */
    public static final int WRITEBACK_ENDED = 1;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PageState.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final WaitTable waits;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    /** A page whose waits go through {@code waits}. */
    public PageState(WaitTable waits) {
        this.waits = waits;
    }

    /** The current bits (a volatile read). */
    public int get() {
        return (int) STATE.getVolatile(this);
    }

    /** Whether all of {@code bits} are set. */
    public boolean is(int bits) {
        return (get() & bits) == bits;
    }

    /** Sets {@code bits}; returns the bits before. */
    public int set(int bits) {
        return (int) STATE.getAndBitwiseOr(this, bits);
    }

    /** Clears {@code bits}; returns the bits before. */
    public int clear(int bits) {
        return (int) STATE.getAndBitwiseAnd(this, ~bits);
    }

    /** Takes the page lock if it is free. */
    public boolean tryLock() {
        return (set(LOCKED) & LOCKED) == 0;
    }

    /**
     * Releases the page lock and wakes the waiters for {@link #UNLOCKED}, if any. {@code alsoSet}
     * bits (say UPTODATE at the end of a read) become visible in the same atomic step, so a woken
     * waiter never sees the page unlocked without them.
     */
    public void unlock(int alsoSet, int alsoClear) {
        wakeUnlocked(unlockQuietly(alsoSet, alsoClear));
    }

    /**
     * The first half of {@link #unlock}: the state change alone, no wakeup. A read of many pages
     * changes them all first and then {@link #wakeUnlocked wakes} them, so that a waiter woken for
     * the first page finds the rest ready too and copies them in the same retry.
     *
     * @return the bits before (pass them to {@link #wakeUnlocked})
     */
    public int unlockQuietly(int alsoSet, int alsoClear) {
        int before;
        int after;
        do {
            before = get();
            after = (before | alsoSet) & ~(alsoClear | LOCKED);
        } while (!STATE.compareAndSet(this, before, after));
        return before;
    }

    /** The second half of {@link #unlock}: wakes the {@link #UNLOCKED} waiters if {@code before} had any. */
    public void wakeUnlocked(int before) {
        if ((before & WAITERS) != 0) {
            wakeAndMaybeClearWaiters(UNLOCKED);
        }
    }

    /** Ends writeback (with or without ERROR) and wakes the waiters for {@link #WRITEBACK_ENDED}. */
    public void endWriteback(boolean failed) {
        int before;
        int after;
        do {
            before = get();
            after = (before & ~WRITEBACK) | (failed ? ERROR : 0);
        } while (!STATE.compareAndSet(this, before, after));
        if ((before & WAITERS) != 0) {
            wakeAndMaybeClearWaiters(WRITEBACK_ENDED);
        }
    }

    private void wakeAndMaybeClearWaiters(int condition) {
        waits.wake(this, condition); // clears WAITERS when no waiter of the page is left
    }

    /**
     * A wait's condition test, run under the bucket lock: whether none of {@code bits} is set. When
     * one is, WAITERS is set and the bits are tested again in the same atomic step, so that a waker
     * clearing them after this either sees WAITERS or is seen. When that second test finds them
     * clear, the wait table takes WAITERS back (if no other waiter of the page is queued).
     */
    boolean clearOrMarkWaited(int bits) {
        return (get() & bits) == 0 || (set(WAITERS) & bits) == 0;
    }

    /**
     * Queues {@code retry} to run when the page is unlocked, unless it is unlocked by the time the
     * wait is queued: then nothing is queued and the caller goes on itself (returns false).
     */
    public boolean retryWhenUnlocked(Runnable retry) {
        return retryWhenUnlocked(new WaitTable.Waiter(retry));
    }

    /**
     * As {@link #retryWhenUnlocked(Runnable)}, with the request's own reusable waiter (see
     * {@link WaitTable.Waiter#Waiter(Runnable)}): a request's wait allocates nothing.
     */
    public boolean retryWhenUnlocked(WaitTable.Waiter retry) {
        return waits.waitAsync(retry, this, UNLOCKED, LOCKED);
    }

    /** As {@link #retryWhenUnlocked(Runnable)}, for the end of writeback. */
    public boolean retryWhenWritebackEnds(Runnable retry) {
        return retryWhenWritebackEnds(new WaitTable.Waiter(retry));
    }

    /** As {@link #retryWhenUnlocked(WaitTable.Waiter)}, for the end of writeback. */
    public boolean retryWhenWritebackEnds(WaitTable.Waiter retry) {
        return waits.waitAsync(retry, this, WRITEBACK_ENDED, WRITEBACK);
    }

    /** Blocks until the page is unlocked (for callers that may block: fsync, truncate). */
    public void awaitUnlocked() {
        waits.await(this, UNLOCKED, () -> clearOrMarkWaited(LOCKED));
    }

    /** Blocks until the page's writeback ends (for callers that may block: truncate). */
    public void awaitWritebackEnded() {
        waits.await(this, WRITEBACK_ENDED, () -> clearOrMarkWaited(WRITEBACK));
    }

    @Override
    public String toString() {
        int s = get();
        StringBuilder sb = new StringBuilder("PageState[");
        if ((s & LOCKED) != 0) {
            sb.append("locked ");
        }
        if ((s & UPTODATE) != 0) {
            sb.append("uptodate ");
        }
        if ((s & DIRTY) != 0) {
            sb.append("dirty ");
        }
        if ((s & WRITEBACK) != 0) {
            sb.append("writeback ");
        }
        if ((s & ERROR) != 0) {
            sb.append("error ");
        }
        if ((s & STALE) != 0) {
            sb.append("stale ");
        }
        if ((s & READAHEAD) != 0) {
            sb.append("readahead ");
        }
        if ((s & WAITERS) != 0) {
            sb.append("waiters ");
        }
        return sb.toString().trim() + "]";
    }
}
