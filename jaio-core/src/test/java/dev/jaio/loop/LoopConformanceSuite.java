package dev.jaio.loop;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.AsyncFile;
import dev.jaio.EngineConfig;
import dev.jaio.FileOption;
import dev.jaio.IoBuffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.ReadPendingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one loop conformance suite every backend passes: tasks, timers, files, TCP sockets, pipes,
 * closing with requests pending, peer resets and back-pressure on slow readers. Loopback only.
 */
@Timeout(60)
abstract class LoopConformanceSuite {

    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    /** The backend under test. */
    abstract String backend();

    /** Whether a socket's writes go to the loop's kernel queue (all backends but {@code threads}: send(2) on the loop thread). */
    boolean writesQueued() {
        return !backend().equals("threads");
    }

    EventLoop loop;
    Arena arena;
    @TempDir
    Path dir;

    @BeforeEach
    void open() throws IOException {
        loop = EventLoop.open(LoopConfig.defaults().withBackend(backend())
                .withFiles(EngineConfig.defaults().withQueueDepth(256)));
        assertEquals(backend(), loop.backend());
        arena = Arena.ofShared();
    }

    @AfterEach
    void close() {
        loop.close();
        assertTrue(loop.isClosed());
        arena.close();
    }

    MemorySegment bytes(String s) {
        byte[] b = s.getBytes(US_ASCII);
        MemorySegment m = arena.allocate(b.length);
        MemorySegment.copy(b, 0, m, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b.length);
        return m;
    }

    static String text(MemorySegment m, long n) {
        return new String(m.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), US_ASCII);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    /** Runs {@code task} on the loop and waits for its result. */
    <T> T onLoop(java.util.concurrent.Callable<T> task) throws Exception {
        return onLoop(loop, task);
    }

    /** Runs {@code task} on {@code l} and waits for its result. */
    static <T> T onLoop(EventLoop l, java.util.concurrent.Callable<T> task) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        l.execute(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return await(f);
    }

    /**
     * Waits until a loop timer of {@code millis} has run: every request the loop took before this
     * call, and every timer or kernel timeout due earlier on the loop's clock, has had its turn.
     * For checks that something does not happen (a stale timeout): a condition on the loop's own
     * clock, not a sleep of the test thread.
     */
    void loopTimerRan(long millis) throws Exception {
        CompletableFuture<Void> ran = new CompletableFuture<>();
        loop.schedule(() -> ran.complete(null), millis, TimeUnit.MILLISECONDS);
        await(ran);
        onLoop(() -> null); // and one more turn, for completions reaped with it
    }

    /** A loop channel and the plain JDK socket at the other end of its connection. */
    record Connected(StreamChannel channel, Socket peer) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
            peer.close();
        }
    }

    /** Connects a channel of {@link #loop} to a JDK socket on loopback. */
    Connected connectToPeer() throws Exception {
        return connectToPeer(loop);
    }

    /** A channel of {@code l} connected to a plain JDK socket. */
    static Connected connectToPeer(EventLoop l) throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            StreamChannel c = await(l.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort())));
            return new Connected(c, ss.accept());
        }
    }

    /** Writes {@code size} random bytes (from {@code seed}) to {@code p} and returns them. */
    static byte[] randomFile(Path p, int size, long seed) throws IOException {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        Files.write(p, content);
        return content;
    }

    static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    // ---- tasks and timers ----

    @Test
    void tasksRunOnTheLoopThreadInOrder() throws Exception {
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Thread> thread = new AtomicReference<>();
        for (int i = 0; i < 1000; i++) {
            int n = i;
            loop.execute(() -> {
                thread.set(Thread.currentThread());
                seen.add(n);
            });
        }
        loop.execute(done::countDown);
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(1000, seen.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, seen.get(i));
        }
        assertTrue(thread.get().getName().startsWith("jaio-loop-" + backend() + "-"), thread.get().getName());
        assertTrue(onLoop(loop::inLoop));
        assertFalse(loop.inLoop());
    }

    @Test
    void tasksFromManyThreadsAllRun() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        int threads = 4;
        int each = 5000;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    loop.execute(ran::incrementAndGet);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        onLoop(() -> null);
        assertEquals(threads * each, ran.get());
    }

    @Test
    void aThrowingTaskDoesNotStopTheLoop() throws Exception {
        loop.execute(() -> {
            throw new IllegalStateException("a bug in a task");
        });
        assertEquals("still running", onLoop(() -> "still running"));
    }

    @Test
    void timersFireAfterTheirDelayAndInDeadlineOrder() throws Exception {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(3);
        long start = System.nanoTime();
        long[] firedAt = new long[1];
        loop.schedule(() -> {
            order.add("c");
            done.countDown();
        }, 120, TimeUnit.MILLISECONDS);
        loop.schedule(() -> {
            order.add("a");
            firedAt[0] = System.nanoTime();
            done.countDown();
        }, 40, TimeUnit.MILLISECONDS);
        loop.schedule(() -> {
            order.add("b");
            done.countDown();
        }, 80, TimeUnit.MILLISECONDS);
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("a", "b", "c"), order);
        assertTrue(firedAt[0] - start >= TimeUnit.MILLISECONDS.toNanos(40), "fired early: " + (firedAt[0] - start));
    }

    @Test
    void aCancelledTimerNeverRuns() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        LoopTimer t = loop.schedule(ran::incrementAndGet, 50, TimeUnit.MILLISECONDS);
        assertTrue(t.cancel());
        assertTrue(t.isCancelled());
        CountDownLatch later = new CountDownLatch(1);
        loop.schedule(later::countDown, 150, TimeUnit.MILLISECONDS);
        assertTrue(later.await(10, TimeUnit.SECONDS));
        assertEquals(0, ran.get());
        assertFalse(t.hasRun());
        assertFalse(t.cancel());
    }

    @Test
    void aTimerWakesAnIdleLoop() throws Exception {
        // Nothing else happens on the loop: only the wait's timeout can run the timer.
        CompletableFuture<Long> fired = new CompletableFuture<>();
        long start = System.nanoTime();
        loop.schedule(() -> fired.complete(System.nanoTime()), 30, TimeUnit.MILLISECONDS);
        long at = await(fired);
        assertTrue(at - start < TimeUnit.SECONDS.toNanos(5));
    }

    // ---- files through the loop's queue ----

    @Test
    void fileRequestsCompleteOnTheLoopThread() throws Exception {
        Path p = dir.resolve("f");
        try (AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ, FileOption.WRITE, FileOption.CREATE);
                IoBuffer buf = f.allocateBuffer(8192)) {
            buf.segment().fill((byte) 7);
            // Requests made on the loop thread (its handlers and tasks) complete there, whether the
            // kernel ran them through the loop's queue or a fast path took them at once.
            CompletableFuture<Thread> where = onLoop(() -> f.write(buf.segment(), 0).thenApply(n -> Thread.currentThread()));
            assertTrue(await(where).getName().startsWith("jaio-loop-" + backend()));
            Path cold = dir.resolve("direct");
            try (AsyncFile d = AsyncFile.open(loop.engine(), cold, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                    FileOption.DIRECT); IoBuffer db = d.allocateBuffer(4096)) {
                // O_DIRECT has no fast path: this one goes through the loop's queue from another thread.
                CompletableFuture<Thread> viaQueue = d.write(db.segment(), 0).thenApplyAsync(n -> Thread.currentThread(), Runnable::run);
                await(viaQueue);
                assertTrue(loop.engine().stats().submitted() >= 1);
            }
            buf.segment().fill((byte) 0);
            assertEquals(8192, await(f.read(buf.segment(), 0)));
            assertEquals(7, buf.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 8191));
            await(f.fsync());
        }
        assertEquals(8192, Files.size(p));
        assertTrue(loop.engine().stats().completed() >= 3);
    }

    /** Whether the backend's queue would run kernel-buffered reads and writes inside io_submit (native AIO). */
    boolean buffersFileRequestsOnThreads() {
        return backend().equals("aio-poll") || backend().equals("epoll+aio");
    }

    @Test
    void kernelBufferedFileRequestsRunOnThePoolOfANativeAioLoopAndCompleteOnTheLoopThread() throws Exception {
        try (EventLoop l = EventLoop.open(LoopConfig.defaults().withBackend(backend())
                .withFiles(EngineConfig.defaults().withQueueDepth(64).withFastPaths(dev.jaio.FastPaths.NONE)))) {
            Path p = dir.resolve("buffered");
            Path q = dir.resolve("direct");
            try (AsyncFile f = AsyncFile.open(l.engine(), p, FileOption.READ, FileOption.WRITE, FileOption.CREATE);
                    AsyncFile d = AsyncFile.open(l.engine(), q, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                            FileOption.DIRECT);
                    IoBuffer a = f.allocateBuffer(65536); IoBuffer b = f.allocateBuffer(65536);
                    IoBuffer c = d.allocateBuffer(4096)) {
                for (int i = 0; i < 65536; i++) {
                    a.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i * 31));
                }
                // Kernel-buffered: two writes (one vectored), one read, one vectored read.
                assertEquals(65536, await(f.write(a.segment(), 0)));
                assertEquals(65536L, await(f.writev(new MemorySegment[] {a.segment().asSlice(0, 4096),
                        a.segment().asSlice(4096, 61440)}, 65536)));
                await(f.fdatasync()); // asynchronous in native AIO: stays in the loop's queue
                // Made on the loop thread, so its completion comes in a later turn, after thenApply.
                CompletableFuture<Thread> where = new CompletableFuture<>();
                l.execute(() -> f.read(b.segment(), 65536).thenApply(n -> {
                    assertEquals(65536, n);
                    return Thread.currentThread();
                }).whenComplete((t, x) -> {
                    if (x != null) {
                        where.completeExceptionally(x);
                    } else {
                        where.complete(t);
                    }
                }));
                assertTrue(await(where).getName().startsWith("jaio-loop-" + backend()), "completed on " + await(where));
                assertEquals(a.segment().mismatch(b.segment()), -1L);
                b.segment().fill((byte) 0);
                assertEquals(65536L, await(f.readv(new MemorySegment[] {b.segment().asSlice(0, 100),
                        b.segment().asSlice(100)}, 0)));
                assertEquals(a.segment().mismatch(b.segment()), -1L);
                // O_DIRECT: native AIO queues it; never handed to the pool.
                assertEquals(4096, await(d.write(c.segment(), 0)));
                assertEquals(4096, await(d.read(c.segment(), 0)));
                assertEquals(buffersFileRequestsOnThreads() ? 4 : 0, l.bufferedFileRequestsOnThreads());
                assertTrue(l.engine().stats().completed() >= 7, "requests the loop counts: " + l.engine().stats());
                // A thread dump tells whose the pool's threads (and a threads loop's workers) are.
                String loopThread = onLoop(l, () -> Thread.currentThread().getName());
                java.util.Set<String> names = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                        .map(Thread::getName).collect(java.util.stream.Collectors.toSet());
                if (buffersFileRequestsOnThreads()) {
                    assertTrue(names.contains(loopThread + "-pool-0"), loopThread + "'s pool: " + names);
                }
                if (backend().equals("threads")) {
                    assertTrue(names.contains(loopThread + "-worker-0"), loopThread + "'s workers: " + names);
                }
            }
        }
    }

    @Test
    void closingTheLoopWaitsForTheKernelBufferedRequestsItsPoolRuns() throws Exception {
        Path p = dir.resolve("pool-close");
        byte[] content = randomFile(p, 8 << 20, 7);
        EventLoop l = EventLoop.open(LoopConfig.defaults().withBackend(backend())
                .withFiles(EngineConfig.defaults().withQueueDepth(64).withThreads(2).withFastPaths(dev.jaio.FastPaths.NONE)));
        List<CompletableFuture<Integer>> reads = new ArrayList<>();
        List<IoBuffer> buffers = new ArrayList<>();
        AsyncFile f = AsyncFile.open(l.engine(), p, FileOption.READ);
        try {
            // More reads than the pool has threads: some wait in its queue when the close begins.
            for (int i = 0; i < 32; i++) {
                IoBuffer buf = f.allocateBuffer(256 << 10);
                buffers.add(buf);
                reads.add(f.read(buf.segment(), (long) i * (256 << 10)));
            }
            l.close(); // drains the engine's files: every read ends, whole, before the pool goes
            for (int i = 0; i < reads.size(); i++) {
                assertTrue(reads.get(i).isDone(), "read " + i + " not done after close");
                assertEquals(256 << 10, reads.get(i).join());
                assertEquals(-1L, buffers.get(i).segment().mismatch(MemorySegment.ofArray(content)
                        .asSlice((long) i * (256 << 10), 256 << 10)), "read " + i);
            }
            assertEquals(buffersFileRequestsOnThreads() ? 32 : 0, l.bufferedFileRequestsOnThreads());
        } finally {
            f.close();
            for (IoBuffer b : buffers) {
                b.close();
            }
            l.close();
        }
    }

    @Test
    void cancelledKernelBufferedReadsEndAndTheOthersReadTheirBytes() throws Exception {
        Path p = dir.resolve("pool-cancel");
        byte[] content = randomFile(p, 4 << 20, 11);
        try (EventLoop l = EventLoop.open(LoopConfig.defaults().withBackend(backend())
                .withFiles(EngineConfig.defaults().withQueueDepth(64).withThreads(1).withFastPaths(dev.jaio.FastPaths.NONE)));
                AsyncFile f = AsyncFile.open(l.engine(), p, FileOption.READ)) {
            List<CompletableFuture<Integer>> reads = new ArrayList<>();
            List<IoBuffer> buffers = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                IoBuffer buf = f.allocateBuffer(128 << 10);
                buffers.add(buf);
                reads.add(f.read(buf.segment(), (long) i * (128 << 10)));
            }
            // One worker: most of these still wait in the pool's queue, where a cancel takes them out.
            for (int i = 1; i < reads.size(); i += 2) {
                reads.get(i).cancel(true);
            }
            for (int i = 0; i < reads.size(); i++) {
                CompletableFuture<Integer> r = reads.get(i);
                try {
                    assertEquals(128 << 10, r.get(20, TimeUnit.SECONDS));
                    assertEquals(-1L, buffers.get(i).segment().mismatch(MemorySegment.ofArray(content)
                            .asSlice((long) i * (128 << 10), 128 << 10)), "read " + i);
                } catch (java.util.concurrent.CancellationException e) {
                    assertEquals(1, i % 2, "read " + i + " was not cancelled, yet it ended cancelled");
                }
            }
            for (IoBuffer b : buffers) {
                b.close();
            }
        }
    }

    @Test
    void fileAndSocketRequestsInterleaveOnOneLoop() throws Exception {
        // A server that answers each request line with a block read from a file, through the loop.
        Path p = dir.resolve("blocks");
        byte[] data = randomFile(p, 64 * 1024, 1);
        AsyncFile file = AsyncFile.open(loop.engine(), p, FileOption.READ);
        try {
            TcpListener l = loop.listen(LOOPBACK, ListenOptions.defaults(), conn -> {
                MemorySegment in = Arena.ofAuto().allocate(1);
                MemorySegment block = Arena.ofAuto().allocate(4096);
                conn.read(in, null, new IoHandler<Object>() {
                    @Override
                    public void completed(long n, Object a) {
                        if (n < 0) {
                            conn.close();
                            return;
                        }
                        int index = in.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0);
                        IoHandler<Object> self = this;
                        file.read(block, index * 4096L).thenAccept(r -> conn.write(block, null, new IoHandler<Object>() {
                            @Override
                            public void completed(long w, Object a2) {
                                conn.read(in, null, self);
                            }

                            @Override
                            public void failed(IOException e, Object a2) {
                                conn.close();
                            }
                        }));
                    }

                    @Override
                    public void failed(IOException e, Object a) {
                        conn.close();
                    }
                });
            });
            try (Socket s = new Socket(l.localAddress().getAddress(), l.localAddress().getPort())) {
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                for (int i : new int[] {3, 0, 15, 7}) {
                    out.write(i);
                    byte[] got = in.readNBytes(4096);
                    assertArrayEquals(java.util.Arrays.copyOfRange(data, i * 4096, i * 4096 + 4096), got, "block " + i);
                }
            }
            l.close();
        } finally {
            file.close();
        }
    }

    // ---- TCP ----

    /** An echo server on the loop: each connection echoes what it reads until end of stream. */
    TcpListener echoServer() throws IOException {
        return loop.listen(LOOPBACK, ListenOptions.defaults(), conn -> {
            MemorySegment buf = Arena.ofAuto().allocate(16 * 1024);
            conn.read(buf, null, new IoHandler<Object>() {
                @Override
                public void completed(long n, Object a) {
                    if (n < 0) {
                        conn.close();
                        return;
                    }
                    IoHandler<Object> reader = this;
                    conn.write(buf.asSlice(0, n), null, new IoHandler<Object>() {
                        @Override
                        public void completed(long w, Object a2) {
                            conn.read(buf, null, reader);
                        }

                        @Override
                        public void failed(IOException e, Object a2) {
                            conn.close();
                        }
                    });
                }

                @Override
                public void failed(IOException e, Object a) {
                    conn.close();
                }
            });
        });
    }

    @Test
    void echoWithAJdkClient() throws Exception {
        TcpListener l = echoServer();
        assertTrue(l.localAddress().getPort() > 0);
        try (Socket s = new Socket(l.localAddress().getAddress(), l.localAddress().getPort())) {
            byte[] msg = new byte[200_000];
            new Random(2).nextBytes(msg);
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    s.getOutputStream().write(msg);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] back = s.getInputStream().readAllBytes();
            writer.join();
            assertArrayEquals(msg, back);
        }
    }

    @Test
    void connectWriteReadBetweenTwoLoopChannels() throws Exception {
        TcpListener l = echoServer();
        StreamChannel c = await(loop.connect(l.localAddress()));
        assertEquals(StreamChannel.Kind.TCP, c.kind());
        assertEquals(l.localAddress(), c.remoteAddress());
        assertNotNull(c.localAddress());
        assertEquals(5L, await(c.write(bytes("hello"))));
        MemorySegment in = arena.allocate(100);
        long n = await(c.read(in));
        assertEquals("hello", text(in, n));
        c.shutdownOutput();
        assertEquals(-1L, await(c.read(in)));
        c.close();
        assertFalse(c.isOpen());
    }

    /**
     * Two connected channels of one loop play ping-pong, each side's next write made from its read's
     * completion: a write's completion reaches its handler before the peer's answer to it does (on
     * native AIO the kernel posts the peer's readiness, woken inside the write, before the write's
     * own completion), so the next write never finds the last one pending. With a read and with
     * {@code receive} on the answering side.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"read", "receive"})
    void aWritesCompletionComesBeforeTheAnswerToItFromAChannelOfTheSameLoop(String how) throws Exception {
        CompletableFuture<StreamChannel> accepted = new CompletableFuture<>();
        TcpListener l = loop.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ListenOptions.defaults(),
                accepted::complete);
        StreamChannel a = await(loop.connect(l.localAddress()));
        StreamChannel b = await(accepted);
        int rounds = 2000;
        MemorySegment ping = bytes("p");
        MemorySegment pong = bytes("q");
        MemorySegment aIn = arena.allocate(1);
        MemorySegment bIn = arena.allocate(1);
        boolean[] aWritten = new boolean[1];
        boolean[] bWritten = new boolean[1];
        int[] round = new int[1];
        CompletableFuture<Integer> done = new CompletableFuture<>();
        IoHandler<Object> aWrote = settingOnCompletion(aWritten, done);
        IoHandler<Object> bWrote = settingOnCompletion(bWritten, done);
        // b answers each ping: its read (or receive) sees a's ping, whose write must have ended.
        Runnable answer = () -> {
            if (!aWritten[0]) {
                done.completeExceptionally(new AssertionError("round " + round[0] + ": b read a's ping before a's write ended"));
                return;
            }
            bWritten[0] = false;
            b.write(pong, null, bWrote);
        };
        if (how.equals("receive")) {
            b.receive(null, new ReceiveHandler<Object>() {
                @Override
                public boolean received(MemorySegment buffer, int count, Object att) {
                    answer.run();
                    return !done.isDone();
                }

                @Override
                public void ended(Object att) {
                    done.completeExceptionally(new AssertionError("ended"));
                }

                @Override
                public void failed(IOException e, Object att) {
                    done.completeExceptionally(e);
                }
            });
        }
        IoHandler<Object> bRead = new IoHandler<>() {
            @Override
            public void completed(long n, Object att) {
                answer.run();
                if (!done.isDone()) {
                    b.read(bIn, null, this);
                }
            }

            @Override
            public void failed(IOException e, Object att) {
                done.completeExceptionally(e);
            }
        };
        IoHandler<Object> aRead = new IoHandler<>() {
            @Override
            public void completed(long n, Object att) {
                if (!bWritten[0]) {
                    done.completeExceptionally(new AssertionError("round " + round[0] + ": a read b's pong before b's write ended"));
                    return;
                }
                if (++round[0] == rounds) {
                    done.complete(round[0]);
                    return;
                }
                aWritten[0] = false;
                a.write(ping, null, aWrote);
                a.read(aIn, null, this);
            }

            @Override
            public void failed(IOException e, Object att) {
                done.completeExceptionally(e);
            }
        };
        loop.execute(() -> {
            if (how.equals("read")) {
                b.read(bIn, null, bRead);
            }
            a.write(ping, null, aWrote);
            a.read(aIn, null, aRead);
        });
        try {
            assertEquals(rounds, done.get(30, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            a.close();
            b.close();
            l.close();
        }
    }

    /** A write handler that sets {@code flag[0]} when the write ends, and fails {@code done} if it fails. */
    private static IoHandler<Object> settingOnCompletion(boolean[] flag, CompletableFuture<?> done) {
        return new IoHandler<>() {
            @Override
            public void completed(long n, Object att) {
                flag[0] = true;
            }

            @Override
            public void failed(IOException e, Object att) {
                done.completeExceptionally(e);
            }
        };
    }

    @Test
    void connectToAClosedPortFailsWithConnectException() throws Exception {
        int port;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = ss.getLocalPort();
        }
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> await(loop.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))));
        assertInstanceOf(ConnectException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("ECONNREFUSED"), e.getCause().getMessage());
        assertTrue(e.getCause().getMessage().contains(String.valueOf(port)), e.getCause().getMessage());
    }

    @Test
    void listenOnABusyPortSaysSo() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress busy = new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort());
            IOException e = assertThrows(IOException.class, () -> loop.listen(busy, ListenOptions.defaults(), c -> { }));
            assertInstanceOf(java.net.BindException.class, e);
            assertTrue(e.getMessage().contains("EADDRINUSE") && e.getMessage().contains(String.valueOf(ss.getLocalPort())),
                    e.getMessage());
        }
    }

    @Test
    void aPeerResetFailsThePendingRead() throws Exception {
        BlockingQueue<Object> outcome = new ArrayBlockingQueue<>(1);
        TcpListener l = loop.listen(LOOPBACK, ListenOptions.defaults(), conn -> {
            MemorySegment buf = Arena.ofAuto().allocate(100);
            conn.read(buf, null, new IoHandler<Object>() {
                @Override
                public void completed(long n, Object a) {
                    outcome.add(n);
                    conn.close();
                }

                @Override
                public void failed(IOException e, Object a) {
                    outcome.add(e);
                    conn.close();
                }
            });
        });
        Socket s = new Socket(l.localAddress().getAddress(), l.localAddress().getPort());
        Thread.sleep(50); // the server's read is pending
        s.setSoLinger(true, 0);
        s.close(); // sends RST
        Object o = outcome.poll(10, TimeUnit.SECONDS);
        assertNotNull(o, "no outcome");
        // A reset before any data: ECONNRESET (or, where the kernel reports the close as end of stream, -1).
        if (o instanceof IOException e) {
            assertTrue(e.getMessage().contains("ECONNRESET"), e.getMessage());
            assertTrue(e.getMessage().startsWith("read from tcp "), e.getMessage());
        } else {
            assertEquals(-1L, o);
        }
    }

    @Test
    void writingToAResetPeerFailsWithoutKillingTheJvm() throws Exception {
        ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        StreamChannel d = await(loop.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort())));
        Socket peer = ss.accept();
        peer.setSoLinger(true, 0);
        peer.close();
        ss.close();
        MemorySegment big = arena.allocate(1 << 20);
        IOException failure = null;
        for (int i = 0; i < 20 && failure == null; i++) {
            try {
                await(d.write(big));
            } catch (ExecutionException e) {
                failure = (IOException) e.getCause();
            }
        }
        assertNotNull(failure, "writes to a reset connection kept succeeding");
        assertTrue(failure.getMessage().contains("ECONNRESET") || failure.getMessage().contains("EPIPE"), failure.getMessage());
        d.close();
    }

    /**
     * A channel whose peer always has bytes for it (its handler reads one byte and asks for the
     * next at once, so on the readiness backends each read ends inside the call that made it) must
     * not keep another channel's read from ending: the loop looks at readiness on every turn that
     * has work, not only when it has nothing else to do. Before, on {@code threads}, the handlers
     * deferred past the stack limit ran turn after turn with no look at epoll between them, and the
     * other read ended only when the busy stream had run dry (all 8 MiB read).
     */
    @Test
    void aChannelThatIsAlwaysReadyDoesNotStarveAnother() throws Exception {
        ServerSocket ss = new ServerSocket(0, 2, InetAddress.getLoopbackAddress());
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort());
        StreamChannel busy = await(loop.connect(at));
        Socket busyPeer = ss.accept();
        StreamChannel quiet = await(loop.connect(at));
        Socket quietPeer = ss.accept();
        ss.close();
        final long total = 8L << 20; // one byte per read: millions of reads
        Thread writer = Thread.ofPlatform().start(() -> {
            byte[] block = new byte[1 << 16];
            try {
                for (long sent = 0; sent < total; sent += block.length) {
                    busyPeer.getOutputStream().write(block);
                }
            } catch (IOException e) {
                // the test closed the socket: it is over
            }
        });
        MemorySegment one = arena.allocate(1);
        long[] busyRead = {0};
        CompletableFuture<Void> busyDone = new CompletableFuture<>();
        IoHandler<Void> reader = new IoHandler<>() {
            @Override
            public void completed(long n, Void a) {
                if (n < 0) {
                    busyDone.complete(null);
                    return;
                }
                busyRead[0] += n;
                if (busyRead[0] < total) {
                    busy.read(one, null, this);
                } else {
                    busyDone.complete(null);
                }
            }

            @Override
            public void failed(IOException e, Void a) {
                busyDone.completeExceptionally(e);
            }
        };
        loop.execute(() -> busy.read(one, null, reader));
        // The busy stream is under way (the loop runs tasks between its turns either way).
        while (onLoop(() -> busyRead[0]) < 10_000) {
            Thread.onSpinWait();
        }
        MemorySegment dst = arena.allocate(16);
        CompletableFuture<Long> quietRead = new CompletableFuture<>();
        long[] busyAtQuiet = {-1};
        loop.execute(() -> quiet.read(dst, null, new IoHandler<Void>() {
            @Override
            public void completed(long n, Void a) {
                busyAtQuiet[0] = busyRead[0];
                quietRead.complete(n);
            }

            @Override
            public void failed(IOException e, Void a) {
                quietRead.completeExceptionally(e);
            }
        }));
        quietPeer.getOutputStream().write(7);
        assertEquals(1L, (long) await(quietRead));
        long busyThen = onLoop(() -> busyAtQuiet[0]);
        assertTrue(busyThen < total / 2, "the quiet channel's read ended only after the busy channel had read "
                + busyThen + " of its " + total + " bytes");
        busy.close();
        quiet.close();
        busyPeer.close();
        quietPeer.close();
        writer.join();
        try {
            busyDone.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertTrue(e.getCause() instanceof IOException, e.toString()); // closed mid-stream
        }
    }

    @Test
    void aSlowReaderHoldsBackTheWriter() throws Exception {
        Connected conn = connectToPeer();
        StreamChannel c = conn.channel();
        Socket peer = conn.peer();
        MemorySegment big = arena.allocate(64L << 20); // far more than socket buffers hold
        big.fill((byte) 5);
        CompletableFuture<Long> w = c.write(big);
        Thread.sleep(300);
        assertFalse(w.isDone(), "a 64 MiB write completed with nobody reading");
        // The loop is not blocked by the pending write: it still runs tasks.
        assertEquals(1, (int) onLoop(() -> 1));
        InputStream in = peer.getInputStream();
        byte[] chunk = new byte[1 << 16];
        long total = 0;
        while (total < big.byteSize()) {
            int n = in.read(chunk);
            assertTrue(n > 0);
            total += n;
        }
        assertEquals(big.byteSize(), (long) await(w));
        peer.close();
        c.close();
    }

    @Test
    void aSecondReadWhilePendingIsRefused() throws Exception {
        TcpListener l = loop.listen(LOOPBACK, ListenOptions.defaults(), c -> { });
        StreamChannel c = await(loop.connect(l.localAddress()));
        MemorySegment buf = arena.allocate(10);
        Object second = onLoop(() -> {
            c.read(buf, null, new IoHandler<Object>() {
                @Override
                public void completed(long n, Object a) {
                }

                @Override
                public void failed(IOException e, Object a) {
                }
            });
            try {
                c.read(buf);
                return "accepted";
            } catch (ReadPendingException e) {
                return e;
            }
        });
        assertInstanceOf(ReadPendingException.class, second);
        c.close();
    }

    @Test
    void closingAChannelFailsItsPendingReadWithAsynchronousClose() throws Exception {
        TcpListener l = loop.listen(LOOPBACK, ListenOptions.defaults(), c -> { });
        StreamChannel c = await(loop.connect(l.localAddress()));
        MemorySegment buf = arena.allocate(10);
        CompletableFuture<Long> r = c.read(buf);
        Thread.sleep(50);
        assertFalse(r.isDone());
        c.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(r));
        assertInstanceOf(AsynchronousCloseException.class, e.getCause());
        assertTrue(e.getCause().getMessage().startsWith("read on tcp"), e.getCause().getMessage());
    }

    @Test
    void heapBuffersAreRefused() throws Exception {
        TcpListener l = loop.listen(LOOPBACK, ListenOptions.defaults(), c -> { });
        StreamChannel c = await(loop.connect(l.localAddress()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.read(MemorySegment.ofArray(new byte[8])));
        assertTrue(e.getMessage().contains("native"), e.getMessage());
        c.close();
    }

    @Test
    void aClosedIoBufferCannotBeRead() throws Exception {
        TcpListener l = loop.listen(LOOPBACK, ListenOptions.defaults(), c -> { });
        StreamChannel c = await(loop.connect(l.localAddress()));
        IoBuffer b = IoBuffer.allocate(64, 64);
        b.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(c.read(b.segment())));
        assertTrue(e.getCause().getMessage().contains("closed") || e.getCause().getMessage().contains("freed"),
                e.getCause().getMessage());
        c.close();
    }

    @Test
    void twoLoopsShareAPortWithReusePort() throws Exception {
        try (EventLoop other = EventLoop.open(LoopConfig.defaults().withBackend(backend())
                .withFiles(EngineConfig.defaults().withQueueDepth(64)))) {
            AtomicInteger here = new AtomicInteger();
            AtomicInteger there = new AtomicInteger();
            ListenOptions reuse = ListenOptions.defaults().withReusePort(true);
            TcpListener a = loop.listen(LOOPBACK, reuse, c -> {
                here.incrementAndGet();
                c.close();
            });
            TcpListener b = other.listen(a.localAddress(), reuse, c -> {
                there.incrementAndGet();
                c.close();
            });
            assertEquals(a.localAddress(), b.localAddress());
            for (int i = 0; i < 64; i++) {
                try (Socket s = new Socket(a.localAddress().getAddress(), a.localAddress().getPort())) {
                    s.getInputStream().read(); // until the server closes
                }
            }
            assertEquals(64, here.get() + there.get());
            assertTrue(here.get() > 0 && there.get() > 0, "all on one loop: " + here + "/" + there);
        }
    }

    @Test
    void sendFileSendsResidentRangesAndDeclinesColdOnes() throws Exception {
        Path p = dir.resolve("sendfile");
        byte[] data = randomFile(p, 3 << 20, 3);
        Connected conn = connectToPeer();
        StreamChannel c = conn.channel();
        Socket peer = conn.peer();
        try (AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ);
                AsyncFile cached = AsyncFile.open(loop.engine(), dir.resolve("sendfile-cached"), FileOption.READ,
                        FileOption.WRITE, FileOption.CREATE, FileOption.CACHED)) {
            FutureLong sent = new FutureLong();
            assertThrows(IllegalArgumentException.class, () -> c.sendFile(cached, 0, 1, null, new FutureLong()));
            // Written just now, so in the page cache: sent whole, while the peer reads it (a socket
            // buffer holds far less than 3 MiB, so sendfile meets EAGAIN and waits for the socket).
            loop.execute(() -> c.sendFile(f, 1000, data.length - 1000, null, sent));
            byte[] got = peer.getInputStream().readNBytes(data.length - 1000);
            assertEquals(data.length - 1000L, (long) await(sent));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, data.length), got);
            // Dropped from the page cache: the readiness backends decline with 0 and send nothing; the
            // ring splices it anyway (the disk wait is an io-wq worker's).
            f.advise(0, 0, dev.jaio.FileAdvice.DONTNEED);
            FutureLong cold = new FutureLong();
            c.sendFile(f, 0, data.length, null, cold);
            if (backend().equals("uring")) {
                byte[] again = peer.getInputStream().readNBytes(data.length);
                assertEquals((long) data.length, (long) await(cold));
                assertArrayEquals(data, again);
            } else {
                long n = await(cold);
                assertTrue(n == 0 || n == data.length, "either declined, or (if the kernel kept the pages) sent whole: " + n);
            }
        } finally {
            conn.close();
        }
    }

    /**
     * A head given to sendFile goes out with the file's first bytes: a head and 10,000 bytes leave
     * as one TCP segment (tcpi_data_segs_out of the channel's socket), where a head sent on its own
     * would be one more, and would wake the peer for the head alone. A head larger than the pipe
     * and the socket buffers goes in parts, and a large range after it; every byte arrives in
     * order. Declined (readiness backends, pages not in the cache), nothing is sent, the head
     * neither.
     */
    @Test
    void sendFileSendsAHeadTogetherWithTheFilesBytes() throws Exception {
        Path p = dir.resolve("sendfile-head");
        byte[] data = randomFile(p, 3 << 20, 8);
        Connected conn = connectToPeer();
        StreamChannel c = conn.channel();
        Socket peer = conn.peer();
        try (AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ);
                AsyncFile g = AsyncFile.open(loop.engine(), p, FileOption.READ)) {
            String headText = "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n";
            MemorySegment head = bytes(headText);
            long segments = dataSegmentsOut(c);
            FutureLong sent = new FutureLong();
            loop.execute(() -> c.sendFile(head, f, 1000, 10_000, null, sent));
            byte[] got = peer.getInputStream().readNBytes(headText.length() + 10_000);
            assertEquals(headText.length() + 10_000L, (long) await(sent));
            assertEquals(headText, new String(got, 0, headText.length(), US_ASCII));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, 11_000),
                    java.util.Arrays.copyOfRange(got, headText.length(), got.length));
            assertEquals(1, dataSegmentsOut(c) - segments, "the head and the file's bytes in one segment");

            byte[] bigHead = new byte[3 << 19]; // 1.5 MiB: more than a grown pipe holds
            new Random(9).nextBytes(bigHead);
            MemorySegment big = arena.allocate(bigHead.length);
            MemorySegment.copy(bigHead, 0, big, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bigHead.length);
            FutureLong sentBig = new FutureLong();
            loop.execute(() -> c.sendFile(big, g, 1000, data.length - 1000, null, sentBig));
            byte[] gotBig = peer.getInputStream().readNBytes(bigHead.length + data.length - 1000);
            assertEquals((long) bigHead.length + data.length - 1000, (long) await(sentBig));
            assertArrayEquals(bigHead, java.util.Arrays.copyOfRange(gotBig, 0, bigHead.length));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, data.length),
                    java.util.Arrays.copyOfRange(gotBig, bigHead.length, gotBig.length));

            f.advise(0, 0, dev.jaio.FileAdvice.DONTNEED);
            // A handle with no send of its own: only the page cache decides (not a recent send's end).
            try (AsyncFile h = AsyncFile.open(loop.engine(), p, FileOption.READ)) {
                FutureLong cold = new FutureLong();
                loop.execute(() -> c.sendFile(head, h, 0, 10_000, null, cold));
                long n = await(cold);
                if (backend().equals("uring")) {
                    assertEquals(headText.length() + 10_000L, n);
                    assertEquals(headText, new String(peer.getInputStream().readNBytes(headText.length()), US_ASCII));
                    assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, 10_000), peer.getInputStream().readNBytes(10_000));
                } else if (n == 0) {
                    await(c.write(bytes("!")));
                    assertEquals('!', peer.getInputStream().read(), "declined: nothing sent, the head neither");
                } else {
                    assertEquals(headText.length() + 10_000L, n, "either declined, or (if the kernel kept the pages) sent whole");
                }
            }
        } finally {
            conn.close();
        }
    }

    /**
     * A sendFile with a head whose range starts past the end of the file sends nothing of the
     * file: the ring fails it (its head already in the channel's pipe), the readiness backends
     * decline it or fail it (sendfile(2) gives 0 where cachestat saw the last page resident).
     * What the peer then gets is what the failure said was written (nothing, or the head, which
     * the readiness backends had sent with MSG_MORE: it must arrive without a later send to push
     * it), and then the next send's bytes: no head of the failed send lingers in a pipe or a
     * socket's queue to go out in front of a later send. A head with no file bytes (count 0) is
     * sent alone on every backend.
     */
    @Test
    void aFailedSendFileLeavesNothingOfItsHeadForTheNextSend() throws Exception {
        Path p = dir.resolve("sendfile-past-end");
        byte[] data = randomFile(p, 5000, 10);
        Connected conn = connectToPeer();
        StreamChannel c = conn.channel();
        try (AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ)) {
            String first = "first head\r\n";
            FutureLong pastEnd = new FutureLong();
            loop.execute(() -> c.sendFile(bytes(first), f, 6000, 100, null, pastEnd));
            String written = "";
            try {
                long n = await(pastEnd);
                assertFalse(backend().equals("uring"), "the ring sends or fails, never declines: " + n);
                assertEquals(0L, n);
            } catch (java.util.concurrent.ExecutionException e) {
                assertInstanceOf(IOException.class, e.getCause());
                if (e.getCause().getMessage().contains("after " + first.length() + " bytes were written")) {
                    assertFalse(backend().equals("uring"), "the ring's head left in the pipe was counted as written");
                    written = first;
                }
            }
            // Not held back: TCP would send a corked head only when its probe timer fires (200 ms on).
            assertEquals(0, tcpInfoU32(c, TCPI_NOTSENT_BYTES), "bytes of the failed send not sent yet");
            conn.peer().setSoTimeout(10_000);
            assertEquals(written, new String(conn.peer().getInputStream().readNBytes(written.length()), US_ASCII),
                    "what the failure said was written, before any later send");
            MemorySegment head = bytes("second\r\n");
            FutureLong next = new FutureLong();
            loop.execute(() -> c.sendFile(head, f, 0, 100, null, next));
            assertEquals(8 + 100L, (long) await(next));
            byte[] got = conn.peer().getInputStream().readNBytes(108);
            assertEquals("second\r\n", new String(got, 0, 8, US_ASCII));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, 100), java.util.Arrays.copyOfRange(got, 8, 108));
            FutureLong alone = new FutureLong();
            loop.execute(() -> c.sendFile(bytes("alone"), f, 0, 0, null, alone));
            assertEquals(5L, (long) await(alone));
            assertEquals("alone", new String(conn.peer().getInputStream().readNBytes(5), US_ASCII));
        } finally {
            conn.close();
        }
    }

    /** struct tcp_info (include/uapi/linux/tcp.h): the u32 tcpi_notsent_bytes (Linux 4.6). */
    static final int TCPI_NOTSENT_BYTES = 144;
    /** struct tcp_info: the u32 tcpi_data_segs_out, data segments sent (Linux 4.6). */
    static final int TCPI_DATA_SEGS_OUT = 156;

    /** tcpi_data_segs_out of the channel's socket: the data segments it sent. */
    static long dataSegmentsOut(StreamChannel c) throws Exception {
        return tcpInfoU32(c, TCPI_DATA_SEGS_OUT);
    }

    /** A u32 field of the channel's socket's struct tcp_info (getsockopt TCP_INFO) at {@code offset}. */
    static long tcpInfoU32(StreamChannel c, int offset) throws Exception {
        java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
        java.lang.invoke.MethodHandle getsockopt = linker.downcallHandle(
                linker.defaultLookup().find("getsockopt").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT,
                        java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT,
                        java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.ADDRESS));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(256);
            MemorySegment len = a.allocate(java.lang.foreign.ValueLayout.JAVA_INT);
            len.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 256);
            int tcpInfo = 11;
            int rc;
            try {
                rc = (int) getsockopt.invokeExact(c.fd.fd(), dev.jaio.internal.linux.Sockets.IPPROTO_TCP, tcpInfo, info, len);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            assertEquals(0, rc, "getsockopt TCP_INFO");
            assertTrue(len.get(java.lang.foreign.ValueLayout.JAVA_INT, 0) >= offset + 4, "tcp_info without the field at " + offset);
            return Integer.toUnsignedLong(info.get(java.lang.foreign.ValueLayout.JAVA_INT, offset));
        }
    }

    /** A sendFile's count, and a time right after the call that made it returned on the loop thread. */
    record SentFile(long count, long madeAt) {
    }

    /**
     * Sends the first {@code count} bytes of {@code f} through {@code c} from the loop thread: the
     * handler's count, and when the call returned (an upper bound of the time its checks saw).
     */
    SentFile sendFileFromLoop(StreamChannel c, AsyncFile f, long count) throws Exception {
        FutureLong sent = new FutureLong();
        CompletableFuture<Long> made = new CompletableFuture<>();
        loop.execute(() -> {
            c.sendFile(f, 0, count, null, sent);
            made.complete(System.nanoTime());
        });
        return new SentFile(await(sent), await(made));
    }

    /**
     * A file a read of which went through the engine just now may still have pages under read
     * (its readahead), which cachestat counts as resident but sendfile(2) would wait for: the
     * readiness backends decline it, though every page is in the cache; the ring sends it.
     */
    @Test
    void sendFileDeclinesAFileJustReadThroughTheEngine() throws Exception {
        Path p = dir.resolve("sendfile-read");
        byte[] data = randomFile(p, 1 << 20, 5);
        Connected conn = connectToPeer();
        StreamChannel c = conn.channel();
        Socket peer = conn.peer();
        try (EventLoop other = EventLoop.open(LoopConfig.defaults().withBackend(backend())
                .withFiles(EngineConfig.defaults().withFastPaths(dev.jaio.FastPaths.NONE)));
                AsyncFile slow = AsyncFile.open(other.engine(), p, FileOption.READ);
                AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ);
                IoBuffer buf = slow.allocateBuffer(data.length)) {
            // Another handle's engine read: not this handle's, so f's sendfile goes ahead.
            assertEquals(data.length, await(slow.read(buf.segment(), 0)));
            assertTrue(dev.jaio.internal.linux.Cachestat.allResident(
                    dev.jaio.internal.file.HandleAccess.openFile(f).fd(), 0, data.length, data.length));
            FutureLong sent = new FutureLong();
            loop.execute(() -> c.sendFile(f, 0, data.length, null, sent));
            assertArrayEquals(data, peer.getInputStream().readNBytes(data.length));
            assertEquals((long) data.length, (long) await(sent));
            // This handle's own engine read (no fast path on `other`): declined for 250 ms after it.
            // The send may come later than that only after a pause of the test (a GC): then it may
            // go ahead, and the test tries again; a send that went ahead though it came less than
            // 250 ms after the read was made (an upper bound of the time since that read ended) fails it.
            try (AsyncFile g = AsyncFile.open(other.engine(), p, FileOption.READ)) {
                for (int attempt = 1; ; attempt++) {
                    long readMade = System.nanoTime();
                    assertEquals(data.length, await(g.read(buf.segment(), 0)));
                    SentFile send = sendFileFromLoop(c, g, data.length);
                    long n = send.count();
                    if (backend().equals("uring")) {
                        assertArrayEquals(data, peer.getInputStream().readNBytes(data.length));
                        assertEquals((long) data.length, n);
                        break;
                    }
                    if (n == 0) {
                        break;
                    }
                    long since = send.madeAt() - readMade;
                    assertTrue(since >= dev.jaio.internal.file.OpenFile.READAHEAD_QUIET_NANOS,
                            "sent a file whose pages may still be under read, at most " + since + " ns after its read");
                    assertArrayEquals(data, peer.getInputStream().readNBytes(data.length));
                    assertTrue(attempt < 5, "5 attempts, each with a pause of 250 ms between read and send");
                }
            }
        } finally {
            conn.close();
        }
    }

    /**
     * A try on the calling thread ({@link AsyncFile#tryRead}) that misses a page starts that page's
     * readahead, though no read goes to the engine: the readiness backends decline a send of the
     * handle for 250 ms after it, even once cachestat finds every page resident (as it does while
     * the readahead still has pages locked under read). The ring sends it.
     */
    @Test
    void sendFileDeclinesAFileWhoseTryJustMissed() throws Exception {
        Path p = dir.resolve("sendfile-try");
        byte[] data = randomFile(p, 64 * 1024, 9);
        Connected conn = connectToPeer();
        StreamChannel c = conn.channel();
        Socket peer = conn.peer();
        try (AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ); IoBuffer buf = f.allocateBuffer(data.length)) {
            int fd = dev.jaio.internal.file.HandleAccess.openFile(f).fd();
            boolean declinedOnce = false;
            boolean missedOnce = false;
            for (int attempt = 1; attempt <= 2000 && !declinedOnce; attempt++) {
                await(f.fsync());
                for (int i = 0; i < 1000 && dev.jaio.internal.linux.Cachestat.residentPages(fd, 0, 0) > 0; i++) {
                    f.advise(0, 0, dev.jaio.FileAdvice.DONTNEED);
                    Thread.sleep(1);
                }
                long tryMade = System.nanoTime();
                if (f.tryRead(buf.segment(), 0) == data.length) {
                    continue; // this VM's disk read it before the try looked: no miss, try again
                }
                missedOnce = true;
                // Missed: wait until the readahead made every page resident for cachestat, then send.
                while (!dev.jaio.internal.linux.Cachestat.allResident(fd, 0, data.length, data.length)
                        && System.nanoTime() - tryMade < 200_000_000L) {
                    Thread.sleep(1);
                }
                boolean resident = dev.jaio.internal.linux.Cachestat.allResident(fd, 0, data.length, data.length);
                SentFile sent = sendFileFromLoop(c, f, data.length);
                long n = sent.count();
                if (backend().equals("uring")) {
                    assertArrayEquals(data, peer.getInputStream().readNBytes(data.length));
                    assertEquals((long) data.length, n);
                    return;
                }
                if (n == 0) {
                    declinedOnce = resident; // declined: it shows the try's mark only if cachestat had nothing against it
                    continue;
                }
                long since = sent.madeAt() - tryMade;
                assertTrue(since >= dev.jaio.internal.file.OpenFile.READAHEAD_QUIET_NANOS,
                        "sent a file whose try missed (starting its readahead) at most " + since + " ns before");
                assertArrayEquals(data, peer.getInputStream().readNBytes(data.length));
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(missedOnce, "no try of the dropped file missed in 2000"
                    + " attempts: the device read it before the try looked");
            assertTrue(declinedOnce, "no send was declined right after a missed try, with the pages resident");
        } finally {
            conn.close();
        }
    }

    /**
     * Two more sends that cachestat cannot vouch for: through an O_DIRECT handle (sendfile reads the
     * device through it, whatever the page cache holds), and a range that reaches past where this
     * handle's last send ended just now (that send's readahead may still be reading those pages).
     * The readiness backends decline both; a resend within what was sent goes ahead; the ring sends all.
     */
    @Test
    void sendFileDeclinesDirectFilesAndRangesPastItsOwnRecentSend() throws Exception {
        Path p = dir.resolve("sendfile-direct");
        byte[] data = randomFile(p, 1 << 20, 6);
        Connected conn = connectToPeer();
        StreamChannel c = conn.channel();
        Socket peer = conn.peer();
        boolean ring = backend().equals("uring");
        int half = data.length / 2;
        try (AsyncFile direct = AsyncFile.open(loop.engine(), p, FileOption.READ, FileOption.DIRECT);
                AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ)) {
            assertTrue(dev.jaio.internal.linux.Cachestat.allResident(
                    dev.jaio.internal.file.HandleAccess.openFile(f).fd(), 0, data.length, data.length), "written just now");
            FutureLong viaDirect = new FutureLong();
            loop.execute(() -> c.sendFile(direct, 0, data.length, null, viaDirect));
            if (ring) {
                assertArrayEquals(data, peer.getInputStream().readNBytes(data.length));
                assertEquals((long) data.length, (long) await(viaDirect));
            } else {
                assertEquals(0L, (long) await(viaDirect), "sent through an O_DIRECT descriptor on the loop thread");
            }
            // The first half, then (at once) the second: past where the first send ended.
            FutureLong first = new FutureLong();
            FutureLong second = new FutureLong();
            FutureLong again = new FutureLong();
            loop.execute(() -> c.sendFile(f, 0, half, null, first));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, half), peer.getInputStream().readNBytes(half));
            assertEquals((long) half, (long) await(first));
            loop.execute(() -> c.sendFile(f, half, data.length - half, null, second));
            if (ring) {
                assertArrayEquals(java.util.Arrays.copyOfRange(data, half, data.length),
                        peer.getInputStream().readNBytes(data.length - half));
                assertEquals((long) (data.length - half), (long) await(second));
            } else {
                assertEquals(0L, (long) await(second), "sent a range past the end of a send of 0 s ago");
            }
            loop.execute(() -> c.sendFile(f, 0, half, null, again));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, half), peer.getInputStream().readNBytes(half));
            assertEquals((long) half, (long) await(again), "a resend of what was sent goes ahead");
        } finally {
            conn.close();
        }
    }

    // ---- sends per turn ----

    /**
     * A loop that sends at most 4 KiB per channel and turn: a 1 MiB sendFile and a 1 MiB write
     * cannot end in the call that starts them (an empty socket takes the first 4 KiB whole, and the
     * rest waits for later turns), and every byte arrives in order. Where writes are queued
     * (uring's SEND, native AIO's IOCB_CMD_PWRITE) each request carries at most 4 KiB.
     */
    @Test
    void largeSendsGoOnInLaterTurnsAndDeliverEveryByte() throws Exception {
        Path p = dir.resolve("per-turn");
        byte[] data = randomFile(p, 1 << 20, 7);
        boolean ring = backend().equals("uring");
        boolean queued = writesQueued();
        try (EventLoop small = EventLoop.open(LoopConfig.defaults().withBackend(backend()).withSendBytesPerTurn(4096)
                .withFiles(EngineConfig.defaults().withQueueDepth(64)));
                AsyncFile f = AsyncFile.open(small.engine(), p, FileOption.READ);
                IoBuffer buf = IoBuffer.allocate(data.length, 4096)) {
            assertEquals(4096, new LoopConfig("auto", EngineConfig.defaults()).withSendBytesPerTurn(4096).sendBytesPerTurn());
            Connected conn = connectToPeer(small);
            try {
                StreamChannel c = conn.channel();
                FutureLong sent = new FutureLong();
                boolean endedAtOnce = onLoop(small, () -> {
                    c.sendFile(f, 0, data.length, null, sent);
                    return sent.isDone();
                });
                assertArrayEquals(data, conn.peer().getInputStream().readNBytes(data.length));
                assertEquals((long) data.length, (long) await(sent));
                MemorySegment.copy(data, 0, buf.segment(), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, data.length);
                long continuedBeforeWrite = small.sendsContinuedForTest();
                FutureLong written = new FutureLong();
                boolean writeEndedAtOnce = onLoop(small, () -> {
                    c.write(buf.segment(), null, written);
                    return written.isDone();
                });
                assertArrayEquals(data, conn.peer().getInputStream().readNBytes(data.length));
                assertEquals((long) data.length, (long) await(written));
                assertFalse(endedAtOnce, "a 1 MiB sendFile ended in its first turn at 4 KiB per turn");
                assertFalse(writeEndedAtOnce, "a 1 MiB write ended in its first turn at 4 KiB per turn");
                long writeCuts = small.sendsContinuedForTest() - continuedBeforeWrite;
                if (queued) {
                    // Every request of the write but the last was cut at 4 KiB (more if the socket took
                    // less of one).
                    long cuts = data.length / 4096 - 1;
                    assertTrue(writeCuts >= cuts, "write requests cut: " + writeCuts + ", expected at least " + cuts);
                } else {
                    assertTrue(writeCuts >= 1, "the write's sends continued in later turns: " + writeCuts);
                }
                if (!ring) {
                    // sendfile(2) on the loop thread (uring's SPLICEs run in io-wq workers and are not cut).
                    assertTrue(continuedBeforeWrite >= 2, "the sendFile's sends continued: " + continuedBeforeWrite);
                }
            } finally {
                conn.close();
            }
        }
        assertThrows(IllegalArgumentException.class, () -> LoopConfig.defaults().withSendBytesPerTurn(4095));
        assertThrows(IllegalArgumentException.class, () -> LoopConfig.defaults().withSendBytesPerTurn(-1));
        assertEquals(0, LoopConfig.defaults().withSendBytesPerTurn(0).sendBytesPerTurn(), "0: no limit");
        assertEquals(LoopConfig.DEFAULT_SEND_BYTES_PER_TURN, LoopConfig.defaults().sendBytesPerTurn());
    }

    /**
     * The allowance is the channel's per turn, not each write's: where writes are system calls of
     * the loop thread ({@code threads}), a handler that makes its next 1 KiB write from the last
     * one's completion (on the loop's stack, in the same turn) gets 4 of them done in a turn of
     * 4 KiB, and the rest in later turns. Where they are queued, none ends inside the call that
     * made it (the kernel runs it in the turn's submit). Either way every byte arrives in order.
     */
    @Test
    void writesChainedFromCompletionsShareTheChannelsAllowanceForATurn() throws Exception {
        try (EventLoop small = EventLoop.open(LoopConfig.defaults().withBackend(backend()).withSendBytesPerTurn(4096)
                .withFiles(EngineConfig.defaults().withQueueDepth(64)))) {
            Connected conn = connectToPeer(small);
            try {
                StreamChannel c = conn.channel();
                MemorySegment block = arena.allocate(1024);
                byte[] expected = new byte[8 * 1024];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = (byte) (i / 1024 + 1);
                }
                java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
                CompletableFuture<Void> all = new CompletableFuture<>();
                IoHandler<Object> next = new IoHandler<>() {
                    @Override
                    public void completed(long n, Object a) {
                        if (done.incrementAndGet() == 8) {
                            all.complete(null);
                        } else {
                            block.fill((byte) (done.get() + 1));
                            c.write(block, null, this);
                        }
                    }

                    @Override
                    public void failed(IOException e, Object a) {
                        all.completeExceptionally(e);
                    }
                };
                int inFirstTurn = onLoop(small, () -> {
                    block.fill((byte) 1);
                    c.write(block, null, next);
                    return done.get();
                });
                assertArrayEquals(expected, conn.peer().getInputStream().readNBytes(expected.length));
                await(all);
                if (writesQueued()) {
                    // The kernel runs each write in the loop's next submit call: none ends inside the task.
                    assertEquals(0, inFirstTurn, "a queued write ended inside the call that made it");
                } else {
                    assertEquals(4, inFirstTurn, "1 KiB writes done in the turn of the first, at 4 KiB per turn");
                }
            } finally {
                conn.close();
            }
        }
    }

    /**
     * A close while a write or sendFile waits for its next turn fails it with the close (the
     * channel's name in the message), releases the write's buffer, and the next turn finds nothing
     * to continue; the loop goes on serving its other channels.
     */
    @Test
    void aCloseBetweenTurnsOfALargeSendFailsItAndReleasesItsBuffer() throws Exception {
        Path p = dir.resolve("per-turn-close");
        byte[] data = randomFile(p, 1 << 20, 8);
        try (EventLoop small = EventLoop.open(LoopConfig.defaults().withBackend(backend()).withSendBytesPerTurn(4096)
                .withFiles(EngineConfig.defaults().withQueueDepth(64)));
                AsyncFile f = AsyncFile.open(small.engine(), p, FileOption.READ)) {
            Connected a = connectToPeer(small);
            Connected b = connectToPeer(small);
            try {
                FutureLong sent = new FutureLong();
                onLoop(small, () -> {
                    a.channel().sendFile(f, 0, data.length, null, sent);
                    a.channel().close();
                    return null;
                });
                if (!backend().equals("uring")) {
                    assertEquals(1, small.sendsContinuedForTest(), "the close came while the send waited for its next turn");
                }
                ExecutionException e = assertThrows(ExecutionException.class, () -> await(sent));
                assertInstanceOf(java.nio.channels.AsynchronousCloseException.class, e.getCause());
                IoBuffer buf = IoBuffer.allocate(data.length, 4096);
                FutureLong written = new FutureLong();
                onLoop(small, () -> {
                    b.channel().write(buf.segment(), null, written);
                    b.channel().close();
                    return null;
                });
                if (!backend().equals("uring")) {
                    // A queued write (native AIO) never waits for a turn of its own: the close cancels it in the queue.
                    assertEquals(writesQueued() ? 1 : 2, small.sendsContinuedForTest(),
                            "the close came while the write waited for its next turn");
                }
                e = assertThrows(ExecutionException.class, () -> await(written));
                assertInstanceOf(java.nio.channels.AsynchronousCloseException.class, e.getCause());
                assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
                assertEquals(0, buf.pinCount(), "the failed write still pins its buffer");
                // What reached the peer: the first turn's 4 KiB of a write made by send(2), nothing of a
                // queued one (the close cancelled it before the loop submitted it).
                b.peer().setSoTimeout(10_000);
                assertEquals(writesQueued() ? 0 : 4096, b.peer().getInputStream().readAllBytes().length,
                        "bytes of the closed write that reached the peer");
                buf.close();
                // The loop still serves: a third connection's small write arrives.
                Connected c = connectToPeer(small);
                try {
                    MemorySegment hello = arena.allocate(5);
                    MemorySegment.copy("hello".getBytes(), 0, hello, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, 5);
                    assertEquals(5L, (long) await(c.channel().write(hello)));
                    assertArrayEquals("hello".getBytes(), c.peer().getInputStream().readNBytes(5));
                } finally {
                    c.close();
                }
            } finally {
                a.close();
                b.close();
            }
        }
    }

    // ---- read timeouts ----

    @Test
    void aReadThatGetsNoByteTimesOutTakesNothingAndTheChannelReadsOn() throws Exception {
        TcpListener l = echoServer();
        StreamChannel c = await(loop.connect(l.localAddress()));
        MemorySegment in = arena.allocate(64);
        long t0 = System.nanoTime();
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(c.read(in, 100, TimeUnit.MILLISECONDS)));
        long waited = System.nanoTime() - t0;
        assertInstanceOf(InterruptedByTimeoutException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("no bytes within 100 ms"), e.getCause().getMessage());
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(100), "timed out after " + waited + " ns");
        assertTrue(c.isOpen());
        // The echo comes back to a read with a timeout: nothing was lost to the timed-out one.
        assertEquals(5L, await(c.write(bytes("hello"))));
        long n = await(c.read(in, 10, TimeUnit.SECONDS));
        assertEquals("hello", text(in, n));
        c.close();
    }

    @Test
    void aTimedReadsDeadlineCountsTheTimeItWaitedInTheLoop() throws Exception {
        TcpListener l = echoServer();
        StreamChannel c = await(loop.connect(l.localAddress()));
        MemorySegment in = arena.allocate(64);
        CompletableFuture<CompletableFuture<Long>> made = new CompletableFuture<>();
        long[] madeAt = new long[1];
        loop.execute(() -> {
            madeAt[0] = System.nanoTime();
            made.complete(c.read(in, 300, TimeUnit.MILLISECONDS));
            // A turn that runs 500 ms: the read reaches the kernel (on uring, with its LINK_TIMEOUT)
            // or the timer heap's next check only after it. The deadline was set when it was made.
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() - until < 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
            }
        });
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(await(made)));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - madeAt[0]);
        assertInstanceOf(InterruptedByTimeoutException.class, e.getCause());
        // At the deadline's first chance, just after the 500 ms turn; a timeout counted from the
        // read's submission would end 300 ms after that turn: 800 ms or later after the read was made.
        assertTrue(waitedMs >= 500 && waitedMs < 800, "timed out after " + waitedMs + " ms");
        assertTrue(c.isOpen());
        assertEquals(2L, await(c.write(bytes("ok"))));
        assertEquals("ok", text(in, await(c.read(in, 10, TimeUnit.SECONDS))));
        c.close();
    }

    /**
     * Bytes that came while the loop was busy are not a timeout: a read with a 100 ms timeout whose
     * peer sends during a 400 ms turn gets them (as a timed receive does).
     */
    @Test
    void aTimedReadWhoseBytesCameDuringALongTurnGetsThem() throws Exception {
        Connected conn = connectToPeer();
        try {
            StreamChannel c = conn.channel();
            MemorySegment in = arena.allocate(64);
            CompletableFuture<CompletableFuture<Long>> made = new CompletableFuture<>();
            loop.execute(() -> {
                made.complete(c.read(in, 100, TimeUnit.MILLISECONDS));
                try {
                    conn.peer().getOutputStream().write("hello".getBytes());
                } catch (IOException e) {
                    made.completeExceptionally(e);
                }
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
                while (System.nanoTime() - until < 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
                }
            });
            assertEquals("hello", text(in, await(await(made))));
        } finally {
            conn.close();
        }
    }

    @Test
    void readsThatEndInTimeLeaveNoTimerToFailALaterRead() throws Exception {
        Pipe p = loop.openPipe();
        MemorySegment in = arena.allocate(64);
        for (int i = 0; i < 300; i++) {
            CompletableFuture<Long> r = p.source().read(in, 150, TimeUnit.MILLISECONDS);
            assertEquals(1L, await(p.sink().write(bytes("x"))));
            assertEquals(1L, await(r));
        }
        // Past every deadline of those reads: a read with no timeout waits on, untouched by them.
        CompletableFuture<Long> r = p.source().read(in);
        loopTimerRan(300);
        assertFalse(r.isDone(), () -> "a stale timeout ended a later read: " + r);
        assertEquals(1L, await(p.sink().write(bytes("y"))));
        assertEquals(1L, await(r));
        p.close();
    }

    @Test
    void aPipeReadTimesOutAndTheNextOneGetsTheBytes() throws Exception {
        Pipe p = loop.openPipe();
        MemorySegment in = arena.allocate(64);
        for (int round = 0; round < 3; round++) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> await(p.source().read(in, 30, TimeUnit.MILLISECONDS)));
            assertInstanceOf(InterruptedByTimeoutException.class, e.getCause());
        }
        assertEquals(4L, await(p.sink().write(bytes("pong"))));
        assertEquals("pong", text(in, await(p.source().read(in, 5, TimeUnit.SECONDS))));
        p.close();
    }

    @Test
    void closingFailsATimedReadWithAsynchronousCloseNotATimeout() throws Exception {
        TcpListener l = loop.listen(LOOPBACK, ListenOptions.defaults(), c -> { });
        StreamChannel c = await(loop.connect(l.localAddress()));
        long fds = openFds();
        CompletableFuture<Long> r = c.read(arena.allocate(10), 30, TimeUnit.SECONDS);
        onLoop(() -> null); // the read was made: pending now
        c.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(r));
        assertInstanceOf(AsynchronousCloseException.class, e.getCause());
        // The descriptor closes once the read (and on uring its linked timeout) came back.
        for (int i = 0; i < 200 && openFds() >= fds; i++) {
            Thread.sleep(10);
        }
        assertTrue(openFds() < fds, "the channel's descriptor is still open");
    }

    @Test
    void aZeroOrNegativeTimeoutMeansNoLimit() throws Exception {
        Pipe p = loop.openPipe();
        MemorySegment in = arena.allocate(8);
        CompletableFuture<Long> r = p.source().read(in, 0, TimeUnit.MILLISECONDS);
        loopTimerRan(100);
        assertFalse(r.isDone());
        assertEquals(1L, await(p.sink().write(bytes("z"))));
        assertEquals(1L, await(r));
        CompletableFuture<Long> r2 = p.source().read(in, -5, TimeUnit.SECONDS);
        loopTimerRan(50);
        assertFalse(r2.isDone());
        p.close();
    }

    // ---- receive idle timeouts ----

    /**
     * A receive handler that keeps every chunk, stops once it has {@code want} bytes (0: never),
     * and records when each chunk came and how the receive ended.
     */
    static final class TimedReceiver implements ReceiveHandler<Object> {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        final CompletableFuture<IOException> failed = new CompletableFuture<>();
        final CompletableFuture<byte[]> got = new CompletableFuture<>();
        final int want;
        volatile long lastChunkAt;

        TimedReceiver(int want) {
            this.want = want;
        }

        @Override
        public boolean received(MemorySegment buffer, int count, Object attachment) {
            lastChunkAt = System.nanoTime();
            bytes.writeBytes(buffer.asSlice(0, count).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            if (want > 0 && bytes.size() >= want) {
                got.complete(bytes.toByteArray());
                return false;
            }
            return true;
        }

        @Override
        public void ended(Object attachment) {
            failed.completeExceptionally(new AssertionError("ended"));
        }

        @Override
        public void failed(IOException cause, Object attachment) {
            failed.complete(cause);
        }
    }

    @Test
    void aReceiveThatGetsNoChunkTimesOutAndTheNextReceiveGetsTheBytes() throws Exception {
        Connected conn = connectToPeer();
        try {
            StreamChannel c = conn.channel();
            TimedReceiver r = new TimedReceiver(0);
            long t0 = System.nanoTime();
            c.receive(100, TimeUnit.MILLISECONDS, null, r);
            IOException e = await(r.failed);
            long waited = System.nanoTime() - t0;
            assertInstanceOf(InterruptedByTimeoutException.class, e);
            assertTrue(e.getMessage().contains("receive from") && e.getMessage().contains("no bytes within 100 ms")
                    && e.getMessage().contains("still open"), e.getMessage());
            assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(100), "timed out after " + waited + " ns");
            assertTrue(c.isOpen());
            // Nothing was taken by the timed-out receive: the next one (timed too) gets every byte.
            conn.peer().getOutputStream().write("hello".getBytes());
            TimedReceiver next = new TimedReceiver(5);
            c.receive(10, TimeUnit.SECONDS, null, next);
            assertEquals("hello", new String(await(next.got)));
            // A read after a timed-out receive gets the bytes too.
            TimedReceiver third = new TimedReceiver(0);
            c.receive(50, TimeUnit.MILLISECONDS, null, third);
            assertInstanceOf(InterruptedByTimeoutException.class, await(third.failed));
            conn.peer().getOutputStream().write("abc".getBytes());
            MemorySegment in = arena.allocate(16);
            assertEquals("abc", text(in, await(c.read(in, 10, TimeUnit.SECONDS))));
        } finally {
            conn.close();
        }
    }

    /**
     * The timeout is idle time, not the receive's length: chunks every 50 ms for a second keep a
     * receive with a 500 ms timeout going; it fails 500 ms after the last one.
     */
    @Test
    void aReceiveWhoseChunksKeepComingOutlivesItsTimeoutThenTimesOutWhenTheyStop() throws Exception {
        Connected conn = connectToPeer();
        try {
            conn.peer().setTcpNoDelay(true); // each byte goes at once, not after the last one's ACK
            StreamChannel c = conn.channel();
            TimedReceiver r = new TimedReceiver(0);
            c.receive(500, TimeUnit.MILLISECONDS, null, r);
            for (int i = 0; i < 20; i++) {
                conn.peer().getOutputStream().write('a' + i);
                Thread.sleep(50);
                assertFalse(r.failed.isDone(), () -> "failed while chunks came: " + r.failed.join());
            }
            IOException e = await(r.failed);
            long sinceLast = System.nanoTime() - r.lastChunkAt;
            assertInstanceOf(InterruptedByTimeoutException.class, e);
            assertEquals("abcdefghijklmnopqrst", r.bytes.toString());
            assertTrue(sinceLast >= TimeUnit.MILLISECONDS.toNanos(500), "timed out " + sinceLast + " ns after the last chunk");
            assertTrue(c.isOpen());
        } finally {
            conn.close();
        }
    }

    @Test
    void aPipeReceiveTimesOutAndTheNextOneGetsTheBytes() throws Exception {
        Pipe p = loop.openPipe();
        for (int round = 0; round < 3; round++) {
            TimedReceiver r = new TimedReceiver(0);
            p.source().receive(30, TimeUnit.MILLISECONDS, null, r);
            assertInstanceOf(InterruptedByTimeoutException.class, await(r.failed));
        }
        assertEquals(4L, await(p.sink().write(bytes("pong"))));
        TimedReceiver r = new TimedReceiver(4);
        p.source().receive(5, TimeUnit.SECONDS, null, r);
        assertEquals("pong", new String(await(r.got)));
        p.close();
    }

    @Test
    void aTimedReceiveStoppedByItsHandlerLeavesNoTimerToFailTheNext() throws Exception {
        Pipe p = loop.openPipe();
        int timersBefore = onLoop(() -> loop.pendingTimersForTest());
        TimedReceiver first = new TimedReceiver(1);
        p.source().receive(30, TimeUnit.SECONDS, null, first);
        assertEquals(timersBefore + 1, (int) onLoop(() -> loop.pendingTimersForTest()), "the timed receive's timer");
        assertEquals(1L, await(p.sink().write(bytes("x"))));
        assertEquals("x", new String(await(first.got)));
        assertEquals(timersBefore, (int) onLoop(() -> loop.pendingTimersForTest()),
                "the stopped receive's timer is still in the heap");
        TimedReceiver second = new TimedReceiver(1);
        p.source().receive(null, second); // no timeout
        loopTimerRan(300);
        assertFalse(second.failed.isDone(), () -> "a stale timeout ended a later receive: " + second.failed.join());
        assertFalse(first.failed.isDone(), "the stopped receive's timer fired into its handler");
        assertEquals(1L, await(p.sink().write(bytes("y"))));
        assertEquals("y", new String(await(second.got)));
        p.close();
    }

    /**
     * Bytes that came while the loop was busy are a chunk to come, not idleness: a receive with a
     * 100 ms timeout whose peer sends during a 400 ms turn gets them, and does not time out.
     */
    @Test
    void aTimedReceiveWhoseBytesCameDuringALongTurnGetsThem() throws Exception {
        Connected conn = connectToPeer();
        try {
            StreamChannel c = conn.channel();
            TimedReceiver r = new TimedReceiver(5);
            CompletableFuture<Void> busy = new CompletableFuture<>();
            loop.execute(() -> {
                c.receive(100, TimeUnit.MILLISECONDS, null, r);
                try {
                    conn.peer().getOutputStream().write("hello".getBytes());
                } catch (IOException e) {
                    busy.completeExceptionally(e);
                }
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
                while (System.nanoTime() - until < 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
                }
                busy.complete(null);
            });
            await(busy);
            await(CompletableFuture.anyOf(r.got, r.failed)); // a timeout reports at once, not after await's limit
            assertFalse(r.failed.isDone(), () -> "timed out with bytes waiting: " + r.failed.join());
            assertEquals("hello", new String(await(r.got)));
        } finally {
            conn.close();
        }
    }

    @Test
    void closingFailsATimedReceiveWithAsynchronousCloseNotATimeout() throws Exception {
        Connected conn = connectToPeer();
        try {
            StreamChannel c = conn.channel();
            TimedReceiver r = new TimedReceiver(0);
            c.receive(30, TimeUnit.SECONDS, null, r);
            onLoop(() -> null); // the receive was made
            c.close();
            assertInstanceOf(AsynchronousCloseException.class, await(r.failed));
            assertThrows(NullPointerException.class, () -> c.receive(1, null, null, new TimedReceiver(0)));
        } finally {
            conn.close();
        }
    }

    /** An IoHandler that is a future of the result. */
    static final class FutureLong extends CompletableFuture<Long> implements IoHandler<Object> {
        @Override
        public void completed(long result, Object attachment) {
            complete(result);
        }

        @Override
        public void failed(IOException cause, Object attachment) {
            completeExceptionally(cause);
        }
    }

    // ---- pipes ----

    @Test
    void pipeCarriesBytesAndEndOfStream() throws Exception {
        Pipe p = loop.openPipe();
        assertEquals(StreamChannel.Kind.PIPE_SOURCE, p.source().kind());
        MemorySegment in = arena.allocate(64);
        CompletableFuture<Long> r = p.source().read(in);
        Thread.sleep(20);
        assertFalse(r.isDone());
        assertEquals(4L, await(p.sink().write(bytes("ping"))));
        long n = await(r);
        assertEquals("ping", text(in, n));
        p.sink().close();
        assertEquals(-1L, await(p.source().read(in)));
        p.close();
    }

    @Test
    void pipePingPongBetweenTwoPipes() throws Exception {
        Pipe there = loop.openPipe();
        Pipe back = loop.openPipe();
        MemorySegment a = arena.allocate(8);
        MemorySegment b = arena.allocate(8);
        int rounds = 2000;
        CompletableFuture<Integer> done = new CompletableFuture<>();
        // Echo side: read from there, write to back.
        IoHandler<Object> echo = new IoHandler<Object>() {
            @Override
            public void completed(long n, Object att) {
                if (n < 0) {
                    return;
                }
                back.sink().write(b.asSlice(0, n), null, new IoHandler<Object>() {
                    @Override
                    public void completed(long w, Object x) {
                        there.source().read(b, null, echo());
                    }

                    @Override
                    public void failed(IOException e, Object x) {
                        done.completeExceptionally(e);
                    }
                });
            }

            IoHandler<Object> echo() {
                return this;
            }

            @Override
            public void failed(IOException e, Object att) {
                done.completeExceptionally(e);
            }
        };
        AtomicInteger count = new AtomicInteger();
        IoHandler<Object> pinger = new IoHandler<Object>() {
            @Override
            public void completed(long n, Object att) {
                if (count.incrementAndGet() == rounds) {
                    done.complete(rounds);
                    return;
                }
                IoHandler<Object> self = this;
                there.sink().write(a.asSlice(0, 8), null, new IoHandler<Object>() {
                    @Override
                    public void completed(long w, Object x) {
                        back.source().read(a, null, self);
                    }

                    @Override
                    public void failed(IOException e, Object x) {
                        done.completeExceptionally(e);
                    }
                });
            }

            @Override
            public void failed(IOException e, Object att) {
                done.completeExceptionally(e);
            }
        };
        loop.execute(() -> {
            there.source().read(b, null, echo);
            pinger.completed(8, null);
        });
        assertEquals(rounds, (int) await(done));
        there.close();
        back.close();
    }

    @Test
    void pipeBetweenTwoLoopsOfAnyBackends() throws Exception {
        for (String other : List.of(backend(), "threads")) {
            try (EventLoop writer = EventLoop.open(LoopConfig.defaults().withBackend(other)
                    .withFiles(EngineConfig.defaults().withQueueDepth(64)))) {
                Pipe p = loop.openPipeFrom(writer);
                assertSame(loop, p.source().loop());
                assertSame(writer, p.sink().loop());
                MemorySegment in = arena.allocate(5);
                CompletableFuture<Long> r = p.source().read(in);
                assertEquals(5L, await(p.sink().write(bytes("12345"))));
                assertEquals("12345", text(in, await(r)), "from " + other);
                p.sink().close();
                assertEquals(-1L, await(p.source().read(in)));
                p.close();
            }
        }
    }

    // ---- close ----

    @Test
    void closingTheLoopEndsEverythingAndLeaksNoDescriptor() throws Exception {
        loop.close();
        long before = openFds();
        EventLoop l = EventLoop.open(LoopConfig.defaults().withBackend(backend())
                .withFiles(EngineConfig.defaults().withQueueDepth(64)));
        TcpListener server = l.listen(LOOPBACK, ListenOptions.defaults(), c -> { /* kept open by the loop */ });
        List<CompletableFuture<Long>> reads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            StreamChannel c = await(l.connect(server.localAddress()));
            reads.add(c.read(Arena.ofAuto().allocate(100)));
        }
        Pipe p = l.openPipe();
        CompletableFuture<Long> pipeRead = p.source().read(Arena.ofAuto().allocate(8));
        AtomicInteger timerRan = new AtomicInteger();
        l.schedule(timerRan::incrementAndGet, 1, TimeUnit.HOURS);
        Path f = dir.resolve("open-at-close");
        AsyncFile file = AsyncFile.open(l.engine(), f, FileOption.WRITE, FileOption.CREATE);
        l.close();
        assertTrue(l.isClosed());
        for (CompletableFuture<Long> r : reads) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> await(r));
            assertInstanceOf(AsynchronousCloseException.class, e.getCause());
        }
        assertInstanceOf(AsynchronousCloseException.class,
                assertThrows(ExecutionException.class, () -> await(pipeRead)).getCause());
        assertEquals(0, timerRan.get());
        assertThrows(RejectedExecutionException.class, () -> l.execute(() -> { }));
        file.close();
        assertEquals(before, openFds(), "descriptors leaked by a closed loop");
        // The class's @AfterEach closes `loop` again: idempotent.
    }

    @Test
    void closeFromTheLoopThreadReturnsAndTheLoopStops() throws Exception {
        EventLoop l = EventLoop.open(LoopConfig.defaults().withBackend(backend())
                .withFiles(EngineConfig.defaults().withQueueDepth(64)));
        CountDownLatch returned = new CountDownLatch(1);
        l.execute(() -> {
            l.close();
            returned.countDown();
        });
        assertTrue(returned.await(10, TimeUnit.SECONDS));
        l.close(); // waits
        assertTrue(l.isClosed());
    }

    @Test
    void manyConnectionsAtOnce() throws Exception {
        TcpListener l = echoServer();
        int n = 100;
        List<StreamChannel> cs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            cs.add(await(loop.connect(l.localAddress())));
        }
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StreamChannel c = cs.get(i);
            MemorySegment out = bytes("m" + i);
            MemorySegment in = arena.allocate(16);
            answers.add(c.write(out).thenCompose(w -> c.read(in)).thenApply(r -> text(in, r)));
        }
        for (int i = 0; i < n; i++) {
            assertEquals("m" + i, await(answers.get(i)));
            cs.get(i).close();
        }
    }

    @Test
    void theLoopsEngineIgnoresItsOwnClose() throws Exception {
        loop.engine().close();
        assertFalse(loop.engine().isClosed());
        assertSame(loop.engine(), loop.engine());
        assertEquals(1, (int) onLoop(() -> 1));
    }

    @Test
    void unknownBackendIsRefusedWithTheNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoopConfig.defaults().withBackend("kqueue"));
        assertTrue(e.getMessage().contains("uring") && e.getMessage().contains("epoll+aio"), e.getMessage());
    }

    // ---- receive: chunks in the loop's buffers ----

    /**
     * A receive handler that copies every chunk out, checks it runs on the loop thread with a
     * chunk no larger than the loop's buffers, and stops after every {@code stopEvery}-th chunk
     * (0: never), starting the next receive a loop turn later so that more arrives meanwhile.
     */
    final class Collector implements ReceiveHandler<Object> {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        final CompletableFuture<byte[]> ended = new CompletableFuture<>();
        final int stopEvery;
        final StreamChannel ch;
        final int bufferSize;
        int chunks;
        int receives;

        Collector(StreamChannel ch, int stopEvery, int bufferSize) {
            this.ch = ch;
            this.stopEvery = stopEvery;
            this.bufferSize = bufferSize;
        }

        void start() {
            receives++;
            ch.receive(null, this);
        }

        @Override
        public boolean received(MemorySegment buffer, int count, Object attachment) {
            if (!ch.loop().inLoop() || count < 1 || count > bufferSize || buffer.byteSize() < count) {
                ended.completeExceptionally(new AssertionError("chunk of " + count + " bytes in a buffer of "
                        + buffer.byteSize() + " on " + Thread.currentThread()));
                return false;
            }
            byte[] b = buffer.asSlice(0, count).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            bytes.write(b, 0, b.length);
            chunks++;
            if (stopEvery > 0 && chunks % stopEvery == 0) {
                ch.loop().execute(this::start); // the next receive, a turn later
                return false;
            }
            return true;
        }

        @Override
        public void ended(Object attachment) {
            ended.complete(bytes.toByteArray());
        }

        @Override
        public void failed(IOException cause, Object attachment) {
            ended.completeExceptionally(cause);
        }
    }

    /** A listener whose connections each get a {@link Collector}; the collectors in accept order. */
    TcpListener collectingServer(int stopEvery, BlockingQueue<Collector> collectors) throws IOException {
        return loop.listen(LOOPBACK, ListenOptions.defaults(), conn -> {
            Collector c = new Collector(conn, stopEvery, LoopConfig.DEFAULT_RECEIVE_BUFFER_SIZE);
            collectors.add(c);
            c.start();
        });
    }

    static byte[] sendAndShutdown(InetSocketAddress to, int size, long seed) throws IOException {
        byte[] msg = new byte[size];
        new Random(seed).nextBytes(msg);
        try (Socket s = new Socket(to.getAddress(), to.getPort())) {
            s.getOutputStream().write(msg);
            s.shutdownOutput();
            s.getInputStream().read(); // until the server closes
        }
        return msg;
    }

    @Test
    void receiveHandsOverEveryByteInOrderThenTheEnd() throws Exception {
        BlockingQueue<Collector> cs = new ArrayBlockingQueue<>(1);
        TcpListener l = collectingServer(0, cs);
        byte[] sent = new byte[3 << 20];
        new Random(7).nextBytes(sent);
        try (Socket s = new Socket(l.localAddress().getAddress(), l.localAddress().getPort())) {
            s.getOutputStream().write(sent);
            s.shutdownOutput();
            Collector c = cs.poll(10, TimeUnit.SECONDS);
            assertArrayEquals(sent, await(c.ended));
            assertTrue(c.chunks >= sent.length / LoopConfig.DEFAULT_RECEIVE_BUFFER_SIZE, c.chunks + " chunks");
        }
        EventLoop.ReceiveStats st = loop.receiveStats();
        assertTrue(st.chunks() >= 3 << 20 >> 14, st.toString());
        receiveBuffersAsExpected(st);
    }

    /** What this backend's receives are buffered with (uring: the provided buffer ring). */
    void receiveBuffersAsExpected(EventLoop.ReceiveStats st) {
        if ("uring".equals(backend())) {
            assertEquals(LoopConfig.DEFAULT_RECEIVE_BUFFER_COUNT + " x " + LoopConfig.DEFAULT_RECEIVE_BUFFER_SIZE
                    + " B provided buffer ring", st.buffers());
        } else {
            assertEquals("one loop buffer of " + LoopConfig.DEFAULT_RECEIVE_BUFFER_SIZE + " B", st.buffers());
        }
    }

    @Test
    void aReceiveThatStopsLosesNothingAndTheNextGetsTheRestInOrder() throws Exception {
        BlockingQueue<Collector> cs = new ArrayBlockingQueue<>(1);
        TcpListener l = collectingServer(1, cs); // stops after every chunk
        byte[] sent = sendAndShutdownAsync(l.localAddress(), 2 << 20, 11);
        Collector c = cs.poll(10, TimeUnit.SECONDS);
        assertArrayEquals(sent, await(c.ended));
        assertEquals(c.chunks, c.receives - 1, "one receive per chunk, and the last one saw the end");
    }

    /** Sends {@code size} random bytes from a JDK socket on another thread, then its end; returns them. */
    static byte[] sendAndShutdownAsync(InetSocketAddress to, int size, long seed) throws Exception {
        byte[] msg = new byte[size];
        new Random(seed).nextBytes(msg);
        Thread.ofPlatform().daemon().start(() -> {
            try (Socket s = new Socket(to.getAddress(), to.getPort())) {
                s.getOutputStream().write(msg);
                s.shutdownOutput();
                s.getInputStream().read();
            } catch (IOException e) {
                // the test fails on the bytes
            }
        });
        return msg;
    }

    @Test
    void afterTheEndAReceiveEndsAgainAndClosingFailsAPendingOne() throws Exception {
        TcpListener l = echoServer();
        StreamChannel c = await(loop.connect(l.localAddress()));
        Collector first = new Collector(c, 0, LoopConfig.DEFAULT_RECEIVE_BUFFER_SIZE);
        first.start();
        assertEquals(5L, await(c.write(bytes("hello"))));
        c.shutdownOutput(); // the echo server closes at the end: the receive sees the echo, then the end
        assertEquals("hello", new String(await(first.ended), US_ASCII));
        Collector again = new Collector(c, 0, LoopConfig.DEFAULT_RECEIVE_BUFFER_SIZE);
        again.start();
        assertEquals(0, await(again.ended).length);
        c.close();

        StreamChannel d = await(loop.connect(l.localAddress()));
        Collector pending = new Collector(d, 0, LoopConfig.DEFAULT_RECEIVE_BUFFER_SIZE);
        pending.start();
        onLoop(() -> null);
        int before = onLoop(() -> loop.openDescriptorsForTest());
        d.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(pending.ended));
        assertInstanceOf(AsynchronousCloseException.class, e.getCause());
        assertTrue(e.getCause().getMessage().startsWith("receive on tcp "), e.getCause().getMessage());
        Collector late = new Collector(d, 0, LoopConfig.DEFAULT_RECEIVE_BUFFER_SIZE);
        late.start();
        assertInstanceOf(AsynchronousCloseException.class,
                assertThrows(ExecutionException.class, () -> await(late.ended)).getCause());
        // The descriptor closes once the kernel let go of the receive's request.
        for (int i = 0; i < 200 && onLoop(() -> loop.openDescriptorsForTest()) >= before; i++) {
            loopTimerRan(5);
        }
        assertTrue(onLoop(() -> loop.openDescriptorsForTest()) < before, "the closed channel's descriptor is still open");
    }

    @Test
    void aReadOrASecondReceiveWhileReceivingIsRefused() throws Exception {
        TcpListener l = echoServer();
        StreamChannel c = await(loop.connect(l.localAddress()));
        Collector r = new Collector(c, 0, LoopConfig.DEFAULT_RECEIVE_BUFFER_SIZE);
        MemorySegment in = arena.allocate(16);
        String outcome = onLoop(() -> {
            r.start();
            String a = "";
            try {
                c.read(in, null, new FutureLong());
            } catch (ReadPendingException e) {
                a += "read refused;";
            }
            try {
                c.receive(null, r);
            } catch (ReadPendingException e) {
                a += "receive refused";
            }
            return a;
        });
        assertEquals("read refused;receive refused", outcome);
        assertEquals(2L, await(c.write(bytes("ok"))));
        c.shutdownOutput();
        assertEquals("ok", new String(await(r.ended), US_ASCII));
        // Over, the channel reads again.
        assertEquals(-1L, await(c.read(in)));
        c.close();
        assertThrows(NullPointerException.class, () -> c.receive(null, null));
    }

    @Test
    void aPipeReceivesChunksAndItsEnd() throws Exception {
        Pipe p = loop.openPipe();
        Collector r = new Collector(p.source(), 2, LoopConfig.DEFAULT_RECEIVE_BUFFER_SIZE);
        onLoop(() -> {
            r.start();
            return null;
        });
        byte[] all = new byte[300_000];
        new Random(5).nextBytes(all);
        MemorySegment src = arena.allocate(all.length);
        MemorySegment.copy(all, 0, src, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, all.length);
        for (int off = 0; off < all.length; off += 50_000) {
            assertEquals(50_000L, await(p.sink().write(src.asSlice(off, 50_000))));
        }
        p.sink().close();
        assertArrayEquals(all, await(r.ended));
        assertThrows(UnsupportedOperationException.class, () -> p.sink().receive(null, r));
        p.close();
    }

    @Test
    void aPeerResetFailsTheReceiveNamingIt() throws Exception {
        BlockingQueue<Collector> cs = new ArrayBlockingQueue<>(1);
        TcpListener l = collectingServer(0, cs);
        Socket s = new Socket(l.localAddress().getAddress(), l.localAddress().getPort());
        Collector c = cs.poll(10, TimeUnit.SECONDS);
        onLoop(() -> null);
        s.setSoLinger(true, 0);
        s.close(); // RST
        try {
            assertEquals(0, await(c.ended).length); // where the kernel reports it as the end
        } catch (ExecutionException e) {
            assertTrue(e.getCause().getMessage().startsWith("receive from tcp "), e.getCause().getMessage());
            assertTrue(e.getCause().getMessage().contains("ECONNRESET"), e.getCause().getMessage());
        }
    }

    @Test
    void manyConnectionsShareATinyPoolOfReceiveBuffers() throws Exception {
        // 2 buffers of 512 bytes for 12 connections sending at once: on uring the ring runs dry
        // (-ENOBUFS) and receives wait for buffers to come back; nothing is lost anywhere.
        try (EventLoop small = EventLoop.open(LoopConfig.defaults().withBackend(backend())
                .withFiles(EngineConfig.defaults().withQueueDepth(256)).withReceiveBuffers(2, 512))) {
            BlockingQueue<Collector> cs = new ArrayBlockingQueue<>(12);
            TcpListener l = small.listen(LOOPBACK, ListenOptions.defaults(), conn -> {
                Collector c = new Collector(conn, 3, 512);
                cs.add(c);
                c.start();
            });
            int n = 12;
            byte[][] sent = new byte[n][];
            for (int i = 0; i < n; i++) {
                sent[i] = sendAndShutdownAsync(l.localAddress(), 100_000 + i, 100 + i);
            }
            java.util.Map<Integer, byte[]> bySize = new java.util.HashMap<>();
            for (int i = 0; i < n; i++) {
                Collector c = cs.poll(10, TimeUnit.SECONDS);
                assertNotNull(c, "connection " + i + " not accepted");
                byte[] got = await(c.ended);
                bySize.put(got.length, got);
                c.ch.close();
            }
            for (int i = 0; i < n; i++) {
                assertArrayEquals(sent[i], bySize.get(sent[i].length), "connection sending " + sent[i].length + " bytes");
            }
            EventLoop.ReceiveStats st = small.receiveStats();
            if ("uring".equals(backend())) {
                assertEquals("2 x 512 B provided buffer ring", st.buffers());
                assertTrue(st.ringDry() > 0, "the ring never ran dry: " + st);
            }
            assertTrue(st.chunks() >= 12 * 100_000 / 512, st.toString());
        }
    }

    @Test
    void withoutProvidedBufferRingsEachChannelReceivesIntoItsOwnBuffer() throws Exception {
        loop.refuseProvidedBuffers();
        BlockingQueue<Collector> cs = new ArrayBlockingQueue<>(1);
        TcpListener l = collectingServer(2, cs);
        byte[] sent = sendAndShutdownAsync(l.localAddress(), 1 << 20, 3);
        assertArrayEquals(sent, await(cs.poll(10, TimeUnit.SECONDS).ended));
        EventLoop.ReceiveStats st = loop.receiveStats();
        if ("uring".equals(backend())) {
            assertEquals("per-connection buffers (refused for a test)", st.buffers());
        } else {
            receiveBuffersAsExpected(st);
        }
    }

    @Test
    void withoutMultishotRecvEachChunkIsOneRecvFromTheRing() throws Exception {
        loop.refuseRecvMultishot(); // as on Linux 5.19: provided buffer rings, but no IORING_RECV_MULTISHOT
        BlockingQueue<Collector> cs = new ArrayBlockingQueue<>(1);
        TcpListener l = collectingServer(2, cs);
        byte[] sent = sendAndShutdownAsync(l.localAddress(), 1 << 20, 9);
        assertArrayEquals(sent, await(cs.poll(10, TimeUnit.SECONDS).ended));
        receiveBuffersAsExpected(loop.receiveStats());
    }
}
