package dev.jaio.loop;

import dev.jaio.EngineConfig;
import dev.jaio.EngineStatus;
import dev.jaio.IoEngine;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.linux.NativeAccess;
import dev.jaio.internal.loop.Backend;
import dev.jaio.internal.loop.Dispatch;
import dev.jaio.internal.loop.ListenFd;
import dev.jaio.internal.loop.Reactor;
import dev.jaio.internal.loop.StreamFd;
import dev.jaio.internal.provider.Engines;
import dev.jaio.internal.provider.LoopEngines;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One thread that runs disk and network I/O together (the paper's §9): file requests of the
 * {@link dev.jaio.AsyncFile}s opened on {@link #engine()}, TCP listeners and connections, pipes,
 * timers, and tasks handed to it from other threads, all through one kernel queue and one blocking
 * call per turn.
 *
 * <p>Backends (the paper's three options and a baseline), chosen by {@link LoopConfig#backend()}:
 * <ul>
 * <li>{@code uring}: one io_uring per loop runs file requests, RECV/SEND/ACCEPT/CONNECT for
 *     sockets and READ/WRITE for pipes; the loop waits in io_uring_enter;
 * <li>{@code aio-poll}: one native AIO context runs file requests, IOCB_CMD_POLL for sockets and
 *     pipes (Linux 4.18) and IOCB_CMD_PWRITE for socket writes; the loop waits in io_getevents
 *     and reads (or, a pipe, writes) a ready descriptor without blocking;
 * <li>{@code epoll+aio}: epoll for sockets and pipes; native AIO for files and socket writes,
 *     whose completions signal an eventfd in the epoll set (IOCB_FLAG_RESFD); the loop waits in
 *     epoll_wait;
 * <li>{@code threads}: epoll for sockets and pipes; files on the thread-pool engine, whose
 *     workers signal an eventfd in the epoll set;
 * <li>{@code auto}: the first of uring, epoll+aio, aio-poll and threads whose queue sets up;
 *     {@link #selectionReason()} says which were skipped and why.
 * </ul>
 *
 * <p>Socket writes: on every backend but {@code threads} they go to the loop's kernel queue (SEND,
 * or IOCB_CMD_PWRITE, which native AIO runs inside io_submit), and a turn's writes leave in the
 * one call that ends it: each write wakes its reader, which would otherwise preempt the loop after
 * each one. A write's handler therefore runs after the call that made it has returned, once the
 * turn's submit has run, and before the answer to it from a channel of the same loop is read.
 *
 * <p>What does not block: socket, pipe and timer work never waits on any backend, nor do file
 * requests. On {@code uring} the kernel hands what would wait to its io-wq workers, and
 * {@code threads} runs files on its pool. On {@code aio-poll} and {@code epoll+aio}, native AIO
 * queues {@link dev.jaio.FileOption#DIRECT} and {@link dev.jaio.FileOption#CACHED} requests (jaio's
 * cache reads with O_DIRECT) and fsyncs, but Linux runs a read or write of a kernel-buffered file
 * (opened without DIRECT) inside io_submit, where a miss of the kernel's page cache would hold the
 * loop thread until the disk answers (the paper's §3). So those loops hand such reads and writes
 * to a pool of {@link dev.jaio.EngineConfig#threads()} threads of their own, started with the
 * first one ({@link #bufferedFileRequestsOnThreads()} counts them); the pool's workers wake the
 * loop, and the requests complete on the loop thread like any other. A read the kernel's cache
 * holds is still copied on the calling thread when the engine's fast paths allow it
 * ({@link dev.jaio.AsyncFile#tryRead}, {@link dev.jaio.FastPaths}). Each loop has its own pool, so
 * N loops start up to N times that many threads: size it with {@code EngineConfig.withThreads}
 * ({@code jaio serve} gives each loop its share of one pool's threads). The pool's threads start
 * on the loop thread, once; should they not start, the requests run inside io_submit and a
 * warning is logged to System.Logger {@code dev.jaio.loop}, and the loop tries again a second
 * later. The pool reads and writes with positional calls (pread, pwritev2), as the
 * {@code threads} backend does: a FIFO or other non-seekable file opened on such a loop's engine
 * fails them with ESPIPE (native AIO would wait inside io_submit until the FIFO is fed); use
 * {@link #openPipe()} for pipes.
 *
 * <p>Threads: the loop's thread is a platform thread named {@code jaio-loop-BACKEND-N}. Handlers,
 * tasks, timers and the futures of {@link #engine()}'s files (and their non-async dependent stages)
 * run on it and must not block. {@link #execute}, {@link #schedule}, {@link #connect} and
 * {@link #close()} may be called from any thread; {@link #listen}, {@link #openPipe()},
 * {@link #openPipeFrom}, and a channel's {@code close}, {@code shutdownOutput} and addresses too,
 * but called off the loop they wait for it: call them from the loop's own thread (a handler or a
 * task), or from a thread that may block, never from another loop's thread.
 *
 * <p>Limits: a loop's queue ({@link LoopConfig#files()}'s queue depth, default 4096) holds its file
 * requests and, on {@code uring} and {@code aio-poll}, each socket's and pipe's pending receive,
 * send or poll; those may take at most three quarters of its places (the rest stay for files), and
 * requests beyond wait in the loop until one completes. Each {@code aio-poll} and
 * {@code epoll+aio} loop takes its depth from {@code fs.aio-max-nr} (65536 by default), so 16
 * loops of the default depth use it all.
 *
 * <p>{@link #close()} drains the engine's files first (as {@link IoEngine#close()}), then closes
 * every listener, connection and pipe (their pending requests fail with
 * {@link java.nio.channels.AsynchronousCloseException}), drops pending timers, runs the tasks
 * already queued, waits for every request in the kernel to end, and frees the queue.
 */
public final class EventLoop implements Executor, AutoCloseable {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    /** What {@code auto} tries, in order. */
    private static final List<Backend> AUTO_ORDER = List.of(Backend.URING, Backend.EPOLL_AIO, Backend.AIO_POLL, Backend.THREADS);

    private final Backend backend;
    private final String selectionReason;
    private final Reactor reactor;
    private final IoEngine engine;
    private final dev.jaio.internal.engine.EventLoop loop;

    private EventLoop(Backend backend, String selectionReason, Reactor reactor, IoEngine engine,
            dev.jaio.internal.engine.EventLoop loop) {
        this.backend = backend;
        this.selectionReason = selectionReason;
        this.reactor = reactor;
        this.engine = engine;
        this.loop = loop;
    }

    /**
     * Opens a loop with {@link LoopConfig#defaults()}.
     *
     * @return a new loop with its thread started; the caller closes it
     * @throws IOException when no backend could set up its queue; the message says why for each
     */
    public static EventLoop open() throws IOException {
        return open(LoopConfig.defaults());
    }

    /**
     * Opens a loop: sets up the backend's queue (io_uring_setup(2), io_setup(2) or the worker pool,
     * plus epoll_create1(2) and eventfd(2) where the backend waits in epoll) and starts its thread.
     *
     * @param config the backend and the engine configuration of its files
     * @return a new loop; the caller closes it
     * @throws IOException when the named backend cannot set up here, or with {@code auto} when none
     *     can; the message names the backend, the system call and the errno
     * @throws IllegalCallerException when the JVM denies jaio native access
     */
    public static EventLoop open(LoopConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        NativeAccess.ensureEnabled();
        if (!"auto".equals(config.backend())) {
            return open(Backend.byId(config.backend()), config, null);
        }
        StringBuilder skipped = new StringBuilder();
        for (Backend b : AUTO_ORDER) {
            try {
                String reason = (skipped.isEmpty() ? "" : skipped + "; ") + "picked " + b.id();
                return open(b, config, reason);
            } catch (IOException | RuntimeException e) {
                skipped.append(skipped.isEmpty() ? "" : "; ").append(b.id()).append(" skipped: ").append(e.getMessage());
            }
        }
        throw new IOException("no event loop backend could set up here: " + skipped);
    }

    private static EventLoop open(Backend backend, LoopConfig config, String reason) throws IOException {
        EngineConfig files = config.files().withEngine(backend.engine());
        String thread = "jaio-loop-" + backend.id() + "-" + SEQUENCE.incrementAndGet();
        Engines.Opened opened;
        try {
            // A threads loop's workers, and below an AIO loop's pool, are named after the loop's thread.
            opened = Engines.open(backend.engine(),
                    backend.queueOptions(files.queueDepth(), files.threads()).withThreadName(thread + "-worker"));
        } catch (IOException e) {
            throw new IOException("the " + backend.id() + " loop backend: " + e.getMessage(), e);
        }
        IoQueue queue = opened.queue();
        Reactor reactor = new Reactor(backend, DISPATCH);
        reactor.sendZeroCopyFrom(config.sendZeroCopyFrom());
        reactor.sendBytesPerTurn(config.sendBytesPerTurn());
        reactor.receiveBuffers(config.receiveBufferCount(), config.receiveBufferSize());
        dev.jaio.internal.engine.EventLoop loop;
        try {
            dev.jaio.internal.engine.EventLoop.OffloadQueue offload = !backend.offloadsKernelBufferedFiles() ? null
                    : capacity -> Engines.open("threads", new QueueOptions(capacity, true, files.threads(), 0, false)
                            .withThreadName(thread + "-pool")).queue();
            loop = new dev.jaio.internal.engine.EventLoop(queue, thread, reactor, offload);
        } catch (OutOfMemoryError | RuntimeException e) {
            queue.close();
            // pthread_create refused, or the backend's own setup failed (epoll_create1, eventfd)
            throw new IOException("the " + backend.id() + " loop backend: cannot start " + thread + ": "
                    + (e.getCause() instanceof IOException io ? io.getMessage() : e.getMessage()), e);
        }
        IoEngine engine = LoopEngines.factory().engineOver(files, opened.provider(), loop, reason);
        return new EventLoop(backend, reason, reactor, engine, loop);
    }

    /**
     * Every backend, in the order {@code auto} tries them, with whether its queue sets up here
     * (each is opened and closed again).
     *
     * @return one status per backend: name, availability, and its description or why not
     */
    public static List<EngineStatus> probeAll() {
        List<EngineStatus> out = new ArrayList<>();
        for (Backend b : AUTO_ORDER) {
            try (EventLoop l = open(b, LoopConfig.defaults(), null)) {
                out.add(new EngineStatus(b.id(), true, b.description()));
            } catch (IOException | RuntimeException e) {
                out.add(new EngineStatus(b.id(), false, e.getMessage()));
            }
        }
        return List.copyOf(out);
    }

    /**
     * What {@code auto} picks here, found by opening loops in its order.
     *
     * @return the chosen backend with the reason (what was skipped and why); unavailable and named
     *     {@code auto} when none sets up
     */
    public static EngineStatus autoChoice() {
        try (EventLoop l = open(LoopConfig.defaults())) {
            return new EngineStatus(l.backend(), true, l.selectionReason());
        } catch (IOException | RuntimeException e) {
            return new EngineStatus("auto", false, e.getMessage());
        }
    }

    /** {@return the backend: {@code uring}, {@code aio-poll}, {@code epoll+aio} or {@code threads}} */
    public String backend() {
        return backend.id();
    }

    /**
     * Zero-copy sends so far ({@link LoopConfig#sendZeroCopyFrom()}, uring only).
     *
     * @param sends SEND_ZC requests whose notification came (the kernel let go of the memory)
     * @param copied those whose notification said the kernel copied the bytes after all (over
     *     loopback, every one)
     */
    public record ZeroCopySends(long sends, long copied) {
    }

    /**
     * What {@link StreamChannel#receive} has done on this loop.
     *
     * @param buffers what receives are buffered with, in words: the provided buffer ring
     *     ({@code "256 x 16384 B provided buffer ring"}), per-connection buffers with the kernel's
     *     refusal, the loop's one buffer (readiness backends), or {@code "not used yet"}
     * @param chunks chunks handed to receive handlers
     * @param ringDry times a receive found the provided buffer ring empty and waited for a buffer
     *     to come back (-ENOBUFS): many mean {@link LoopConfig#receiveBufferCount()} is too small
     */
    public record ReceiveStats(String buffers, long chunks, long ringDry) {
    }

    /**
     * {@return what receives have done on this loop; any thread (waits for the loop when called
     * elsewhere, for the buffers' description)}
     *
     * @throws java.util.concurrent.RejectedExecutionException when the loop is closed
     */
    public ReceiveStats receiveStats() {
        String buffers;
        try {
            buffers = inLoop() ? reactor.receiveBuffersText() : callOnLoop(reactor::receiveBuffersText);
        } catch (IOException e) {
            throw new java.util.concurrent.RejectedExecutionException(e.getMessage(), e);
        }
        long[] c = reactor.receiveCounts();
        return new ReceiveStats(buffers, c[0], c[1]);
    }

    /** Tests: receives of this loop go as on a kernel without multishot RECV (before the first receive). */
    void refuseRecvMultishot() throws IOException {
        callOnLoop(() -> {
            reactor.refuseRecvMultishotForTest();
            return null;
        });
    }

    /**
     * Tests: writes and sendFiles continued in a later turn after {@link LoopConfig#sendBytesPerTurn()}
     * bytes (on {@code uring}: SENDs cut at it); any thread.
     */
    long sendsContinuedForTest() {
        return reactor.sendsContinued();
    }

    /** Tests: the loop's staging buffers (uring) taken by sends that have not ended; asks the loop thread. */
    int sendStagingTakenForTest() throws Exception {
        java.util.concurrent.CompletableFuture<Integer> f = new java.util.concurrent.CompletableFuture<>();
        execute(() -> f.complete(reactor.sendStagingTakenForTest()));
        return f.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Tests: the most staging buffers the loop makes (uring); asks the loop thread. */
    int sendStagingMaxForTest() throws Exception {
        java.util.concurrent.CompletableFuture<Integer> f = new java.util.concurrent.CompletableFuture<>();
        execute(() -> f.complete(reactor.sendStagingMaxForTest()));
        return f.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Tests: the pages uring sendFile pipes of this process may be grown by (Long.MAX_VALUE: none); returns what it was. */
    static long splicePipeBudgetForTest(long pages) {
        return Reactor.splicePipeBudgetForTest(pages);
    }

    /** Tests: the pages of this process's grown uring sendFile pipes; any thread. */
    static long splicePipePagesForTest() {
        return Reactor.splicePipePagesForTest();
    }

    /** Tests: timers in the loop's heap, the loop's own (a timed read's or receive's) included (loop thread). */
    int pendingTimersForTest() {
        return reactor.pendingTimers();
    }

    /** Tests: descriptors open on this loop (loop thread). */
    int openDescriptorsForTest() {
        return reactor.openDescriptors();
    }

    /** Tests: receives of this loop go as on a kernel without provided buffer rings (before the first receive). */
    void refuseProvidedBuffers() throws IOException {
        callOnLoop(() -> {
            reactor.refuseProvidedBuffers("refused for a test");
            return null;
        });
    }

    /** {@return the zero-copy sends so far; any thread (a snapshot)} */
    public ZeroCopySends zeroCopySends() {
        long[] c = reactor.zeroCopyCounts();
        return new ZeroCopySends(c[0], c[1]);
    }

    /**
     * Why this backend.
     *
     * @return for {@code auto}, the backends skipped and why and the one picked; null when named
     */
    public String selectionReason() {
        return selectionReason;
    }

    /**
     * The engine whose files run on this loop: open {@link dev.jaio.AsyncFile}s with it
     * ({@code AsyncFile.open(loop.engine(), path, options)}) and their requests go through the loop's
     * queue and complete on its thread. It closes with the loop; its own {@code close()} does nothing.
     *
     * @return the loop's engine
     */
    public IoEngine engine() {
        return engine;
    }

    /**
     * The reads and writes of kernel-buffered files (opened on {@link #engine()} without
     * {@link dev.jaio.FileOption#DIRECT}) that this loop handed to its thread pool so far: on
     * {@code aio-poll} and {@code epoll+aio}, every one of them (native AIO would run it inside
     * io_submit, on the loop thread); 0 on {@code uring} and {@code threads}, whose queues never
     * block the loop. Each part of a write the kernel did in parts counts. Any thread.
     *
     * @return the count since the loop opened
     */
    public long bufferedFileRequestsOnThreads() {
        return loop.offloaded();
    }

    /** {@return whether the calling thread is this loop's thread} */
    public boolean inLoop() {
        return reactor.inLoop();
    }

    /**
     * Runs {@code task} on the loop thread after the tasks queued before it. Any thread; from the
     * loop thread it runs in a later turn, not inside this call.
     *
     * @throws RejectedExecutionException once the loop is closing
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        reactor.execute(task);
    }

    /**
     * Runs {@code task} on the loop thread once {@code delay} has passed (the loop's wait ends for
     * it: epoll_wait's timeout in milliseconds, rounded up; io_getevents' and io_uring_enter's in
     * nanoseconds). Timers still pending at {@link #close()} are dropped.
     *
     * @param task what to run
     * @param delay how long from now, at least 0
     * @param unit the unit of {@code delay}
     * @return the timer, which can be cancelled from any thread
     * @throws IllegalArgumentException for a negative delay
     * @throws RejectedExecutionException once the loop is closing
     */
    public LoopTimer schedule(Runnable task, long delay, TimeUnit unit) {
        Objects.requireNonNull(task, "task");
        if (delay < 0) {
            throw new IllegalArgumentException("schedule: negative delay " + delay + " " + unit);
        }
        return new LoopTimer(reactor.schedule(task, unit.toNanos(delay)));
    }

    /**
     * Listens on {@code address} and hands each accepted connection to {@code handler} on this
     * loop's thread.
     *
     * @param address where to bind; port 0 lets the kernel choose ({@link TcpListener#localAddress()})
     * @param options the backlog and SO_REUSEPORT
     * @param handler gets each connection, on this loop's thread
     * @return the listener
     * @throws java.net.BindException when the address is in use (EADDRINUSE)
     * @throws IOException when socket(2), bind(2) or listen(2) fail (the message names the address
     *     and errno)
     * @throws IllegalArgumentException for an unresolved address
     * @throws RejectedExecutionException once the loop is closing
     */
    public TcpListener listen(InetSocketAddress address, ListenOptions options, AcceptHandler handler) throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("listen: unresolved address " + address);
        }
        AcceptTarget target = new AcceptTarget(this, handler);
        ListenFd fd = callOnLoop(() -> reactor.listen(address, options.backlog(), options.reusePort(), target));
        return new TcpListener(this, fd);
    }

    /**
     * Connects to {@code address}.
     *
     * @param address the peer, resolved
     * @return a future completed on the loop thread with the connection (TCP_NODELAY set), or failed
     *     with a {@link java.net.ConnectException} naming the address and errno (ECONNREFUSED, ...);
     *     a connection that completes after the future was cancelled is closed
     * @throws IllegalArgumentException for an unresolved address
     * @throws RejectedExecutionException when called off the loop once it is closing
     */
    public CompletableFuture<StreamChannel> connect(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("connect: unresolved address " + address);
        }
        CompletableFuture<StreamChannel> result = new CompletableFuture<>();
        Runnable start = () -> reactor.connect(address).whenComplete((fd, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else if (!result.complete(new StreamChannel(this, fd))) {
                fd.close(); // the caller cancelled (or timed out) the future: nobody will close it
            }
        });
        if (inLoop()) {
            start.run();
        } else {
            execute(start);
        }
        return result;
    }

    /**
     * Opens a pipe whose ends belong to this loop.
     *
     * @return the pipe; close both ends (or the pipe) when done
     * @throws IOException when pipe2(2) fails (EMFILE, ...)
     * @throws RejectedExecutionException once the loop is closing
     */
    public Pipe openPipe() throws IOException {
        StreamFd[] ends = callOnLoop(reactor::openPipe);
        return new Pipe(new StreamChannel(this, ends[0]), new StreamChannel(this, ends[1]));
    }

    /**
     * Opens a pipe from {@code writer} to this loop: the read end belongs to this loop and the write
     * end to {@code writer} (two loops, two threads: the paper's §9.2 pipe workloads between two
     * processes).
     *
     * @param writer the loop of the write end; may be this loop
     * @return the pipe; close both ends (or the pipe) when done
     * @throws IOException when pipe2(2) fails (EMFILE, ...)
     * @throws RejectedExecutionException once either loop is closing
     */
    public Pipe openPipeFrom(EventLoop writer) throws IOException {
        Objects.requireNonNull(writer, "writer");
        if (writer == this) {
            return openPipe();
        }
        Object[] made = callOnLoop(() -> reactor.openPipeTo(writer.reactor));
        StreamFd source = (StreamFd) made[0];
        int sinkFd = (int) made[1];
        StreamFd sink;
        try {
            sink = writer.callOnLoop(() -> writer.reactor.adoptPipeSink(sinkFd));
        } catch (IOException | RejectedExecutionException e) {
            if (e instanceof RejectedExecutionException) {
                Reactor.discard(sinkFd); // the writer's loop never took the descriptor
            }
            callOnLoop(() -> {
                source.close();
                return null;
            });
            throw e;
        }
        return new Pipe(new StreamChannel(this, source), new StreamChannel(writer, sink));
    }

    /**
     * Closes the loop (see the class description) and waits until it has stopped. From the loop's
     * own thread it starts the close and returns. Idempotent.
     */
    @Override
    public void close() {
        LoopEngines.factory().close(engine);
    }

    /** {@return whether the loop has stopped} */
    public boolean isClosed() {
        return engine.isClosed();
    }

    @Override
    public String toString() {
        return "EventLoop[" + backend.id() + "]";
    }

    /**
     * Runs {@code close} (a channel's or listener's) on the loop thread: at once on it; handed over
     * without waiting from another loop's thread (two loops must never wait for each other); and
     * waited for from any other thread. A closing loop closes everything itself, so a refusal is fine.
     */
    void closeOnLoop(Runnable close) {
        if (inLoop()) {
            close.run();
            return;
        }
        try {
            if (dev.jaio.internal.engine.EventLoop.onLoopThread()) {
                execute(close);
            } else {
                callOnLoop(() -> {
                    close.run();
                    return null;
                });
            }
        } catch (IOException | RejectedExecutionException e) {
            // The loop is closed or closing: it closes every channel and listener itself.
        }
    }

    /** A call on the loop thread that may throw an IOException. */
    interface LoopCall<T> {
        T call() throws IOException;
    }

    /** Runs {@code call} on the loop thread (here, when this is it) and returns its result. */
    <T> T callOnLoop(LoopCall<T> call) throws IOException {
        if (inLoop()) {
            return call.call();
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            execute(() -> {
                try {
                    f.complete(call.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            throw new RejectedExecutionException("the " + backend.id() + " event loop is closed", e);
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.TimeoutException e) {
                    if (engine.isClosed()) {
                        throw new IOException("the " + backend.id() + " event loop stopped");
                    }
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    if (c instanceof RuntimeException r) {
                        throw r;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    throw new IOException(c);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Completions from the internal layer to this package's handlers. */
    private static final Dispatch DISPATCH = new Dispatch() {
        @Override
        @SuppressWarnings("unchecked")
        public void completed(Object handler, long result, Object attachment) {
            ((IoHandler<Object>) handler).completed(result, attachment);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void failed(Object handler, IOException cause, Object attachment) {
            ((IoHandler<Object>) handler).failed(cause, attachment);
        }

        @Override
        @SuppressWarnings("unchecked")
        public boolean received(Object handler, java.lang.foreign.MemorySegment buffer, int count, Object attachment) {
            return ((ReceiveHandler<Object>) handler).received(buffer, count, attachment);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void receiveEnded(Object handler, Object attachment) {
            ((ReceiveHandler<Object>) handler).ended(attachment);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void receiveFailed(Object handler, IOException cause, Object attachment) {
            ((ReceiveHandler<Object>) handler).failed(cause, attachment);
        }

        @Override
        public void accepted(Object handler, StreamFd connection) {
            AcceptTarget t = (AcceptTarget) handler;
            t.handler.accepted(new StreamChannel(t.loop, connection));
        }

        @Override
        public void acceptFailed(Object handler, IOException cause) {
            ((AcceptTarget) handler).handler.failed(cause);
        }
    };

    /** A listener's handler and the loop its connections belong to. */
    private record AcceptTarget(EventLoop loop, AcceptHandler handler) {
    }
}
