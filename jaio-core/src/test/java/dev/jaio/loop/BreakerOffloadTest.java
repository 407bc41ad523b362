package dev.jaio.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jaio.AsyncFile;
import dev.jaio.EngineConfig;
import dev.jaio.FastPaths;
import dev.jaio.FileOption;
import dev.jaio.IoBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tries to break the pool that runs kernel-buffered file requests of the native AIO loops: closes
 * with hundreds in flight, chains that only the pool's wakeups keep going, cancel storms, a close
 * from a completion, a file closed while its requests wait in the pool, many loops, and writes
 * read back byte for byte.
 */
@Timeout(120)
class BreakerOffloadTest {

    @TempDir
    Path dir;

    static EventLoop open(String backend, int threads, int depth) throws Exception {
        return EventLoop.open(LoopConfig.defaults().withBackend(backend).withFiles(EngineConfig.defaults()
                .withQueueDepth(depth).withThreads(threads).withFastPaths(FastPaths.NONE)));
    }

    static long poolThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().matches("jaio-loop-.*-pool-[0-9]+") && t.isAlive()).count();
    }

    byte[] content(Path p, int size, long seed) throws Exception {
        byte[] c = new byte[size];
        new Random(seed).nextBytes(c);
        Files.write(p, c);
        return c;
    }

    /** Close from another thread while hundreds of buffered reads and writes are in flight on a 1-thread pool. */
    @ParameterizedTest
    @ValueSource(strings = {"aio-poll", "epoll+aio"})
    void closeWithHundredsInFlight(String backend) throws Exception {
        long before = poolThreads();
        Path p = dir.resolve("r");
        byte[] c = content(p, 4 << 20, 1);
        Path w = dir.resolve("w");
        for (int round = 0; round < 5; round++) {
            EventLoop l = open(backend, 1, 512);
            AsyncFile f = AsyncFile.open(l.engine(), p, FileOption.READ);
            AsyncFile g = AsyncFile.open(l.engine(), w, FileOption.READ, FileOption.WRITE, FileOption.CREATE);
            List<CompletableFuture<Integer>> rs = new ArrayList<>();
            List<CompletableFuture<Integer>> ws = new ArrayList<>();
            List<IoBuffer> bufs = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                IoBuffer b = f.allocateBuffer(8192);
                bufs.add(b);
                rs.add(f.read(b.segment(), (long) (i % 512) * 8192));
            }
            for (int i = 0; i < 150; i++) {
                IoBuffer b = g.allocateBuffer(4096);
                b.segment().fill((byte) (i + 1));
                bufs.add(b);
                ws.add(g.write(b.segment(), (long) i * 4096));
            }
            Thread closer = Thread.ofPlatform().start(l::close);
            closer.join(60_000);
            assertTrue(!closer.isAlive(), "close hung");
            for (int i = 0; i < rs.size(); i++) {
                assertTrue(rs.get(i).isDone(), "read " + i + " not done after close");
                int n = rs.get(i).get();
                assertEquals(8192, n);
                assertEquals(-1L, bufs.get(i).segment().mismatch(
                        MemorySegment.ofArray(c).asSlice((long) (i % 512) * 8192, 8192)));
            }
            for (CompletableFuture<Integer> x : ws) {
                assertEquals(4096, x.get());
            }
            f.close();
            g.close();
            for (IoBuffer b : bufs) {
                b.close();
            }
            byte[] back = Files.readAllBytes(w);
            for (int i = 0; i < 150; i++) {
                assertEquals((byte) (i + 1), back[i * 4096], "write " + i);
            }
        }
        assertEquals(before, poolThreads(), "pool threads left after close");
    }

    /** A chain of reads, each issued on the loop thread from the previous completion: nothing but the pool wakes the loop. */
    @ParameterizedTest
    @ValueSource(strings = {"aio-poll", "epoll+aio"})
    void chainsOnTheLoopThreadNeverLoseAWakeup(String backend) throws Exception {
        Path p = dir.resolve("chain");
        content(p, 1 << 20, 2);
        try (EventLoop l = open(backend, 2, 64); AsyncFile f = AsyncFile.open(l.engine(), p, FileOption.READ)) {
            int chains = 6;
            int per = 3000;
            CountDownLatch done = new CountDownLatch(chains);
            AtomicInteger completed = new AtomicInteger();
            AtomicReference<Throwable> err = new AtomicReference<>();
            List<IoBuffer> bufs = new ArrayList<>();
            for (int k = 0; k < chains; k++) {
                IoBuffer b = f.allocateBuffer(512);
                bufs.add(b);
                int kk = k;
                l.execute(() -> step(f, b.segment(), kk, per, completed, done, err));
            }
            long t0 = System.nanoTime();
            if (!done.await(60, TimeUnit.SECONDS)) {
                fail("stalled: " + completed.get() + " of " + chains * per + " completed; err " + err.get());
            }
            System.out.println(backend + " chain: " + completed.get() + " reads in "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms, on threads " + l.bufferedFileRequestsOnThreads());
            if (err.get() != null) {
                throw new AssertionError(err.get());
            }
            for (IoBuffer b : bufs) {
                b.close();
            }
        }
    }

    private static void step(AsyncFile f, MemorySegment seg, int k, int left, AtomicInteger completed,
            CountDownLatch done, AtomicReference<Throwable> err) {
        if (left == 0) {
            done.countDown();
            return;
        }
        f.read(seg, (long) ThreadLocalRandom.current().nextInt(2048) * 512).whenComplete((n, x) -> {
            if (x != null) {
                err.compareAndSet(null, x);
                done.countDown();
                return;
            }
            completed.incrementAndGet();
            step(f, seg, k, left - 1, completed, done, err);
        });
    }

    /**
     * Cancel storm: every read cancelled from several threads; after a cancelled future ends, its
     * buffer must not be written again (a worker that still ran it would).
     */
    @ParameterizedTest
    @ValueSource(strings = {"aio-poll", "epoll+aio"})
    void cancelStormNoLateWrites(String backend) throws Exception {
        Path p = dir.resolve("cancel");
        byte[] c = content(p, 64 << 20, 3);
        try (EventLoop l = open(backend, 2, 256); AsyncFile f = AsyncFile.open(l.engine(), p, FileOption.READ)) {
            for (int round = 0; round < 10; round++) {
                List<CompletableFuture<Integer>> rs = new ArrayList<>();
                List<IoBuffer> bufs = new ArrayList<>();
                for (int i = 0; i < 120; i++) {
                    IoBuffer b = f.allocateBuffer(1 << 20);
                    b.segment().fill((byte) 1);
                    bufs.add(b);
                }
                java.util.concurrent.CopyOnWriteArrayList<CompletableFuture<Integer>> cow = new java.util.concurrent.CopyOnWriteArrayList<>();
                java.util.concurrent.atomic.AtomicBoolean issuing = new java.util.concurrent.atomic.AtomicBoolean(true);
                Thread[] ts = new Thread[2];
                for (int t = 0; t < ts.length; t++) {
                    ts[t] = Thread.ofPlatform().start(() -> {
                        int seen = 0;
                        while (issuing.get() || seen < cow.size()) {
                            int n = cow.size();
                            for (int i = n - 1; i >= seen; i--) {
                                if (ThreadLocalRandom.current().nextInt(3) != 0) {
                                    cow.get(i).cancel(true);
                                }
                            }
                            seen = n;
                        }
                    });
                }
                for (int i = 0; i < 120; i++) {
                    CompletableFuture<Integer> r = f.read(bufs.get(i).segment(), (long) (i % 64) * (1 << 20));
                    rs.add(r);
                    cow.add(r);
                }
                issuing.set(false);
                for (Thread t : ts) {
                    t.join();
                }
                int cancelled = 0;
                for (int i = 0; i < rs.size(); i++) {
                    try {
                        int n = rs.get(i).get(20, TimeUnit.SECONDS);
                        assertEquals(1 << 20, n);
                        assertEquals(-1L, bufs.get(i).segment().mismatch(
                                MemorySegment.ofArray(c).asSlice((long) (i % 64) * (1 << 20), 1 << 20)));
                    } catch (CancellationException e) {
                        cancelled++;
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof CancellationException)) {
                            throw e;
                        }
                        cancelled++;
                    }
                    bufs.get(i).segment().fill((byte) 0x5a);
                }
                Thread.sleep(50);
                for (int i = 0; i < rs.size(); i++) {
                    MemorySegment s = bufs.get(i).segment();
                    for (long o = 0; o < s.byteSize(); o += 4096) {
                        assertEquals((byte) 0x5a, s.get(ValueLayout.JAVA_BYTE, o), "late write into buffer " + i);
                    }
                    bufs.get(i).close();
                }
                if (true) {
                    System.out.println(backend + " cancelled " + cancelled + " of " + rs.size());
                }
            }
        }
    }

    /** Loop close started from inside a completion, on the loop thread, with other reads in flight. */
    @ParameterizedTest
    @ValueSource(strings = {"aio-poll", "epoll+aio"})
    void closeFromACompletion(String backend) throws Exception {
        long before = poolThreads();
        Path p = dir.resolve("cc");
        content(p, 4 << 20, 4);
        for (int round = 0; round < 5; round++) {
            EventLoop l = open(backend, 1, 256);
            AsyncFile f = AsyncFile.open(l.engine(), p, FileOption.READ);
            List<CompletableFuture<Integer>> rs = new ArrayList<>();
            List<IoBuffer> bufs = new ArrayList<>();
            CompletableFuture<Void> closed = new CompletableFuture<>();
            for (int i = 0; i < 100; i++) {
                IoBuffer b = f.allocateBuffer(16 << 10);
                bufs.add(b);
                CompletableFuture<Integer> r = f.read(b.segment(), (long) i * (16 << 10));
                rs.add(r);
                if (i == 3) {
                    r.thenRun(() -> {
                        try {
                            l.close();
                            closed.complete(null);
                        } catch (Throwable t) {
                            closed.completeExceptionally(t);
                        }
                    });
                }
            }
            closed.get(20, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!l.isClosed() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(l.isClosed(), "not closed");
            int ok = 0;
            int failed = 0;
            for (CompletableFuture<Integer> r : rs) {
                try {
                    r.get(20, TimeUnit.SECONDS);
                    ok++;
                } catch (ExecutionException e) {
                    failed++;
                }
            }
            if (round == 0) {
                System.out.println(backend + " close-from-completion: ok " + ok + " failed " + failed);
            }
            f.close();
            l.close();
            for (IoBuffer b : bufs) {
                b.close();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (poolThreads() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(before, poolThreads(), "pool threads left after close");
    }

    /** A buffered file closed while its writes wait in the pool; a new file then takes its descriptor number. */
    @ParameterizedTest
    @ValueSource(strings = {"aio-poll", "epoll+aio"})
    void fileClosedWhileRequestsWaitInThePool(String backend) throws Exception {
        try (EventLoop l = open(backend, 1, 256)) {
            for (int round = 0; round < 10; round++) {
                Path a = dir.resolve("a" + round);
                Path b = dir.resolve("b" + round);
                AsyncFile fa = AsyncFile.open(l.engine(), a, FileOption.READ, FileOption.WRITE, FileOption.CREATE);
                List<CompletableFuture<Integer>> ws = new ArrayList<>();
                List<IoBuffer> bufs = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    IoBuffer x = fa.allocateBuffer(16 << 10);
                    x.segment().fill((byte) 'A');
                    bufs.add(x);
                    ws.add(fa.write(x.segment(), (long) i * (16 << 10)));
                }
                Thread closer = Thread.ofPlatform().start(fa::close);
                AsyncFile fb = AsyncFile.open(l.engine(), b, FileOption.READ, FileOption.WRITE, FileOption.CREATE);
                closer.join();
                for (CompletableFuture<Integer> w : ws) {
                    assertEquals(16 << 10, w.get(20, TimeUnit.SECONDS));
                }
                fb.close();
                assertEquals(0, Files.size(b), "a write of the closed file landed in the new one");
                assertEquals(100L * (16 << 10), Files.size(a));
                for (IoBuffer x : bufs) {
                    x.close();
                }
            }
        }
    }

    /** Many loops opened, used and closed: no pool thread survives. */
    @ParameterizedTest
    @ValueSource(strings = {"aio-poll", "epoll+aio"})
    void manyLoopsNoThreadLeak(String backend) throws Exception {
        long before = poolThreads();
        Path p = dir.resolve("m");
        content(p, 1 << 20, 5);
        for (int i = 0; i < 40; i++) {
            try (EventLoop l = open(backend, 3, 32); AsyncFile f = AsyncFile.open(l.engine(), p, FileOption.READ);
                    IoBuffer b = f.allocateBuffer(4096)) {
                assertEquals(4096, f.read(b.segment(), 4096).get(20, TimeUnit.SECONDS));
                assertTrue(poolThreads() >= before + 3);
            }
        }
        assertEquals(before, poolThreads());
    }

    /** Writes then reads through the pool, random sizes, verify contents. */
    @ParameterizedTest
    @ValueSource(strings = {"aio-poll", "epoll+aio"})
    void writesThenReadsNoLoss(String backend) throws Exception {
        Path p = dir.resolve("wr");
        int blocks = 512;
        int bs = 4096;
        byte[] expect = new byte[blocks * bs];
        new Random(9).nextBytes(expect);
        try (EventLoop l = open(backend, 2, 128);
                AsyncFile f = AsyncFile.open(l.engine(), p, FileOption.READ, FileOption.WRITE, FileOption.CREATE)) {
            List<CompletableFuture<?>> ws = new ArrayList<>();
            List<IoBuffer> bufs = new ArrayList<>();
            for (int i = 0; i < blocks; i++) {
                IoBuffer b = f.allocateBuffer(bs);
                MemorySegment.copy(MemorySegment.ofArray(expect), (long) i * bs, b.segment(), 0, bs);
                bufs.add(b);
                if (i % 3 == 0) {
                    ws.add(f.writev(new MemorySegment[] {b.segment().asSlice(0, 100), b.segment().asSlice(100)},
                            (long) i * bs));
                } else {
                    ws.add(f.write(b.segment(), (long) i * bs));
                }
            }
            for (CompletableFuture<?> w : ws) {
                w.get(20, TimeUnit.SECONDS);
            }
            f.fdatasync().get(20, TimeUnit.SECONDS);
            List<CompletableFuture<Integer>> rs = new ArrayList<>();
            for (int i = 0; i < blocks; i++) {
                bufs.get(i).segment().fill((byte) 0);
                rs.add(f.read(bufs.get(i).segment(), (long) i * bs));
            }
            for (int i = 0; i < blocks; i++) {
                assertEquals(bs, rs.get(i).get(20, TimeUnit.SECONDS));
                assertEquals(-1L, bufs.get(i).segment().mismatch(MemorySegment.ofArray(expect).asSlice((long) i * bs, bs)),
                        "block " + i);
            }
            assertEquals(2L * blocks, l.bufferedFileRequestsOnThreads());
            for (IoBuffer b : bufs) {
                b.close();
            }
        }
        assertTrue(java.util.Arrays.equals(expect, Files.readAllBytes(p)));
    }
}
