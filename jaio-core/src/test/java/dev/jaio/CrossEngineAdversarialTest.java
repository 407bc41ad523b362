package dev.jaio;

import static dev.jaio.TestFiles.await;
import static dev.jaio.TestFiles.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Adversarial checks of the JVM-wide cache coherence across engines: a CACHED handle on engine A and
 * kernel (buffered or O_DIRECT) handles on engine B must behave as kernel handles of one inode do.
 * Every expectation is what the kernel gives two descriptors of one file.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CrossEngineAdversarialTest {

    private static final int PAGE = 4096;

    private Path dir;
    private final List<IoEngine> engines = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    static Stream<Arguments> crossPairs() {
        return Stream.of(Arguments.of("uring", "threads"), Arguments.of("threads", "aio"),
                Arguments.of("aio", "uring"));
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("cross-engine-adv");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception ignored) {
                // already closed
            }
        }
        for (IoEngine e : engines) {
            e.close();
        }
        TestFiles.deleteRecursively(dir);
    }

    private IoEngine engine(String kind) throws IOException {
        String cause = dev.jaio.internal.provider.Engines.byName(kind).unavailabilityCause();
        Assumptions.assumeTrue(cause == null, () -> kind + " unavailable: " + cause);
        IoEngine e = IoEngine.open(EngineConfig.defaults().withEngine(kind).withQueueDepth(64));
        engines.add(e);
        return e;
    }

    private AsyncFile open(IoEngine e, Path p, FileOption... o) throws IOException {
        AsyncFile f = AsyncFile.open(e, p, o);
        toClose.add(f);
        return f;
    }

    private static byte[] read(AsyncFile f, long pos, int n) throws Exception {
        return TestFiles.readBytes(f, pos, n);
    }

    /** A read of an O_DIRECT handle: whole aligned pages around [pos, pos + n), then the bytes wanted. */
    private static byte[] readDirect(AsyncFile f, long pos, int n) throws Exception {
        long from = pos / PAGE * PAGE;
        int len = (int) ((pos + n + PAGE - 1) / PAGE * PAGE - from);
        byte[] all = read(f, from, len);
        int off = (int) (pos - from);
        return off >= all.length ? new byte[0] : Arrays.copyOfRange(all, off, Math.min(all.length, off + n));
    }

    private static void write(AsyncFile f, byte[] data, long pos) throws Exception {
        TestFiles.writeBytes(f, data, pos);
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /**
     * A cached write past the end completes, so the file is longer for every descriptor (the kernel
     * raises i_size in the write): a kernel read of another engine inside the new size reads the
     * hole's zeros, not the end of the file, and its size() is the new size.
     */
    @ParameterizedTest(name = "cache on {0}, kernel handle on {1}")
    @MethodSource("crossPairs")
    void aKernelHandleSeesTheSizeACachedWritePastTheEndMade(String cacheKind, String otherKind) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("grow");
        Files.write(path, new byte[0]);
        AsyncFile cached = open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        AsyncFile kernel = open(b, path, FileOption.READ, FileOption.WRITE);
        byte[] w = randomBytes(100, 1);
        write(cached, w, 5000);
        assertEquals(5100, cached.size());
        assertEquals(5100, kernel.size(), "statx of another descriptor sees the size the completed write made");
        assertArrayEquals(new byte[10], read(kernel, 0, 10), "the hole before the write reads zeros, not EOF");
        assertArrayEquals(w, read(kernel, 5000, 100));
    }

    /** The same through an O_DIRECT handle of another engine. */
    @ParameterizedTest(name = "cache on {0}, direct handle on {1}")
    @MethodSource("crossPairs")
    void aDirectHandleSeesTheSizeACachedWritePastTheEndMade(String cacheKind, String otherKind) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("grow-direct");
        Files.write(path, new byte[0]);
        AsyncFile cached = open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        AsyncFile direct = open(b, path, FileOption.READ, FileOption.WRITE, FileOption.DIRECT);
        byte[] w = randomBytes(100, 2);
        write(cached, w, 3 * PAGE + 5);
        assertArrayEquals(new byte[PAGE], readDirect(direct, 0, PAGE), "page 0 is a hole inside the file");
        assertArrayEquals(w, readDirect(direct, 3 * PAGE + 5, 100));
    }

    /**
     * A kernel write past the end of a file whose cache holds dirty pages past the disk's end: every
     * completed write must be in the file afterwards, and every handle must see the same size.
     */
    @ParameterizedTest(name = "cache on {0}, kernel writer on {1}")
    @MethodSource("crossPairs")
    void aKernelWritePastTheEndKeepsTheCachesDirtyTail(String cacheKind, String otherKind) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("tail");
        Files.write(path, new byte[0]);
        AsyncFile cached = open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        AsyncFile kernel = open(b, path, FileOption.READ, FileOption.WRITE);
        byte[] model = new byte[10 * PAGE + 10];
        byte[] w1 = randomBytes(PAGE + 100, 3);
        write(cached, w1, 2 * PAGE + 7);
        System.arraycopy(w1, 0, model, 2 * PAGE + 7, w1.length);
        byte[] w2 = randomBytes(10, 4);
        write(kernel, w2, 10 * PAGE);
        System.arraycopy(w2, 0, model, 10 * PAGE, w2.length);
        assertEquals(model.length, cached.size());
        assertEquals(model.length, kernel.size());
        assertArrayEquals(model, read(kernel, 0, model.length), "the kernel handle reads both writes");
        assertArrayEquals(model, read(cached, 0, model.length), "the cached handle reads both writes");
        await(kernel.fsync());
        assertArrayEquals(model, Files.readAllBytes(path));
        cached.close();
        assertArrayEquals(model, Files.readAllBytes(path), "the cache's close wrote nothing stale over it");
    }

    /**
     * Two engines open one file CACHED at the same moment: exactly one wins, the other gets a
     * FileSystemException and keeps no descriptor; after the winner closes, the loser's engine can
     * cache it and sees the winner's write.
     */
    @ParameterizedTest(name = "{0} vs {1}")
    @MethodSource("crossPairs")
    void concurrentCachedOpensOnTwoEnginesHaveOneWinnerAndLeakNothing(String kindA, String kindB)
            throws Exception {
        IoEngine a = engine(kindA);
        IoEngine b = engine(kindB);
        // Warm both engines' caches and descriptors so that the fd count is stable.
        Path warm = dir.resolve("warm");
        Files.write(warm, new byte[PAGE]);
        AsyncFile.open(a, warm, FileOption.READ, FileOption.CACHED).close();
        AsyncFile.open(b, dir.resolve("warm"), FileOption.READ, FileOption.CACHED).close();
        long fdsBefore = openFds();
        for (int round = 0; round < 60; round++) {
            Path path = dir.resolve("race" + round);
            Files.write(path, new byte[2 * PAGE]);
            CyclicBarrier start = new CyclicBarrier(2);
            IoEngine[] es = {a, b};
            List<CompletableFuture<Object>> outcomes = new ArrayList<>();
            for (IoEngine e : es) {
                CompletableFuture<Object> out = new CompletableFuture<>();
                outcomes.add(out);
                Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        out.complete(AsyncFile.open(e, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED));
                    } catch (Throwable t) {
                        out.complete(t);
                    }
                });
            }
            Object ra = outcomes.get(0).get(30, TimeUnit.SECONDS);
            Object rb = outcomes.get(1).get(30, TimeUnit.SECONDS);
            int winners = (ra instanceof AsyncFile ? 1 : 0) + (rb instanceof AsyncFile ? 1 : 0);
            assertEquals(1, winners, "round " + round + ": exactly one CACHED open wins: " + ra + " / " + rb);
            AsyncFile winner = (AsyncFile) (ra instanceof AsyncFile ? ra : rb);
            Object loser = ra instanceof AsyncFile ? rb : ra;
            assertInstanceOf(FileSystemException.class, loser, "round " + round);
            IoEngine loserEngine = ra instanceof AsyncFile ? b : a;
            byte[] w = randomBytes(300, round);
            write(winner, w, 1000);
            winner.close();
            try (AsyncFile again = AsyncFile.open(loserEngine, path, FileOption.READ, FileOption.CACHED)) {
                assertArrayEquals(w, read(again, 1000, 300), "round " + round);
            }
        }
        assertEquals(fdsBefore, openFds(), "no descriptor is left behind by the refused opens");
    }

    /**
     * The last CACHED handle of engine A closes (writing its dirty pages back) while engine B tries
     * to open the file CACHED in a loop: when B's open succeeds, it reads A's completed write.
     */
    @ParameterizedTest(name = "closing on {0}, opening on {1}")
    @MethodSource("crossPairs")
    void aCachedOpenRacingTheOtherEnginesLastCloseSeesItsWrites(String kindA, String kindB) throws Exception {
        IoEngine a = engine(kindA);
        IoEngine b = engine(kindB);
        for (int round = 0; round < 40; round++) {
            Path path = dir.resolve("handover" + round);
            Files.write(path, new byte[64 * PAGE]);
            AsyncFile first = AsyncFile.open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
            byte[] w = randomBytes(64 * PAGE, 1000 + round);
            write(first, w, 0); // dirty: the close must write it back
            CountDownLatch go = new CountDownLatch(1);
            Thread closer = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                first.close();
            });
            go.countDown();
            AsyncFile second = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (second == null) {
                try {
                    second = AsyncFile.open(b, path, FileOption.READ, FileOption.CACHED);
                } catch (FileSystemException e) {
                    assertTrue(System.nanoTime() < deadline, "the first engine never let go of the file");
                }
            }
            try {
                assertArrayEquals(w, read(second, 0, w.length), "round " + round + ": the new cache reads the write");
            } finally {
                second.close();
                closer.join();
            }
        }
    }

    /**
     * A CACHED writer on A and a kernel writer on B write interleaved, disjoint 512-byte slots of the
     * same pages; each checks, through the other engine's handle, that its completed write is seen.
     * At the end the file holds every slot's last write: no page written back stale over the other
     * engine's write, no write lost in a drop.
     */
    @ParameterizedTest(name = "cache on {0}, kernel on {1}")
    @MethodSource("crossPairs")
    void interleavedWritersOnTwoEnginesLoseNothing(String cacheKind, String otherKind) throws Exception {
        runInterleaved(cacheKind, otherKind, false);
    }

    @ParameterizedTest(name = "cache on {0}, direct on {1}")
    @MethodSource("crossPairs")
    void interleavedCachedAndDirectWritersLoseNothing(String cacheKind, String otherKind) throws Exception {
        runInterleaved(cacheKind, otherKind, true);
    }

    private void runInterleaved(String cacheKind, String otherKind, boolean direct) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        int pages = 16;
        int slot = direct ? PAGE : 512;
        Path path = dir.resolve("interleaved");
        byte[] initial = new byte[pages * PAGE];
        Files.write(path, initial);
        AsyncFile cached = open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        AsyncFile other = direct
                ? open(b, path, FileOption.READ, FileOption.WRITE, FileOption.DIRECT)
                : open(b, path, FileOption.READ, FileOption.WRITE);
        int slots = pages * PAGE / slot;
        byte[][] model = new byte[slots][];
        for (int i = 0; i < slots; i++) {
            model[i] = new byte[slot];
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int rounds = 300;
        Thread tc = Thread.ofPlatform().start(() -> {
            try {
                java.util.SplittableRandom r = new java.util.SplittableRandom(7);
                for (int i = 0; i < rounds && failure.get() == null; i++) {
                    int s = 2 * r.nextInt(slots / 2); // even slots: the cache's
                    byte[] v = randomBytes(slot, 10_000 + i);
                    write(cached, v, (long) s * slot);
                    model[s] = v;
                    byte[] seen = direct ? readDirect(other, (long) s * slot, slot) : read(other, (long) s * slot, slot);
                    assertArrayEquals(v, seen, "the other engine's handle sees the cached write of slot " + s);
                    if (i % 37 == 0) {
                        await(other.fdatasync());
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
        Thread tk = Thread.ofPlatform().start(() -> {
            try {
                java.util.SplittableRandom r = new java.util.SplittableRandom(8);
                for (int i = 0; i < rounds && failure.get() == null; i++) {
                    int s = 2 * r.nextInt(slots / 2) + 1; // odd slots: the kernel handle's
                    byte[] v = randomBytes(slot, 20_000 + i);
                    write(other, v, (long) s * slot);
                    model[s] = v;
                    assertArrayEquals(v, read(cached, (long) s * slot, slot),
                            "the cache sees the other engine's write of slot " + s);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
        tc.join();
        tk.join();
        assertNull(failure.get(), () -> "failed: " + failure.get());
        byte[] expected = new byte[pages * PAGE];
        for (int i = 0; i < slots; i++) {
            System.arraycopy(model[i], 0, expected, i * slot, slot);
        }
        assertArrayEquals(expected, read(cached, 0, expected.length), "the cached view");
        await(other.fsync());
        assertEquals(0, a.pageCacheStats().dirtyPages(), "the other engine's fsync wrote the cache back");
        assertArrayEquals(expected, Files.readAllBytes(path), "the disk");
    }

    /**
     * A kernel handle of engine B truncates and re-extends the tail while the cache of engine A
     * writes the head: the head keeps every cached write, the tail is what B made it, and both
     * handles agree on the size afterwards.
     */
    @ParameterizedTest(name = "cache on {0}, truncator on {1}")
    @MethodSource("crossPairs")
    void truncatesOfAnotherEngineRacingCachedWrites(String cacheKind, String otherKind) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        int head = 8 * PAGE;
        Path path = dir.resolve("trunc-race");
        Files.write(path, new byte[head + 4 * PAGE]);
        AsyncFile cached = open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        AsyncFile kernel = open(b, path, FileOption.READ, FileOption.WRITE);
        byte[] headModel = new byte[head];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                java.util.SplittableRandom r = new java.util.SplittableRandom(9);
                for (int i = 0; !stop.get() && failure.get() == null; i++) {
                    int len = 1 + r.nextInt(2 * PAGE);
                    int at = r.nextInt(head - len);
                    byte[] v = randomBytes(len, 30_000 + i);
                    write(cached, v, at);
                    System.arraycopy(v, 0, headModel, at, len);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
        byte[] tail = null;
        java.util.SplittableRandom r = new java.util.SplittableRandom(10);
        try {
            for (int i = 0; i < 200 && failure.get() == null; i++) {
                long size = head + r.nextInt(4 * PAGE);
                kernel.truncate(size);
                int len = 1 + r.nextInt(PAGE);
                tail = randomBytes(len, 40_000 + i);
                write(kernel, tail, size);
                long expectedSize = size + len;
                assertEquals(expectedSize, kernel.size(), "round " + i);
                assertEquals(expectedSize, cached.size(), "round " + i + ": the cache's size follows");
                assertArrayEquals(tail, read(cached, size, len), "round " + i + ": the cache reads B's tail");
                if (i % 10 == 0) {
                    await(kernel.fsync());
                }
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertNull(failure.get(), () -> "failed: " + failure.get());
        long size = kernel.size();
        assertEquals(size, cached.size());
        assertArrayEquals(headModel, read(cached, 0, head), "the head keeps every cached write");
        assertArrayEquals(headModel, read(kernel, 0, head), "B sees the head");
        assertArrayEquals(tail, read(cached, size - tail.length, tail.length));
        await(kernel.fsync());
        byte[] disk = Files.readAllBytes(path);
        assertEquals(size, disk.length);
        assertArrayEquals(headModel, Arrays.copyOf(disk, head));
        assertArrayEquals(tail, Arrays.copyOfRange(disk, (int) size - tail.length, (int) size));
    }

    /**
     * Engine A closes while engine B's kernel handle reads, writes, syncs and truncates the file A
     * has cached with dirty pages: nothing hangs or fails, and the file holds A's completed writes
     * and B's.
     */
    @ParameterizedTest(name = "closing {0}, working {1}")
    @MethodSource("crossPairs")
    void anEngineClosingWhileAnotherWorksOnItsFile(String cacheKind, String otherKind) throws Exception {
        for (int round = 0; round < 8; round++) {
            IoEngine a = IoEngine.open(EngineConfig.defaults().withEngine(cacheKind).withQueueDepth(64));
            IoEngine b = engine(otherKind);
            Path path = dir.resolve("closing" + round);
            int half = 16 * PAGE;
            Files.write(path, new byte[2 * half]);
            AsyncFile cached = AsyncFile.open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
            AsyncFile kernel = open(b, path, FileOption.READ, FileOption.WRITE);
            byte[] aData = randomBytes(half, 50 + round);
            write(cached, aData, 0); // dirty in A's cache
            byte[] bModel = new byte[half];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean stop = new AtomicBoolean();
            Thread worker = Thread.ofPlatform().start(() -> {
                try {
                    java.util.SplittableRandom r = new java.util.SplittableRandom(60);
                    for (int i = 0; !stop.get() || i < 50; i++) {
                        int len = 1 + r.nextInt(PAGE);
                        int at = r.nextInt(half - len);
                        byte[] v = randomBytes(len, 70_000 + i);
                        write(kernel, v, half + at);
                        System.arraycopy(v, 0, bModel, at, len);
                        assertArrayEquals(aData, read(kernel, 0, half), "B reads A's completed write");
                        if (i % 5 == 0) {
                            await(kernel.fdatasync());
                        }
                        if (i % 7 == 0) {
                            kernel.truncate(2 * half); // a no-op size, through A's cache
                        }
                        started.countDown();
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    started.countDown();
                }
            });
            started.await();
            a.close();
            stop.set(true);
            worker.join();
            cached.close();
            assertNull(failure.get(), () -> "failed: " + failure.get());
            byte[] disk = Files.readAllBytes(path);
            assertArrayEquals(aData, Arrays.copyOf(disk, half), "A's write reached the disk");
            assertArrayEquals(bModel, Arrays.copyOfRange(disk, half, 2 * half), "B's writes are all there");
            try (AsyncFile again = AsyncFile.open(b, path, FileOption.READ, FileOption.CACHED)) {
                assertArrayEquals(aData, read(again, 0, half));
            }
        }
    }

    /**
     * A non-CACHED handle's fsync on another engine must write back the cache's dirty pages
     * (fsync(2) syncs the inode whichever descriptor): afterwards the disk has them, with no
     * later write of the cache needed.
     */
    @ParameterizedTest(name = "cache on {0}, syncer on {1}")
    @MethodSource("crossPairs")
    void aSyncOfAnotherEngineRacingCachedWritesLeavesNothingBehindItsStart(String cacheKind, String otherKind)
            throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("sync-race");
        Files.write(path, new byte[32 * PAGE]);
        AsyncFile cached = open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        AsyncFile kernel = open(b, path, FileOption.READ);
        for (int i = 0; i < 100; i++) {
            byte[] v = randomBytes(3 * PAGE, 80_000 + i);
            int at = (i * 5 % 29) * PAGE + i;
            write(cached, v, at);
            CompletableFuture<Void> sync = (i % 2 == 0) ? kernel.fsync() : kernel.fdatasync();
            // A cached write racing the sync: whether it is in the sync or not, nothing fails.
            byte[] v2 = randomBytes(100, 90_000 + i);
            write(cached, v2, (i * 7 % 31) * PAGE);
            await(sync);
            try (var ch = java.nio.channels.FileChannel.open(path)) {
                java.nio.ByteBuffer got = java.nio.ByteBuffer.allocate(v.length);
                ch.read(got, at);
                byte[] onDisk = got.array();
                // v2 may overlap v and have landed since: compare only where it did not write.
                long v2at = (i * 7 % 31) * PAGE;
                for (int k = 0; k < v.length; k++) {
                    long off = at + k;
                    if (off >= v2at && off < v2at + v2.length) {
                        continue;
                    }
                    if (onDisk[k] != v[k]) {
                        fail("round " + i + ": byte " + off + " of the write before the sync is not on disk");
                    }
                }
            }
        }
        assertFalse(Thread.currentThread().isInterrupted());
    }

    /** A hard link is the same inode: a CACHED open through it on another engine is refused too. */
    @ParameterizedTest(name = "cache on {0}, link opened on {1}")
    @MethodSource("crossPairs")
    void aCachedOpenThroughAHardLinkOnAnotherEngineIsRefused(String cacheKind, String otherKind) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("orig");
        Files.write(path, new byte[2 * PAGE]);
        Path link = Files.createLink(dir.resolve("link"), path);
        AsyncFile cached = open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        byte[] w = randomBytes(100, 90);
        write(cached, w, 10);
        long fds = openFds();
        try {
            AsyncFile other = AsyncFile.open(b, link, FileOption.READ, FileOption.CACHED);
            toClose.add(other);
            fail("a second cache of the inode through its other name");
        } catch (FileSystemException expected) {
            // refused
        }
        assertEquals(fds, openFds(), "the refused open keeps no descriptor");
        AsyncFile kernel = open(b, link, FileOption.READ);
        assertArrayEquals(w, read(kernel, 10, 100), "a kernel handle through the link sees the cached write");
    }

    /**
     * A non-CACHED open with TRUNCATE_EXISTING on another engine truncates through the cache: the
     * dirty pages go (they must not be written back over the empty file later), every handle sees
     * size 0.
     */
    @ParameterizedTest(name = "cache on {0}, truncating open on {1}")
    @MethodSource("crossPairs")
    void aTruncatingOpenOnAnotherEngineDropsTheDirtyPages(String cacheKind, String otherKind) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("trunc-open");
        Files.write(path, randomBytes(8 * PAGE, 91));
        AsyncFile cached = open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        write(cached, randomBytes(3 * PAGE, 92), PAGE + 5);
        AsyncFile truncating = open(b, path, FileOption.WRITE, FileOption.TRUNCATE);
        assertEquals(0, truncating.size());
        assertEquals(0, cached.size(), "the cache's size");
        assertEquals(0, read(cached, 0, 8 * PAGE).length, "nothing to read");
        byte[] w = randomBytes(10, 93);
        write(truncating, w, 0);
        cached.close();
        assertArrayEquals(w, Files.readAllBytes(path), "no stale dirty page came back at the close");
    }

    /**
     * After engine A closed (its CACHED handle still open, engine gone), engine B caches the file
     * and writes; closing A's leftover handle must neither write A's pages back nor drop B's.
     */
    @ParameterizedTest(name = "closed {0}, new cache on {1}")
    @MethodSource("crossPairs")
    void aLeftoverHandleOfAClosedEngineLeavesTheNewCacheAlone(String cacheKind, String otherKind) throws Exception {
        IoEngine a = IoEngine.open(EngineConfig.defaults().withEngine(cacheKind).withQueueDepth(64));
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("leftover");
        Files.write(path, new byte[4 * PAGE]);
        AsyncFile old = AsyncFile.open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        byte[] w1 = randomBytes(2 * PAGE, 94);
        write(old, w1, 0);
        a.close();
        AsyncFile fresh = open(b, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        assertArrayEquals(w1, read(fresh, 0, 2 * PAGE));
        byte[] w2 = randomBytes(PAGE + 3, 95);
        write(fresh, w2, 100);
        old.close();
        byte[] expected = Arrays.copyOf(w1, 4 * PAGE);
        System.arraycopy(w2, 0, expected, 100, w2.length);
        assertArrayEquals(expected, read(fresh, 0, 4 * PAGE), "the new cache keeps its write");
        AsyncFile kernel = open(b, path, FileOption.READ);
        assertArrayEquals(expected, read(kernel, 0, 4 * PAGE), "kernel handles stay coherent with the new cache");
        fresh.close();
        assertArrayEquals(expected, Files.readAllBytes(path));
    }

    /**
     * CACHED opens on engine A race A's close: once A's close has returned, no cache of A may hold
     * the file in the JVM map, so engine B can open it CACHED (A's leftover handles notwithstanding,
     * as after any close of an engine).
     */
    @ParameterizedTest(name = "closing {0}, then caching on {1}")
    @MethodSource("crossPairs")
    void cachedOpensRacingTheEnginesCloseLeaveNoEntryBehind(String cacheKind, String otherKind) throws Exception {
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("open-close-race");
        Files.write(path, new byte[4 * PAGE]);
        for (int round = 0; round < 500; round++) {
            IoEngine a = IoEngine.open(EngineConfig.defaults().withEngine(cacheKind).withQueueDepth(8));
            List<AsyncFile> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            CountDownLatch first = new CountDownLatch(1);
            Thread opener = Thread.ofPlatform().start(() -> {
                try {
                    while (true) {
                        got.add(AsyncFile.open(a, path, FileOption.READ, FileOption.CACHED));
                        first.countDown();
                    }
                } catch (Throwable expected) {
                    first.countDown(); // the engine closed
                }
            });
            first.await();
            a.close();
            opener.join();
            try (AsyncFile mine = AsyncFile.open(b, path, FileOption.READ, FileOption.CACHED)) {
                assertEquals(4 * PAGE, mine.size());
            } catch (FileSystemException e) {
                fail("round " + round + ": engine " + cacheKind + " is closed, yet its cache still holds the file ("
                        + got.size() + " handles opened; the closed engine's page cache after close: "
                        + (a.pageCacheStats() == PageCacheStats.NONE ? "none" : "made again") + "): " + e.getMessage());
            } finally {
                for (AsyncFile f : got) {
                    f.close();
                }
            }
        }
    }
}
