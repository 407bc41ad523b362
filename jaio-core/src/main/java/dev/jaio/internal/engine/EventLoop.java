package dev.jaio.internal.engine;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Iovec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One thread that owns one {@link IoQueue} and runs {@link IoOp}s submitted from any thread:
 * it takes every op published since its last turn, prepares as many as the queue has room for,
 * submits them with one call, reaps completions without blocking, and parks in a blocking reap
 * (ended by {@link IoQueue#wakeup()}) only when there is nothing else to do.
 *
 * <p>Futures complete on this thread, so dependent stages added with non-async methods run here.
 *
 * <p>{@link #close()} stops accepting ops, lets every op already accepted run to completion, closes
 * the queue (which frees its native memory only after the kernel is done with it), and returns.
 *
 * <p>With a {@link LoopDriver} (jaio's §9 loop) the loop also runs the driver's tasks, timers and
 * socket readiness each turn, and parks through the driver (epoll_wait, io_getevents or
 * io_uring_enter, whichever the backend waits in) instead of in a blocking reap.
 */
public final class EventLoop implements AutoCloseable {

    /** iovecs per request kept inline (a 128 KiB readahead window of 4 KiB pages); longer vectors get their own memory for their lifetime. */
    private static final int INLINE_IOVECS = 32;

    /** Set on every loop's thread: such a thread must never wait for another engine (see {@link #onLoopThread()}). */
    private static final ThreadLocal<Boolean> LOOP_THREAD = new ThreadLocal<>();

    /**
     * Whether the calling thread is the thread of any jaio event loop (an engine's completion
     * thread, or a §9 loop's). Such a thread must never wait for a place in another engine's queue:
     * that engine's own thread may be waiting for this one's, and two loops would deadlock.
     */
    public static boolean onLoopThread() {
        return LOOP_THREAD.get() != null;
    }

    private final IoQueue queue;
    /** Null for an engine's plain loop. */
    private final LoopDriver driver;
    /**
     * Opens the queue that runs this loop's {@link IoOp#kernelBuffered()} file reads and writes, or
     * null when {@link #queue} runs them itself. A §9 loop on native AIO has one: Linux runs a
     * read or write of a kernel-buffered file inside io_submit, so a miss of the page cache would
     * hold the loop thread until the disk answers; a thread pool runs them instead, and its workers
     * wake the loop when they complete one.
     */
    private final OffloadQueue offloadFactory;
    /** The queue {@link #offloadFactory} opened on first use (loop thread), or null. */
    private IoQueue offload;
    /** Requests handed to {@link #offload}: written by the loop thread (setRelease), read by any. */
    private final AtomicLong offloaded = new AtomicLong();
    /**
     * {@link #offloadFactory} could not open its queue (no threads to be had): until this
     * System.nanoTime(), kernel-buffered requests run in {@link #queue}; then it is tried again.
     * Loop thread.
     */
    private long offloadRetryAt;
    private boolean offloadRefused;
    /** How long after a refused pool the loop tries to open it again. */
    private static final long OFFLOAD_RETRY_NANOS = 1_000_000_000L;
    /** The longest wait on the pool while the loop closes (a wakeup of the driver does not end it). */
    private static final long CLOSE_WAIT_NANOS = 10_000_000L;
    private final int capacity;
    private final Thread thread;
    /** Ops published by submitters, newest first (a Treiber stack the loop empties in one swap). */
    private final AtomicReference<IoOp<?>> incoming = new AtomicReference<>();
    /** Set while the loop is about to block or blocked; submitters wake it only then. */
    private volatile boolean parked;
    /** A submitter has already woken the parked loop: others need not (one eventfd write per park). */
    private final AtomicBoolean woken = new AtomicBoolean();
    private volatile boolean closing;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile Throwable failure;

    // Loop-thread state.
    private final IoOp<?>[] inFlight;
    private final Slots slots;
    private IoOp<?> backlogHead;
    private IoOp<?> backlogTail;
    /**
     * Socket and pipe requests (of a {@link LoopDriver}) may hold at most this many of the queue's
     * places (those that do not wait for input a few more, {@link #channelOutputLimit}): a silent
     * peer's pending receive or poll holds its place for as long as the peer is silent, and a
     * quarter of the places stay for file requests (and requests that {@link IoOp#usesReserve()}).
     * Those over the limit wait in {@link #channelWaitHead}.
     */
    private final int channelLimit;
    /**
     * The limit of socket and pipe requests that do not wait for a peer's input (writes, connects,
     * polls for room; {@link IoOp#waitsForInput()}): half of the places the channel limit keeps
     * for files besides, so that a write never waits behind silent peers' reads, and files keep an
     * eighth of the queue.
     */
    private final int channelOutputLimit;
    private int channelsInFlight;
    private IoOp<?> channelWaitHead;
    /** Requests in the channel wait line other than multishot receives (which wait their turn without asking). */
    private int channelWaitOthers;
    /** Multishot receives in the channel wait line. */
    private int channelWaitReceives;
    private IoOp<?> channelWaitTail;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment iovecs;
    private final CompletionSink sink = new CompletionSink() {
        @Override
        public void complete(long userData, long result) {
            onCompletion(userData, result);
        }

        @Override
        public void completeMore(long userData, long result) {
            IoOp<?> op = inFlight[(int) userData];
            try {
                op.onMore(result); // a multishot op: it keeps its slot
            } catch (Throwable t) {
                Thread.UncaughtExceptionHandler h = Thread.getDefaultUncaughtExceptionHandler();
                if (h != null) {
                    h.uncaughtException(thread, t);
                }
            }
        }
    };
    /** This loop's requests: written on the loop thread only. */
    private final IoStats stats = new IoStats();

    /** {@return this loop's request counters} (read from any thread) */
    public IoStats stats() {
        return stats;
    }
    /** Ops whose callers asked to cancel them after they were started; drained by the loop each turn. */
    private final ConcurrentLinkedQueue<IoOp<?>> cancels = new ConcurrentLinkedQueue<>();

    /**
     * @param queue a queue with wakeup support; the loop takes ownership and closes it, once this
     *     constructor returned (when it throws, for example because the thread cannot start, the
     *     caller still owns the queue)
     */
    public EventLoop(IoQueue queue, String threadName) {
        this(queue, threadName, null);
    }

    /**
     * A loop that also runs {@code driver} (see {@link LoopDriver}); with a driver, the queue need
     * not support wakeups when the driver wakes the loop itself.
     *
     * @param driver null for an engine's plain loop
     */
    public EventLoop(IoQueue queue, String threadName, LoopDriver driver) {
        this(queue, threadName, driver, null);
    }

    /**
     * A loop whose {@link IoOp#kernelBuffered()} file requests run in a second queue that
     * {@code offload} opens on first use (the loop owns it and closes it with {@code queue}).
     *
     * @param offload null: {@code queue} runs every request
     */
    public EventLoop(IoQueue queue, String threadName, LoopDriver driver, OffloadQueue offload) {
        if (driver == null && !queue.supportsWakeup()) {
            throw new IllegalArgumentException("an event loop needs a queue with wakeup support");
        }
        this.queue = queue;
        this.driver = driver;
        this.offloadFactory = offload;
        this.channelLimit = driver == null ? Integer.MAX_VALUE : Math.max(1, queue.capacity() - Math.max(1, queue.capacity() / 4));
        this.channelOutputLimit = driver == null ? Integer.MAX_VALUE : channelLimit + (queue.capacity() - channelLimit) / 2;
        this.capacity = queue.capacity();
        this.inFlight = new IoOp<?>[capacity];
        this.slots = new Slots(capacity);
        this.iovecs = arena.allocate(Iovec.IOVEC.byteSize() * INLINE_IOVECS * capacity, 8);
        this.thread = Thread.ofPlatform().daemon().name(threadName).unstarted(this::run);
        try {
            if (driver != null) {
                driver.attach(this, queue, sink); // before the thread: other threads may hand it tasks at once
            }
            thread.start();
        } catch (OutOfMemoryError | RuntimeException e) {
            arena.close(); // the caller still owns the queue and closes it
            if (driver != null) {
                driver.release();
            }
            throw e;
        }
    }

    /** The engine name of the queue. */
    public String engineName() {
        return queue.engineName();
    }

    /** Opens the queue of a loop's kernel-buffered file requests; see {@link #EventLoop(IoQueue, String, LoopDriver, OffloadQueue)}. */
    @FunctionalInterface
    public interface OffloadQueue {
        /**
         * A queue whose requests complete on threads of its own ({@link IoQueue#notifyCompletions}),
         * with at least {@code capacity} places; called once, on the loop thread.
         */
        IoQueue open(int capacity) throws IOException;
    }

    /** {@return the file requests this loop handed to its offload queue so far} (any thread) */
    public long offloaded() {
        return offloaded.getAcquire();
    }

    /** The queue {@code op} is prepared into (loop thread): the offload queue, opened on first use, for a kernel-buffered file read or write. */
    private IoQueue queueFor(IoOp<?> op) {
        if (offloadFactory == null || op.opcode > IoOp.WRITEV || !op.kernelBuffered()) {
            return queue; // fsync and fdatasync are asynchronous in native AIO (a kernel workqueue runs them)
        }
        IoQueue q = offload;
        if (q == null) {
            if (offloadRefused && System.nanoTime() - offloadRetryAt < 0) {
                return queue;
            }
            try {
                q = offloadFactory.open(capacity);
                q.notifyCompletions(this::wakeIfParked);
            } catch (IOException | RuntimeException e) {
                // No threads to be had (pthread_create refused): the request still runs, in io_submit.
                if (!offloadRefused) {
                    System.getLogger("dev.jaio.loop").log(System.Logger.Level.WARNING, thread.getName()
                        + ": no thread pool for kernel-buffered file requests, so they run inside the submitting call,"
                        + " on the loop thread (tried again each second): " + e.getMessage());
                }
                offloadRefused = true;
                offloadRetryAt = System.nanoTime() + OFFLOAD_RETRY_NANOS;
                if (q != null) {
                    q.close();
                }
                return queue;
            }
            offload = q;
            offloadRefused = false;
        }
        return q;
    }

    /**
     * Whether an op may carry a {@link IoOp#linkTimeout}: the queue links requests (io_uring's
     * IOSQE_IO_LINK with IORING_OP_LINK_TIMEOUT).
     */
    public boolean linksTimeouts() {
        // A linked pair takes two places at once, within the places of socket requests.
        return queue instanceof RequestChaining && channelLimit >= 2;
    }

    /**
     * Whether socket or pipe requests wait for a place in the queue (loop thread): a request that
     * keeps its place for long (a multishot receive of a busy peer) should give it back then.
     */
    public boolean channelsWaiting() {
        return channelWaitHead != null;
    }

    /** Whether the calling thread is this loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Accepts an op from any thread. After {@link #close()} the op is rejected instead (its
     * {@link IoOp#onRejected} runs on the calling thread).
     */
    public void execute(IoOp<?> op) {
        if (inLoop() && !isTerminated()) {
            // From the loop's own thread (a completion or task starting more I/O): straight onto
            // the backlog, which the loop prepares before it next enters the kernel. The loop
            // drains its backlog before it stops, so this is safe while closing too.
            op.plainNext(null);
            if (backlogTail == null) {
                backlogHead = op;
            } else {
                backlogTail.plainNext(op);
            }
            backlogTail = op;
            return;
        }
        if (closing) {
            if (op.tryRefuse()) {
                op.onRejected(closed());
            }
            return;
        }
        publish(op, op);
        if (closing && isTerminated()) {
            // Raced with a close that already finished: nobody will take the op.
            rejectQueued();
        }
    }

    /**
     * Accepts a batch at once, {@code ops[0]} to {@code ops[n - 1]} in that order, with one
     * publication and at most one wakeup, so the loop takes them in one turn and hands them to
     * the kernel in one submission (one block-layer plug, one device notification), as one
     * io_submit of the batch would. From the loop's own thread, or after close, each op is
     * executed alone.
     */
    public void executeAll(IoOp<?>[] ops, int n) {
        if (n == 0) {
            return;
        }
        if (closing || inLoop()) {
            for (int i = 0; i < n; i++) {
                execute(ops[i]);
            }
            return;
        }
        // The incoming stack is newest first: link the batch so that its last op is on top.
        for (int i = n - 1; i > 0; i--) {
            ops[i].plainNext(ops[i - 1]);
        }
        publish(ops[n - 1], ops[0]);
        if (closing && isTerminated()) {
            rejectQueued();
        }
    }

    /** Pushes the chain {@code top} .. {@code bottom} (linked newest first) onto the incoming stack and wakes the loop if it sleeps. */
    private void publish(IoOp<?> top, IoOp<?> bottom) {
        IoOp<?> head;
        do {
            head = incoming.get();
            bottom.plainNext(head);
        } while (!incoming.compareAndSet(head, top));
        // Pairs with the loop's write of parked before its last check of incoming: either the loop
        // sees this op, or this thread sees parked and wakes it.
        wakeIfParked();
    }

    /**
     * Wakes the loop when it is parked or about to park; any thread. A driver calls it after it
     * published work (a task) that the loop must see: the loop reads {@link LoopDriver#hasDue()}
     * after it set {@code parked}, so either it sees the work or this sees it parked.
     */
    public void wakeIfParked() {
        if (parked && !woken.get() && woken.compareAndSet(false, true)) {
            wake();
        }
    }

    private void wake() {
        if (driver != null) {
            driver.wakeup();
        } else {
            queue.wakeup();
        }
    }

    /**
     * Asks the kernel to stop {@code op}, which its caller could not end before it was started
     * ({@link IoOp#tryEndUnstarted()} failed), from any thread. Best effort, as the kernel's cancel
     * is: the op still ends exactly once through {@link IoOp#onResult}, with -ECANCELED (or -EINTR)
     * when it was stopped, else with its own result. Its memory stays the kernel's until then.
     */
    public void cancel(IoOp<?> op) {
        if (closing && driver == null) {
            return; // the close waits for every request anyway
        }
        // A driver's polls never end by themselves: they must be cancelled while the loop closes too.
        cancels.add(op);
        wakeIfParked();
    }

    /** Loop: passes cancel requests of ops still in the queue on to it. */
    private void processCancels() {
        IoOp<?> op;
        while ((op = cancels.peek()) != null) {
            int slot = op.slot;
            if (slot >= 0 && inFlight[slot] == op) {
                IoQueue q = queueFor(op);
                if (!q.canCancelNow()) {
                    return; // no room for it now: the next turn asks again (the loop does not park meanwhile)
                }
                q.cancel(slot);
            }
            // Otherwise it completed already, or it is a write between two of its parts: it ends as is.
            cancels.poll();
        }
    }

    private static AsynchronousCloseException closed() {
        return new LoopClosedException();
    }

    /** Why an op was refused: its engine is closed. Callers put their operation and path around it. */
    private static final class LoopClosedException extends AsynchronousCloseException {
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            return "the engine is closed";
        }
    }

    /** Loop thread: the driver was shut down (its channels closed) once the loop began closing. */
    private boolean driverShut;

    private void run() {
        LOOP_THREAD.set(Boolean.TRUE);
        try {
            // One turn per call rather than the turn's body in this loop: the JIT compiles turn()
            // as an ordinary method, used from its next call, instead of waiting to compile this
            // loop on-stack (OSR), which is tried only after many back-edges. Measured with
            // `jaio serve` under wrk on 2 cores: C2 code for the turn 6.4 s after start instead of
            // 14.5 s (the OSR compile), interpreted or C1 code running the turn until then.
            while (turn()) {
                // turn() does the work
            }
        } catch (Throwable t) {
            failure = t;
            Thread.UncaughtExceptionHandler h = Thread.getDefaultUncaughtExceptionHandler();
            if (h != null) {
                h.uncaughtException(thread, t); // a bug in the loop itself: say so, the loop stops
            }
            if (driver != null && !driverShut) {
                closing = true;
                try {
                    driver.shutdown(); // its channels fail their requests; new tasks are refused
                } catch (Throwable again) {
                    t.addSuppressed(again);
                }
            }
        } finally {
            try {
                try {
                    queue.close();
                } finally {
                    if (offload != null) {
                        offload.close(); // waits for requests its workers still run: their buffers stay alive until then
                    }
                }
                if (driver != null) {
                    driver.release();
                }
            } finally {
                arena.close();
                terminated.countDown();
                failInFlight();
                rejectQueued();
            }
        }
    }

    /**
     * One turn of the loop: tasks, timers and the driver's due work, cancels, the backlog into the
     * queue, one submit, the completions reaped, and then a park when nothing was done, or else the
     * driver's poll of what is ready without waiting. Returns false once the loop is closing and
     * nothing is left.
     */
    private boolean turn() {
        takeIncoming();
        boolean ran = false;
        if (driver != null) {
            if (closing && !driverShut) {
                driverShut = true;
                driver.shutdown();
            }
            ran = driver.runDue();
        }
        if (!cancels.isEmpty()) {
            processCancels();
        }
        boolean prepared = prepareBacklog();
        if (queue.unsubmitted() > 0) {
            queue.submit();
        }
        // The pool is asked (and its lock taken) only while it holds requests of this loop.
        IoQueue off = offload != null && offload.outstanding() > 0 ? offload : null;
        int reaped = queue.reap(0, capacity, 0, sink);
        if (off != null) {
            reaped += submitAndReap(off);
            off = off.outstanding() > 0 ? off : null;
        }
        if (closing && driverShut == (driver != null) && backlogHead == null && channelWaitHead == null
                && incoming.get() == null && queue.outstanding() == 0 && off == null
                && (driver == null || !driver.hasDue())) {
            return false;
        }
        if (reaped != 0 || prepared || ran) {
            if (driver != null) {
                driver.poll(); // readiness that came meanwhile goes before this turn's work does again
            }
        } else {
            woken.set(false);
            parked = true;
            // The offload queue's workers call wakeIfParked after they add a completion, under the
            // lock hasCompletions takes: either this sees the completion or they see parked.
            if (incoming.get() == null && cancels.isEmpty()
                    && (backlogHead == null || slots.available() < places(backlogHead))
                    && (off == null || !off.hasCompletions())) {
                if (driver == null) {
                    queue.reap(1, capacity, -1, sink);
                } else if (!driver.hasDue() && !(closing && !driverShut)) {
                    parkDriver(off);
                }
            }
            parked = false;
        }
        return true;
    }

    /** Hands the pool what this turn prepared for it and reaps what it finished (loop thread). */
    private int submitAndReap(IoQueue off) {
        if (off.unsubmitted() > 0) {
            off.submit();
        }
        return off.reap(0, capacity, 0, sink);
    }

    /** Parks in the driver; {@code off}: the pool while it holds requests, else null. */
    private void parkDriver(IoQueue off) {
        if (driverShut && off != null && queue.outstanding() == 0) {
            // Closing, with only the pool's requests left: the driver has nothing in the kernel to
            // wait for (aio-poll's wakeup poll is cancelled), so wait on the pool.
            off.reap(1, capacity, CLOSE_WAIT_NANOS, sink);
        } else {
            driver.park();
        }
    }

    private void takeIncoming() {
        IoOp<?> stack = incoming.getAndSet(null);
        if (stack == null) {
            return;
        }
        // Reverse the newest-first stack into submission order and append it to the backlog.
        IoOp<?> first = null;
        IoOp<?> last = stack;
        while (stack != null) {
            IoOp<?> next = stack.plainNext();
            stack.plainNext(first);
            first = stack;
            stack = next;
        }
        if (backlogTail == null) {
            backlogHead = first;
        } else {
            backlogTail.plainNext(first);
        }
        backlogTail = last;
    }

    /** The channel places {@code op} may fill: {@link #channelLimit}, or {@link #channelOutputLimit} for output. */
    private int limitOf(IoOp<?> op) {
        return op.waitsForInput() ? channelLimit : channelOutputLimit;
    }

    /** Whether {@code op} is a socket or pipe request held to {@link #channelLimit} (or {@link #channelOutputLimit}). */
    private boolean limited(IoOp<?> op) {
        return op.opcode > IoOp.LAST_FILE_OP && !op.usesReserve();
    }

    private boolean prepareBacklog() {
        boolean any = false;
        long now = backlogHead != null || channelWaitHead != null ? System.nanoTime() : 0; // one clock read for the batch
        // Socket and pipe requests that waited for a place go first, in their order.
        while (channelWaitHead != null && channelsInFlight + places(channelWaitHead) <= limitOf(channelWaitHead)
                && slots.available() >= places(channelWaitHead)) {
            IoOp<?> op = channelWaitHead;
            channelWaitHead = op.plainNext();
            if (channelWaitHead == null) {
                channelWaitTail = null;
            }
            op.plainNext(null);
            if (op.opcode != IoOp.RECV_MULTISHOT) {
                channelWaitOthers--;
            } else {
                channelWaitReceives--;
            }
            any |= start(op, now);
        }
        while (backlogHead != null && slots.available() >= places(backlogHead)) {
            IoOp<?> op = backlogHead;
            backlogHead = op.plainNext();
            if (backlogHead == null) {
                backlogTail = null;
            }
            op.plainNext(null);
            if (limited(op) && channelsInFlight + places(op) > limitOf(op)) {
                // Idle connections must not take every place: a file request behind them would wait for ever.
                if (channelWaitTail == null) {
                    channelWaitHead = op;
                } else {
                    channelWaitTail.plainNext(op);
                }
                channelWaitTail = op;
                if (op.opcode != IoOp.RECV_MULTISHOT) {
                    channelWaitOthers++;
                } else {
                    channelWaitReceives++;
                }
                continue;
            }
            any |= start(op, now);
        }
        if ((channelWaitOthers > 0 || channelWaitReceives > 0) && driver != null) {
            // Asked every turn while they wait (a receive that could give its place back may have
            // been waiting itself the last time): see LoopDriver.channelPlaceWanted.
            driver.channelPlaceWanted(channelWaitOthers, channelWaitReceives);
        }
        return any;
    }

    /** The slots {@code op} takes: two with a linked timeout. */
    private static int places(IoOp<?> op) {
        return op.linkTimeout == null ? 1 : 2;
    }

    /** Prepares {@code op} (and its linked timeout) into free slots; false when a cancel ended it first. */
    private boolean start(IoOp<?> op, long now) {
        {
            if (!op.tryStart()) {
                return false; // cancelled before it reached the kernel: its canceller ended it
            }
            if (limited(op)) {
                channelsInFlight++;
            }
            int slot = slots.acquire();
            inFlight[slot] = op;
            op.slot = slot;
            IoOp<?> timeout = op.linkTimeout;
            if (timeout != null) {
                startLinkTimeout(op, slot, timeout, now);
                return true;
            }
            if (!prepare(op, slot)) {
                // Cannot happen while slots and queue capacity are equal; fail loudly if it does.
                inFlight[slot] = null;
                op.slot = -1;
                slots.release(slot);
                op.onResult(-Errno.EAGAIN);
            } else {
                op.submittedAt = now;
                if (op.opcode <= IoOp.LAST_FILE_OP) {
                    stats.submitted(1); // the engine's counters are of file I/O; sockets and polls are the loop's
                }
            }
            return true;
        }
    }

    /**
     * Prepares {@code op} linked to its LINK_TIMEOUT {@code timeout} in a second slot (the backlog
     * made sure of two), so that the two SQEs go to the kernel in the same submission. The timeout
     * completes as any op: with -ETIME when it cancelled {@code op}. Its offset is a deadline; the
     * kernel gets what is left of it at {@code now}, read just before this turn's submission, so
     * the time the pair waited in the backlog counts. Relative, not IORING_TIMEOUT_ABS: io_uring
     * arms an absolute timeout on the host's CLOCK_MONOTONIC, while System.nanoTime() inside a
     * time namespace (unshare --time) carries that namespace's offset.
     */
    private void startLinkTimeout(IoOp<?> op, int slot, IoOp<?> timeout, long now) {
        if (!timeout.tryStart()) {
            throw new IllegalStateException("a linked timeout was handed to the loop by itself");
        }
        if (limited(timeout)) {
            channelsInFlight++;
        }
        int tslot = slots.acquire();
        inFlight[tslot] = timeout;
        timeout.slot = tslot;
        if (queueFor(op) != queue) {
            throw new IllegalStateException("a linked request must go to the loop's own queue, not its pool");
        }
        RequestChaining chain = (RequestChaining) queue;
        chain.linkNext();
        if (!prepare(op, slot) || !chain.prepareLinkTimeout(Math.max(0, timeout.offset - now), tslot)) {
            // Cannot happen while slots and queue capacity are equal (an SQE for each slot).
            throw new IllegalStateException("the queue refused a linked request with a free slot");
        }
        op.submittedAt = now;
    }

    private boolean prepare(IoOp<?> op, int slot) {
        IoQueue queue = queueFor(op);
        if (queue != this.queue) {
            offloaded.setRelease(offloaded.getPlain() + 1); // one writer, the loop thread
        }
        return switch (op.opcode) {
            case IoOp.READ -> queue.prepareRead(op.fd, op.buffer, op.offset, op.rwFlags, slot);
            case IoOp.WRITE -> queue.prepareWrite(op.fd, op.buffer, op.offset, op.rwFlags, slot);
            case IoOp.READV -> queue.prepareReadv(op.fd, iovecsFor(op, slot), op.buffers.length, op.offset, op.rwFlags, slot);
            case IoOp.WRITEV -> queue.prepareWritev(op.fd, iovecsFor(op, slot), op.buffers.length, op.offset, op.rwFlags, slot);
            case IoOp.FSYNC -> queue.prepareFsync(op.fd, false, slot);
            case IoOp.FDATASYNC -> queue.prepareFsync(op.fd, true, slot);
            case IoOp.POLL -> queue.preparePoll(op.fd, op.rwFlags, slot);
            case IoOp.RECV -> ((SocketOps) queue).prepareRecv(op.fd, op.buffer, op.rwFlags, slot);
            case IoOp.SEND -> ((SocketOps) queue).prepareSend(op.fd, op.buffer, op.rwFlags, slot);
            case IoOp.SENDMSG -> ((SocketOps) queue).prepareSendmsg(op.fd, op.buffer, op.rwFlags, slot);
            case IoOp.SEND_ZC -> ((SocketOps) queue).prepareSendZc(op.fd, op.buffer, op.rwFlags, op.sendZcReportUsage, slot);
            case IoOp.ACCEPT -> ((SocketOps) queue).prepareAccept(op.fd, op.rwFlags, slot);
            case IoOp.ACCEPT_MULTISHOT -> ((SocketOps) queue).prepareAcceptMultishot(op.fd, op.rwFlags, slot);
            case IoOp.CONNECT -> ((SocketOps) queue).prepareConnect(op.fd, op.buffer, (int) op.offset, slot);
            case IoOp.SPLICE -> ((SocketOps) queue).prepareSplice(op.rwFlags, op.offset, op.fd, -1, op.spliceLength, slot);
            case IoOp.RECV_MULTISHOT -> ((SocketOps) queue).prepareRecvMultishot(op.fd, (int) op.offset, op.rwFlags, slot);
            case IoOp.STREAM_READ_SELECT -> ((SocketOps) queue).prepareReadSelect(op.fd, (int) op.offset, slot);
            case IoOp.RECV_SELECT -> ((SocketOps) queue).prepareRecvSelect(op.fd, (int) op.offset, op.rwFlags, slot);
            case IoOp.STREAM_READ -> queue.prepareRead(op.fd, op.buffer, -1, 0, slot);
            case IoOp.STREAM_WRITE -> queue.prepareStreamWrite(op.fd, op.buffer, slot);
            default -> throw new IllegalStateException("unknown opcode " + op.opcode);
        };
    }

    private MemorySegment iovecsFor(IoOp<?> op, int slot) {
        MemorySegment[] bufs = op.buffers;
        long iovSize = Iovec.IOVEC.byteSize();
        MemorySegment iov;
        if (bufs.length <= INLINE_IOVECS) {
            iov = iovecs.asSlice(iovSize * INLINE_IOVECS * slot, iovSize * bufs.length);
        } else {
            // The op holds the memory until it completes; the GC frees it after that.
            iov = Arena.ofAuto().allocate(iovSize * bufs.length, 8);
            op.spilledIovecs = iov;
        }
        Iovec.fill(iov, bufs);
        return iov;
    }

    private void onCompletion(long userData, long result) {
        int slot = (int) userData;
        IoOp<?> op = inFlight[slot];
        inFlight[slot] = null;
        slots.release(slot);
        if (limited(op)) {
            channelsInFlight--;
        }
        op.slot = -1;
        op.spilledIovecs = null;
        if (op.opcode <= IoOp.LAST_FILE_OP) {
            stats.completed(result, System.nanoTime() - op.submittedAt, op.opcode <= IoOp.WRITEV);
        }
        try {
            op.onResult(result);
        } catch (Throwable t) {
            // onResult must not throw; a bug there must not kill the loop and strand other requests.
            Thread.UncaughtExceptionHandler h = Thread.getDefaultUncaughtExceptionHandler();
            if (h != null) {
                h.uncaughtException(thread, t);
            }
        }
    }

    /** After an internal failure of the loop, fail what it still held (the queue has waited for the kernel). */
    private void failInFlight() {
        if (failure == null) {
            return;
        }
        IOException cause = new IOException("jaio event loop failed", failure);
        for (int i = 0; i < capacity; i++) {
            IoOp<?> op = inFlight[i];
            if (op != null) {
                inFlight[i] = null;
                op.slot = -1;
                if (op.opcode <= IoOp.LAST_FILE_OP) {
                    stats.completed(-Errno.EIO, System.nanoTime() - op.submittedAt, false); // it will never complete
                }
                reject(op, cause);
            }
        }
        for (IoOp<?> op = backlogHead; op != null; op = op.plainNext()) {
            if (op.tryRefuse()) {
                reject(op, cause);
            }
        }
        backlogHead = backlogTail = null;
        for (IoOp<?> op = channelWaitHead; op != null; op = op.plainNext()) {
            if (op.tryRefuse()) {
                reject(op, cause);
            }
        }
        channelWaitHead = channelWaitTail = null;
        channelWaitOthers = 0;
        channelWaitReceives = 0;
    }

    /** Rejects {@code op} after a failure of the loop: one op's failure does not keep the others' from running. */
    private static void reject(IoOp<?> op, IOException cause) {
        try {
            op.onRejected(cause);
        } catch (RuntimeException | Error e) {
            cause.addSuppressed(e);
        }
    }

    private void rejectQueued() {
        IoOp<?> stack = incoming.getAndSet(null);
        while (stack != null) {
            IoOp<?> next = stack.plainNext();
            if (stack.tryRefuse()) {
                stack.onRejected(closed());
            }
            stack = next;
        }
    }

    /**
     * Stops accepting ops and waits until every accepted op has completed and the queue is closed.
     * Called on the loop thread itself (from a completion callback), it only starts the close.
     */
    @Override
    public void close() {
        closing = true;
        wake();
        if (inLoop()) {
            return;
        }
        Uninterruptibly.await(terminated);
    }

    /** Whether the loop has stopped. */
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }
}
