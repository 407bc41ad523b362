package dev.jaio.internal.threads;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.EventFdWakeup;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.engine.Slots;
import dev.jaio.internal.engine.Uninterruptibly;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.EventFd;
import dev.jaio.internal.linux.Iovec;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Poll;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.Condition;
import java.util.function.IntPredicate;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An {@link IoQueue} whose requests are run as blocking positional system calls (pread, pwrite,
 * preadv2, pwritev2, fsync, fdatasync, poll) by a fixed set of worker threads: the paper's
 * "synchronous I/O" baseline, and the engine that works wherever the kernel AIO interfaces do not.
 *
 * <p>Request parameters live in arrays indexed by slot. The owner thread writes a slot's parameters
 * before handing the slot index to the workers under {@link #lock}, and a worker writes the result
 * before handing the index back under the same lock, so the lock orders every access to a slot.
 */
final class ThreadPoolQueue implements IoQueue {

    private final int capacity;
    private final Op[] op;
    private final int[] fd;
    private final MemorySegment[] buffer;
    private final int[] count;
    private final long[] offset;
    private final int[] rwFlags;
    private final long[] userData;
    private final long[] result;

    // Owner-thread state.
    private final Slots slots;
    private final int[] prepared;
    private int preparedCount;
    private int outstanding;

    // Shared state, guarded by lock.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workAvailable = lock.newCondition();
    private final Condition completionAvailable = lock.newCondition();
    private final Condition idle = lock.newCondition();
    private final IntRing work;
    private final IntRing completed;
    private int running;
    private boolean woken;
    private boolean shutdown;
    /** Set by close: polls stop waiting and complete with -ECANCELED. */
    private volatile boolean cancelPolls;

    private final Thread[] workers;
    private boolean closed;
    /**
     * With {@link QueueOptions#signalsCompletionFd()}: signalled when the completed ring turns non-empty
     * and on {@link #wakeup()}, for an owner waiting in its own epoll set. Null otherwise.
     */
    private final EventFdWakeup completionSignal;
    /** {@link #notifyCompletions}: run by a worker when the completed ring turns non-empty; null for none. */
    private volatile Runnable completionListener;

    ThreadPoolQueue(QueueOptions options) throws IOException {
        this.capacity = options.capacity();
        this.op = new Op[capacity];
        this.fd = new int[capacity];
        this.buffer = new MemorySegment[capacity];
        this.count = new int[capacity];
        this.offset = new long[capacity];
        this.rwFlags = new int[capacity];
        this.userData = new long[capacity];
        this.result = new long[capacity];
        this.slots = new Slots(capacity);
        this.prepared = new int[capacity];
        this.work = new IntRing(capacity);
        this.completed = new IntRing(capacity);
        this.workers = new Thread[options.threads()];
        this.completionSignal = options.signalsCompletionFd()
                ? EventFdWakeup.open(EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK) : null;
        int started = 0;
        try {
            for (int i = 0; i < workers.length; i++) {
                workers[i] = Thread.ofPlatform().daemon().name(options.threadName() + "-" + i).unstarted(this::workerLoop);
                workers[i].start();
                started++;
            }
        } catch (OutOfMemoryError | RuntimeException e) {
            // The workers already started would wait for work forever: stop them before failing.
            close();
            if (e instanceof OutOfMemoryError) {
                // pthread_create refused (RLIMIT_NPROC, pids cgroup, memory): a limit, like EAGAIN from a kernel setup.
                throw new IOException("cannot start worker thread " + (started + 1) + " of " + workers.length
                        + " of the threads engine: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    @Override
    public String engineName() {
        return ThreadsEngine.NAME;
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
        return preparedCount;
    }

    @Override
    public boolean prepareRead(int fd, MemorySegment buffer, long offset, int rwFlags, long userData) {
        return prepare(Op.READ, fd, buffer, 0, offset, rwFlags, userData);
    }

    @Override
    public boolean prepareWrite(int fd, MemorySegment buffer, long offset, int rwFlags, long userData) {
        return prepare(Op.WRITE, fd, buffer, 0, offset, rwFlags, userData);
    }

    @Override
    public boolean prepareReadv(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags, long userData) {
        return prepare(Op.READV, fd, iovecs, iovCount, offset, rwFlags, userData);
    }

    @Override
    public boolean prepareWritev(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags, long userData) {
        return prepare(Op.WRITEV, fd, iovecs, iovCount, offset, rwFlags, userData);
    }

    @Override
    public boolean prepareFsync(int fd, boolean dataOnly, long userData) {
        return prepare(dataOnly ? Op.FDATASYNC : Op.FSYNC, fd, null, 0, 0, 0, userData);
    }

    @Override
    public boolean preparePoll(int fd, int pollEvents, long userData) {
        return prepare(Op.POLL, fd, null, pollEvents, 0, 0, userData);
    }

    private boolean prepare(Op opcode, int fd, MemorySegment buf, int cnt, long off, int flags, long data) {
        if (slots.available() == 0) {
            return false;
        }
        int slot = slots.acquire();
        this.op[slot] = opcode;
        this.fd[slot] = fd;
        this.buffer[slot] = buf;
        this.count[slot] = cnt;
        this.offset[slot] = off;
        this.rwFlags[slot] = flags;
        this.userData[slot] = data;
        prepared[preparedCount++] = slot;
        outstanding++;
        return true;
    }

    @Override
    public int submit() {
        int n = preparedCount;
        if (n == 0) {
            return 0;
        }
        lock.lock();
        try {
            for (int i = 0; i < n; i++) {
                work.add(prepared[i]);
            }
            running += n;
            if (n == 1) {
                workAvailable.signal();
            } else {
                workAvailable.signalAll();
            }
        } finally {
            lock.unlock();
        }
        preparedCount = 0;
        return n;
    }

    @Override
    public int cancelUnsubmitted() {
        int n = preparedCount;
        if (n == 0) {
            return 0;
        }
        lock.lock();
        try {
            // Straight onto the completed ring: no worker ever sees them.
            for (int i = 0; i < n; i++) {
                int slot = prepared[i];
                result[slot] = -Errno.ECANCELED;
                completed.add(slot);
            }
        } finally {
            lock.unlock();
        }
        preparedCount = 0;
        return n;
    }

    @Override
    public int reap(int minComplete, int maxComplete, long timeoutNanos, CompletionSink sink) {
        int delivered = 0;
        long remaining = timeoutNanos;
        while (delivered < maxComplete) {
            int slot;
            lock.lock();
            try {
                while (completed.isEmpty()) {
                    if (delivered >= minComplete || woken || remaining == 0) {
                        woken = false;
                        return delivered;
                    }
                    if (remaining < 0) {
                        completionAvailable.awaitUninterruptibly();
                    } else {
                        try {
                            remaining = completionAvailable.awaitNanos(remaining);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return delivered;
                        }
                        remaining = Math.max(0, remaining);
                    }
                }
                slot = completed.remove();
            } finally {
                lock.unlock();
            }
            long data = userData[slot];
            long res = result[slot];
            buffer[slot] = null;
            slots.release(slot);
            outstanding--;
            delivered++;
            sink.complete(data, res);
        }
        return delivered;
    }

    /**
     * Stops a request no worker has taken yet: it completes with -ECANCELED. One a worker runs is
     * a blocking system call on a regular file, which no signal interrupts: it runs to its end.
     */
    @Override
    public void cancel(long data) {
        for (int i = 0; i < preparedCount; i++) {
            int slot = prepared[i];
            if (userData[slot] == data) {
                // Not submitted yet: complete it through the workers' queue, as if one had run it.
                System.arraycopy(prepared, i + 1, prepared, i, preparedCount - i - 1);
                preparedCount--;
                lock.lock();
                try {
                    result[slot] = -Errno.ECANCELED;
                    completed.add(slot);
                    completionAvailable.signal();
                } finally {
                    lock.unlock();
                }
                return;
            }
        }
        lock.lock();
        try {
            int slot = work.removeFirst(s -> userData[s] == data);
            if (slot >= 0) {
                result[slot] = -Errno.ECANCELED;
                completed.add(slot);
                completionAvailable.signal();
                if (--running == 0) {
                    idle.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int completionFd() {
        return completionSignal == null ? -1 : completionSignal.fd();
    }

    @Override
    public void wakeup() {
        lock.lock();
        try {
            woken = true;
            completionAvailable.signalAll();
        } finally {
            lock.unlock();
        }
        if (completionSignal != null) {
            completionSignal.signal();
        }
    }

    @Override
    public boolean supportsWakeup() {
        return true;
    }

    @Override
    public void notifyCompletions(Runnable listener) {
        completionListener = listener;
    }

    /** Under the lock that orders a worker's add to the completed ring before its read of the owner's state. */
    @Override
    public boolean hasCompletions() {
        lock.lock();
        try {
            return !completed.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    private void workerLoop() {
        // One iovec and one pollfd per worker, for RWF-flagged single-buffer requests and polls.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iov = arena.allocate(Iovec.IOVEC);
            MemorySegment pollFd = arena.allocate(Poll.POLLFD);
            while (true) {
                int slot;
                lock.lock();
                try {
                    while (work.isEmpty() && !shutdown) {
                        workAvailable.awaitUninterruptibly();
                    }
                    if (work.isEmpty()) {
                        return;
                    }
                    slot = work.remove();
                } finally {
                    lock.unlock();
                }
                long res;
                try {
                    res = execute(slot, iov, pollFd);
                } catch (RuntimeException | Error e) {
                    // A closed or foreign buffer scope, say; the request fails, the worker lives on.
                    res = -Errno.EFAULT;
                }
                boolean first;
                lock.lock();
                try {
                    result[slot] = res;
                    first = completed.isEmpty();
                    completed.add(slot);
                    completionAvailable.signal();
                    if (--running == 0) {
                        idle.signalAll();
                    }
                } finally {
                    lock.unlock();
                }
                if (first) {
                    // The owner drains the whole ring after each signal: one per non-empty turn is enough.
                    if (completionSignal != null) {
                        completionSignal.signal();
                    }
                    Runnable listener = completionListener;
                    if (listener != null) {
                        listener.run();
                    }
                }
            }
        }
    }

    private long execute(int slot, MemorySegment iov, MemorySegment pollFd) {
        int f = fd[slot];
        MemorySegment buf = buffer[slot];
        long off = offset[slot];
        int flags = rwFlags[slot];
        long rc;
        do {
            rc = switch (op[slot]) {
                case READ -> flags == 0 ? Libc.pread(f, buf, buf.byteSize(), off) : single(true, f, buf, off, flags, iov);
                case WRITE -> flags == 0 ? Libc.pwrite(f, buf, buf.byteSize(), off) : single(false, f, buf, off, flags, iov);
                case READV -> Libc.preadv2(f, buf, count[slot], off, flags);
                case WRITEV -> Libc.pwritev2(f, buf, count[slot], off, flags);
                case FSYNC -> Libc.fsync(f);
                case FDATASYNC -> Libc.fdatasync(f);
                case POLL -> poll(f, count[slot], pollFd);
            };
        } while (rc == -Errno.EINTR);
        return rc;
    }

    private static long single(boolean read, int fd, MemorySegment buf, long off, int flags, MemorySegment iov) {
        Iovec.set(iov, 0, buf);
        return read ? Libc.preadv2(fd, iov, 1, off, flags) : Libc.pwritev2(fd, iov, 1, off, flags);
    }

    /** Polls in slices so that close can cancel a poll that would never complete. */
    private long poll(int fd, int events, MemorySegment pollFd) {
        pollFd.set(JAVA_INT, Poll.POLLFD_FD, fd);
        pollFd.set(JAVA_SHORT, Poll.POLLFD_EVENTS, (short) events);
        while (true) {
            pollFd.set(JAVA_SHORT, Poll.POLLFD_REVENTS, (short) 0);
            long rc = Libc.poll(pollFd, 1, 100);
            if (rc < 0 && rc != -Errno.EINTR) {
                return rc;
            }
            if (rc > 0) {
                return pollFd.get(JAVA_SHORT, Poll.POLLFD_REVENTS) & 0xffff;
            }
            if (cancelPolls) {
                return -Errno.ECANCELED;
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cancelPolls = true;
        lock.lock();
        try {
            // Requests already handed to workers run to the end: their buffers stay in use until then.
            while (running > 0) {
                idle.awaitUninterruptibly();
            }
            shutdown = true;
            workAvailable.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread w : workers) {
            if (w != null) { // null: the constructor failed to start it
                Uninterruptibly.join(w);
            }
        }
        preparedCount = 0;
        outstanding = 0;
        if (completionSignal != null) {
            completionSignal.close();
        }
    }

    /** What a slot's request does: the system call a worker makes for it. */
    private enum Op {
        /** pread, or preadv2 of one iovec with RWF flags. */
        READ,
        /** pwrite, or pwritev2 of one iovec with RWF flags. */
        WRITE,
        /** preadv2 of {@code count} iovecs. */
        READV,
        /** pwritev2 of {@code count} iovecs. */
        WRITEV,
        FSYNC,
        FDATASYNC,
        /** poll for the events in {@code count}, in slices that close can end. */
        POLL
    }

    /** A bounded FIFO of ints; capacity never exceeded because slots are unique. */
    private static final class IntRing {
        private final int[] items;
        private int head;
        private int size;

        IntRing(int capacity) {
            this.items = new int[capacity];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(int v) {
            items[(head + size++) % items.length] = v;
        }

        int remove() {
            int v = items[head];
            head = (head + 1) % items.length;
            size--;
            return v;
        }

        /** Removes and returns the first item that matches, keeping the others' order; -1 if none. */
        int removeFirst(IntPredicate match) {
            for (int i = 0; i < size; i++) {
                int v = items[(head + i) % items.length];
                if (match.test(v)) {
                    for (int j = i; j < size - 1; j++) {
                        items[(head + j) % items.length] = items[(head + j + 1) % items.length];
                    }
                    size--;
                    return v;
                }
            }
            return -1;
        }
    }
}
