package dev.jaio.internal.loop;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.EventLoop;
import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.ProvidedBuffers;
import dev.jaio.internal.engine.SocketOps;
import dev.jaio.internal.engine.LoopDriver;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.NetCalls;
import dev.jaio.internal.linux.Sockets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The §9 part of one event loop: tasks from other threads, timers, and the loop's sockets and
 * pipes, driven by the {@link EventLoop} thread between its file requests (see {@link LoopDriver}).
 *
 * <p>Threading: {@link #execute}, {@link #schedule} and {@link #wakeup} run on any thread; every
 * other method on the loop thread. Tasks run in submission order; a task queued before the loop
 * starts closing runs, one queued after is refused with {@link RejectedExecutionException}.
 * Exceptions thrown by tasks and handlers go to the loop thread's uncaught-exception handler and
 * the loop goes on.
 */
public final class Reactor implements LoopDriver {

    /** Tasks run per turn before the loop looks at I/O again. */
    private static final int TASKS_PER_TURN = 1024;

    private final Backend backend;
    private final Dispatch dispatch;
    private final Waiter waiter;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private volatile boolean accepting = true;
    private final AtomicLong sequence = new AtomicLong();

    /** Set by attach, before the loop thread starts; read by any thread that hands the loop a task. */
    private volatile EventLoop loop;

    // Loop-thread state.
    private final TimerHeap timers = new TimerHeap();
    private final Set<LoopFd> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private Arena arena;
    private MemorySegment scratch;
    private final ArrayList<PendingConnect> connects = new ArrayList<>();

    /**
     * @param dispatch how completions reach the public layer's handlers
     */
    public Reactor(Backend backend, Dispatch dispatch) {
        this.backend = backend;
        if (backend == Backend.URING) {
            SplicePipes.prepare(); // its budget, read from /proc here rather than on the loop thread
        }
        this.dispatch = dispatch;
        this.waiter = backend.readiness == Backend.Readiness.EPOLL ? new EpollWaiter()
                : new QueueWaiter(backend == Backend.AIO_POLL);
    }

    /** The backend. */
    public Backend backend() {
        return backend;
    }

    /** Writes of at least this many bytes to a socket go as SEND_ZC on uring; 0: none. Loop thread after set-up. */
    private long sendZeroCopyFrom;
    /** Zero-copy sends whose notification came, and those that said the kernel copied the bytes after all; written by the loop thread only. */
    private volatile long zeroCopySends;
    private volatile long zeroCopyCopied;

    /** Set before the loop starts ({@link dev.jaio.loop.LoopConfig#sendZeroCopyFrom()}). */
    public void sendZeroCopyFrom(long bytes) {
        this.sendZeroCopyFrom = backend == Backend.URING ? bytes : 0;
    }

    /**
     * The most bytes one channel hands to the kernel in one turn ({@link dev.jaio.loop.LoopConfig#sendBytesPerTurn()};
     * no limit: Long.MAX_VALUE): by its sendfiles on the readiness backends (and its writes where
     * they are system calls of the loop thread), the rest next turn; the most one queued write
     * request carries (uring's SEND, native AIO's IOCB_CMD_PWRITE). Set before the loop starts.
     */
    private long sendBytesPerTurn = Long.MAX_VALUE;

    /** Set before the loop starts ({@link dev.jaio.loop.LoopConfig#sendBytesPerTurn()}; 0: no limit). */
    public void sendBytesPerTurn(long bytes) {
        this.sendBytesPerTurn = bytes == 0 ? Long.MAX_VALUE : bytes;
    }

    /** The most bytes a channel sends in one turn (Long.MAX_VALUE: no limit). */
    long sendBytesPerTurn() {
        return sendBytesPerTurn;
    }

    /** Turns begun so far (loop thread): a channel's send budget is per turn, whatever number of writes it makes in it. */
    private long turns;

    long turns() {
        return turns;
    }

    /** The threshold of zero-copy sends, 0 when off (or refused by the kernel). */
    long sendZeroCopyFrom() {
        return sendZeroCopyFrom;
    }

    /** The kernel has no SEND_ZC: plain sends from now on. */
    void refuseSendZeroCopy() {
        sendZeroCopyFrom = 0;
    }

    /** Whether SEND_ZC asks its notification to report a copy (IORING_SEND_ZC_REPORT_USAGE, 6.2). */
    private boolean zeroCopyReportsUsage = true;

    boolean zeroCopyReportsUsage() {
        return zeroCopyReportsUsage;
    }

    /** The kernel refused IORING_SEND_ZC_REPORT_USAGE (before 6.2): zero-copy sends without it. */
    void stopZeroCopyUsageReports() {
        zeroCopyReportsUsage = false;
    }

    /** A zero-copy send's notification came; {@code copied}: the kernel copied its bytes. */
    void zeroCopySent(boolean copied) {
        zeroCopySends++;
        if (copied) {
            zeroCopyCopied++;
        }
    }

    /** Zero-copy sends so far, and how many of them the kernel copied: {sends, copied}; any thread. */
    public long[] zeroCopyCounts() {
        return new long[] {zeroCopySends, zeroCopyCopied};
    }

    EventLoop loop() {
        return loop;
    }

    // ---- receive buffers ----

    /** The buffer group of the loop's receive buffers in its ring (one group per ring). */
    static final int RECEIVE_GROUP = 0;
    private IoQueue queue;
    private int receiveBufferCount = 256;
    private int receiveBufferSize = 16 * 1024;
    /** uring: the ring of buffers the kernel picks from, registered at the first receive; null before, or when refused. */
    private ProvidedBuffers ringBuffers;
    /** Why the kernel refused the ring of receive buffers (then each channel receives into a buffer of its own). */
    private String ringBuffersRefused;
    /** The readiness backends' receive buffer: one for the loop, as a chunk is handed over before the next is read. */
    private MemorySegment loopReceiveBuffer;
    /** Ring buffers the loop holds (reported by a completion, not recycled yet); the rest are the kernel's. */
    private int ringOut;
    /** Channels whose receive found the ring dry (-ENOBUFS): re-armed, one per free buffer, at the next turn. */
    private final java.util.ArrayDeque<StreamFd> starved = new java.util.ArrayDeque<>();
    /** Channels whose receive stopped after a burst with more to read: continued next turn. */
    private final java.util.ArrayDeque<StreamFd> receiveAgain = new java.util.ArrayDeque<>();
    /** Channels that used their allowance for a turn ({@link #sendBytesPerTurn}) with more to send: continued next turn. */
    private final java.util.ArrayDeque<StreamFd> sendAgain = new java.util.ArrayDeque<>();
    /** Sends continued next turn so far (loop thread writes; a snapshot elsewhere). */
    private volatile long sendsContinued;

    /** Set before the loop starts ({@link dev.jaio.loop.LoopConfig#receiveBufferCount()} and size). */
    public void receiveBuffers(int count, int size) {
        this.receiveBufferCount = count;
        this.receiveBufferSize = size;
    }

    /**
     * uring: the loop's ring of receive buffers, registered with the kernel on first use; null when
     * the kernel refused it (too old: then receives go into each channel's own buffer).
     */
    ProvidedBuffers ringBuffers() {
        if (ringBuffers == null && ringBuffersRefused == null) {
            try {
                ringBuffers = ((SocketOps) queue).provideBuffers(RECEIVE_GROUP, receiveBufferCount, receiveBufferSize);
            } catch (IOException | RuntimeException | OutOfMemoryError e) {
                // OutOfMemoryError: the buffers' memory could not be had (LoopConfig bounds it to 1 GiB).
                ringBuffersRefused = e.getMessage();
                System.getLogger("dev.jaio.loop").log(System.Logger.Level.WARNING, "receive on " + loop
                        + ": no provided buffer ring (" + e.getMessage() + "); each connection receives into a buffer"
                        + " of its own");
            }
        }
        return ringBuffers;
    }

    /** The size of a receive buffer. */
    int receiveBufferSize() {
        return receiveBufferSize;
    }

    /** The readiness backends' receive buffer, made on first use. */
    MemorySegment loopReceiveBuffer() {
        if (loopReceiveBuffer == null) {
            loopReceiveBuffer = arena.allocate(receiveBufferSize, 64);
        }
        return loopReceiveBuffer;
    }

    /** A completion named ring buffer {@code id}: the loop holds it until {@link #recycle}. */
    void ringTook() {
        ringOut++;
    }

    /** A readiness receive's chunk is in the loop's one buffer (a received() on the stack). */
    private int loopBufferInUse;

    /** Whether the loop's one receive buffer holds a chunk a handler is looking at now. */
    boolean loopReceiveBufferBusy() {
        return loopBufferInUse > 0;
    }

    /** {@link #received} of a chunk in the loop's one buffer, which no other receive reads into meanwhile. */
    boolean receivedInLoopBuffer(Object handler, MemorySegment buffer, int count, Object attachment) {
        loopBufferInUse++;
        try {
            return received(handler, buffer, count, attachment);
        } finally {
            loopBufferInUse--;
        }
    }

    /** Hands a ring buffer back to the kernel. */
    void recycle(int id) {
        ringOut--;
        ringBuffers.recycle(id);
    }

    /**
     * Re-arms the receives that found the ring dry, one per buffer the ring holds now. Buffers the
     * loop does not hold are in the ring: a request that picks one posts its completion at once, so
     * a buffer is never picked and unreported for long. The -ENOBUFS may have been reaped after the
     * ring was refilled (it was posted before), so waiting for the next recycle could wait forever.
     */
    private boolean rearmStarved() {
        boolean any = false;
        for (int free = ringBuffers.count() - ringOut; free > 0 && !starved.isEmpty(); free--) {
            starved.poll().receiveRearm();
            any = true;
        }
        return any;
    }

    /** Multishot RECV works here; false after a kernel refused it (5.19): one RECV per chunk. */
    private boolean recvMultishot = true;
    /** Channels whose multishot receive was armed, oldest first (each once: {@link StreamFd#armedListed}). */
    private final java.util.ArrayDeque<StreamFd> armedReceives = new java.util.ArrayDeque<>();

    boolean recvMultishot() {
        return recvMultishot;
    }

    /** The kernel refused multishot RECV: receives go one RECV (picking a ring buffer) per chunk from now on. */
    void refuseRecvMultishot(String why) {
        if (recvMultishot) {
            recvMultishot = false;
            System.getLogger("dev.jaio.loop").log(System.Logger.Level.INFO, "receive on " + loop + ": " + why
                    + "; one RECV per chunk from the provided buffer ring");
        }
    }

    /** Tests: receive as on a kernel without multishot RECV (before the first receive). */
    public void refuseRecvMultishotForTest() {
        recvMultishot = false;
    }

    /** {@code s} armed a multishot receive. */
    void receiveArmed(StreamFd s) {
        armedReceives.add(s);
    }

    /**
     * A multishot receive with no chunk for this long gives its place to a receive waiting for one
     * (time slices: more connections than places all get their turn, where one-shot reads of
     * silent peers would hold their places for ever).
     */
    static final long QUIET_NANOS = 10_000_000;
    /** A wakeup for the moment the first held receive has been quiet long enough; null when none is set. */
    private ScheduledTask quietTimer;

    /**
     * Requests wait for a place in the queue: armed multishot receives give theirs back, oldest
     * first (those already giving it back count). For each waiting request other than a receive
     * (a response's write, say: its peer stays silent until it goes out) any receive holding a
     * place yields; for each waiting receive one quiet for {@link #QUIET_NANOS} does, so idle
     * connections beyond the places take turns instead of cancelling each other in a circle.
     */
    @Override
    public void channelPlaceWanted(int others, int receives) {
        long now = System.nanoTime();
        long firstQuiet = Long.MAX_VALUE;
        for (int i = armedReceives.size(); i > 0 && (others > 0 || receives > 0); i--) {
            StreamFd s = armedReceives.poll();
            switch (s.receivePlace()) {
                case StreamFd.PLACE_NONE -> {
                    s.armedListed = false; // not a multishot receive any more: made again, it is listed again
                    continue;
                }
                case StreamFd.PLACE_HELD -> {
                    long quietAt = s.receiveActiveAt() + QUIET_NANOS;
                    if (others > 0) {
                        s.yieldReceivePlace();
                        others--;
                    } else if (now - quietAt >= 0) {
                        s.yieldReceivePlace();
                        receives--;
                    } else {
                        firstQuiet = Math.min(firstQuiet, quietAt - now);
                    }
                }
                case StreamFd.PLACE_RETURNING -> {
                    if (others > 0) {
                        others--;
                    } else {
                        receives--;
                    }
                }
                default -> {
                    // waiting for a place itself
                }
            }
            armedReceives.add(s);
        }
        if (receives > 0 && firstQuiet != Long.MAX_VALUE && quietTimer == null) {
            // Nothing else may wake the loop when the first held receive turns quiet enough.
            quietTimer = timerOnLoop(() -> quietTimer = null, firstQuiet);
        }
    }

    /** {@code s}'s receive found the ring dry: it is re-armed when the ring has a buffer again. */
    void starve(StreamFd s) {
        ringDry++;
        starved.add(s);
    }

    /** Chunks handed to receive handlers, and receives that found the ring dry (loop thread writes; a snapshot elsewhere). */
    private long receivedChunks;
    private long ringDry;

    /** {chunks received, receives that found the ring dry}; any thread (a snapshot). */
    public long[] receiveCounts() {
        return new long[] {receivedChunks, ringDry};
    }

    /** Tests: receive as on a kernel that refuses provided buffer rings (each channel's own buffer); before the first receive. */
    public void refuseProvidedBuffers(String why) {
        if (ringBuffers == null) {
            ringBuffersRefused = why;
        }
    }

    /** {@code s}'s receive continues next turn (a burst ended with more to read). */
    void receiveNextTurn(StreamFd s) {
        receiveAgain.add(s);
    }

    /** {@code s}'s write or sendfile continues next turn (it sent its bytes for this one); {@code s} is not queued yet. */
    void sendNextTurn(StreamFd s) {
        sendAgain.add(s);
        sendsContinued++;
    }

    /**
     * A queued write's request (uring's SEND, native AIO's IOCB_CMD_PWRITE) was cut at
     * {@link #sendBytesPerTurn}; its completion submits the rest with the loop's next
     * io_uring_enter or io_submit. Counted as a continued send.
     */
    void sendSplit() {
        sendsContinued++;
    }

    /**
     * {@return the writes and sendfiles continued in a later turn so far, because they sent their
     * bytes for a turn (queued writes: the requests cut at the allowance); any thread (a snapshot)}
     */
    public long sendsContinued() {
        return sendsContinued;
    }

    /** What receives are buffered with, in words; loop thread. */
    public String receiveBuffersText() {
        if (backend != Backend.URING) {
            return "one loop buffer of " + receiveBufferSize + " B";
        }
        return ringBuffers != null ? ringBuffers.count() + " x " + ringBuffers.size() + " B provided buffer ring"
                : ringBuffersRefused != null ? "per-connection buffers (" + ringBuffersRefused + ")" : "not used yet";
    }

    Waiter waiter() {
        return waiter;
    }

    /** Whether the calling thread is the loop's. */
    public boolean inLoop() {
        return loop != null && loop.inLoop();
    }

    // ---- LoopDriver ----

    @Override
    public void attach(EventLoop loop, IoQueue queue, CompletionSink sink) {
        this.loop = loop;
        this.queue = queue;
        this.arena = Arena.ofShared();
        this.scratch = arena.allocate(Sockets.SOCKADDR_MAX + 8, 8);
        try {
            waiter.attach(this, queue, sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean runDue() {
        turns++;
        boolean ran = !deferred.isEmpty() && runDeferred();
        if (!starved.isEmpty()) {
            ran |= rearmStarved();
        }
        if (!receiveAgain.isEmpty()) {
            ran |= continueQueued(receiveAgain, false);
        }
        if (!sendAgain.isEmpty()) {
            ran |= continueQueued(sendAgain, true);
        }
        for (int i = 0; i < TASKS_PER_TURN; i++) {
            Runnable r = tasks.poll();
            if (r == null) {
                break;
            }
            ran = true;
            runSafely(r);
        }
        if (!timers.isEmpty()) {
            long now = System.nanoTime();
            ScheduledTask t;
            while ((t = timers.peek()) != null && t.deadline - now <= 0) {
                timers.poll();
                if (t.claim()) {
                    ran = true;
                    runSafely(t.task);
                }
            }
        }
        return ran;
    }

    /**
     * Continues the receives ({@code sends} false) or sends queued for this turn; those queued
     * again meanwhile wait for the next. A channel whose continuation throws is closed.
     */
    private boolean continueQueued(java.util.ArrayDeque<StreamFd> queue, boolean sends) {
        for (int i = queue.size(); i > 0; i--) {
            StreamFd s = queue.poll();
            try {
                if (sends) {
                    s.sendContinue();
                } else {
                    s.receiveContinue();
                }
            } catch (RuntimeException | Error e) {
                uncaught(e);
                s.close();
            }
        }
        return true;
    }

    @Override
    public boolean hasDue() {
        if (!tasks.isEmpty() || !deferred.isEmpty() || !receiveAgain.isEmpty() || !sendAgain.isEmpty()
                || !starved.isEmpty() && ringOut < ringBuffers.count()) {
            return true;
        }
        ScheduledTask t = timers.peek();
        return t != null && t.deadline - System.nanoTime() <= 0;
    }

    @Override
    public int park() {
        long timeout = -1;
        ScheduledTask t;
        while ((t = timers.peek()) != null && t.isCancelled()) {
            timers.poll(); // a cancelled timer should not cut the wait short
        }
        if (t != null) {
            timeout = Math.max(0, t.deadline - System.nanoTime());
        }
        return waiter.park(timeout);
    }

    @Override
    public int poll() {
        return waiter.poll();
    }

    @Override
    public void wakeup() {
        waiter.wakeup();
    }

    @Override
    public void shutdown() {
        accepting = false;
        for (LoopFd fd : new ArrayList<>(open)) {
            fd.close();
        }
        timers.forEach(ScheduledTask::cancel);
        timers.clear();
        waiter.shutdown();
    }

    @Override
    public void release() {
        waiter.release();
        if (arena != null) {
            arena.close();
        }
        if (sendStaging != null) {
            sendStaging.release(); // after the queue's close, which waited for every request
        }
    }

    /** uring: the staging buffers of the channels' sends of ranges in the page cache, made with the first. */
    private SendStaging sendStaging;

    /** uring, loop thread: the loop's staging buffers ({@link SendStaging}). */
    SendStaging sendStaging() {
        if (sendStaging == null) {
            sendStaging = new SendStaging(sendBytesPerTurn);
        }
        return sendStaging;
    }

    /** Tests, loop thread: staging buffers taken by sends that have not ended. */
    public int sendStagingTakenForTest() {
        return sendStaging == null ? 0 : sendStaging.taken();
    }

    /** Tests: the most staging buffers this loop makes (loop thread). */
    public int sendStagingMaxForTest() {
        return sendStaging().maxBuffers();
    }

    // ---- tasks and timers ----

    /**
     * Runs {@code task} on the loop thread, after the tasks queued before it; any thread.
     *
     * @throws RejectedExecutionException once the loop is closing
     */
    public void execute(Runnable task) {
        if (!accepting) {
            throw rejected();
        }
        tasks.add(task);
        if (!accepting && tasks.remove(task)) {
            // The loop stopped taking tasks meanwhile and has not taken this one: it never will.
            throw rejected();
        }
        loop.wakeIfParked();
    }

    private static RejectedExecutionException rejected() {
        return new RejectedExecutionException("the event loop is closed");
    }

    /** Runs {@code task} on the loop thread after {@code delayNanos}; any thread. */
    public ScheduledTask schedule(Runnable task, long delayNanos) {
        ScheduledTask t = new ScheduledTask(System.nanoTime() + Math.max(0, delayNanos), sequence.incrementAndGet(), task);
        if (inLoop()) {
            if (!accepting) {
                throw rejected();
            }
            timers.add(t);
        } else {
            execute(() -> timers.add(t));
        }
        return t;
    }

    /** Loop thread: a timer for this package's own use (an accept backoff). */
    void scheduleOnLoop(Runnable task, long delayNanos) {
        timerOnLoop(task, delayNanos);
    }

    /**
     * Loop thread: a timer for this package's own use that its owner may take back with
     * {@link #cancelTimer} (a read's timeout); null once the loop is closing (nothing will wait then).
     */
    ScheduledTask timerOnLoop(Runnable task, long delayNanos) {
        if (!accepting) {
            return null;
        }
        ScheduledTask t = new ScheduledTask(System.nanoTime() + delayNanos, sequence.incrementAndGet(), task);
        timers.add(t);
        return t;
    }

    /** Loop thread: stops {@code t} and takes it out of the heap at once. */
    void cancelTimer(ScheduledTask t) {
        t.cancel();
        timers.remove(t);
    }

    /** Tests: the pages uring sendFile pipes of this process may be grown by (Long.MAX_VALUE: no limit); returns what it was. */
    public static long splicePipeBudgetForTest(long pages) {
        return SplicePipes.budgetForTest(pages);
    }

    /** Tests: the pages of this process's grown sendFile pipes. */
    public static long splicePipePagesForTest() {
        return SplicePipes.grownPagesForTest();
    }

    /** Timers waiting (cancelled ones included until their deadline). */
    public int pendingTimers() {
        return timers.size();
    }

    private void runSafely(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            uncaught(t);
        }
    }

    static void uncaught(Throwable t) {
        Thread th = Thread.currentThread();
        Thread.UncaughtExceptionHandler h = th.getUncaughtExceptionHandler();
        if (h != null) {
            h.uncaughtException(th, t);
        }
    }

    // ---- completions to the public layer ----

    /**
     * Handlers on the loop's stack at most: on the readiness backends a request often completes
     * inside the call that made it (the socket had the data), and a handler that makes its next
     * request from its completion would recurse once per request; past this depth completions
     * wait in {@link #deferred} for the next turn (as NIO2's maxCompletionHandlersOnStack). The
     * next turn runs them, and then {@link #poll() polls} readiness without waiting, so a channel
     * whose peer always has bytes does not keep the others' readiness unseen.
     */
    static final int MAX_STACKED_HANDLERS = 16;
    private int stackedHandlers;
    /** Completions left for the next turn, in order; reused, so deferring allocates nothing. */
    private final DeferredEnds deferred = new DeferredEnds();

    void completed(Object handler, long result, Object attachment) {
        end(handler, result, null, attachment, false);
    }

    void failed(Object handler, IOException cause, Object attachment) {
        end(handler, 0, cause, attachment, false);
    }

    /** A receive reached the end of the stream. */
    void receiveEnded(Object handler, Object attachment) {
        end(handler, -1, null, attachment, true);
    }

    /** A receive failed. */
    void receiveFailed(Object handler, IOException cause, Object attachment) {
        end(handler, 0, cause, attachment, true);
    }

    /**
     * Hands a receive's chunk to its handler, now (the buffer is valid during the call only): true
     * when the receive goes on. A handler that throws stops its receive (the throw goes to the
     * thread's uncaught handler).
     */
    boolean received(Object handler, MemorySegment buffer, int count, Object attachment) {
        receivedChunks++;
        stackedHandlers++;
        try {
            return dispatch.received(handler, buffer, count, attachment);
        } catch (Throwable t) {
            uncaught(t);
            return false;
        } finally {
            stackedHandlers--;
        }
    }

    /** Hands a request's end to its handler, or to the next turn when too many handlers are on the stack. */
    private void end(Object handler, long result, IOException failure, Object attachment, boolean receive) {
        if (stackedHandlers >= MAX_STACKED_HANDLERS) {
            deferred.add(handler, result, failure, attachment, receive);
            return;
        }
        stackedHandlers++;
        try {
            if (receive) {
                if (failure == null) {
                    dispatch.receiveEnded(handler, attachment);
                } else {
                    dispatch.receiveFailed(handler, failure, attachment);
                }
            } else if (failure == null) {
                dispatch.completed(handler, result, attachment);
            } else {
                dispatch.failed(handler, failure, attachment);
            }
        } catch (Throwable t) {
            uncaught(t);
        } finally {
            stackedHandlers--;
        }
    }

    /** Runs the completions left for this turn (those deferred meanwhile wait for the next). */
    private boolean runDeferred() {
        int n = deferred.size();
        for (int i = 0; i < n; i++) {
            deferred.endFirst(this);
        }
        return n > 0;
    }

    /**
     * A first-in first-out ring of deferred completions, one array per field, grown by doubling
     * and never shrunk: the loop defers without allocating once it has deferred as many at once.
     * Loop thread only.
     */
    static final class DeferredEnds {
        Object[] handlers = new Object[16];
        long[] results = new long[16];
        IOException[] failures = new IOException[16];
        Object[] attachments = new Object[16];
        boolean[] receives = new boolean[16];
        int head;
        private int size;

        int size() {
            return size;
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(Object handler, long result, IOException failure, Object attachment, boolean receive) {
            if (size == handlers.length) {
                grow();
            }
            int at = (head + size) & (handlers.length - 1);
            handlers[at] = handler;
            results[at] = result;
            failures[at] = failure;
            attachments[at] = attachment;
            receives[at] = receive;
            size++;
        }

        /** Takes the first entry out and hands it to {@code reactor}'s handler (which may defer more). */
        void endFirst(Reactor reactor) {
            int at = head;
            Object handler = handlers[at];
            long result = results[at];
            IOException failure = failures[at];
            Object attachment = attachments[at];
            boolean receive = receives[at];
            removeFirst();
            reactor.end(handler, result, failure, attachment, receive);
        }

        /** Forgets the first entry (its references too, for the collector). */
        void removeFirst() {
            handlers[head] = null;
            failures[head] = null;
            attachments[head] = null;
            head = (head + 1) & (handlers.length - 1);
            size--;
        }

        private void grow() {
            int n = handlers.length;
            Object[] h = new Object[n * 2];
            long[] r = new long[n * 2];
            IOException[] f = new IOException[n * 2];
            Object[] a = new Object[n * 2];
            boolean[] v = new boolean[n * 2];
            for (int i = 0; i < size; i++) {
                int from = (head + i) & (n - 1);
                h[i] = handlers[from];
                r[i] = results[from];
                f[i] = failures[from];
                a[i] = attachments[from];
                v[i] = receives[from];
            }
            handlers = h;
            results = r;
            failures = f;
            attachments = a;
            receives = v;
            head = 0;
        }
    }

    void accepted(ListenFd listener, Object handler, int fd) {
        StreamFd s = new StreamFd(this, fd, StreamFd.Kind.SOCKET);
        try {
            adopt(s);
        } catch (IOException e) {
            Libc.close(fd);
            acceptFailed(handler, new IOException("accept on " + listener.describe() + ": " + e.getMessage(), e));
            return;
        }
        setNoDelay(fd);
        try {
            dispatch.accepted(handler, s);
        } catch (Throwable t) {
            uncaught(t);
        }
    }

    void acceptFailed(Object handler, IOException cause) {
        try {
            dispatch.acceptFailed(handler, cause);
        } catch (Throwable t) {
            uncaught(t);
        }
    }

    /** Registers a new descriptor of this loop. */
    private void adopt(LoopFd fd) throws IOException {
        if (!accepting) {
            throw new AsynchronousCloseException();
        }
        if (backend != Backend.URING || fd instanceof ListenFd) {
            waiter.register(fd);
        }
        open.add(fd);
    }

    /** {@code fd} is closed: forget it. */
    void released(LoopFd fd) {
        open.remove(fd);
    }

    /** Descriptors open on this loop (tests: close leaves none). */
    public int openDescriptors() {
        return open.size();
    }

    // ---- making descriptors (loop thread) ----

    /** Socket and pipe descriptors block on uring (the ring waits for them), and not elsewhere. */
    private int nonBlockingFlag() {
        return backend == Backend.URING ? 0 : Sockets.SOCK_NONBLOCK;
    }

    /**
     * Opens a listening socket bound to {@code address}.
     *
     * @param reusePort set SO_REUSEPORT, so that several loops (one per core) listen on one port
     *     and the kernel spreads connections between them
     */
    public ListenFd listen(InetSocketAddress address, int backlog, boolean reusePort, Object handler) throws IOException {
        int family = Sockets.family(address);
        long rc = NetCalls.socket(family, Sockets.SOCK_STREAM | Sockets.SOCK_CLOEXEC | nonBlockingFlag(), 0);
        if (rc < 0) {
            throw new IOException("socket for " + address + ": " + Errno.describe((int) -rc));
        }
        int fd = (int) rc;
        try {
            setIntOption(fd, Sockets.SOL_SOCKET, Sockets.SO_REUSEADDR, 1, address);
            if (reusePort) {
                setIntOption(fd, Sockets.SOL_SOCKET, Sockets.SO_REUSEPORT, 1, address);
            }
            int len = Sockets.writeAddress(scratch, address);
            rc = NetCalls.bind(fd, scratch, len);
            if (rc < 0) {
                String text = "bind " + address + ": " + Errno.describe((int) -rc);
                throw rc == -Errno.EADDRINUSE ? new BindException(text) : new IOException(text);
            }
            rc = NetCalls.listen(fd, backlog);
            if (rc < 0) {
                throw new IOException("listen on " + address + " (backlog " + backlog + "): " + Errno.describe((int) -rc));
            }
            ListenFd l = new ListenFd(this, fd, handler, socketAddress(fd, false));
            adopt(l);
            l.start();
            return l;
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * Connects to {@code address}; the future completes on the loop thread with the connected
     * socket, or fails with a {@link ConnectException} naming the address and errno.
     */
    public CompletableFuture<StreamFd> connect(InetSocketAddress address) {
        CompletableFuture<StreamFd> result = new CompletableFuture<>();
        long rc = NetCalls.socket(Sockets.family(address), Sockets.SOCK_STREAM | Sockets.SOCK_CLOEXEC | nonBlockingFlag(), 0);
        if (rc < 0) {
            result.completeExceptionally(new IOException("socket for " + address + ": " + Errno.describe((int) -rc)));
            return result;
        }
        int fd = (int) rc;
        StreamFd s = new StreamFd(this, fd, StreamFd.Kind.SOCKET);
        PendingConnect pc = new PendingConnect(s, address, result);
        if (backend == Backend.URING) {
            pc.address = Arena.ofAuto().allocate(Sockets.SOCKADDR_MAX, 8); // the kernel copies it at submission
            int len = Sockets.writeAddress(pc.address, address);
            try {
                adopt(s);
            } catch (IOException e) {
                Libc.close(fd);
                result.completeExceptionally(e);
                return result;
            }
            connects.add(pc);
            pc.op = new ChannelOp(IoOp.CONNECT, s, ChannelOp.CONNECT);
            pc.op.setAddressLength(len);
            pc.op.start(pc.address, 0);
            return result;
        }
        int len = Sockets.writeAddress(scratch, address);
        rc = NetCalls.connect(fd, scratch, len);
        if (rc < 0 && rc != -Errno.EINPROGRESS) {
            Libc.close(fd);
            result.completeExceptionally(connectFailure(address, rc));
            return result;
        }
        try {
            adopt(s);
        } catch (IOException e) {
            Libc.close(fd);
            result.completeExceptionally(e);
            return result;
        }
        if (rc == 0) {
            setNoDelay(fd);
            result.complete(s);
            return result;
        }
        connects.add(pc);
        pc.readinessPending = true;
        s.awaitWritable();
        return result;
    }

    private static ConnectException connectFailure(InetSocketAddress address, long rc) {
        return new ConnectException("connect to " + address + ": " + Errno.describe((int) -rc));
    }

    /** A connect in progress. */
    private static final class PendingConnect {
        final StreamFd socket;
        final InetSocketAddress target;
        final CompletableFuture<StreamFd> result;
        MemorySegment address;
        ChannelOp op;
        boolean readinessPending;

        PendingConnect(StreamFd socket, InetSocketAddress target, CompletableFuture<StreamFd> result) {
            this.socket = socket;
            this.target = target;
            this.result = result;
        }
    }

    /** Whether any connect is in progress on this loop. */
    boolean connecting() {
        return !connects.isEmpty();
    }

    private PendingConnect pendingConnect(StreamFd s) {
        for (int i = 0; i < connects.size(); i++) {
            if (connects.get(i).socket == s) {
                return connects.get(i);
            }
        }
        return null;
    }

    /** The ring's CONNECT of {@code s} ended. */
    void connectCompleted(StreamFd s, long result) {
        PendingConnect pc = pendingConnect(s);
        if (pc == null) {
            return;
        }
        connects.remove(pc);
        finishConnect(pc, result);
    }

    /** Readiness of a socket whose non-blocking connect is in progress: the connect has ended. */
    boolean connectReady(StreamFd s) {
        PendingConnect pc = pendingConnect(s);
        if (pc == null || !pc.readinessPending) {
            return false;
        }
        connects.remove(pc);
        long err = NetCalls.getsockoptInt(s.fd, Sockets.SOL_SOCKET, Sockets.SO_ERROR, scratch);
        finishConnect(pc, err < 0 ? err : -err);
        return true;
    }

    private void finishConnect(PendingConnect pc, long result) {
        if (result == 0 && !pc.socket.closed) {
            setNoDelay(pc.socket.fd);
            pc.result.complete(pc.socket);
            return;
        }
        boolean closedFirst = pc.socket.closed;
        pc.socket.close();
        pc.result.completeExceptionally(closedFirst || result == -Errno.ECANCELED
                ? new AsynchronousCloseException() : connectFailure(pc.target, result));
    }

    /** {@code s} closes: a connect of it in progress fails. */
    void abortConnect(StreamFd s) {
        PendingConnect pc = pendingConnect(s);
        if (pc == null) {
            return;
        }
        if (pc.op != null && pc.op.inFlight()) {
            pc.op.cancel(); // its completion fails the future
        } else {
            connects.remove(pc);
            pc.result.completeExceptionally(new AsynchronousCloseException());
        }
    }

    /**
     * Opens a pipe on this loop.
     *
     * @return the read end and the write end
     */
    public StreamFd[] openPipe() throws IOException {
        return openPipe(nonBlockingFlag());
    }

    /**
     * Opens a pipe whose write end is for {@code other}'s loop: the read end is adopted here, and
     * the write end's descriptor is returned for {@link #adoptPipeSink} on the other loop's thread.
     * Non-blocking when either loop waits by readiness (a uring loop handles EAGAIN by polling).
     *
     * @return the read end here, and the write end's descriptor
     */
    public Object[] openPipeTo(Reactor other) throws IOException {
        StreamFd[] both = openPipe(nonBlockingFlag() | other.nonBlockingFlag());
        // Only the read end stays here; the write end moves to the other loop.
        open.remove(both[1]);
        waiter.deregister(both[1]);
        return new Object[] {both[0], both[1].fd};
    }

    /** Closes a descriptor no loop has adopted (a pipe end whose loop refused it). */
    public static void discard(int fd) {
        Libc.close(fd);
    }

    /** Adopts the write end {@code fd} of a pipe made by {@link #openPipeTo} on another loop. */
    public StreamFd adoptPipeSink(int fd) throws IOException {
        StreamFd sink = new StreamFd(this, fd, StreamFd.Kind.PIPE_SINK);
        try {
            adopt(sink);
        } catch (IOException e) {
            Libc.close(fd);
            throw e;
        }
        return sink;
    }

    private StreamFd[] openPipe(int flags) throws IOException {
        long rc = NetCalls.pipe2(scratch, Fcntl.O_CLOEXEC | flags);
        if (rc < 0) {
            throw new IOException("pipe2: " + Errno.describe((int) -rc));
        }
        int r = scratch.get(JAVA_INT, 0);
        int w = scratch.get(JAVA_INT, 4);
        StreamFd source = new StreamFd(this, r, StreamFd.Kind.PIPE_SOURCE);
        StreamFd sink = new StreamFd(this, w, StreamFd.Kind.PIPE_SINK);
        try {
            adopt(source);
        } catch (IOException e) {
            Libc.close(r);
            Libc.close(w);
            throw e;
        }
        try {
            adopt(sink);
        } catch (IOException e) {
            source.close();
            Libc.close(w);
            throw e;
        }
        return new StreamFd[] {source, sink};
    }

    // ---- socket helpers ----

    private void setNoDelay(int fd) {
        scratch.set(JAVA_INT, 0, 1);
        NetCalls.setsockopt(fd, Sockets.IPPROTO_TCP, Sockets.TCP_NODELAY, scratch, 4); // best effort
    }

    private void setIntOption(int fd, int level, int name, int value, InetSocketAddress address) throws IOException {
        scratch.set(JAVA_INT, 0, value);
        long rc = NetCalls.setsockopt(fd, level, name, scratch, 4);
        if (rc < 0) {
            throw new IOException("setsockopt(" + name + ") for " + address + ": " + Errno.describe((int) -rc));
        }
    }

    /** The local or peer address of socket {@code fd}; null when the kernel has none (a peer gone). */
    InetSocketAddress socketAddress(int fd, boolean peer) {
        MemorySegment len = scratch.asSlice(Sockets.SOCKADDR_MAX, 4);
        len.set(JAVA_INT, 0, (int) Sockets.SOCKADDR_MAX);
        long rc = peer ? NetCalls.getpeername(fd, scratch, len) : NetCalls.getsockname(fd, scratch, len);
        return rc < 0 ? null : Sockets.readAddress(scratch);
    }
}
