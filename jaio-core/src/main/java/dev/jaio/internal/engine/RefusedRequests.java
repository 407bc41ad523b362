package dev.jaio.internal.engine;

/**
 * Requests a kernel queue refused before they ran (io_submit's error for its first iocb, a failed
 * io_uring_enter), kept in arrival order until the next reap delivers them as completions with
 * their negative errno. A ring of ints and longs: adding and taking allocate nothing. Owner thread only.
 */
public final class RefusedRequests {

    private final int[] slots;
    private final long[] results;
    private int head;
    private int count;

    /** Room for {@code capacity} requests: a queue never refuses more than it holds. */
    public RefusedRequests(int capacity) {
        this.slots = new int[capacity];
        this.results = new long[capacity];
    }

    /** Refused requests not yet delivered. */
    public int size() {
        return count;
    }

    /** Records that the request in {@code slot} failed with {@code result} (a negative errno). */
    public void add(int slot, long result) {
        int i = (head + count) % slots.length;
        slots[i] = slot;
        results[i] = result;
        count++;
    }

    /** The oldest refused request's slot; only when {@link #size()} > 0. */
    public int firstSlot() {
        return slots[head];
    }

    /** The oldest refused request's result; only when {@link #size()} > 0. */
    public long firstResult() {
        return results[head];
    }

    /** Drops the oldest refused request. */
    public void removeFirst() {
        head = (head + 1) % slots.length;
        count--;
    }
}
