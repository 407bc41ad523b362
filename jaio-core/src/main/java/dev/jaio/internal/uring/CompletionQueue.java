package dev.jaio.internal.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jaio.internal.linux.UringAbi;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The completion side of one io_uring instance (liburing's {@code struct io_uring_cq}): the CQ
 * ring, whose head, tail and CQE array {@code struct io_cqring_offsets} locates, in a mapping
 * {@link RingBuffer} owns (the SQ ring's own with IORING_FEAT_SINGLE_MMAP).
 *
 * <p>Ordering, as io_uring.c's header comment and liburing have it: the kernel writes a CQE and
 * then stores the tail with release, so the tail is loaded with acquire before the CQEs below it
 * are read ({@link #getTailAcquire()}); the head is stored with release after a CQE was read
 * ({@link #advanceHeadRelease()}), because the kernel writes new CQEs into the entries below it.
 *
 * <p>Invariants: {@link #head()} &lt;= tail, as free-running u32 counters masked into the ring;
 * the ring holds twice as many CQEs as the SQ has entries, and the queue has at most that many
 * requests in flight, so it cannot overflow (the kernel keeps an overflow list if it ever did).
 * Only the queue's owner consumes: the ring never has two consumers.
 */
final class CompletionQueue {

    /** (MemorySegment, long offset) view of a ring u32, for the acquire and release accesses. */
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final long CQE_SIZE = UringAbi.IO_URING_CQE.byteSize();

    private final MemorySegment ring;
    private final long headOffset;
    private final long tailOffset;
    private final long cqesOffset;
    private final int mask;
    /** CQEs consumed so far (free-running); the kernel's head once {@link #advanceHeadRelease()} stored it. */
    private int head;

    /**
     * @param ring the CQ ring mapping, at least {@link #ringBytes} long
     * @param params the {@code struct io_uring_params} io_uring_setup filled in
     */
    CompletionQueue(MemorySegment ring, MemorySegment params) {
        this.ring = ring;
        this.headOffset = offset(params, UringAbi.CQ_OFF_HEAD);
        this.tailOffset = offset(params, UringAbi.CQ_OFF_TAIL);
        this.cqesOffset = offset(params, UringAbi.CQ_OFF_CQES);
        this.mask = ring.get(JAVA_INT, offset(params, UringAbi.CQ_OFF_RING_MASK));
        this.head = (int) INT.getAcquire(ring, headOffset);
    }

    /** Bytes of the CQ ring mapping: up to the end of its CQE array. */
    static long ringBytes(MemorySegment params) {
        return offset(params, UringAbi.CQ_OFF_CQES) + CQE_SIZE * params.get(JAVA_INT, UringAbi.PARAMS_CQ_ENTRIES);
    }

    /** The offset {@code io_cqring_offsets.field} names in the CQ ring mapping. */
    private static long offset(MemorySegment params, long field) {
        return Integer.toUnsignedLong(params.get(JAVA_INT, UringAbi.PARAMS_CQ_OFF + field));
    }

    /** The kernel's tail: every CQE below it is written and visible after this load. */
    int getTailAcquire() {
        return (int) INT.getAcquire(ring, tailOffset);
    }

    /** CQEs consumed so far (free-running); the next to read is at the head while it differs from the tail. */
    int head() {
        return head;
    }

    /** The user_data of the CQE at the head; only below a tail from {@link #getTailAcquire()}. */
    long headUserData() {
        return ring.get(JAVA_LONG, cqe(head) + UringAbi.CQE_USER_DATA);
    }

    /** The res of the CQE at the head: bytes, or -errno; only below a tail from {@link #getTailAcquire()}. */
    int headRes() {
        return ring.get(JAVA_INT, cqe(head) + UringAbi.CQE_RES);
    }

    /** The flags of the CQE at the head (IORING_CQE_F_*); only below a tail from {@link #getTailAcquire()}. */
    int headFlags() {
        return ring.get(JAVA_INT, cqe(head) + UringAbi.CQE_FLAGS);
    }

    /** Consumes the CQE at the head, which was read: the release store hands its entry back to the kernel. */
    void advanceHeadRelease() {
        head++;
        INT.setRelease(ring, headOffset, head);
    }

    private long cqe(int index) {
        return cqesOffset + CQE_SIZE * (index & mask);
    }
}
