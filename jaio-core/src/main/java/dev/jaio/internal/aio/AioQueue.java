package dev.jaio.internal.aio;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.EventFdWakeup;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.engine.RefusedRequests;
import dev.jaio.internal.engine.Slots;
import dev.jaio.internal.linux.AioAbi;
import dev.jaio.internal.linux.AioCalls;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.EventFd;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Poll;
import dev.jaio.internal.linux.Timespec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * An {@link IoQueue} over one native kernel AIO context (io_setup / io_submit / io_getevents).
 *
 * <p>Request state lives in preallocated native and Java arrays indexed by a slot number; the slot
 * is the iocb's {@code aio_data}, so preparing, submitting and reaping allocate nothing.
 *
 * <p>Completions are taken from the context's user-mapped ring without a syscall when its header is
 * the one this code understands (magic, no incompatible features, 32-byte header); otherwise, and
 * whenever there is nothing in the ring and the caller must wait, io_getevents is used. Both paths
 * run only on the owner thread, so the ring never has two consumers.
 *
 * <p>With {@link QueueOptions#wakeup()} every iocb carries IOCB_FLAG_RESFD for one eventfd, and a
 * blocking reap waits on that eventfd instead of in io_getevents, so that {@link #wakeup()} (a write
 * to the same eventfd) can end the wait.
 */
final class AioQueue implements IoQueue {

    /** (MemorySegment, long offset) view of a ring int, for acquire/release access to head and tail. */
    private static final VarHandle RING_INT = JAVA_INT.varHandle();

    private static final long IOCB_SIZE = AioAbi.IOCB.byteSize();
    private static final long EVENT_SIZE = AioAbi.IO_EVENT.byteSize();

    private final Arena arena = Arena.ofShared();
    private final int capacity;
    private final long ctx;
    /**
     * The user-mapped completion ring, or null when its header is not one we can safely consume;
     * package-private so that tests can tell which way completions are reaped.
     */
    final MemorySegment ring;
    private final int ringEntries;
    private final MemorySegment iocbs;
    private final long iocbsAddress;
    /** iocb pointers of prepared, unsubmitted requests, in preparation order, always starting at 0. */
    private final MemorySegment pending;
    private int pendingCount;
    private final MemorySegment events;
    private final MemorySegment timespec;
    private final long[] userData;
    /** Slots holding a POLL, the one command fs/aio.c can cancel; close cancels them. */
    private final boolean[] polling;
    /** Slots holding an outstanding request (prepared and not yet delivered), for {@link #cancel(long)}. */
    private final boolean[] live;
    /**
     * The polls of the events one reap took, delivered after its other events: a request's
     * completion comes before the readiness reaped with it. A socket write to a peer on the same
     * loop wakes the peer's POLL, which aio_poll_wake completes at once, inside the write (fs/aio.c),
     * so the kernel posts the poll's event before the write's own; delivered in ring order, the
     * peer's answer could reach the loop before the completion of the write it answers.
     */
    private final int[] pollsLastSlot;
    private final long[] pollsLastResult;
    private final Slots slots;
    /** Requests the kernel refused at io_submit; delivered by the next reap. */
    private final RefusedRequests refused;
    private int outstanding;

    /** Null without wakeup support. */
    private final EventFdWakeup wakeup;
    private final int eventFd;
    private final MemorySegment eventFdCounter;
    private final MemorySegment pollFd;
    private boolean closed;

    AioQueue(QueueOptions options) throws IOException {
        this.capacity = options.capacity();
        try {
            MemorySegment ctxp = arena.allocate(JAVA_LONG);
            long rc = AioCalls.ioSetup(capacity, ctxp);
            if (rc < 0) {
                throw new IOException(setupFailure(rc, capacity));
            }
            this.ctx = ctxp.get(JAVA_LONG, 0);
            this.ring = mapRing(ctx);
            this.ringEntries = ring == null ? 0 : ring.get(JAVA_INT, AioAbi.AIO_RING_NR);
            this.iocbs = arena.allocate(IOCB_SIZE * capacity, 64);
            this.iocbsAddress = iocbs.address();
            this.pending = arena.allocate(8L * capacity, 8);
            this.events = arena.allocate(EVENT_SIZE * capacity, 8);
            this.timespec = arena.allocate(Timespec.KERNEL_TIMESPEC);
            this.userData = new long[capacity];
            this.polling = new boolean[capacity];
            this.live = new boolean[capacity];
            this.pollsLastSlot = new int[capacity];
            this.pollsLastResult = new long[capacity];
            this.slots = new Slots(capacity);
            this.refused = new RefusedRequests(capacity);
            this.eventFdCounter = arena.allocate(JAVA_LONG);
            this.pollFd = arena.allocate(Poll.POLLFD);
            if (options.wakeup()) {
                try {
                    this.wakeup = EventFdWakeup.open(EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
                } catch (IOException e) {
                    AioCalls.ioDestroy(ctx);
                    throw e;
                }
                this.eventFd = wakeup.fd();
                pollFd.set(JAVA_INT, Poll.POLLFD_FD, eventFd);
                pollFd.set(JAVA_SHORT, Poll.POLLFD_EVENTS, Poll.POLLIN);
            } else {
                this.wakeup = null;
                this.eventFd = -1;
            }
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static String setupFailure(long rc, int capacity) {
        int errno = (int) -rc;
        String msg = "io_setup(" + capacity + ") failed: " + Errno.describe(errno);
        if (errno == Errno.EAGAIN) {
            msg += "; the system-wide limit fs.aio-max-nr (" + AioLimits.read("aio-max-nr")
                    + ") would be exceeded, " + AioLimits.read("aio-nr")
                    + " events are in use: raise it with sysctl fs.aio-max-nr, or use a smaller queue depth";
        } else if (errno == Errno.ENOSYS) {
            msg += "; this kernel was built without CONFIG_AIO";
        }
        return msg;
    }

    /** Maps the ring header at the context address and checks it is the layout fs/aio.c documents. */
    @SuppressWarnings("restricted") // the kernel mapped nr events after the header it describes
    private static MemorySegment mapRing(long ctx) {
        MemorySegment header = MemorySegment.ofAddress(ctx).reinterpret(AioAbi.AIO_RING_HEADER_LENGTH_VALUE);
        if (header.get(JAVA_INT, AioAbi.AIO_RING_MAGIC) != AioAbi.AIO_RING_MAGIC_VALUE
                || header.get(JAVA_INT, AioAbi.AIO_RING_INCOMPAT_FEATURES) != AioAbi.AIO_RING_INCOMPAT_FEATURES_VALUE
                || header.get(JAVA_INT, AioAbi.AIO_RING_HEADER_LENGTH) != AioAbi.AIO_RING_HEADER_LENGTH_VALUE) {
            return null;
        }
        int nr = header.get(JAVA_INT, AioAbi.AIO_RING_NR);
        return MemorySegment.ofAddress(ctx).reinterpret(AioAbi.AIO_RING_IO_EVENTS + EVENT_SIZE * nr);
    }

    @Override
    public String engineName() {
        return AioEngine.NAME;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int outstanding() {
        return outstanding;
    }

    @Override
    public int unsubmitted() {
        return pendingCount;
    }

    @Override
    public boolean prepareRead(int fd, MemorySegment buffer, long offset, int rwFlags, long data) {
        return prepare(AioAbi.IOCB_CMD_PREAD, fd, buffer.address(), buffer.byteSize(), offset, rwFlags, data);
    }

    @Override
    public boolean prepareWrite(int fd, MemorySegment buffer, long offset, int rwFlags, long data) {
        return prepare(AioAbi.IOCB_CMD_PWRITE, fd, buffer.address(), buffer.byteSize(), offset, rwFlags, data);
    }

    /**
     * Offset 0: fs/aio.c checks the offset of every write (rw_verify_area refuses a negative one),
     * sock_write_iter refuses any but 0 (-ESPIPE), and a pipe ignores it. A socket or pipe write
     * runs inside io_submit (a non-blocking descriptor: -EAGAIN when it has no room) and posts its
     * completion there.
     */
    @Override
    public boolean prepareStreamWrite(int fd, MemorySegment buffer, long data) {
        return prepareWrite(fd, buffer, 0, 0, data);
    }

    @Override
    public boolean prepareReadv(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags, long data) {
        return prepare(AioAbi.IOCB_CMD_PREADV, fd, iovecs.address(), iovCount, offset, rwFlags, data);
    }

    @Override
    public boolean prepareWritev(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags, long data) {
        return prepare(AioAbi.IOCB_CMD_PWRITEV, fd, iovecs.address(), iovCount, offset, rwFlags, data);
    }

    @Override
    public boolean prepareFsync(int fd, boolean dataOnly, long data) {
        // fs/aio.c aio_fsync: buf, nbytes, offset and rw_flags must all be zero.
        return prepare(dataOnly ? AioAbi.IOCB_CMD_FDSYNC : AioAbi.IOCB_CMD_FSYNC, fd, 0, 0, 0, 0, data);
    }

    @Override
    public boolean preparePoll(int fd, int pollEvents, long data) {
        // fs/aio.c aio_poll: the event mask travels in aio_buf; offset, nbytes and rw_flags must be zero.
        return prepare(AioAbi.IOCB_CMD_POLL, fd, pollEvents & 0xffff, 0, 0, 0, data);
    }

    private boolean prepare(int opcode, int fd, long buf, long nbytes, long offset, int rwFlags, long data) {
        if (slots.available() == 0) {
            return false;
        }
        int slot = slots.acquire();
        userData[slot] = data;
        polling[slot] = opcode == AioAbi.IOCB_CMD_POLL;
        live[slot] = true;
        long iocb = IOCB_SIZE * slot;
        // Every field is written, so a reused slot never leaks a previous request's fields.
        iocbs.set(JAVA_LONG, iocb + AioAbi.IOCB_AIO_DATA, slot);
        iocbs.set(JAVA_INT, iocb + AioAbi.IOCB_AIO_KEY, 0);
        iocbs.set(JAVA_INT, iocb + AioAbi.IOCB_AIO_RW_FLAGS, rwFlags);
        iocbs.set(JAVA_SHORT, iocb + AioAbi.IOCB_AIO_LIO_OPCODE, (short) opcode);
        iocbs.set(JAVA_SHORT, iocb + AioAbi.IOCB_AIO_REQPRIO, (short) 0);
        iocbs.set(JAVA_INT, iocb + AioAbi.IOCB_AIO_FILDES, fd);
        iocbs.set(JAVA_LONG, iocb + AioAbi.IOCB_AIO_BUF, buf);
        iocbs.set(JAVA_LONG, iocb + AioAbi.IOCB_AIO_NBYTES, nbytes);
        iocbs.set(JAVA_LONG, iocb + AioAbi.IOCB_AIO_OFFSET, offset);
        iocbs.set(JAVA_LONG, iocb + AioAbi.IOCB_AIO_RESERVED2, 0L);
        iocbs.set(JAVA_INT, iocb + AioAbi.IOCB_AIO_FLAGS, eventFd >= 0 ? AioAbi.IOCB_FLAG_RESFD : 0);
        iocbs.set(JAVA_INT, iocb + AioAbi.IOCB_AIO_RESFD, eventFd >= 0 ? eventFd : 0);
        pending.set(JAVA_LONG, 8L * pendingCount, iocbsAddress + iocb);
        pendingCount++;
        outstanding++;
        return true;
    }

    @Override
    public int submit() {
        int accepted = 0;
        while (pendingCount > 0) {
            long rc = AioCalls.ioSubmit(ctx, pendingCount, pending);
            if (rc > 0) {
                accepted += (int) rc;
                dropPending((int) rc);
            } else if (rc == -Errno.EINTR) {
                continue;
            } else if (rc == -Errno.EAGAIN && inKernel() > 0) {
                break; // no free kernel slot until something completes: back-pressure, not failure
            } else {
                // io_submit reports a setup failure of the first iocb as its return value; turn it
                // into that request's completion and carry on with the rest of the batch.
                long iocb = pending.get(JAVA_LONG, 0);
                int slot = (int) ((iocb - iocbsAddress) / IOCB_SIZE);
                refused.add(slot, rc == 0 ? -Errno.EIO : rc);
                dropPending(1);
            }
        }
        return accepted;
    }

    private void dropPending(int n) {
        pendingCount -= n;
        if (pendingCount > 0) {
            MemorySegment.copy(pending, 8L * n, pending, 0, 8L * pendingCount);
        }
    }

    @Override
    public int cancelUnsubmitted() {
        int n = pendingCount;
        for (int i = 0; i < n; i++) {
            long iocb = pending.get(JAVA_LONG, 8L * i);
            refused.add((int) ((iocb - iocbsAddress) / IOCB_SIZE), -Errno.ECANCELED);
        }
        pendingCount = 0;
        return n;
    }

    /** Requests the kernel owns: submitted and not yet reaped. */
    private int inKernel() {
        return outstanding - pendingCount - refused.size();
    }

    @Override
    public int reap(int minComplete, int maxComplete, long timeoutNanos, CompletionSink sink) {
        int delivered = deliverRefused(maxComplete, sink);
        delivered += reapRing(maxComplete - delivered, sink);
        if (delivered >= minComplete || delivered >= maxComplete) {
            return delivered;
        }
        return await(minComplete, maxComplete, timeoutNanos, delivered, sink);
    }

    /**
     * The waiting part of {@link #reap}, kept out of it so that the syscall-free fast path stays
     * small enough for the JIT to inline whole into callers.
     */
    private int await(int minComplete, int maxComplete, long timeoutNanos, int alreadyDelivered, CompletionSink sink) {
        int delivered = alreadyDelivered;
        final long deadline = timeoutNanos < 0 ? 0 : System.nanoTime() + timeoutNanos;
        while (delivered < minComplete && inKernel() > 0) {
            long remaining = timeoutNanos < 0 ? -1 : Math.max(0, deadline - System.nanoTime());
            int got;
            if (eventFd >= 0) {
                if (!awaitEventFd(remaining)) {
                    break; // timed out
                }
                got = reapRing(maxComplete - delivered, sink);
                if (ring == null) {
                    got = getEvents(0, maxComplete - delivered, 0, sink);
                }
                delivered += got;
                if (got == 0) {
                    break; // woken without a completion: a wakeup() asked us to return
                }
            } else {
                got = getEvents(minComplete - delivered, maxComplete - delivered, remaining, sink);
                delivered += got;
                if (got == 0 && remaining == 0) {
                    break;
                }
            }
            if (timeoutNanos >= 0 && deadline - System.nanoTime() <= 0) {
                break;
            }
        }
        if (delivered < minComplete && eventFd >= 0 && inKernel() == 0 && timeoutNanos != 0) {
            // Nothing can complete, but a caller with wakeup support parks here until woken.
            if (awaitEventFd(timeoutNanos < 0 ? -1 : Math.max(0, deadline - System.nanoTime()))) {
                delivered += deliverRefused(maxComplete - delivered, sink);
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

    /**
     * Consumes events from the user-mapped ring. The kernel writes an event, issues smp_wmb and then
     * stores tail (fs/aio.c aio_complete), so tail is read with acquire before the events; head is
     * stored with release after they were read, because the kernel reuses slots below head.
     */
    private int reapRing(int max, CompletionSink sink) {
        if (ring == null || max <= 0) {
            return 0;
        }
        int head = (int) RING_INT.getAcquire(ring, AioAbi.AIO_RING_HEAD);
        int tail = (int) RING_INT.getAcquire(ring, AioAbi.AIO_RING_TAIL);
        int n = 0;
        int polls = 0;
        try {
            while (head != tail && n < max) {
                long ev = AioAbi.AIO_RING_IO_EVENTS + EVENT_SIZE * head;
                int slot = (int) ring.get(JAVA_LONG, ev + AioAbi.IO_EVENT_DATA);
                long res = ring.get(JAVA_LONG, ev + AioAbi.IO_EVENT_RES);
                head = head + 1 == ringEntries ? 0 : head + 1;
                RING_INT.setRelease(ring, AioAbi.AIO_RING_HEAD, head);
                n++;
                polls = deliverOrHold(slot, res, polls, sink);
            }
        } finally {
            deliverPolls(polls, sink); // taken off the ring: delivered whatever happened (close waits for every event)
        }
        return n;
    }

    /** Delivers a request's event now, or holds a poll's back ({@link #pollsLastSlot}); {@return the polls held} */
    private int deliverOrHold(int slot, long res, int polls, CompletionSink sink) {
        if (polling[slot]) {
            pollsLastSlot[polls] = slot;
            pollsLastResult[polls] = res;
            return polls + 1;
        }
        deliver(slot, res, sink);
        return polls;
    }

    /** Delivers the {@code polls} events {@link #pollsLastSlot} holds, after the reap's other events. */
    private void deliverPolls(int polls, CompletionSink sink) {
        for (int i = 0; i < polls; i++) {
            deliver(pollsLastSlot[i], pollsLastResult[i], sink);
        }
    }

    private int getEvents(int min, int max, long timeoutNanos, CompletionSink sink) {
        MemorySegment ts = MemorySegment.NULL;
        if (timeoutNanos >= 0) {
            Timespec.set(timespec, 0, timeoutNanos);
            ts = timespec;
        }
        long rc;
        do {
            rc = AioCalls.ioGetevents(ctx, Math.min(min, max), Math.min(max, capacity), events, ts);
        } while (rc == -Errno.EINTR && timeoutNanos < 0);
        if (rc <= 0) {
            return 0;
        }
        int polls = 0;
        try {
            for (int i = 0; i < rc; i++) {
                long ev = EVENT_SIZE * i;
                int slot = (int) events.get(JAVA_LONG, ev + AioAbi.IO_EVENT_DATA);
                long res = events.get(JAVA_LONG, ev + AioAbi.IO_EVENT_RES);
                polls = deliverOrHold(slot, res, polls, sink);
            }
        } finally {
            deliverPolls(polls, sink);
        }
        return (int) rc;
    }

    /** Waits until the eventfd is signalled (a completion or a wakeup) and resets it. */
    private boolean awaitEventFd(long timeoutNanos) {
        if (timeoutNanos != 0) {
            int ms = timeoutNanos < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, (timeoutNanos + 999_999) / 1_000_000);
            long rc;
            do {
                rc = Libc.poll(pollFd, 1, ms);
            } while (rc == -Errno.EINTR);
            if (rc <= 0) {
                return false;
            }
        }
        return Libc.read(eventFd, eventFdCounter, 8) == 8;
    }

    private void deliver(int slot, long res, CompletionSink sink) {
        long data = userData[slot];
        polling[slot] = false;
        live[slot] = false;
        slots.release(slot);
        outstanding--;
        sink.complete(data, res);
    }

    /**
     * Stops a request still waiting for io_submit (it completes with -ECANCELED); asks io_cancel
     * for a submitted one, which fs/aio.c grants only to polls: a read or write in the kernel
     * runs to its end.
     */
    @Override
    public void cancel(long data) {
        int slot = -1;
        for (int s = 0; s < capacity; s++) {
            if (live[s] && userData[s] == data) {
                slot = s;
                break;
            }
        }
        if (slot < 0) {
            return;
        }
        long iocb = iocbsAddress + IOCB_SIZE * slot;
        for (int i = 0; i < pendingCount; i++) {
            if (pending.get(JAVA_LONG, 8L * i) == iocb) {
                MemorySegment.copy(pending, 8L * (i + 1), pending, 8L * i, 8L * (pendingCount - i - 1));
                pendingCount--;
                refused.add(slot, -Errno.ECANCELED);
                return;
            }
        }
        AioCalls.ioCancel(ctx, iocbs.asSlice(IOCB_SIZE * slot, IOCB_SIZE), MemorySegment.NULL);
    }

    /** The RESFD eventfd every iocb carries, which {@link #wakeup()} also signals; -1 without wakeup support. */
    @Override
    public int completionFd() {
        return eventFd;
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
        // The kernel may still write into caller buffers and read our iocbs: wait for everything it
        // owns before io_destroy unmaps the ring and before the arena frees the iocbs.
        CompletionSink discard = (d, r) -> { };
        cancelUnsubmitted();
        deliverRefused(Integer.MAX_VALUE, discard); // never reached the kernel: their slots are simply free
        // A poll may never complete by itself; cancelled, it still posts its event to the ring.
        MemorySegment cancelled = arena.allocate(AioAbi.IO_EVENT);
        for (int slot = 0; slot < capacity; slot++) {
            if (polling[slot]) {
                AioCalls.ioCancel(ctx, iocbs.asSlice(IOCB_SIZE * slot, IOCB_SIZE), cancelled);
            }
        }
        while (inKernel() > 0) {
            int before = inKernel();
            reapRing(Integer.MAX_VALUE, discard);
            if (inKernel() == before) {
                getEvents(inKernel(), inKernel(), -1, discard);
            }
        }
        AioCalls.ioDestroy(ctx);
        if (wakeup != null) {
            wakeup.close();
        }
        arena.close();
    }
}
