package dev.jaio.internal.uring;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.FixedResources;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.ProvidedBuffers;
import dev.jaio.internal.engine.SocketOps;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.engine.RequestChaining;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Timespec;
import dev.jaio.internal.linux.UringAbi;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An {@link IoQueue} over one io_uring instance ({@link RingBuffer}), plus the operations only
 * io_uring has that jaio uses (fixed buffers and files, cancellation, timeouts, links).
 *
 * <h2>Rings and ordering</h2>
 * The {@link SubmissionQueue} writes SQEs and publishes them with a release store of the SQ tail;
 * the {@link CompletionQueue} reads CQEs below a tail loaded with acquire and hands them back with a
 * release store of the CQ head. Both say which loads and stores are ordered how. What a
 * {@code user_data} means is {@link UserData}'s alone.
 *
 * <h2>Requests and slots</h2>
 * Every request occupies a slot of the {@link RequestTable} until its CQE is reaped; the CQE's
 * user_data is the slot number, and the caller's user data lives in the table. The SQ has at
 * least {@code capacity} entries and the CQ twice that, so a prepare never finds the SQ full and
 * the CQ cannot overflow while at most {@code capacity} requests are outstanding (an overflow is
 * still flushed if the kernel reports one).
 *
 * <h2>Threads</h2>
 * Which OS threads may drive the ring (IORING_SETUP_SINGLE_ISSUER, or none bound) is chosen at
 * setup and enforced by the kernel: see {@link RingBuffer}. Every call of this class but
 * {@link #wakeup()} comes from the queue's owner, one thread at a time.
 *
 * <h2>Wakeup</h2>
 * With {@link QueueOptions#wakeup()}, an 8-byte READ of an eventfd is kept armed in the ring;
 * {@link #wakeup()} writes the eventfd, that READ completes, and a blocked io_uring_enter returns.
 */
public final class UringQueue implements IoQueue, FixedResources, RequestChaining, SocketOps {

    private final int capacity;
    /** The instance; package-private so that tests can read the setup flags and features the kernel chose. */
    final RingBuffer ring;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    /** A kernel thread takes SQEs from the ring: submission is a tail store, plus a wakeup when it sleeps. */
    private final boolean sqPoll;
    private final RequestTable requests;
    /** The queue's native memory: per-slot timespecs, the wakeup buffer, the ring's syscall arguments. */
    private final Arena arena;
    /** Per-slot timespec for TIMEOUT and LINK_TIMEOUT, which the kernel reads at submission. */
    private final MemorySegment timespecs;
    /** IOSQE_* flags for the next SQE written only (liburing's io_uring_sqe_set_flags). */
    private int nextSqeFlags;
    /** {@link #cancel(long)} requests whose CQE has not been reaped; at most {@link #capacity}, so the CQ never overflows. */
    private int cancelsInFlight;

    /** Null without wakeup support. */
    private final WakeupRead wakeup;

    private boolean closed;
    /** -errno of the last io_uring_enter that failed as a whole (not EINTR, ETIME, EAGAIN, EBUSY); 0 if none. */
    private long enterFailure;

    UringQueue(QueueOptions options, boolean singleIssuer) throws IOException {
        this.capacity = options.capacity();
        boolean withWakeup = options.wakeup();
        this.requests = new RequestTable(capacity);
        this.arena = Arena.ofShared();
        try {
            this.timespecs = arena.allocate(Timespec.KERNEL_TIMESPEC.byteSize() * capacity, 8);
            this.ring = RingBuffer.open(capacity, withWakeup, singleIssuer, options.sqPollIdleMillis(), arena);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        this.sq = ring.sq;
        this.cq = ring.cq;
        this.sqPoll = (ring.setupFlags & UringAbi.IORING_SETUP_SQPOLL) != 0;
        try {
            this.wakeup = withWakeup ? new WakeupRead(arena) : null;
        } catch (IOException | RuntimeException | Error e) {
            ring.close();
            arena.close();
            throw e;
        }
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
        return requests.outstanding();
    }

    @Override
    public int unsubmitted() {
        return sq.tail() - sq.firstUnread();
    }

    // ---- preparing requests ----

    @Override
    public boolean prepareRead(int fd, MemorySegment buffer, long offset, int rwFlags, long data) {
        return prepare(UringAbi.IORING_OP_READ, fd, offset, buffer.address(), (int) buffer.byteSize(), rwFlags, 0, false,
                data);
    }

    @Override
    public boolean prepareWrite(int fd, MemorySegment buffer, long offset, int rwFlags, long data) {
        return prepare(UringAbi.IORING_OP_WRITE, fd, offset, buffer.address(), (int) buffer.byteSize(), rwFlags, 0, false,
                data);
    }

    @Override
    public boolean prepareReadv(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags, long data) {
        return prepare(UringAbi.IORING_OP_READV, fd, offset, iovecs.address(), iovCount, rwFlags, 0, false, data);
    }

    @Override
    public boolean prepareWritev(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags, long data) {
        return prepare(UringAbi.IORING_OP_WRITEV, fd, offset, iovecs.address(), iovCount, rwFlags, 0, false, data);
    }

    @Override
    public boolean prepareFsync(int fd, boolean dataOnly, long data) {
        return prepare(UringAbi.IORING_OP_FSYNC, fd, 0, 0, 0, dataOnly ? UringAbi.IORING_FSYNC_DATASYNC : 0, 0, false,
                data);
    }

    @Override
    public boolean preparePoll(int fd, int pollEvents, long data) {
        return prepare(UringAbi.IORING_OP_POLL_ADD, fd, 0, 0, 0, pollEvents & 0xffff, 0, true, data);
    }

    // ---- socket requests (SocketOps): io_uring runs them without a thread, armed on the socket's wait queue ----

    @Override
    public boolean prepareRecv(int fd, MemorySegment buffer, int msgFlags, long data) {
        return prepare(UringAbi.IORING_OP_RECV, fd, 0, buffer.address(), (int) buffer.byteSize(), msgFlags, 0, true, data);
    }

    @Override
    public boolean prepareSend(int fd, MemorySegment buffer, int msgFlags, long data) {
        return prepare(UringAbi.IORING_OP_SEND, fd, 0, buffer.address(), (int) buffer.byteSize(), msgFlags, 0, true, data);
    }

    /** SENDMSG: addr the msghdr, len 1 (as liburing's io_uring_prep_sendmsg), msg_flags in the op flags. */
    @Override
    public boolean prepareSendmsg(int fd, MemorySegment msghdr, int msgFlags, long data) {
        return prepare(UringAbi.IORING_OP_SENDMSG, fd, 0, msghdr.address(), 1, msgFlags, 0, true, data);
    }

    /** SEND_ZC, with {@code reportUsage} asking the notification to report a copy (IORING_SEND_ZC_REPORT_USAGE in ioprio). */
    @Override
    public boolean prepareSendZc(int fd, MemorySegment buffer, int msgFlags, boolean reportUsage, long data) {
        if (!prepare(UringAbi.IORING_OP_SEND_ZC, fd, 0, buffer.address(), (int) buffer.byteSize(), msgFlags, 0, true,
                data)) {
            return false;
        }
        if (reportUsage) {
            sq.setLastShort(UringAbi.SQE_IOPRIO, (short) UringAbi.IORING_SEND_ZC_REPORT_USAGE);
        }
        return true;
    }

    /** ACCEPT without the peer's address (addr and addr2, the addrlen pointer, are 0). */
    @Override
    public boolean prepareAccept(int fd, int acceptFlags, long data) {
        return prepare(UringAbi.IORING_OP_ACCEPT, fd, 0, 0, 0, acceptFlags, 0, true, data);
    }

    /**
     * SPLICE: fd is the output, off its offset (-1 for a pipe or socket), splice_off_in (addr) the
     * input's offset (-1 for a pipe), splice_fd_in the input; the kernel runs it in an io-wq worker
     * when it would block (a file read from the disk, a full socket).
     */
    @Override
    public boolean prepareSplice(int fdIn, long offIn, int fdOut, long offOut, int len, long data) {
        if (!prepare(UringAbi.IORING_OP_SPLICE, fdOut, offOut, offIn, len, 0, 0, true, data)) {
            return false;
        }
        sq.setLastInt(UringAbi.SQE_SPLICE_FD_IN, fdIn);
        return true;
    }

    /** ACCEPT with IORING_ACCEPT_MULTISHOT in ioprio: one SQE, a CQE per connection. */
    @Override
    public boolean prepareAcceptMultishot(int fd, int acceptFlags, long data) {
        if (!prepare(UringAbi.IORING_OP_ACCEPT, fd, 0, 0, 0, acceptFlags, 0, true, data)) {
            return false;
        }
        sq.setLastShort(UringAbi.SQE_IOPRIO, (short) UringAbi.IORING_ACCEPT_MULTISHOT);
        return true;
    }

    /** RECV with IORING_RECV_MULTISHOT in ioprio, IOSQE_BUFFER_SELECT and buf_group: len 0 (a buffer's size). */
    @Override
    public boolean prepareRecvMultishot(int fd, int group, int msgFlags, long data) {
        if (!prepareSelecting(UringAbi.IORING_OP_RECV, fd, 0, group, msgFlags, data)) {
            return false;
        }
        sq.setLastShort(UringAbi.SQE_IOPRIO, (short) UringAbi.IORING_RECV_MULTISHOT);
        return true;
    }

    /** RECV with IOSQE_BUFFER_SELECT and buf_group, once: len 0 (a buffer's size). */
    @Override
    public boolean prepareRecvSelect(int fd, int group, int msgFlags, long data) {
        return prepareSelecting(UringAbi.IORING_OP_RECV, fd, 0, group, msgFlags, data);
    }

    /** READ at offset -1 (the stream's position) with IOSQE_BUFFER_SELECT: len 0 reads up to a buffer's size. */
    @Override
    public boolean prepareReadSelect(int fd, int group, long data) {
        return prepareSelecting(UringAbi.IORING_OP_READ, fd, -1, group, 0, data);
    }

    /** A request that picks its buffer from {@code group}; the flag is taken back when no slot was free. */
    private boolean prepareSelecting(int opcode, int fd, long off, int group, int opFlags, long data) {
        nextSqeFlags |= UringAbi.IOSQE_BUFFER_SELECT;
        if (!prepare(opcode, fd, off, 0, 0, opFlags, group, true, data)) {
            nextSqeFlags &= ~UringAbi.IOSQE_BUFFER_SELECT;
            return false;
        }
        return true;
    }

    @Override
    public ProvidedBuffers provideBuffers(int group, int count, int size) throws IOException {
        ring.enable();
        return ProvidedBufferRing.register(ring.fd, group, count, size, arena);
    }

    /** CONNECT: addr is the sockaddr, off its length (a value, not a pointer). */
    @Override
    public boolean prepareConnect(int fd, MemorySegment address, int addrLen, long data) {
        return prepare(UringAbi.IORING_OP_CONNECT, fd, addrLen, address.address(), 0, 0, 0, true, data);
    }

    @Override
    public boolean prepareReadFixed(int fd, MemorySegment buffer, long offset, int bufIndex, int rwFlags, long data) {
        return prepare(UringAbi.IORING_OP_READ_FIXED, fd, offset, buffer.address(), (int) buffer.byteSize(), rwFlags,
                bufIndex, false, data);
    }

    @Override
    public boolean prepareWriteFixed(int fd, MemorySegment buffer, long offset, int bufIndex, int rwFlags, long data) {
        return prepare(UringAbi.IORING_OP_WRITE_FIXED, fd, offset, buffer.address(), (int) buffer.byteSize(), rwFlags,
                bufIndex, false, data);
    }

    /**
     * Claims a slot for {@code data} and writes its SQE with these fields (see
     * {@link SubmissionQueue#enqueue}); false when every slot is taken. Every request but
     * timeouts and cancels is prepared here.
     *
     * @param lingers a request that may never complete by itself (a poll), which close cancels
     */
    boolean prepare(int opcode, int fd, long off, long addr, int len, int opFlags, int bufIndex, boolean lingers,
            long data) {
        int slot = claim(data, lingers);
        if (slot < 0) {
            return false;
        }
        sq.enqueue(opcode, takeSqeFlags(), fd, off, addr, len, opFlags, bufIndex, UserData.ofSlot(slot));
        return true;
    }

    /**
     * ASYNC_CANCEL of the outstanding request prepared with user data {@code target}: it completes
     * with -ECANCELED if it could be stopped; this request with 0, -ENOENT, or -EALREADY (running).
     */
    @Override
    public boolean prepareCancel(long target, long data) {
        return prepareByTarget(UringAbi.IORING_OP_ASYNC_CANCEL, target, data);
    }

    /**
     * A request of {@code opcode} (ASYNC_CANCEL, POLL_REMOVE) aimed at the outstanding request
     * prepared with user data {@code target}; with no such request, at {@link UserData#NONE}, so
     * the kernel answers -ENOENT as for one that already completed.
     */
    boolean prepareByTarget(int opcode, long target, long data) {
        int targetSlot = requests.slotOf(target); // before claiming: the new request may carry the same data
        int slot = claim(data, false);
        if (slot < 0) {
            return false;
        }
        sq.enqueue(opcode, takeSqeFlags(), -1, 0, UserData.target(targetSlot), 0, 0, 0, UserData.ofSlot(slot));
        return true;
    }

    /**
     * TIMEOUT: completes with -ETIME after {@code nanos}, or with 0 once {@code count} other
     * completions were posted first (count 0: time only).
     */
    @Override
    public boolean prepareTimeout(long nanos, int count, long data) {
        return prepareTimed(UringAbi.IORING_OP_TIMEOUT, count, nanos, true, data);
    }

    /**
     * LINK_TIMEOUT for the request prepared just before it, which must have been prepared after
     * {@link #linkNext()}: if that request is still running after {@code nanos}, it is cancelled
     * (-ECANCELED) and this completes with -ETIME; otherwise this completes with -ECANCELED.
     */
    @Override
    public boolean prepareLinkTimeout(long nanos, long data) {
        return prepareTimed(UringAbi.IORING_OP_LINK_TIMEOUT, 0, nanos, false, data);
    }

    /** A TIMEOUT or LINK_TIMEOUT: its timespec is the slot's, which the kernel reads at submission. */
    private boolean prepareTimed(int opcode, long off, long nanos, boolean lingers, long data) {
        int slot = claim(data, lingers);
        if (slot < 0) {
            return false;
        }
        long timespec = Timespec.set(timespecs, slot, nanos);
        sq.enqueue(opcode, takeSqeFlags(), -1, off, timespec, 1, 0, 0, UserData.ofSlot(slot));
        return true;
    }

    @Override
    public void linkNext() {
        nextSqeFlags |= UringAbi.IOSQE_IO_LINK;
    }

    @Override
    public void nextUsesFixedFile() {
        nextSqeFlags |= UringAbi.IOSQE_FIXED_FILE;
    }

    /** A free slot for {@code data}, or -1; {@code lingers}: a poll or timeout, which close must cancel. */
    private int claim(long data, boolean lingers) {
        ring.enable();
        return requests.claim(data, lingers);
    }

    /**
     * The IOSQE_* flags for the SQE about to be written, which apply to it alone: whichever SQE is
     * written next takes them, the wakeup READ and close's cancels too.
     */
    private int takeSqeFlags() {
        int flags = nextSqeFlags;
        nextSqeFlags = 0;
        return flags;
    }

    /**
     * ASYNC_CANCEL of the outstanding request prepared with {@code data}, for a caller who does not
     * wait for the cancel's own answer (its CQE is dropped). It takes no slot: the SQ has room for
     * it while fewer than all its entries are pending, and the CQ (twice the SQ) for as many
     * cancels in flight as slots. Without room it does nothing, as a cancel that came too late.
     */
    @Override
    public boolean canCancelNow() {
        ring.enable();
        return cancelsInFlight < capacity && sq.tail() - sq.getHeadAcquire() < sq.entries();
    }

    @Override
    public void cancel(long data) {
        int target = requests.slotOf(data);
        if (target < 0 || cancelsInFlight >= capacity) {
            return;
        }
        ring.enable();
        if (sq.tail() - sq.getHeadAcquire() >= sq.entries()) {
            return;
        }
        // No IOSQE flags: those pending are meant for the caller's next request, not for this cancel.
        sq.enqueue(UringAbi.IORING_OP_ASYNC_CANCEL, 0, -1, 0, UserData.ofSlot(target), 0, 0, 0, UserData.CANCEL);
        cancelsInFlight++;
    }

    // ---- registered buffers and files ----

    /**
     * Registers buffers for READ_FIXED / WRITE_FIXED (pinned, charged to RLIMIT_MEMLOCK). The
     * caller keeps them alive until {@link #unregisterBuffers()} or close.
     *
     * @return 0, or -errno (ENOMEM: memlock limit; EBUSY: already registered)
     */
    @Override
    public long registerBuffers(MemorySegment... buffers) {
        ring.enable();
        return ring.registerBuffers(buffers);
    }

    @Override
    public long unregisterBuffers() {
        ring.enable();
        return ring.register(UringAbi.IORING_UNREGISTER_BUFFERS);
    }

    @Override
    public long registerFiles(int... fds) {
        ring.enable();
        return ring.registerFiles(fds);
    }

    @Override
    public long unregisterFiles() {
        ring.enable();
        return ring.register(UringAbi.IORING_UNREGISTER_FILES);
    }

    // ---- submission ----

    private void armWakeup() {
        if (wakeup != null && !wakeup.armed()) {
            wakeup.arm(sq, takeSqeFlags());
        }
    }

    private boolean wakeupArmed() {
        return wakeup != null && wakeup.armed();
    }

    @Override
    public int submit() {
        ring.enable();
        armWakeup();
        if (sqPoll) {
            // Published SQEs were counted by the call that published them, whether or not the
            // kernel thread has taken them yet.
            int unpublished = sq.tail() - sq.publishedTail();
            if (unpublished == 0) {
                return 0;
            }
            sq.setTailRelease();
            if (sq.needsWakeup()) {
                enter(0, -1);
            }
            return unpublished;
        }
        if (sq.tail() == sq.getHeadAcquire()) {
            return 0;
        }
        return enter(0, -1);
    }

    /**
     * io_uring_enter through {@link SubmissionQueue#enter}; returns how many SQEs the kernel
     * consumed. When it failed as a whole (say EEXIST from a thread other than the single issuer),
     * nothing pending reached the kernel: the SQ tail is taken back, those requests fail with the
     * error, and {@link #enterFailure} records it. With SQPOLL the kernel thread may be taking them
     * right now: they are not ours to take back.
     */
    private int enter(int minComplete, long timeoutNanos) {
        long rc = sq.enter(minComplete, timeoutNanos);
        if (rc >= 0) {
            return (int) rc;
        }
        if (rc == -Errno.EINTR || rc == -Errno.ETIME || rc == -Errno.EAGAIN || rc == -Errno.EBUSY) {
            return 0; // interrupted, timed out, or back-pressure: the SQEs stay queued
        }
        if (!sqPoll) {
            takeBack(sq.getHeadAcquire(), rc);
        }
        enterFailure = rc;
        return 0;
    }

    @Override
    public int cancelUnsubmitted() {
        return takeBack(sq.firstUnread(), -Errno.ECANCELED);
    }

    /**
     * Takes the SQEs from {@code from} to the tail back out of the ring (the kernel has not read
     * them and never will) and turns each request into a completion with {@code rc} for the next
     * reap. Returns how many requests (the wakeup READ aside) were taken back.
     */
    private int takeBack(int from, long rc) {
        int n = 0;
        for (int i = from; i != sq.tail(); i++) {
            long data = sq.userDataAt(i);
            if (data == UserData.WAKEUP) {
                wakeup.disarmed();
            } else if (data == UserData.CANCEL) {
                // A cancel(), which takes no slot: it goes too, and its target, if submitted, runs
                // to its end (its completion still comes, as for a cancel that came too late).
                cancelsInFlight--;
            } else if (UserData.isSlot(data)) {
                requests.refuse(UserData.slot(data), rc);
                n++;
            }
        }
        sq.rewindTail(from);
        if (!sqPoll) {
            sq.setTailRelease(); // with SQPOLL the kernel's tail is the published one, which is from, already
        }
        return n;
    }

    // ---- completion ----

    @Override
    public int reap(int minComplete, int maxComplete, long timeoutNanos, CompletionSink sink) {
        ring.enable();
        int delivered = requests.deliverRefused(maxComplete, sink);
        delivered += reapCq(maxComplete - delivered, sink);
        if (delivered < maxComplete && delivered < Math.max(1, minComplete) && sq.taskWorkPending()
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
            if (wakeup != null && wakeup.takeWoken()) {
                break; // wakeup() asked the caller back
            }
            long remaining = timeoutNanos < 0 ? -1 : deadline - System.nanoTime();
            if (timeoutNanos >= 0 && remaining <= 0) {
                break;
            }
            if (requests.outstanding() == 0 && wakeup == null) {
                break; // nothing can complete
            }
            enterFailure = 0;
            enter(1, remaining);
            delivered += requests.deliverRefused(maxComplete - delivered, sink); // what that enter could not submit
            delivered += reapCq(maxComplete - delivered, sink);
            if (enterFailure != 0 && delivered < minComplete) {
                // The kernel refuses to wait (EEXIST: the ring is bound to another OS thread), so
                // nothing would ever come: fail instead of spinning.
                throw new IllegalStateException("io_uring_enter(GETEVENTS) failed: " + Errno.describe((int) -enterFailure)
                        + (enterFailure == -Errno.EEXIST ? "; the ring is bound (IORING_SETUP_SINGLE_ISSUER) to another"
                                + " thread than " + Thread.currentThread() : "")
                        + "; " + requests.outstanding() + " requests still in flight");
            }
        }
        return delivered;
    }

    private int reapCq(int max, CompletionSink sink) {
        int tail = cq.getTailAcquire();
        int n = 0;
        while (cq.head() != tail && n < max) {
            long data = cq.headUserData();
            int flags = cq.headFlags();
            // A request that picked a provided buffer names it in the flags' upper half: reported in the result.
            long res = (flags & UringAbi.IORING_CQE_F_BUFFER) == 0 ? cq.headRes()
                    : SocketOps.withBuffer(cq.headRes(), flags >>> UringAbi.IORING_CQE_BUFFER_SHIFT);
            cq.advanceHeadRelease();
            if ((flags & UringAbi.IORING_CQE_F_MORE) != 0 && data != UserData.WAKEUP && data != UserData.CANCEL) {
                n++;
                requests.deliverMore(UserData.slot(data), res, sink); // the request stays outstanding
                continue;
            }
            if (data == UserData.WAKEUP) {
                wakeup.completed();
                continue;
            }
            if (data == UserData.CANCEL) {
                cancelsInFlight--;
                continue; // a cancel's own answer: its target reports what happened
            }
            n++;
            requests.deliver(UserData.slot(data), res, sink);
        }
        return n;
    }

    @Override
    public void wakeup() {
        if (wakeup != null) {
            wakeup.signal();
        }
    }

    @Override
    public boolean supportsWakeup() {
        return wakeup != null;
    }

    // ---- close ----

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ring.enabled()) {
            // Take back what never reached the kernel, cancel what may never end by itself (polls,
            // timeouts, the wakeup READ), and wait until every CQE is in: only then may the rings be
            // unmapped and caller buffers be released. Reads and writes are waited for, not cancelled.
            cancelUnsubmitted();
            CompletionSink discard = (d, r) -> { };
            requests.deliverRefused(Integer.MAX_VALUE, discard); // frees their slots: the kernel never had them
            if (sqPoll) {
                // SQEs already published may be taken by the kernel thread at any moment: let it
                // take them all, then they are waited for like any submitted request.
                while (sq.getHeadAcquire() != sq.getTailAcquire()) {
                    enter(0, -1);
                    Thread.onSpinWait();
                }
            }
            for (int slot = 0; slot < capacity; slot++) {
                if (requests.lingering(slot)) {
                    cancelForClose(UserData.ofSlot(slot));
                }
            }
            if (wakeupArmed()) {
                cancelForClose(UserData.WAKEUP);
            }
            while (requests.outstanding() > 0 || wakeupArmed()) {
                enterFailure = 0;
                enter(1, -1);
                reapForClose(discard);
                if (enterFailure != 0 && (requests.outstanding() > 0 || wakeupArmed())) {
                    // This thread may not wait (EEXIST: bound to another); requests may still write
                    // into their buffers, so the rings and the descriptor are left to them (leaked)
                    // rather than freed under the kernel.
                    throw new IllegalStateException("io_uring close cannot wait for " + requests.outstanding()
                            + " requests: io_uring_enter failed with " + Errno.describe((int) -enterFailure)
                            + " on " + Thread.currentThread() + "; the ring is leaked");
                }
            }
        }
        ring.close();
        if (wakeup != null) {
            wakeup.close();
        }
        arena.close();
    }

    /** Queues an ASYNC_CANCEL of the request whose SQE carried {@code targetUserData}. */
    private void cancelForClose(long targetUserData) {
        sq.enqueue(UringAbi.IORING_OP_ASYNC_CANCEL, takeSqeFlags(), -1, 0, targetUserData, 0, 0, 0, UserData.CANCEL);
    }

    /** Reaps everything, including the wakeup READ and the close's own cancel requests. */
    private void reapForClose(CompletionSink sink) {
        int tail = cq.getTailAcquire();
        while (cq.head() != tail) {
            long data = cq.headUserData();
            cq.advanceHeadRelease();
            if (data == UserData.WAKEUP) {
                wakeup.disarmed();
            } else if (UserData.isSlot(data) && data < capacity && requests.inUse(UserData.slot(data))) {
                requests.deliver(UserData.slot(data), 0, sink);
            }
            tail = cq.getTailAcquire();
        }
    }
}
