package dev.jaio.internal.uring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.EventFdWakeup;
import dev.jaio.internal.engine.FixedResources;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.engine.RefusedRequests;
import dev.jaio.internal.engine.RequestChaining;
import dev.jaio.internal.engine.Slots;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.EventFd;
import dev.jaio.internal.linux.Iovec;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Mman;
import dev.jaio.internal.linux.Timespec;
import dev.jaio.internal.linux.UringAbi;
import dev.jaio.internal.linux.UringCalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * An {@link IoQueue} over one io_uring instance, plus the operations only io_uring has (fixed
 * buffers and files, ranged fsync, fallocate, poll removal, cancellation, timeouts, links, NOP).
 *
 * <h2>Rings and ordering</h2>
 * The SQ ring, CQ ring (one mapping with IORING_FEAT_SINGLE_MMAP) and SQE array are mmap'ed once.
 * Indices are free-running u32 counters masked into the rings. Following the io_uring.c header
 * contract (and liburing): the CQ tail is read with acquire before the CQEs, the CQ head is
 * stored with release after them; SQEs are written with plain stores and published by a release
 * store of the SQ tail; the SQ head is read with acquire. The SQ index array is the identity
 * mapping, written once at setup.
 *
 * <h2>Requests and slots</h2>
 * Every request occupies a slot until its CQE is reaped; the CQE's user_data is the slot number,
 * and the caller's user data lives in {@link #userData}. The SQ has at least {@code capacity}
 * entries and the CQ twice that, so a prepare never finds the SQ full and the CQ cannot overflow
 * while at most {@code capacity} requests are outstanding (an overflow is still flushed if the
 * kernel reports one).
 *
 * <h2>Threads</h2>
 * The kernel knows OS threads (tasks), not Java threads. With IORING_SETUP_SINGLE_ISSUER it binds
 * the ring to one task and refuses io_uring_enter and io_uring_register from any other with
 * EEXIST, so only a queue whose owner is one platform thread for life
 * ({@link QueueOptions#platformOwner()}, an event loop) asks for it, with DEFER_TASKRUN, which
 * needs it. The ring is then created disabled (IORING_SETUP_R_DISABLED) and enabled by its owner's
 * first call, so the kernel binds it to the thread that really drives it, not the one that made
 * it; with DEFER_TASKRUN, completion work runs only when that thread enters the kernel, which
 * every reap does when the ring's TASKRUN flag says work is pending. Any other ring (IoContext's)
 * is bound to no task: its owner may be a virtual thread, whose calls come from whichever carrier
 * it is mounted on, and every call of the ring (submit, wait, register, close) may come from a
 * different one. Task work then runs with COOP_TASKRUN on the task that submitted the request.
 *
 * <h2>Wakeup</h2>
 * With {@link QueueOptions#wakeup()}, an 8-byte READ of an eventfd is kept armed in the ring;
 * {@link #wakeup()} writes the eventfd, that READ completes, and a blocked io_uring_enter returns.
 */
public final class UringQueue implements IoQueue, FixedResources, RequestChaining {

    private static final VarHandle INT = JAVA_INT.varHandle();
    /** user_data of the internal wakeup READ; never a slot number. */
    private static final long WAKEUP_DATA = -1L;
    /** user_data of the cancel requests close() and {@link #cancel(long)} send; their CQEs are dropped. */
    private static final long CLOSE_CANCEL_DATA = -2L;

    private final Arena arena = Arena.ofShared();
    private final int capacity;
    private final int ringFd;
    private final int setupFlags;
    private final int features;
    /** A kernel thread takes SQEs from the ring: submission is a tail store, plus a wakeup when it sleeps. */
    private final boolean sqPoll;

    // The mappings are assigned once in the constructor; not final only so that a failing
    // constructor can unmap whatever it had mapped.
    private MemorySegment sqRing;
    private MemorySegment cqRing;
    private MemorySegment sqes;
    private long sqRingSize;
    private long cqRingSize;
    private long sqesSize;
    private long sqHeadOff;
    private long sqTailOff;
    private long sqFlagsOff;
    private int sqMask;
    private long cqHeadOff;
    private long cqTailOff;
    private long cqesOff;
    private int cqMask;

    /** SQEs written so far (free-running); published to the kernel by {@link #submit()}. */
    private int sqeTail;
    /** The SQ tail as last stored for the kernel. */
    private int publishedTail;
    /** CQEs consumed so far (free-running). */
    private int cqHead;

    private final long[] userData;
    /** Whether a slot holds an outstanding request (for cancel and poll-remove by user data). */
    private final boolean[] inUse;
    /** Whether a slot holds a poll or timeout, which may never complete by itself; close cancels those. */
    private final boolean[] lingering;
    private final Slots slots;
    /** SQ entries (the ring's size): a {@link #cancel(long)} takes an SQE beyond the slots only while one is free. */
    private int sqEntries;
    /** {@link #cancel(long)} requests whose CQE has not been reaped; at most {@link #capacity}, so the CQ never overflows. */
    private int cancelsInFlight;
    /** Per-slot timespec for TIMEOUT and LINK_TIMEOUT, which the kernel reads at submission. */
    private final MemorySegment timespecs;
    private final MemorySegment getEventsArg;
    private final MemorySegment waitTimespec;
    /** IOSQE_* flags for the next prepared SQE only (liburing's io_uring_sqe_set_flags). */
    private int nextSqeFlags;
    /** Requests refused before reaching the kernel, delivered by the next reap. */
    private final RefusedRequests refused;

    /** Null without wakeup support. */
    private final EventFdWakeup wakeup;
    private final int eventFd;
    private final MemorySegment eventFdBuffer;
    /** The wakeup READ is in the ring. */
    private boolean wakeupArmed;
    /** The wakeup READ completed since the last reap returned. */
    private boolean woken;

    private boolean enabled;
    private boolean closed;
    /** -errno of the last io_uring_enter that failed as a whole (not EINTR, ETIME, EAGAIN, EBUSY); 0 if none. */
    private long enterFailure;

    UringQueue(QueueOptions options, boolean singleIssuer) throws IOException {
        this.capacity = options.capacity();
        boolean withWakeup = options.wakeup();
        int wanted = capacity + (withWakeup ? 1 : 0);
        int sqWanted = Integer.highestOneBit(Math.max(1, wanted - 1)) << 1;
        if (sqWanted > UringAbi.IORING_MAX_ENTRIES) {
            arena.close();
            throw new IOException("io_uring queue of " + capacity + " requests" + (withWakeup ? " (plus the wakeup)" : "")
                    + " needs an SQ of " + sqWanted + " entries; the kernel allows at most "
                    + UringAbi.IORING_MAX_ENTRIES + " (IORING_MAX_ENTRIES)");
        }
        MemorySegment params = arena.allocate(UringAbi.IO_URING_PARAMS);
        long fd = -Errno.EINVAL;
        int flags = 0;
        for (int candidate : flagCandidates(singleIssuer, options.sqPollIdleMillis() > 0)) {
            params.fill((byte) 0);
            params.set(JAVA_INT, UringAbi.PARAMS_CQ_ENTRIES, 2 * sqWanted);
            params.set(JAVA_INT, UringAbi.PARAMS_FLAGS, candidate);
            params.set(JAVA_INT, UringAbi.PARAMS_SQ_THREAD_IDLE, options.sqPollIdleMillis());
            fd = UringCalls.ioUringSetup(sqWanted, params);
            flags = candidate;
            if (fd != -Errno.EINVAL) {
                break; // EINVAL: an older kernel without one of the flags; try fewer
            }
        }
        if (fd < 0) {
            arena.close();
            // Name the caller's number: the SQ and CQ sizes are derived from it.
            throw new IOException("io_uring_setup for a queue of " + capacity + " requests (SQ " + sqWanted
                    + " entries, CQ " + 2 * sqWanted + ") failed: " + Errno.describe((int) -fd)
                    + UringEngine.remedy((int) -fd));
        }
        this.ringFd = (int) fd;
        this.setupFlags = flags;
        this.sqPoll = (flags & UringAbi.IORING_SETUP_SQPOLL) != 0;
        this.features = params.get(JAVA_INT, UringAbi.PARAMS_FEATURES);
        this.userData = new long[capacity];
        this.inUse = new boolean[capacity];
        this.lingering = new boolean[capacity];
        this.slots = new Slots(capacity);
        this.timespecs = arena.allocate(Timespec.KERNEL_TIMESPEC.byteSize() * capacity, 8);
        this.getEventsArg = arena.allocate(UringAbi.IO_URING_GETEVENTS_ARG);
        this.waitTimespec = arena.allocate(Timespec.KERNEL_TIMESPEC);
        this.refused = new RefusedRequests(capacity);
        this.eventFdBuffer = arena.allocate(JAVA_LONG);
        EventFdWakeup w = null;
        try {
            w = withWakeup ? EventFdWakeup.open(EventFd.EFD_CLOEXEC) : null;
        } catch (IOException e) {
            Libc.close(ringFd);
            arena.close();
            throw e;
        }
        this.wakeup = w;
        this.eventFd = w == null ? -1 : w.fd();
        try {
            int sqEntries = params.get(JAVA_INT, UringAbi.PARAMS_SQ_ENTRIES);
            this.sqEntries = sqEntries;
            int cqEntries = params.get(JAVA_INT, UringAbi.PARAMS_CQ_ENTRIES);
            long sqOff = UringAbi.PARAMS_SQ_OFF;
            long cqOff = UringAbi.PARAMS_CQ_OFF;
            long arrayOff = Integer.toUnsignedLong(params.get(JAVA_INT, sqOff + UringAbi.SQ_OFF_ARRAY));
            this.cqesOff = Integer.toUnsignedLong(params.get(JAVA_INT, cqOff + UringAbi.CQ_OFF_CQES));
            long sqSize = arrayOff + 4L * sqEntries;
            long cqSize = cqesOff + UringAbi.IO_URING_CQE.byteSize() * cqEntries;
            boolean single = (features & UringAbi.IORING_FEAT_SINGLE_MMAP) != 0;
            if (single) {
                sqSize = cqSize = Math.max(sqSize, cqSize);
            }
            this.sqRingSize = sqSize;
            this.cqRingSize = single ? 0 : cqSize;
            this.sqesSize = UringAbi.IO_URING_SQE.byteSize() * sqEntries;
            this.sqRing = map(sqSize, UringAbi.IORING_OFF_SQ_RING);
            this.cqRing = single ? sqRing : map(cqSize, UringAbi.IORING_OFF_CQ_RING);
            this.sqes = map(sqesSize, UringAbi.IORING_OFF_SQES);
            this.sqHeadOff = Integer.toUnsignedLong(params.get(JAVA_INT, sqOff + UringAbi.SQ_OFF_HEAD));
            this.sqTailOff = Integer.toUnsignedLong(params.get(JAVA_INT, sqOff + UringAbi.SQ_OFF_TAIL));
            this.sqFlagsOff = Integer.toUnsignedLong(params.get(JAVA_INT, sqOff + UringAbi.SQ_OFF_FLAGS));
            this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, sqOff + UringAbi.SQ_OFF_RING_MASK));
            this.cqHeadOff = Integer.toUnsignedLong(params.get(JAVA_INT, cqOff + UringAbi.CQ_OFF_HEAD));
            this.cqTailOff = Integer.toUnsignedLong(params.get(JAVA_INT, cqOff + UringAbi.CQ_OFF_TAIL));
            this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, cqOff + UringAbi.CQ_OFF_RING_MASK));
            for (int i = 0; i < sqEntries; i++) {
                sqRing.set(JAVA_INT, arrayOff + 4L * i, i);
            }
            this.sqeTail = (int) INT.getAcquire(sqRing, sqTailOff);
            this.publishedTail = sqeTail;
            this.cqHead = (int) INT.getAcquire(cqRing, cqHeadOff);
        } catch (IOException | RuntimeException | Error e) {
            unmapAndClose();
            throw e;
        }
    }

    /** Setup flags to try, best first; each later entry drops what older kernels reject with EINVAL. */
    private static int[] flagCandidates(boolean singleIssuer, boolean sqPoll) {
        int disabled = UringAbi.IORING_SETUP_R_DISABLED | UringAbi.IORING_SETUP_CQSIZE;
        if (sqPoll) {
            // The task-run flags concern the submitting task's interrupts; with SQPOLL the kernel
            // thread submits, and io_uring_setup rejects them.
            return new int[] {disabled | UringAbi.IORING_SETUP_SQPOLL,
                UringAbi.IORING_SETUP_CQSIZE | UringAbi.IORING_SETUP_SQPOLL};
        }
        int defer = UringAbi.IORING_SETUP_SINGLE_ISSUER | UringAbi.IORING_SETUP_DEFER_TASKRUN
                | UringAbi.IORING_SETUP_TASKRUN_FLAG;
        int coop = UringAbi.IORING_SETUP_COOP_TASKRUN | UringAbi.IORING_SETUP_TASKRUN_FLAG;
        return singleIssuer
                ? new int[] {disabled | defer, disabled | coop, disabled, UringAbi.IORING_SETUP_CQSIZE}
                : new int[] {disabled | coop, disabled, UringAbi.IORING_SETUP_CQSIZE};
    }

    private MemorySegment map(long size, long offset) throws IOException {
        long addr = Mman.mmap(0, size, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED | Mman.MAP_POPULATE,
                ringFd, offset);
        if (addr < 0) {
            throw new IOException("mmap of io_uring ring (" + size + " bytes at 0x" + Long.toHexString(offset)
                    + ") failed: " + Errno.describe((int) -addr));
        }
        return Mman.segment(addr, size);
    }

    /** The IORING_SETUP_* flags the kernel accepted. */
    public int setupFlags() {
        return setupFlags;
    }

    /** The IORING_FEAT_* flags the kernel reported. */
    public int features() {
        return features;
    }

    @Override
    public String engineName() {
        return UringEngine.NAME;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int outstanding() {
        return slots.inUse();
    }

    @Override
    public int unsubmitted() {
        // With SQPOLL a published SQE is submitted: the kernel thread takes it without being asked.
        return sqeTail - (sqPoll ? publishedTail : (int) INT.getAcquire(sqRing, sqHeadOff));
    }

    /** Stores the SQ tail with release: the kernel must see every SQE written before it. */
    private void publishTail() {
        INT.setRelease(sqRing, sqTailOff, sqeTail);
        publishedTail = sqeTail;
    }

    /**
     * Applies IOSQE_* flags (IO_LINK, IO_HARDLINK, FIXED_FILE, ASYNC, IO_DRAIN) to the next prepared
     * request only. With FIXED_FILE its fd is an index into the registered files.
     */
    public void setNextSqeFlags(int iosqeFlags) {
        this.nextSqeFlags = iosqeFlags;
    }

    // ---- the common operations ----

    @Override
    public boolean prepareRead(int fd, MemorySegment buffer, long offset, int rwFlags, long data) {
        return prepareRw(UringAbi.IORING_OP_READ, fd, buffer.address(), (int) buffer.byteSize(), offset, rwFlags, 0, data);
    }

    @Override
    public boolean prepareWrite(int fd, MemorySegment buffer, long offset, int rwFlags, long data) {
        return prepareRw(UringAbi.IORING_OP_WRITE, fd, buffer.address(), (int) buffer.byteSize(), offset, rwFlags, 0, data);
    }

    @Override
    public boolean prepareReadv(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags, long data) {
        return prepareRw(UringAbi.IORING_OP_READV, fd, iovecs.address(), iovCount, offset, rwFlags, 0, data);
    }

    @Override
    public boolean prepareWritev(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags, long data) {
        return prepareRw(UringAbi.IORING_OP_WRITEV, fd, iovecs.address(), iovCount, offset, rwFlags, 0, data);
    }

    @Override
    public boolean prepareFsync(int fd, boolean dataOnly, long data) {
        return prepareFsyncRange(fd, dataOnly, 0, 0, data);
    }

    @Override
    public boolean preparePoll(int fd, int pollEvents, long data) {
        int slot = claim(data);
        if (slot < 0) {
            return false;
        }
        lingering[slot] = true;
        long sqe = nextSqe(UringAbi.IORING_OP_POLL_ADD, fd, slot);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_OP_FLAGS, pollEvents & 0xffff);
        return true;
    }

    // ---- io_uring only ----

    @Override
    public void linkNext() {
        nextSqeFlags |= UringAbi.IOSQE_IO_LINK;
    }

    @Override
    public void nextUsesFixedFile() {
        nextSqeFlags |= UringAbi.IOSQE_FIXED_FILE;
    }

    /** READ_FIXED: {@code buffer} must lie inside registered buffer {@code bufIndex}. */
    @Override
    public boolean prepareReadFixed(int fd, MemorySegment buffer, long offset, int bufIndex, int rwFlags, long data) {
        return prepareRw(UringAbi.IORING_OP_READ_FIXED, fd, buffer.address(), (int) buffer.byteSize(), offset, rwFlags,
                bufIndex, data);
    }

    /** WRITE_FIXED: {@code buffer} must lie inside registered buffer {@code bufIndex}. */
    @Override
    public boolean prepareWriteFixed(int fd, MemorySegment buffer, long offset, int bufIndex, int rwFlags, long data) {
        return prepareRw(UringAbi.IORING_OP_WRITE_FIXED, fd, buffer.address(), (int) buffer.byteSize(), offset, rwFlags,
                bufIndex, data);
    }

    /** FSYNC of {@code [offset, offset + length)} only (length 0: to the end), or fdatasync of it. */
    public boolean prepareFsyncRange(int fd, boolean dataOnly, long offset, int length, long data) {
        int slot = claim(data);
        if (slot < 0) {
            return false;
        }
        long sqe = nextSqe(UringAbi.IORING_OP_FSYNC, fd, slot);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_OFF, offset);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_LEN, length);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_OP_FLAGS, dataOnly ? UringAbi.IORING_FSYNC_DATASYNC : 0);
        return true;
    }

    /** FALLOCATE; liburing's io_uring_prep_fallocate: off = offset, addr = length, len = mode. */
    public boolean prepareFallocate(int fd, int mode, long offset, long length, long data) {
        int slot = claim(data);
        if (slot < 0) {
            return false;
        }
        long sqe = nextSqe(UringAbi.IORING_OP_FALLOCATE, fd, slot);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_OFF, offset);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_ADDR, length);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_LEN, mode);
        return true;
    }

    /** NOP: completes with 0; useful to measure the ring itself. */
    public boolean prepareNop(long data) {
        int slot = claim(data);
        if (slot < 0) {
            return false;
        }
        nextSqe(UringAbi.IORING_OP_NOP, -1, slot);
        return true;
    }

    /**
     * POLL_REMOVE of the outstanding poll prepared with user data {@code target}. The removed poll
     * completes with -ECANCELED; this request with 0, or -ENOENT when there was no such poll.
     */
    public boolean preparePollRemove(long target, long data) {
        return prepareByTarget(UringAbi.IORING_OP_POLL_REMOVE, target, data);
    }

    /**
     * ASYNC_CANCEL of the outstanding request prepared with user data {@code target}: it completes
     * with -ECANCELED if it could be stopped; this request with 0, -ENOENT, or -EALREADY (running).
     */
    @Override
    public boolean prepareCancel(long target, long data) {
        return prepareByTarget(UringAbi.IORING_OP_ASYNC_CANCEL, target, data);
    }

    private boolean prepareByTarget(int opcode, long target, long data) {
        int targetSlot = slotOf(target);
        int slot = claim(data);
        if (slot < 0) {
            return false;
        }
        long sqe = nextSqe(opcode, -1, slot);
        // No outstanding request has that user data: aim at a user_data no SQE carries, so the
        // kernel answers -ENOENT as it would for a request that already completed.
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_ADDR, targetSlot >= 0 ? targetSlot : Long.MIN_VALUE);
        return true;
    }

    /**
     * ASYNC_CANCEL of the outstanding request prepared with {@code data}, for a caller who does not
     * wait for the cancel's own answer (its CQE is dropped). It takes no slot: the SQ has room for
     * it while fewer than all its entries are pending, and the CQ (twice the SQ) for as many
     * cancels in flight as slots. Without room it does nothing, as a cancel that came too late.
     */
    @Override
    public void cancel(long data) {
        int target = slotOf(data);
        if (target < 0 || cancelsInFlight >= capacity) {
            return;
        }
        ensureEnabled();
        if (sqeTail - (int) INT.getAcquire(sqRing, sqHeadOff) >= sqEntries) {
            return;
        }
        int flags = nextSqeFlags; // meant for the caller's next request, not for this cancel
        nextSqeFlags = 0;
        long sqe = nextSqe(UringAbi.IORING_OP_ASYNC_CANCEL, -1, CLOSE_CANCEL_DATA);
        nextSqeFlags = flags;
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_ADDR, target);
        cancelsInFlight++;
    }

    private int slotOf(long data) {
        for (int s = 0; s < capacity; s++) {
            if (userData[s] == data && inUse[s]) {
                return s;
            }
        }
        return -1;
    }


    /**
     * TIMEOUT: completes with -ETIME after {@code nanos}, or with 0 once {@code count} other
     * completions were posted first (count 0: time only).
     */
    @Override
    public boolean prepareTimeout(long nanos, int count, long data) {
        int slot = claim(data);
        if (slot < 0) {
            return false;
        }
        lingering[slot] = true;
        long sqe = nextSqe(UringAbi.IORING_OP_TIMEOUT, -1, slot);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_ADDR, timespec(slot, nanos));
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_LEN, 1);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_OFF, count);
        return true;
    }

    /**
     * LINK_TIMEOUT for the request prepared just before it, which must have been prepared with
     * IOSQE_IO_LINK ({@link #setNextSqeFlags}): if that request is still running after
     * {@code nanos}, it is cancelled (-ECANCELED) and this completes with -ETIME; otherwise this
     * completes with -ECANCELED.
     */
    @Override
    public boolean prepareLinkTimeout(long nanos, long data) {
        int slot = claim(data);
        if (slot < 0) {
            return false;
        }
        long sqe = nextSqe(UringAbi.IORING_OP_LINK_TIMEOUT, -1, slot);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_ADDR, timespec(slot, nanos));
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_LEN, 1);
        return true;
    }

    private long timespec(int slot, long nanos) {
        return Timespec.set(timespecs, slot, nanos);
    }

    /**
     * Registers buffers for READ_FIXED / WRITE_FIXED (pinned, charged to RLIMIT_MEMLOCK). The
     * caller keeps them alive until {@link #unregisterBuffers()} or close.
     *
     * @return 0, or -errno (ENOMEM: memlock limit; EBUSY: already registered)
     */
    @Override
    public long registerBuffers(MemorySegment... buffers) {
        ensureEnabled();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment iov = a.allocate(Iovec.IOVEC.byteSize() * buffers.length, 8);
            Iovec.fill(iov, buffers);
            return UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_BUFFERS, iov, buffers.length);
        }
    }

    /** Drops the registered buffers; 0 or -errno. */
    @Override
    public long unregisterBuffers() {
        ensureEnabled();
        return UringCalls.ioUringRegister(ringFd, UringAbi.IORING_UNREGISTER_BUFFERS, MemorySegment.NULL, 0);
    }

    /**
     * Registers descriptors for IOSQE_FIXED_FILE; request i then names {@code fds[i]} by index i.
     *
     * @return 0, or -errno
     */
    @Override
    public long registerFiles(int... fds) {
        ensureEnabled();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arr = a.allocate(4L * fds.length, 4);
            for (int i = 0; i < fds.length; i++) {
                arr.set(JAVA_INT, 4L * i, fds[i]);
            }
            return UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_FILES, arr, fds.length);
        }
    }

    /** Drops the registered files; 0 or -errno. */
    @Override
    public long unregisterFiles() {
        ensureEnabled();
        return UringCalls.ioUringRegister(ringFd, UringAbi.IORING_UNREGISTER_FILES, MemorySegment.NULL, 0);
    }

    // ---- SQE writing ----

    private boolean prepareRw(int opcode, int fd, long addr, int len, long offset, int rwFlags, int bufIndex,
            long data) {
        int slot = claim(data);
        if (slot < 0) {
            return false;
        }
        long sqe = nextSqe(opcode, fd, slot);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_OFF, offset);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_ADDR, addr);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_LEN, len);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_OP_FLAGS, rwFlags);
        sqes.set(JAVA_SHORT, sqe + UringAbi.SQE_BUF_INDEX, (short) bufIndex);
        return true;
    }

    private int claim(long data) {
        ensureEnabled();
        if (slots.available() == 0) {
            return -1;
        }
        int slot = slots.acquire();
        userData[slot] = data;
        inUse[slot] = true;
        lingering[slot] = false;
        return slot;
    }

    /**
     * Writes a zeroed SQE with the common fields at the next SQ position and returns its offset in
     * the SQE array. Every byte is written, so a reused entry never leaks a previous request's fields.
     */
    private long nextSqe(int opcode, int fd, long userDataField) {
        long sqe = UringAbi.IO_URING_SQE.byteSize() * (sqeTail & sqMask);
        sqeTail++;
        for (long i = 0; i < UringAbi.IO_URING_SQE.byteSize(); i += 8) {
            sqes.set(JAVA_LONG, sqe + i, 0L);
        }
        sqes.set(JAVA_BYTE, sqe + UringAbi.SQE_OPCODE, (byte) opcode);
        sqes.set(JAVA_BYTE, sqe + UringAbi.SQE_FLAGS, (byte) nextSqeFlags);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_FD, fd);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_USER_DATA, userDataField);
        nextSqeFlags = 0;
        return sqe;
    }

    // ---- submission and completion ----

    private void ensureEnabled() {
        if (!enabled) {
            if ((setupFlags & UringAbi.IORING_SETUP_SINGLE_ISSUER) != 0 && Thread.currentThread().isVirtual()) {
                // Bound to the carrier it runs on now, the ring would refuse it (EEXIST) on the next.
                throw new IllegalStateException("an io_uring ring with IORING_SETUP_SINGLE_ISSUER cannot be driven by"
                        + " virtual thread " + Thread.currentThread() + ": it changes OS thread as it runs");
            }
            enabled = true;
            if ((setupFlags & UringAbi.IORING_SETUP_R_DISABLED) != 0) {
                long rc = UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_ENABLE_RINGS, MemorySegment.NULL, 0);
                if (rc < 0) {
                    throw new IllegalStateException("io_uring_register(ENABLE_RINGS) failed: " + Errno.describe((int) -rc));
                }
            }
        }
    }

    private void armWakeup() {
        if (eventFd >= 0 && !wakeupArmed) {
            long sqe = nextSqe(UringAbi.IORING_OP_READ, eventFd, WAKEUP_DATA);
            sqes.set(JAVA_LONG, sqe + UringAbi.SQE_ADDR, eventFdBuffer.address());
            sqes.set(JAVA_INT, sqe + UringAbi.SQE_LEN, 8);
            wakeupArmed = true;
        }
    }

    @Override
    public int submit() {
        ensureEnabled();
        armWakeup();
        if (sqPoll) {
            // Published SQEs were counted by the call that published them, whether or not the
            // kernel thread has taken them yet.
            int unpublished = sqeTail - publishedTail;
            if (unpublished == 0) {
                return 0;
            }
            publishTail();
            if (sqThreadSleeping()) {
                enter(0, -1);
            }
            return unpublished;
        }
        if (sqeTail == (int) INT.getAcquire(sqRing, sqHeadOff)) {
            return 0;
        }
        return enter(0, -1);
    }

    /**
     * With SQPOLL, whether the kernel thread went to sleep and needs IORING_ENTER_SQ_WAKEUP. The
     * full fence orders the tail store before this load, as io_uring.c requires (liburing's
     * sq_ring_needs_enter uses io_uring_smp_mb for the same reason).
     */
    private boolean sqThreadSleeping() {
        VarHandle.fullFence();
        return ((int) INT.getOpaque(sqRing, sqFlagsOff) & UringAbi.IORING_SQ_NEED_WAKEUP) != 0;
    }

    /**
     * Publishes the SQ tail and calls io_uring_enter to submit everything pending and, with
     * {@code minComplete > 0}, to wait for that many CQEs (at most {@code timeoutNanos}; negative:
     * no limit). Returns how many SQEs the kernel consumed.
     */
    private int enter(int minComplete, long timeoutNanos) {
        publishTail();
        int toSubmit = sqeTail - (int) INT.getAcquire(sqRing, sqHeadOff);
        int flags = 0;
        if (sqPoll) {
            toSubmit = 0; // the kernel thread submits; enter only wakes it or waits
            if (sqThreadSleeping()) {
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
        if (rc >= 0) {
            return (int) rc;
        }
        if (rc == -Errno.EINTR || rc == -Errno.ETIME || rc == -Errno.EAGAIN || rc == -Errno.EBUSY) {
            return 0; // interrupted, timed out, or back-pressure: the SQEs stay queued
        }
        refuseUnsubmitted(rc);
        enterFailure = rc;
        return 0;
    }

    /**
     * io_uring_enter failed as a whole (say EEXIST from a thread other than the single issuer):
     * nothing pending reached the kernel, so take the SQ tail back and fail those requests.
     */
    private void refuseUnsubmitted(long rc) {
        if (sqPoll) {
            return; // the kernel thread may be taking these SQEs right now: they are not ours to take back
        }
        takeBack((int) INT.getAcquire(sqRing, sqHeadOff), rc);
    }

    @Override
    public int cancelUnsubmitted() {
        // Without SQPOLL the kernel reads SQEs only inside this thread's io_uring_enter, so every
        // SQE past the SQ head is still ours. With SQPOLL a published SQE may be taken by the
        // kernel thread at any moment (unsubmitted() counts it as submitted): only the SQEs not
        // yet published are.
        return takeBack(sqPoll ? publishedTail : (int) INT.getAcquire(sqRing, sqHeadOff), -Errno.ECANCELED);
    }

    /**
     * Takes the SQEs from {@code from} to the tail back out of the ring (the kernel has not read
     * them and never will) and turns each request into a completion with {@code rc} for the next
     * reap. Returns how many requests (the wakeup READ aside) were taken back.
     */
    private int takeBack(int from, long rc) {
        int n = 0;
        for (int i = from; i != sqeTail; i++) {
            long sqe = UringAbi.IO_URING_SQE.byteSize() * (i & sqMask);
            long data = sqes.get(JAVA_LONG, sqe + UringAbi.SQE_USER_DATA);
            if (data == WAKEUP_DATA) {
                wakeupArmed = false;
            } else if (data == CLOSE_CANCEL_DATA) {
                // A cancel(), which takes no slot: it goes too, and its target, if submitted, runs
                // to its end (its completion still comes, as for a cancel that came too late).
                cancelsInFlight--;
            } else if (data >= 0) {
                refused.add((int) data, rc);
                n++;
            }
        }
        sqeTail = from;
        if (!sqPoll) {
            publishTail(); // with SQPOLL the kernel's tail is publishedTail, which is from, already
        }
        return n;
    }

    private boolean taskWorkPending() {
        int f = (int) INT.getOpaque(sqRing, sqFlagsOff);
        return (f & (UringAbi.IORING_SQ_TASKRUN | UringAbi.IORING_SQ_CQ_OVERFLOW)) != 0;
    }

    @Override
    public int reap(int minComplete, int maxComplete, long timeoutNanos, CompletionSink sink) {
        ensureEnabled();
        int delivered = deliverRefused(maxComplete, sink);
        delivered += reapCq(maxComplete - delivered, sink);
        if (delivered < maxComplete && delivered < Math.max(1, minComplete) && taskWorkPending()
                && (minComplete == 0 || timeoutNanos == 0)) {
            // Completions wait as deferred task work (or in an overflow list) until we enter the
            // kernel. A caller about to wait enters anyway, and that enter runs the work too.
            enter(0, -1);
            delivered += reapCq(maxComplete - delivered, sink);
        }
        if (delivered >= minComplete || delivered >= maxComplete || timeoutNanos == 0) {
            return delivered;
        }
        armWakeup();
        final long deadline = timeoutNanos < 0 ? 0 : System.nanoTime() + timeoutNanos;
        while (delivered < minComplete) {
            if (woken) {
                woken = false;
                break; // wakeup() asked the caller back
            }
            long remaining = timeoutNanos < 0 ? -1 : deadline - System.nanoTime();
            if (timeoutNanos >= 0 && remaining <= 0) {
                break;
            }
            if (slots.inUse() == 0 && eventFd < 0) {
                break; // nothing can complete
            }
            enterFailure = 0;
            enter(1, remaining);
            delivered += deliverRefused(maxComplete - delivered, sink); // what that enter could not submit
            delivered += reapCq(maxComplete - delivered, sink);
            if (enterFailure != 0 && delivered < minComplete) {
                // The kernel refuses to wait (EEXIST: the ring is bound to another OS thread), so
                // nothing would ever come: fail instead of spinning.
                throw new IllegalStateException("io_uring_enter(GETEVENTS) failed: " + Errno.describe((int) -enterFailure)
                        + (enterFailure == -Errno.EEXIST ? "; the ring is bound (IORING_SETUP_SINGLE_ISSUER) to another"
                                + " thread than " + Thread.currentThread() : "")
                        + "; " + slots.inUse() + " requests still in flight");
            }
        }
        return delivered;
    }

    private int deliverRefused(int max, CompletionSink sink) {
        int n = 0;
        while (refused.size() > 0 && n < max) {
            int slot = refused.firstSlot();
            long res = refused.firstResult();
            refused.removeFirst();
            n++;
            deliver(slot, res, sink);
        }
        return n;
    }

    private int reapCq(int max, CompletionSink sink) {
        int tail = (int) INT.getAcquire(cqRing, cqTailOff);
        int n = 0;
        while (cqHead != tail && n < max) {
            long cqe = cqesOff + UringAbi.IO_URING_CQE.byteSize() * (cqHead & cqMask);
            long data = cqRing.get(JAVA_LONG, cqe + UringAbi.CQE_USER_DATA);
            int res = cqRing.get(JAVA_INT, cqe + UringAbi.CQE_RES);
            cqHead++;
            INT.setRelease(cqRing, cqHeadOff, cqHead);
            if (data == WAKEUP_DATA) {
                wakeupArmed = false;
                woken = true;
                continue;
            }
            if (data == CLOSE_CANCEL_DATA) {
                cancelsInFlight--;
                continue; // a cancel's own answer: its target reports what happened
            }
            n++;
            deliver((int) data, res, sink);
        }
        return n;
    }

    private void deliver(int slot, long res, CompletionSink sink) {
        long data = userData[slot];
        inUse[slot] = false;
        slots.release(slot);
        sink.complete(data, res);
    }

    @Override
    public void wakeup() {
        if (wakeup != null) {
            wakeup.signal();
        }
    }

    @Override
    public boolean supportsWakeup() {
        return eventFd >= 0;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (enabled) {
            // Take back what never reached the kernel, cancel what may never end by itself (polls,
            // timeouts, the wakeup READ), and wait until every CQE is in: only then may the rings be
            // unmapped and caller buffers be released. Reads and writes are waited for, not cancelled.
            cancelUnsubmitted();
            CompletionSink discard = (d, r) -> { };
            deliverRefused(Integer.MAX_VALUE, discard); // frees their slots: the kernel never had them
            if (sqPoll) {
                // SQEs already published may be taken by the kernel thread at any moment: let it
                // take them all, then they are waited for like any submitted request.
                while ((int) INT.getAcquire(sqRing, sqHeadOff) != (int) INT.getAcquire(sqRing, sqTailOff)) {
                    enter(0, -1);
                    Thread.onSpinWait();
                }
            }
            for (int slot = 0; slot < capacity; slot++) {
                if (inUse[slot] && lingering[slot]) {
                    cancelForClose(slot);
                }
            }
            if (wakeupArmed) {
                cancelForClose(WAKEUP_DATA);
            }
            while (slots.inUse() > 0 || wakeupArmed) {
                enterFailure = 0;
                enter(1, -1);
                reapForClose(discard);
                if (enterFailure != 0 && (slots.inUse() > 0 || wakeupArmed)) {
                    // This thread may not wait (EEXIST: bound to another); requests may still write
                    // into their buffers, so the rings and the descriptor are left to them (leaked)
                    // rather than freed under the kernel.
                    throw new IllegalStateException("io_uring close cannot wait for " + slots.inUse()
                            + " requests: io_uring_enter failed with " + Errno.describe((int) -enterFailure)
                            + " on " + Thread.currentThread() + "; the ring is leaked");
                }
            }
        }
        unmapAndClose();
    }

    /** Queues an ASYNC_CANCEL of the request whose SQE carried {@code targetUserData}. */
    private void cancelForClose(long targetUserData) {
        long sqe = nextSqe(UringAbi.IORING_OP_ASYNC_CANCEL, -1, CLOSE_CANCEL_DATA);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_ADDR, targetUserData);
    }

    /** Reaps everything, including the wakeup READ and the close's own cancel requests. */
    private void reapForClose(CompletionSink sink) {
        int tail = (int) INT.getAcquire(cqRing, cqTailOff);
        while (cqHead != tail) {
            long cqe = cqesOff + UringAbi.IO_URING_CQE.byteSize() * (cqHead & cqMask);
            long data = cqRing.get(JAVA_LONG, cqe + UringAbi.CQE_USER_DATA);
            cqHead++;
            INT.setRelease(cqRing, cqHeadOff, cqHead);
            if (data == WAKEUP_DATA) {
                wakeupArmed = false;
            } else if (data >= 0 && data < capacity && inUse[(int) data]) {
                deliver((int) data, 0, sink);
            }
            tail = (int) INT.getAcquire(cqRing, cqTailOff);
        }
    }

    private void unmapAndClose() {
        if (sqes != null) {
            Mman.munmap(sqes.address(), sqesSize);
        }
        if (cqRing != null && cqRing != sqRing) {
            Mman.munmap(cqRing.address(), cqRingSize);
        }
        if (sqRing != null) {
            Mman.munmap(sqRing.address(), sqRingSize);
        }
        Libc.close(ringFd);
        if (wakeup != null) {
            wakeup.close();
        }
        arena.close();
    }
}
