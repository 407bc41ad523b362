package dev.jaio.loop;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.EngineConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Findings of a review of the loop, each a test that failed before its fix: the loop's wakeup and
 * file requests never wait behind idle connections, loops never block on each other's engines,
 * chained handlers do not grow the stack, and a request on the loop thread allocates nothing.
 */
@Timeout(60)
class LoopSafetyTest {

    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    /**
     * aio-poll: the waiter's wakeup poll is an ordinary loop op, so it needs a queue slot to be
     * re-armed. Once idle connections' readiness polls hold every slot, a task handed in from
     * another thread (or close()) no longer wakes the loop.
     */
    @Test
    void aioPollWakeupSurvivesAFullQueue() throws Exception {
        int depth = 8;
        try (Arena arena = Arena.ofShared();
                EventLoop loop = EventLoop.open(LoopConfig.defaults().withBackend("aio-poll")
                        .withFiles(EngineConfig.defaults().withQueueDepth(depth)))) {
            AtomicInteger accepted = new AtomicInteger();
            TcpListener l = idleReaders(loop, arena, accepted);
            List<Socket> clients = new ArrayList<>();
            try {
                // listener poll + wake poll + one poll per idle connection: more connections than slots.
                for (int i = 0; i < depth + 2; i++) {
                    clients.add(new Socket(l.localAddress().getAddress(), l.localAddress().getPort()));
                }
                awaitAccepted(accepted, depth + 2);
                // Each task from this thread must run: the first one fires the wake poll, whose re-arm
                // then waits behind the listener's poll for a slot that never frees.
                for (int i = 0; i < 3; i++) {
                    CountDownLatch ran = new CountDownLatch(1);
                    loop.execute(ran::countDown);
                    assertTrue(ran.await(3, TimeUnit.SECONDS), "task " + i + " never ran (accepted " + accepted + ")");
                }
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
        }
    }

    /**
     * uring (and aio-poll): every idle connection's pending RECV (or POLL) holds one of the loop's
     * queueDepth slots for as long as the peer is silent. Once idle connections hold them all, a file
     * read on the loop's engine waits in the backlog until some client speaks or goes away.
     */
    @Test
    void idleConnectionsDoNotStarveFileReads(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        int depth = 8;
        Path f = dir.resolve("f");
        java.nio.file.Files.write(f, new byte[4096]);
        try (Arena arena = Arena.ofShared();
                EventLoop loop = EventLoop.open(LoopConfig.defaults().withBackend("uring")
                        .withFiles(EngineConfig.defaults().withQueueDepth(depth)
                                .withFastPaths(dev.jaio.FastPaths.NONE)))) { // the read goes to the ring
            AtomicInteger accepted = new AtomicInteger();
            TcpListener l = idleReaders(loop, arena, accepted);
            List<Socket> clients = new ArrayList<>();
            dev.jaio.AsyncFile file = dev.jaio.AsyncFile.open(loop.engine(), f, dev.jaio.FileOption.READ);
            boolean done;
            try {
                for (int i = 0; i < depth; i++) {
                    clients.add(new Socket(l.localAddress().getAddress(), l.localAddress().getPort()));
                }
                awaitAccepted(accepted, depth); // every connection accepted, its receive pending
                var read = file.read(arena.allocate(4096, 4096), 0);
                done = awaitQuietly(read);
            } finally {
                for (Socket s : clients) {
                    s.close(); // frees the slots: only now can the read (and file.close) end
                }
                file.close();
            }
            assertTrue(done, "a 4 KiB file read waited > 3 s behind " + accepted + " idle connections");
        }
    }

    /**
     * Idle connections' pending reads hold the loop's channel places (on aio-poll each is a POLL
     * in the AIO context, on uring a RECV) for as long as their peers are silent. A write to
     * another connection still goes out at once: on native AIO it ends inside the io_submit that
     * carries it, so it does not wait for a place (before, it waited until some idle peer spoke).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"uring", "aio-poll", "epoll+aio", "threads"})
    void idleConnectionsDoNotHoldBackAWrite(String backend) throws Exception {
        int depth = 8;
        try (Arena arena = Arena.ofShared();
                java.net.ServerSocket peer = new java.net.ServerSocket(0, 1, LOOPBACK.getAddress());
                EventLoop loop = EventLoop.open(LoopConfig.defaults().withBackend(backend)
                        .withFiles(EngineConfig.defaults().withQueueDepth(depth)))) {
            // The writing connection first: its connect needs a place too.
            StreamChannel writer = loop.connect(new java.net.InetSocketAddress(LOOPBACK.getAddress(), peer.getLocalPort()))
                    .get(10, TimeUnit.SECONDS);
            List<Socket> clients = new ArrayList<>();
            try (Socket reader = peer.accept()) {
                reader.setSoTimeout(3_000);
                AtomicInteger accepted = new AtomicInteger();
                TcpListener l = idleReaders(loop, arena, accepted);
                try {
                    for (int i = 0; i < depth; i++) {
                        clients.add(new Socket(l.localAddress().getAddress(), l.localAddress().getPort()));
                    }
                    awaitAccepted(accepted, depth); // every connection accepted, its read pending
                    MemorySegment hello = arena.allocate(5);
                    MemorySegment.copy("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, hello,
                            java.lang.foreign.ValueLayout.JAVA_BYTE, 0, 5);
                    var wrote = writer.write(hello);
                    byte[] got;
                    try {
                        got = reader.getInputStream().readNBytes(5);
                    } catch (java.net.SocketTimeoutException e) {
                        got = new byte[0];
                    }
                    assertEquals("hello", new String(got, java.nio.charset.StandardCharsets.US_ASCII),
                            backend + ": a 5-byte write waited > 3 s behind " + accepted + " idle connections");
                    assertEquals(5L, (long) wrote.get(10, TimeUnit.SECONDS));
                } finally {
                    for (Socket c : clients) {
                        c.close();
                    }
                    l.close();
                    writer.close();
                }
            }
        }
    }

    /** A listener whose connections each make one read and then stay idle; counts them in {@code accepted}. */
    private static TcpListener idleReaders(EventLoop loop, Arena arena, AtomicInteger accepted) throws IOException {
        return loop.listen(LOOPBACK, ListenOptions.defaults(), ch -> {
            accepted.incrementAndGet();
            ch.read(arena.allocate(64), null, new IoHandler<Object>() {
                @Override
                public void completed(long n, Object a) {
                }

                @Override
                public void failed(IOException e, Object a) {
                }
            });
        });
    }

    /** Waits until {@code n} connections were accepted (at most 10 s; the test's own check says what went wrong). */
    private static void awaitAccepted(AtomicInteger accepted, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (accepted.get() < n && System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    private static boolean awaitQuietly(java.util.concurrent.CompletableFuture<?> f) throws Exception {
        try {
            f.get(3, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /**
     * An allocation test's rounds, measured in windows of {@link #ROUNDS} on the loop thread until
     * one allocates less than 16 bytes per round, at most {@link #MAX} windows: steady state is what
     * is asserted. The readiness backends make their system calls through downcalls that capture
     * errno, and until C2 has compiled them the JDK's downcall path allocates a slice of the
     * capture segment per call ({@code SharedUtils.checkCaptureSegment}, 40-44 bytes per round
     * after 10,000 rounds); C2's escape analysis removes it later than uring's calls (which capture
     * nothing on the hot path) get compiled, and later still on a loaded machine. Loop thread only.
     */
    static final class Windows {
        static final int ROUNDS = 10_000;
        static final int MAX = 60;
        private final StringBuilder history = new StringBuilder();
        private int rounds;
        private int windows;
        private long start = -1;
        private long last = Long.MAX_VALUE;
        private final int max;

        Windows() {
            this(MAX);
        }

        /** At most {@code max} windows (a round that moves many bytes takes long). */
        Windows(int max) {
            this.max = max;
        }

        /** One round ended, the thread having allocated {@code allocated} bytes so far: true when done. */
        boolean done(long allocated) {
            if (start < 0) {
                start = allocated;
                return false;
            }
            if (++rounds < ROUNDS) {
                return false;
            }
            last = (allocated - start) / ROUNDS;
            history.append(last).append(' ');
            rounds = 0;
            start = allocated;
            return ++windows >= 2 && last < 16 || windows >= max;
        }

        long last() {
            return last;
        }

        /** Read after the test's future completed, which orders it after the loop's writes. */
        String history() {
            return history.toString();
        }
    }

    private static void assumeJit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                !java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-Xint"),
                "interpreter only: no escape analysis");
    }

    /**
     * StreamChannel's javadoc: "Called on the loop thread, a request starts at once and allocates
     * nothing". StreamFd.read/write build "read from " + describe() for PinnedMemory.pin on every
     * request (describe() of a socket formats both addresses). Every backend, timed reads on a
     * LINK_TIMEOUT (uring) or a loop timer (the others); see {@link Windows} for the warm-up.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"uring,false", "uring,true", "aio-poll,false", "aio-poll,true",
        "epoll+aio,false", "epoll+aio,true", "threads,false", "threads,true"})
    void aLoopThreadRequestAllocatesNothing(String backend, boolean timed) throws Exception {
        try (Arena arena = Arena.ofShared(); EventLoop loop = EventLoop.open(LoopConfig.defaults().withBackend(backend))) {
            Pipe p = loop.openPipe();
            MemorySegment one = arena.allocate(1);
            MemorySegment into = arena.allocate(1);
            assumeJit();
            java.util.concurrent.CompletableFuture<Long> bytesPerRound = new java.util.concurrent.CompletableFuture<>();
            var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            Windows windows = new Windows();
            IoHandler<Object> h = new IoHandler<>() {

                @Override
                public void completed(long n, Object a) {
                    if (a == null) { // the write ended: read it back
                        if (timed) {
                            p.source().read(into, 10, TimeUnit.SECONDS, this, this); // a LINK_TIMEOUT in the ring
                        } else {
                            p.source().read(into, this, this);
                        }
                        return;
                    }
                    if (windows.done(mx.getCurrentThreadAllocatedBytes())) {
                        bytesPerRound.complete(windows.last());
                        return;
                    }
                    p.sink().write(one, null, this);
                }

                @Override
                public void failed(IOException e, Object a) {
                    bytesPerRound.completeExceptionally(e);
                }
            };
            loop.execute(() -> p.sink().write(one, null, h));
            long perRound = bytesPerRound.get(30, TimeUnit.SECONDS);
            p.close();
            assertTrue(perRound < 16, backend + (timed ? ", timed read" : "") + ": one write and one read on the loop thread allocate "
                    + perRound + " bytes; bytes per round in windows of " + Windows.ROUNDS + ": " + windows.history());
        }
    }

    /**
     * A receive hands chunks over without allocating: on uring one multishot RECV (or, for a pipe,
     * a READ picking a ring buffer each time) and the loop's buffer ring; elsewhere the loop's one
     * buffer. Each round: a 1-byte write on the loop thread, and its chunk received.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"uring,tcp", "uring,pipe", "aio-poll,tcp", "aio-poll,pipe",
        "epoll+aio,tcp", "epoll+aio,pipe", "threads,tcp", "threads,pipe"})
    void aReceiveAllocatesNothingPerChunk(String backend, String what) throws Exception {
        try (Arena arena = Arena.ofShared(); EventLoop loop = EventLoop.open(LoopConfig.defaults().withBackend(backend))) {
            StreamChannel from;
            StreamChannel to;
            Pipe p = null;
            TcpListener l = null;
            if (what.equals("pipe")) {
                p = loop.openPipe();
                from = p.sink();
                to = p.source();
            } else {
                java.util.concurrent.CompletableFuture<StreamChannel> accepted = new java.util.concurrent.CompletableFuture<>();
                l = loop.listen(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
                        ListenOptions.defaults(), accepted::complete);
                from = loop.connect(l.localAddress()).get(10, TimeUnit.SECONDS);
                to = accepted.get(10, TimeUnit.SECONDS);
            }
            MemorySegment one = arena.allocate(1);
            assumeJit();
            java.util.concurrent.CompletableFuture<Long> bytesPerRound = new java.util.concurrent.CompletableFuture<>();
            var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            IoHandler<Object> wrote = new IoHandler<>() {
                @Override
                public void completed(long n, Object a) {
                }

                @Override
                public void failed(IOException e, Object a) {
                    bytesPerRound.completeExceptionally(e);
                }
            };
            Windows windows = new Windows();
            ReceiveHandler<Object> got = new ReceiveHandler<>() {
                @Override
                public boolean received(MemorySegment buffer, int count, Object a) {
                    if (windows.done(mx.getCurrentThreadAllocatedBytes())) {
                        bytesPerRound.complete(windows.last());
                        return false;
                    }
                    from.write(one, null, wrote);
                    return true;
                }

                @Override
                public void ended(Object a) {
                    bytesPerRound.completeExceptionally(new AssertionError("ended"));
                }

                @Override
                public void failed(IOException e, Object a) {
                    bytesPerRound.completeExceptionally(e);
                }
            };
            loop.execute(() -> {
                to.receive(null, got);
                from.write(one, null, wrote);
            });
            long perRound = bytesPerRound.get(30, TimeUnit.SECONDS);
            from.close();
            to.close();
            if (l != null) {
                l.close();
            }
            assertTrue(perRound < 16, backend + " " + what + ": one write and one received chunk on the loop thread allocate "
                    + perRound + " bytes; bytes per round in windows of " + Windows.ROUNDS + ": " + windows.history());
        }
    }

    /**
     * A sendFile larger than {@link LoopConfig#sendBytesPerTurn()} goes on in later turns (the
     * channel waits in the reactor's queue of sends) without allocating. Each round: a sendFile of
     * a 16 KiB file in the page cache in 4 KiB turns, to a JDK socket a test thread drains.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"aio-poll", "epoll+aio", "threads"})
    void aSendFileContinuedInLaterTurnsAllocatesNothing(String backend) throws Exception {
        try (EventLoop loop = EventLoop.open(LoopConfig.defaults().withBackend(backend).withSendBytesPerTurn(4096))) {
            assertSendFilesAllocateNothing(loop, null, backend + ": a 16 KiB sendFile in 4 KiB turns");
            long continued = loop.sendsContinuedForTest();
            assertTrue(continued >= Windows.ROUNDS, "sends continued in a later turn: " + continued);
        }
    }

    /**
     * uring's sendFile of a range in the page cache (read into a staging buffer of the loop's, one
     * SENDMSG with the head) allocates nothing on the loop thread: the msghdr and its iovecs are
     * the channel's, made with its first such send, the buffers the loop's, and the read captures
     * no errno. Each round: a head and a 16 KiB file in the page cache, to a JDK socket a test
     * thread drains.
     */
    @Test
    void aStagedSendFileOnUringAllocatesNothing() throws Exception {
        try (EventLoop loop = EventLoop.open(LoopConfig.defaults().withBackend("uring")); Arena arena = Arena.ofShared()) {
            assertSendFilesAllocateNothing(loop, arena.allocate(100), "uring: a staged 16 KiB sendFile with a head");
        }
    }

    /**
     * Asserts that the loop thread allocates less than 16 bytes per sendFile of {@code head} (if
     * any) and a 16 KiB file in the page cache to a JDK socket that a test thread drains, each
     * sendFile made from the last one's completion (in windows of {@link Windows#ROUNDS} rounds,
     * once they settle).
     */
    private static void assertSendFilesAllocateNothing(EventLoop loop, MemorySegment head, String what) throws Exception {
        Path file = java.nio.file.Files.createTempFile("jaio-sendfile-alloc", ".bin");
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            java.nio.file.Files.write(file, new byte[16 * 1024]);
            dev.jaio.AsyncFile f = dev.jaio.AsyncFile.open(loop.engine(), file, dev.jaio.FileOption.READ);
            StreamChannel from = loop.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()))
                    .get(10, TimeUnit.SECONDS);
            Socket peer = ss.accept();
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                byte[] sink = new byte[1 << 16];
                try (var in = peer.getInputStream()) {
                    while (in.read(sink) >= 0) {
                        // drained
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            });
            assumeJit();
            java.util.concurrent.CompletableFuture<Long> bytesPerRound = new java.util.concurrent.CompletableFuture<>();
            var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            Windows windows = new Windows(10);
            long size = 16 * 1024;
            long each = (head == null ? 0 : head.byteSize()) + size;
            IoHandler<Object> sent = new IoHandler<>() {
                @Override
                public void completed(long n, Object a) {
                    if (n != each) {
                        bytesPerRound.completeExceptionally(new AssertionError("sendFile sent " + n + " bytes"));
                    } else if (windows.done(mx.getCurrentThreadAllocatedBytes())) {
                        bytesPerRound.complete(windows.last());
                    } else {
                        from.sendFile(head, f, 0, size, null, this);
                    }
                }

                @Override
                public void failed(IOException e, Object a) {
                    bytesPerRound.completeExceptionally(e);
                }
            };
            loop.execute(() -> sent.completed(each, null));
            long perRound;
            try {
                perRound = bytesPerRound.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError(what + ": bytes per round in windows of " + Windows.ROUNDS + ": " + windows.history(), e);
            }
            from.close();
            peer.close();
            drain.join(10_000);
            f.close();
            assertTrue(perRound < 16, what + " allocates " + perRound + " bytes on the loop thread; bytes per round in windows of "
                    + Windows.ROUNDS + ": " + windows.history());
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    /**
     * A linked RECV and LINK_TIMEOUT take two places of the loop's socket share at once: on a queue
     * too small for that, a timed read is timed by the loop's timer instead (it never waits for two
     * places that cannot come, holding up the file requests behind it).
     */
    @Test
    void aTimedReadOnAUringQueueTooSmallForALinkedPairStillTimesOutAndReads() throws Exception {
        try (Arena arena = Arena.ofShared(); EventLoop loop = EventLoop.open(LoopConfig.defaults().withBackend("uring")
                .withFiles(dev.jaio.EngineConfig.defaults().withQueueDepth(2)))) {
            Pipe p = loop.openPipe();
            MemorySegment in = arena.allocate(8);
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> p.source().read(in, 50, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS));
            org.junit.jupiter.api.Assertions.assertInstanceOf(java.nio.channels.InterruptedByTimeoutException.class, e.getCause());
            // One socket place only (a pending read and a write of the same pipe cannot both be in
            // the queue): the byte goes first, then the timed read finds it.
            MemorySegment one = arena.allocate(1);
            org.junit.jupiter.api.Assertions.assertEquals(1L, p.sink().write(one).get(10, TimeUnit.SECONDS));
            org.junit.jupiter.api.Assertions.assertEquals(1L, p.source().read(in, 10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS));
            p.close();
        }
    }

    /**
     * On the readiness backends a read or write that the kernel can serve at once completes inside
     * the call (StreamFd.tryRead/tryWrite call the handler before read()/write() return), so a
     * handler that starts the next request from its completion recurses once per request: a fast
     * ping-pong (or an HTTP connection reading a pipelined burst, or sending a cached file chunk by
     * chunk) overflows the loop thread's stack. NIO2 bounds this (maxCompletionHandlersOnStack);
     * Netty never calls back inside the call.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"epoll+aio", "aio-poll", "threads"})
    void handlersThatChainRequestsDoNotOverflowTheStack(String backend) throws Exception {
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> done.completeExceptionally(e));
        try (Arena arena = Arena.ofShared(); EventLoop loop = EventLoop.open(LoopConfig.defaults().withBackend(backend))) {
            Pipe p = loop.openPipe();
            MemorySegment one = arena.allocate(1);
            MemorySegment into = arena.allocate(1);
            IoHandler<Object> h = new IoHandler<>() {
                int left = 20_000;

                @Override
                public void completed(long n, Object a) {
                    if (a == null) {
                        p.source().read(into, this, this);
                    } else if (--left == 0) {
                        done.complete(null);
                    } else {
                        p.sink().write(one, null, this);
                    }
                }

                @Override
                public void failed(IOException e, Object a) {
                    done.completeExceptionally(e);
                }
            };
            loop.execute(() -> p.sink().write(one, null, h));
            try {
                done.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError(backend + ": 20000 chained pipe requests: " + e.getCause(), e.getCause());
            }
            p.close();
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }

    /**
     * A loop thread that reads a file opened on another loop's engine (jaio serve homes each file on
     * one loop) goes through that engine's Admission, which exempts only the engine's own loop
     * thread: when the other engine's places are taken, this loop's thread parks in
     * Semaphore.acquireUninterruptibly and all of its connections stop. Here the other loop's places
     * are held by reads stuck behind idle connections (see idleConnectionsDoNotStarveFileReads).
     */
    @Test
    void aLoopThreadNeverBlocksOnAnotherLoopsEngine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        int depth = 4;
        Path f = dir.resolve("f");
        java.nio.file.Files.write(f, new byte[4096]);
        LoopConfig config = LoopConfig.defaults().withBackend("uring")
                .withFiles(EngineConfig.defaults().withQueueDepth(depth).withFastPaths(dev.jaio.FastPaths.NONE));
        List<Socket> clients = new ArrayList<>();
        try (Arena arena = Arena.ofShared(); EventLoop a = EventLoop.open(config); EventLoop b = EventLoop.open(config)) {
            AtomicInteger accepted = new AtomicInteger();
            TcpListener l = idleReaders(b, arena, accepted);
            dev.jaio.AsyncFile file = dev.jaio.AsyncFile.open(b.engine(), f, dev.jaio.FileOption.READ);
            boolean ran;
            try {
                for (int i = 0; i < depth; i++) {
                    clients.add(new Socket(l.localAddress().getAddress(), l.localAddress().getPort()));
                }
                awaitAccepted(accepted, depth);
                // From a's loop thread: depth + 1 reads of b's file (a handler serving depth + 1 requests).
                a.execute(() -> {
                    for (int i = 0; i <= depth; i++) {
                        file.read(arena.allocate(4096, 4096), 0);
                    }
                });
                CountDownLatch later = new CountDownLatch(1);
                a.execute(later::countDown);
                ran = later.await(3, TimeUnit.SECONDS);
                if (!ran) {
                    Thread.getAllStackTraces().forEach((t, st) -> {
                        if (t.getName().startsWith("jaio-loop-uring")) {
                            System.err.println("REVIEW " + t.getName() + " " + t.getState());
                            for (int i = 0; i < Math.min(8, st.length); i++) {
                                System.err.println("REVIEW   at " + st[i]);
                            }
                        }
                    });
                }
            } finally {
                for (Socket s : clients) {
                    s.close(); // frees b's places: its reads of the file (and so file.close) can end
                }
                file.close();
            }
            assertTrue(ran, "loop a's thread is parked in loop b's engine's Admission");
        }
    }
}
