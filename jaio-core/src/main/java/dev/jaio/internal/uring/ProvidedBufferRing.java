package dev.jaio.internal.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jaio.internal.engine.ProvidedBuffers;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.UringAbi;
import dev.jaio.internal.linux.UringCalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A provided buffer ring (IORING_REGISTER_PBUF_RING, Linux 5.19; liburing's
 * {@code io_uring_setup_buf_ring} and {@code io_uring_buf_ring_add}/{@code _advance}): a ring of
 * {@code struct io_uring_buf} entries in memory shared with the kernel, and the buffers they name.
 * The application adds entries at the tail and publishes the tail with a release store; the kernel
 * takes entries at its head (which the application never sees) when a request with
 * IOSQE_BUFFER_SELECT of this group has data, and names the buffer's id in the CQE.
 *
 * <p>Invariant: every buffer is in exactly one place, the kernel's (in the ring between head and
 * tail, or picked by a request whose CQE has not been reaped) or the owner's (reaped and not
 * recycled); so the ring, of {@code count} entries, never holds more than {@code count} entries and
 * recycling never overwrites one the kernel has not taken.
 *
 * <p>Threads: the queue's owner only. Memory: the queue's arena, which outlives the ring.
 */
final class ProvidedBufferRing implements ProvidedBuffers {

    /** The tail is a u16 that the kernel loads with acquire (io_uring/kbuf.c: smp_load_acquire(&br->tail)). */
    private static final VarHandle SHORT = JAVA_SHORT.varHandle();

    private final int group;
    private final int count;
    private final int size;
    private final MemorySegment ring;
    private final MemorySegment[] buffers;
    /** The next tail to publish; wraps as the kernel's u16 does. */
    private int tail;

    private ProvidedBufferRing(int group, int count, int size, MemorySegment ring, MemorySegment[] buffers) {
        this.group = group;
        this.count = count;
        this.size = size;
        this.ring = ring;
        this.buffers = buffers;
    }

    /**
     * Allocates the ring and the buffers from {@code arena}, registers the ring with the kernel and
     * hands it every buffer.
     */
    static ProvidedBufferRing register(int ringFd, int group, int count, int size, Arena arena) throws IOException {
        if (count <= 0 || Integer.bitCount(count) != 1 || count > UringAbi.IORING_MAX_PBUF_RING_ENTRIES) {
            throw new IllegalArgumentException("provided buffers: the count must be a power of two from 1 to "
                    + UringAbi.IORING_MAX_PBUF_RING_ENTRIES + ", got " + count);
        }
        if (size <= 0) {
            throw new IllegalArgumentException("provided buffers: the size must be at least 1 byte, got " + size);
        }
        if (group < 0 || group > 0xffff) {
            throw new IllegalArgumentException("provided buffers: the group id is a u16, got " + group);
        }
        // The kernel maps the ring's pages itself: they must be aligned to its page size (EINVAL
        // otherwise; 16 or 64 KiB on some arm64 and ppc64le kernels).
        long page = dev.jaio.internal.linux.Cachestat.PAGE_SIZE;
        MemorySegment ring = arena.allocate(Math.max(UringAbi.IO_URING_BUF.byteSize() * count, page), page);
        MemorySegment slab = arena.allocate((long) size * count, 4096);
        MemorySegment[] buffers = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            buffers[i] = slab.asSlice((long) size * i, size);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment reg = a.allocate(UringAbi.IO_URING_BUF_REG);
            reg.set(JAVA_LONG, UringAbi.BUF_REG_RING_ADDR, ring.address());
            reg.set(JAVA_INT, UringAbi.BUF_REG_RING_ENTRIES, count);
            reg.set(JAVA_SHORT, UringAbi.BUF_REG_BGID, (short) group);
            long rc = UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_PBUF_RING, reg, 1);
            if (rc < 0) {
                throw new IOException("io_uring_register(PBUF_RING, " + count + " buffers of " + size + " bytes, group "
                        + group + "): " + Errno.describe((int) -rc)
                        + (rc == -Errno.EINVAL ? " (provided buffer rings need Linux 5.19 and a page-aligned ring)" : ""));
            }
        }
        ProvidedBufferRing r = new ProvidedBufferRing(group, count, size, ring, buffers);
        for (int i = 0; i < count; i++) {
            r.add(i);
        }
        r.publish();
        return r;
    }

    @Override
    public int group() {
        return group;
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public MemorySegment buffer(int id) {
        return buffers[id];
    }

    @Override
    public void recycle(int id) {
        add(id);
        publish();
    }

    /** Writes the entry at the tail for buffer {@code id} (not yet visible to the kernel). */
    private void add(int id) {
        long e = UringAbi.IO_URING_BUF.byteSize() * (tail & (count - 1));
        ring.set(JAVA_LONG, e + UringAbi.BUF_ADDR, buffers[id].address());
        ring.set(JAVA_INT, e + UringAbi.BUF_LEN, size);
        ring.set(JAVA_SHORT, e + UringAbi.BUF_BID, (short) id);
        tail++;
    }

    /** Publishes the entries written so far: a release store, so the kernel sees them whole. */
    private void publish() {
        SHORT.setRelease(ring, UringAbi.BUF_RING_TAIL, (short) tail);
    }
}
