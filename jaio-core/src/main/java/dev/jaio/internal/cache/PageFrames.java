package dev.jaio.internal.cache;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Mman;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The page cache's memory: one fixed budget of native memory, aligned for O_DIRECT and cut into
 * {@link #PAGE_SIZE}-byte frames, so that any engine can read a file block straight into a frame
 * or write one out, and the cache never grows past its budget.
 *
 * <p>The budget is one anonymous private mapping (mmap): the kernel backs it with zeroed memory
 * only as frames are first written, so a large budget costs nothing until it is used, and nothing
 * is zeroed in Java. Frames are handed out in address order, in slabs of {@link #SLAB_FRAMES}
 * (their segments are made as a slab is first needed), and returned by number.
 *
 * <p>The region lives until {@link #close()}, which the cache calls only when no I/O can touch a
 * frame any more. Thread-safe: allocation and release take the instance's lock (a short critical
 * section; the cache's own locks sit above it).
 */
public final class PageFrames implements AutoCloseable {

    /** Bytes per page: the kernel's page size on x86_64 and most aarch64, and a multiple of every DIO alignment seen. */
    public static final int PAGE_SIZE = 4096;
    /** Frames per slab: 2 MiB of memory. */
    public static final int SLAB_FRAMES = 512;
    private static final long SLAB_BYTES = (long) SLAB_FRAMES * PAGE_SIZE;

    private final long base;
    private final long length;
    private final MemorySegment memory;
    private boolean closed;
    private final MemorySegment[] frames;
    private final int[] free;
    private int freeCount;
    /** Frames whose memory exists (a multiple of the slab size, or the capacity); guarded by the instance's lock. */
    int mapped;

    /**
     * @param budgetBytes total bytes of page memory; rounded down to whole pages, at least one page
     */
    public PageFrames(long budgetBytes) {
        long count = budgetBytes / PAGE_SIZE;
        if (count < 1 || count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page cache budget must be between " + PAGE_SIZE + " bytes and "
                    + (long) Integer.MAX_VALUE * PAGE_SIZE + " bytes: " + budgetBytes);
        }
        long bytes = count * PAGE_SIZE;
        // 2 MiB more than needed, so that the frames can start on a 2 MiB boundary: every slab is
        // then one transparent huge page where the system allows them.
        this.length = bytes + SLAB_BYTES;
        long addr = Mman.mmap(0, length, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
        if (addr < 0) {
            throw new IllegalStateException("cannot map " + length + " bytes for the page cache: " + Errno.describe((int) -addr));
        }
        this.base = addr;
        long aligned = (addr + SLAB_BYTES - 1) & -SLAB_BYTES;
        // Huge pages where the system allows them (THP "madvise" mode): fewer page-table entries
        // for the kernel to walk when it pins a frame for O_DIRECT, and fewer TLB misses copying
        // out of frames spread over the whole budget. Only advice: a refusal changes nothing.
        Mman.madvise(aligned, bytes, Mman.MADV_HUGEPAGE);
        // No scope of its own: the cache frees it in close(), after every I/O on it has completed.
        this.memory = Mman.segment(aligned, bytes);
        this.frames = new MemorySegment[(int) count];
        this.free = new int[(int) count];
    }

    /** How many frames the budget holds. */
    public int capacity() {
        return frames.length;
    }

    /** Frames not in use (including those whose memory is not taken yet). */
    public synchronized int available() {
        return freeCount + frames.length - mapped;
    }

    /** The memory of frame {@code frame}: {@link #PAGE_SIZE} bytes, page-aligned. */
    public MemorySegment frame(int frame) {
        return frames[frame];
    }

    /** The memory of {@code count} frames from {@code first}, which are adjacent: one page-aligned buffer. */
    public MemorySegment span(int first, int count) {
        return memory.asSlice((long) first * PAGE_SIZE, (long) count * PAGE_SIZE);
    }

    /**
     * Faults the whole budget in now (the slabs not yet taken), so that no frame's memory is first
     * touched on the I/O path: the kernel's own page cache lives in memory it already has, and
     * taking a 2 MiB slab inside a read (allocating and zeroing a huge page) costs that read about
     * as much as the device does. Resident memory becomes the whole budget.
     */
    public synchronized void preTouch() {
        boolean any = false;
        while (mapSlab()) {
            any = true;
        }
        if (any) {
            // Each slab went on top of the free stack: restore lowest-address-on-top, so that the
            // frames are still handed out in address order.
            Arrays.sort(free, 0, freeCount);
            for (int i = 0, j = freeCount - 1; i < j; i++, j--) {
                int t = free[i];
                free[i] = free[j];
                free[j] = t;
            }
        }
    }

    /** Takes a free frame, or returns -1 when all are in use (the caller evicts and retries). */
    public synchronized int allocate() {
        if (freeCount == 0 && !mapSlab()) {
            return -1;
        }
        return free[--freeCount];
    }

    private boolean mapSlab() {
        int n = Math.min(SLAB_FRAMES, frames.length - mapped);
        if (n == 0) {
            return false;
        }
        // Fault the slab in now, in one go: otherwise each frame's first O_DIRECT read faults its
        // page in inside the kernel's pinning of the buffer, on the I/O path, and reads of fresh
        // frames are measurably slower than reads of reused ones.
        MemorySegment slab = memory.asSlice((long) mapped * PAGE_SIZE, (long) n * PAGE_SIZE);
        if (Mman.madvise(slab.address(), slab.byteSize(), Mman.MADV_POPULATE_WRITE) < 0) {
            for (long off = 0; off < slab.byteSize(); off += PAGE_SIZE) {
                slab.set(ValueLayout.JAVA_BYTE, off, (byte) 0);
            }
        }
        for (int i = 0; i < n; i++) {
            frames[mapped + i] = memory.asSlice((long) (mapped + i) * PAGE_SIZE, PAGE_SIZE);
        }
        // Lowest frame on top, so frames are handed out in address order.
        for (int i = n - 1; i >= 0; i--) {
            free[freeCount++] = mapped + i;
        }
        mapped += n;
        return true;
    }

    /** Returns a frame taken with {@link #allocate()}. */
    public synchronized void release(int frame) {
        if (frame < 0 || frame >= mapped || freeCount == mapped) {
            throw new IllegalArgumentException("not an allocated frame: " + frame);
        }
        free[freeCount++] = frame;
    }

    /** Unmaps the memory; no frame may be used afterwards (the cache's owner guarantees no I/O or copy runs). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Mman.munmap(base, length);
        }
    }
}
