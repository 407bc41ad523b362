package dev.jaio.internal.cache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The page cache's memory: one fixed budget of native memory, aligned for O_DIRECT and cut into
 * {@link #PAGE_SIZE}-byte frames, so that any engine can read a file block straight into a frame
 * or write one out, and the cache never grows past its budget.
 *
 * <p>Frames are handed out and returned by number. The region lives until {@link #close()}, which
 * the cache calls only when no I/O can touch a frame any more. Thread-safe: allocation and release
 * take the instance's lock (a short critical section; the cache's own locks sit above it).
 */
public final class PageFrames implements AutoCloseable {

    /** Bytes per page: the kernel's page size on x86_64 and most aarch64, and a multiple of every DIO alignment seen. */
    public static final int PAGE_SIZE = 4096;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private final MemorySegment[] frames;
    private final int[] free;
    private int freeCount;

    /**
     * @param budgetBytes total bytes of page memory; rounded down to whole pages, at least one page
     */
    public PageFrames(long budgetBytes) {
        long count = budgetBytes / PAGE_SIZE;
        if (count < 1 || count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page cache budget must be between " + PAGE_SIZE + " bytes and "
                    + (long) Integer.MAX_VALUE * PAGE_SIZE + " bytes: " + budgetBytes);
        }
        this.memory = arena.allocate(count * PAGE_SIZE, PAGE_SIZE);
        this.frames = new MemorySegment[(int) count];
        this.free = new int[(int) count];
        for (int i = 0; i < count; i++) {
            frames[i] = memory.asSlice((long) i * PAGE_SIZE, PAGE_SIZE);
            free[i] = (int) count - 1 - i;
        }
        this.freeCount = (int) count;
    }

    /** How many frames the budget holds. */
    public int capacity() {
        return frames.length;
    }

    /** Frames not in use. */
    public synchronized int available() {
        return freeCount;
    }

    /** The memory of frame {@code frame}: {@link #PAGE_SIZE} bytes, page-aligned. */
    public MemorySegment frame(int frame) {
        return frames[frame];
    }

    /** Takes a free frame, or returns -1 when all are in use (the caller evicts and retries). */
    public synchronized int allocate() {
        return freeCount == 0 ? -1 : free[--freeCount];
    }

    /** Returns a frame taken with {@link #allocate()}. */
    public synchronized void release(int frame) {
        if (frame < 0 || frame >= frames.length || freeCount == frames.length) {
            throw new IllegalArgumentException("not an allocated frame: " + frame);
        }
        free[freeCount++] = frame;
    }

    /** Frees the memory; no frame may be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }
}
