package dev.jaio.internal.uring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Timespec;
import dev.jaio.internal.linux.UringAbi;
import dev.jaio.internal.linux.UringCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The submission side of one io_uring instance (liburing's {@code struct io_uring_sq}): the SQ
 * ring, whose head, tail, flags and index array {@code struct io_sqring_offsets} locates, and the
 * SQE array, both mappings {@link RingBuffer} owns; and io_uring_enter, which submits what it
 * holds and waits for completions.
 *
 * <p>Ordering, as io_uring.c's header comment and liburing have it: SQEs are written with plain
 * stores and published by a release store of the tail ({@link #setTailRelease()}); the kernel's
 * head is loaded with acquire ({@link #getHeadAcquire()}), after which the entries below it may be
 * written again. Indices are free-running u32 counters masked into the ring.
 *
 * <p>Invariants: the index array is the identity mapping, written once here, so SQE {@code i}
 * sits at array position {@code i & mask}; head &lt;= published tail &lt;= {@link #tail()}; and
 * {@code tail() - head} never exceeds {@link #entries()}, which the caller ensures: an SQE is
 * written only for a claimed slot, the wakeup or a cancel checked against the free entries. Only
 * the queue's owner calls this class; the kernel writes the head and flags.
 */
final class SubmissionQueue {

    /** (MemorySegment, long offset) view of a ring u32, for the acquire and release accesses. */
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final long SQE_SIZE = UringAbi.IO_URING_SQE.byteSize();

    private final int ringFd;
    /** A kernel thread takes SQEs from the ring (IORING_SETUP_SQPOLL); enter only wakes it or waits. */
    private final boolean sqPoll;
    private final MemorySegment ring;
    private final MemorySegment sqes;
    private final long headOffset;
    private final long tailOffset;
    private final long flagsOffset;
    private final int mask;
    private final int entries;
    /** SQEs written so far (free-running); the kernel sees them once {@link #setTailRelease()} stored it. */
    private int tail;
    /** The tail as last stored for the kernel. */
    private int publishedTail;
    /** io_uring_enter's IORING_ENTER_EXT_ARG argument, for a wait with a timeout. */
    private final MemorySegment getEventsArg;
    private final MemorySegment waitTimespec;

    /**
     * @param ring the SQ ring mapping, {@link #ringBytes} long
     * @param sqes the SQE array mapping, {@link #sqesBytes} long
     * @param params the {@code struct io_uring_params} io_uring_setup filled in
     * @param arena where the arguments of io_uring_enter live, as long as the ring
     */
    SubmissionQueue(int ringFd, int setupFlags, MemorySegment ring, MemorySegment sqes, MemorySegment params,
            Arena arena) {
        this.ringFd = ringFd;
        this.sqPoll = (setupFlags & UringAbi.IORING_SETUP_SQPOLL) != 0;
        this.ring = ring;
        this.sqes = sqes;
        this.getEventsArg = arena.allocate(UringAbi.IO_URING_GETEVENTS_ARG);
        this.waitTimespec = arena.allocate(Timespec.KERNEL_TIMESPEC);
        this.entries = params.get(JAVA_INT, UringAbi.PARAMS_SQ_ENTRIES);
        this.headOffset = offset(params, UringAbi.SQ_OFF_HEAD);
        this.tailOffset = offset(params, UringAbi.SQ_OFF_TAIL);
        this.flagsOffset = offset(params, UringAbi.SQ_OFF_FLAGS);
        this.mask = ring.get(JAVA_INT, offset(params, UringAbi.SQ_OFF_RING_MASK));
        long array = offset(params, UringAbi.SQ_OFF_ARRAY);
        for (int i = 0; i < entries; i++) {
            ring.set(JAVA_INT, array + 4L * i, i);
        }
        this.tail = (int) INT.getAcquire(ring, tailOffset);
        this.publishedTail = tail;
    }

    /** Bytes of the SQ ring mapping: up to the end of its index array. */
    static long ringBytes(MemorySegment params) {
        return offset(params, UringAbi.SQ_OFF_ARRAY) + 4L * params.get(JAVA_INT, UringAbi.PARAMS_SQ_ENTRIES);
    }

    /** Bytes of the SQE array mapping. */
    static long sqesBytes(MemorySegment params) {
        return SQE_SIZE * params.get(JAVA_INT, UringAbi.PARAMS_SQ_ENTRIES);
    }

    /** The offset {@code io_sqring_offsets.field} names in the SQ ring mapping. */
    private static long offset(MemorySegment params, long field) {
        return Integer.toUnsignedLong(params.get(JAVA_INT, UringAbi.PARAMS_SQ_OFF + field));
    }

    /** The ring's size in SQEs, a power of two. */
    int entries() {
        return entries;
    }

    /** SQEs written so far (free-running), published or not. */
    int tail() {
        return tail;
    }

    /** The tail as last stored for the kernel by {@link #setTailRelease()}. */
    int publishedTail() {
        return publishedTail;
    }

    /**
     * The first SQE the kernel has not read and will not read unless asked: the SQEs from here to
     * the tail are still the owner's to take back, and count as not submitted. Without SQPOLL the
     * kernel reads SQEs only inside the owner's io_uring_enter, so that is every SQE from its head
     * on; with SQPOLL its thread may take a published SQE at any moment, so only the unpublished.
     */
    int firstUnread() {
        return sqPoll ? publishedTail : getHeadAcquire();
    }

    /** The kernel's head: the SQEs below it are consumed and their entries free again. */
    int getHeadAcquire() {
        return (int) INT.getAcquire(ring, headOffset);
    }

    /** The tail as the ring holds it. */
    int getTailAcquire() {
        return (int) INT.getAcquire(ring, tailOffset);
    }

    /** The kernel's IORING_SQ_* flags, loaded opaque: ordered by the caller where it matters. */
    private int getFlagsOpaque() {
        return (int) INT.getOpaque(ring, flagsOffset);
    }

    /**
     * With SQPOLL, whether the kernel thread went to sleep and needs IORING_ENTER_SQ_WAKEUP. A full
     * fence orders the tail store before the flags load, as io_uring.c requires (liburing's
     * sq_ring_needs_enter uses io_uring_smp_mb for the same reason).
     */
    boolean needsWakeup() {
        VarHandle.fullFence();
        return (getFlagsOpaque() & UringAbi.IORING_SQ_NEED_WAKEUP) != 0;
    }

    /** Whether completions wait as task work (or in the overflow list) until the owner enters the kernel. */
    boolean taskWorkPending() {
        return (getFlagsOpaque() & (UringAbi.IORING_SQ_TASKRUN | UringAbi.IORING_SQ_CQ_OVERFLOW)) != 0;
    }

    /** Publishes every SQE written so far: the release store orders their plain stores before the tail's. */
    void setTailRelease() {
        INT.setRelease(ring, tailOffset, tail);
        publishedTail = tail;
    }

    /**
     * Writes the SQE at the tail and advances the tail (without publishing it). All 64 bytes are
     * zeroed first: many opcodes fail with EINVAL when a field they do not use is nonzero, and a
     * reused entry must not keep a previous request's fields. The caller ensures an entry is free.
     *
     * @param opFlags the per-opcode word (rw_flags, fsync_flags, poll32_events, ...)
     */
    void enqueue(int opcode, int flags, int fd, long off, long addr, int len, int opFlags, int bufIndex,
            long userData) {
        long sqe = SQE_SIZE * (tail & mask);
        tail++;
        for (long i = 0; i < SQE_SIZE; i += 8) {
            sqes.set(JAVA_LONG, sqe + i, 0L);
        }
        sqes.set(JAVA_BYTE, sqe + UringAbi.SQE_OPCODE, (byte) opcode);
        sqes.set(JAVA_BYTE, sqe + UringAbi.SQE_FLAGS, (byte) flags);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_FD, fd);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_USER_DATA, userData);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_OFF, off);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_ADDR, addr);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_LEN, len);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_OP_FLAGS, opFlags);
        sqes.set(JAVA_SHORT, sqe + UringAbi.SQE_BUF_INDEX, (short) bufIndex);
    }

    /** Sets the u16 at {@code fieldOffset} of the SQE {@link #enqueue} wrote last (ioprio's multishot flags). */
    void setLastShort(long fieldOffset, short value) {
        long sqe = SQE_SIZE * ((tail - 1) & mask);
        sqes.set(JAVA_SHORT, sqe + fieldOffset, value);
    }

    /** Sets the s32 at {@code fieldOffset} of the SQE {@link #enqueue} wrote last (SPLICE's splice_fd_in). */
    void setLastInt(long fieldOffset, int value) {
        long sqe = SQE_SIZE * ((tail - 1) & mask);
        sqes.set(JAVA_INT, sqe + fieldOffset, value);
    }

    /**
     * Publishes the tail and calls io_uring_enter to submit everything the kernel has not consumed
     * and, with {@code minComplete > 0}, to wait for that many CQEs (at most {@code timeoutNanos};
     * negative: no limit). It asks for completions, which runs pending task work, also when
     * {@link #taskWorkPending()}. EINTR is retried unless it waits.
     *
     * @return how many SQEs the kernel consumed, or -errno
     */
    long enter(int minComplete, long timeoutNanos) {
        setTailRelease();
        int toSubmit = tail - getHeadAcquire();
        int flags = 0;
        if (sqPoll) {
            toSubmit = 0; // the kernel thread submits; enter only wakes it or waits
            if (needsWakeup()) {
                flags |= UringAbi.IORING_ENTER_SQ_WAKEUP;
            }
        }
        MemorySegment arg = MemorySegment.NULL;
        long argSize = 0;
        if (minComplete > 0 || taskWorkPending()) {
            flags |= UringAbi.IORING_ENTER_GETEVENTS;
        }
        if (minComplete > 0 && timeoutNanos >= 0) {
            getEventsArg.fill((byte) 0);
            getEventsArg.set(JAVA_LONG, UringAbi.GETEVENTS_ARG_TS, Timespec.set(waitTimespec, 0, timeoutNanos));
            flags |= UringAbi.IORING_ENTER_EXT_ARG;
            arg = getEventsArg;
            argSize = UringAbi.IO_URING_GETEVENTS_ARG.byteSize();
        }
        long rc;
        do {
            rc = UringCalls.ioUringEnter(ringFd, toSubmit, minComplete, flags, arg, argSize);
        } while (rc == -Errno.EINTR && minComplete == 0);
        return rc;
    }

    /** The user_data of SQE {@code index} (free-running), one the caller wrote and may still take back. */
    long userDataAt(int index) {
        return sqes.get(JAVA_LONG, SQE_SIZE * (index & mask) + UringAbi.SQE_USER_DATA);
    }

    /**
     * Moves the tail back to {@code index}, dropping the SQEs from there on. Only SQEs the kernel
     * has not read and never will may go: none below its head, and with SQPOLL none published.
     */
    void rewindTail(int index) {
        tail = index;
    }
}
