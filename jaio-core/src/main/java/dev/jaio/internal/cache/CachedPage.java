package dev.jaio.internal.cache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One page of one file in the cache: which file block it holds, the frame that holds it, and its
 * {@link PageState}. The owner and index never change; a page evicted and read again is a new
 * CachedPage, so a waiter holding an old one can tell (its state keeps the old story).
 *
 * <p>References, as the kernel's folio refcount: the file's tree holds one while the page is in it,
 * a device read holds one until it completes, and a reader holds one while it copies. A reader
 * takes its reference without the file's lock ({@link #tryRetain}, only while the count is above
 * zero, then a second look in the tree), or under it; eviction takes the tree's reference away
 * only by a compare-and-set from 1 to 0 under the lock (the kernel's {@code folio_ref_freeze}), so
 * a page with a reader is never evicted, and every other removal takes the page out of the tree
 * before it drops the tree's reference. Whoever drops the last reference returns the frame. Only
 * then can the frame hold another page, so no copy ever reads bytes of a page that replaced this
 * one.
 */
public final class CachedPage extends PageState {

    private static final VarHandle REFS;

    static {
        try {
            REFS = MethodHandles.lookup().findVarHandle(CachedPage.class, "refs", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object owner;
    private final long index;
    private final int frame;
    /** CLOCK's reference bit: set when placed and on every later use (a hit, a write), cleared as the hand passes. */
    private volatile boolean referenced;
    /** References (see the class comment); starts at 1, the tree's. */
    @SuppressWarnings("unused") // accessed through REFS
    private volatile int refs = 1;
    /** Set, under the cache's frame lock, once the frame went back: CLOCK must not place it again. */
    boolean freed;
    /**
     * The batch context whose own queue reads this page ({@link DeviceIoSink}), or null when the
     * engine's event loop does. Only that context reaps the read, so a request of anyone else must
     * not wait for it: it reads the page for itself instead (see {@link CachedRead}).
     */
    volatile DeviceIoSink readOwner;
    /** The errno of the failed read that left the page in {@link PageState#ERROR}. */
    volatile int errno;

    /**
     * @param owner the file cache the page belongs to
     * @param index the page's index in the file (byte offset / page size)
     * @param frame the frame of {@link PageFrames} that holds its bytes
     */
    public CachedPage(Object owner, long index, int frame, WaitTable waits) {
        super(waits);
        this.owner = owner;
        this.index = index;
        this.frame = frame;
    }

    /** The file cache it belongs to. */
    public Object owner() {
        return owner;
    }

    /** Its index in the file. */
    public long index() {
        return index;
    }

    /** Its frame. */
    public int frame() {
        return frame;
    }

    /**
     * Marks it used, as the kernel's folio_mark_accessed: CLOCK gives it another turn. Called when
     * it is placed, on every cached read that hits it and on every write into it. The store is
     * skipped when the bit is set already, so that hot pages read by many threads do not bounce a
     * cache line.
     */
    public void touch() {
        if (!referenced) {
            referenced = true;
        }
    }

    boolean referenced() {
        return referenced;
    }

    void clearReferenced() {
        referenced = false;
    }

    /** Takes a reference. The caller holds one already, or holds the file's lock and found it in the tree. */
    public void retain() {
        REFS.getAndAdd(this, 1);
    }

    /**
     * Takes a reference unless the page is dead (no reference left: evicted or dropped, its frame
     * returned or about to be), as the kernel's {@code folio_try_get}: for a lookup without the
     * file's lock, which must then check that the tree still maps the index to this page.
     */
    boolean tryRetain() {
        int r;
        do {
            r = (int) REFS.getVolatile(this);
            if (r <= 0) {
                return false;
            }
        } while (!REFS.weakCompareAndSet(this, r, r + 1));
        return true;
    }

    /** Drops a reference; true when it was the last (the caller then returns the frame). */
    public boolean release() {
        return releaseAndCount() == 0;
    }

    /** Drops a reference; returns how many are left (0: the caller returns the frame). */
    int releaseAndCount() {
        int after = (int) REFS.getAndAdd(this, -1) - 1;
        if (after < 0) {
            throw new IllegalStateException("reference count below zero: " + this);
        }
        return after;
    }

    /** Current references. */
    public int refs() {
        return (int) REFS.getVolatile(this);
    }

    /** Drops the tree's reference for eviction if it is the only one left (called under the file lock). */
    boolean releaseIfOnlyTree() {
        return REFS.compareAndSet(this, 1, 0);
    }

    /**
     * Whether it could be dropped now: clean, not locked, not under writeback, and referenced only
     * by its tree. The {@link PageState#WAITERS} hint does not count, as PG_waiters does not for the
     * kernel's reclaim: a page is waited on only while it is locked or under writeback, and a
     * read that needs the page to stay after its wait holds a reference to it, which does count.
     */
    public boolean evictable() {
        int s = get();
        return (s & (PageState.LOCKED | PageState.DIRTY | PageState.WRITEBACK)) == 0 && refs() == 1;
    }

    @Override
    public String toString() {
        return "CachedPage[" + index + " in frame " + frame + ", " + super.toString() + "]";
    }
}
