package dev.jaio.internal.engine;

/**
 * The free slot numbers of a fixed table of requests: a stack of ints, so that taking and returning
 * a slot allocates nothing. Not thread-safe: each table has one owner thread.
 */
public final class Slots {

    private final int[] free;
    private int available;

    /** All of {@code 0 .. capacity-1} free; the lowest numbers are handed out first. */
    public Slots(int capacity) {
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        this.available = capacity;
    }

    /** Free slots. */
    public int available() {
        return available;
    }

    /** Slots in use. */
    public int inUse() {
        return free.length - available;
    }

    /** Takes a free slot; the caller checks {@link #available()} first. */
    public int acquire() {
        return free[--available];
    }

    /** Returns a slot taken with {@link #acquire()}. */
    public void release(int slot) {
        free[available++] = slot;
    }
}
