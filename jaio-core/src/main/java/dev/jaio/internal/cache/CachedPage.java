package dev.jaio.internal.cache;

/**
 * One page of one file in the cache: which file block it holds, the frame that holds it, and its
 * {@link PageState}. The owner and index never change; a page evicted and read again is a new
 * CachedPage, so a waiter holding an old one can tell (its state keeps the old story).
 */
public final class CachedPage {

    private final Object owner;
    private final long index;
    private final int frame;
    private final PageState state;
    /** CLOCK's reference bit: set on every use, cleared as the hand passes. */
    private volatile boolean referenced;

    /**
     * @param owner the file cache the page belongs to
     * @param index the page's index in the file (byte offset / page size)
     * @param frame the frame of {@link PageFrames} that holds its bytes
     */
    public CachedPage(Object owner, long index, int frame, WaitTable waits) {
        this.owner = owner;
        this.index = index;
        this.frame = frame;
        this.state = new PageState(waits);
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

    /** Its state word. */
    public PageState state() {
        return state;
    }

    /** Marks it used (CLOCK gives it another turn). */
    public void touch() {
        referenced = true;
    }

    boolean referenced() {
        return referenced;
    }

    void clearReferenced() {
        referenced = false;
    }

    /** Whether it could be dropped now: clean, not locked, not under writeback, not waited on. */
    public boolean evictable() {
        int s = state.get();
        return (s & (PageState.LOCKED | PageState.DIRTY | PageState.WRITEBACK | PageState.WAITERS)) == 0;
    }

    @Override
    public String toString() {
        return "CachedPage[" + index + " in frame " + frame + ", " + state + "]";
    }
}
