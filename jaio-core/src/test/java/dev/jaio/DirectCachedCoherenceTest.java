package dev.jaio;

import static dev.jaio.TestFiles.await;
import static dev.jaio.TestFiles.randomBytes;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Direct (O_DIRECT) and kernel-buffered handles of a file stay coherent with its CACHED handles on
 * the same engine (§4 of the paper): a direct read first writes back the cache's dirty pages of its
 * range, a direct write drops the range's cached pages (before and after it runs), a direct write
 * that extends the file shows its size to cached readers only once it completed, and many threads
 * mixing all of them, truncate and fsync on one file never read a byte the model does not allow.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DirectCachedCoherenceTest {

    private static final int PAGE = 4096;

    private Path dir;
    private IoEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("coherence");
        engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(128));
    }

    @AfterEach
    void tearDown() throws IOException {
        engine.close();
        TestFiles.deleteRecursively(dir);
    }



    private static byte[] read(AsyncFile f, long pos, int n) throws Exception {
        try (IoBuffer buf = f.allocateBuffer(n)) {
            int got = await(f.read(buf.segment().asSlice(0, f.isDirect() ? buf.segment().byteSize() : n), pos));
            return buf.segment().asSlice(0, Math.min(got, n)).toArray(JAVA_BYTE);
        }
    }

    private static void write(AsyncFile f, byte[] data, long pos) throws Exception {
        try (IoBuffer buf = f.allocateBuffer(data.length)) {
            MemorySegment.copy(MemorySegment.ofArray(data), 0, buf.segment(), 0, data.length);
            assertEquals(data.length, await(f.write(buf.segment().asSlice(0, data.length), pos)));
        }
    }

    @Test
    void directReadsSeeCachedWritesAndCachedReadsSeeDirectWrites() throws Exception {
        Path path = dir.resolve("f");
        byte[] model = randomBytes(32 * PAGE, 1);
        Files.write(path, model);
        try (AsyncFile cached = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile direct = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.DIRECT);
             AsyncFile kernel = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE)) {
            byte[] a = randomBytes(3 * PAGE, 2);
            write(cached, a, 4 * PAGE); // dirty in jaio's cache only
            System.arraycopy(a, 0, model, 4 * PAGE, a.length);
            assertArrayEquals(Arrays.copyOfRange(model, 0, 8 * PAGE), read(direct, 0, 8 * PAGE),
                    "the direct read wrote the dirty pages back first");
            assertTrue(engine.pageCacheStats().pagesWritten() >= 3);

            assertArrayEquals(Arrays.copyOfRange(model, 16 * PAGE, 20 * PAGE), read(cached, 16 * PAGE, 4 * PAGE));
            byte[] b = randomBytes(2 * PAGE, 3);
            write(direct, b, 17 * PAGE); // over pages the cache holds
            System.arraycopy(b, 0, model, 17 * PAGE, b.length);
            assertArrayEquals(Arrays.copyOfRange(model, 16 * PAGE, 20 * PAGE), read(cached, 16 * PAGE, 4 * PAGE),
                    "no cached page kept the bytes the direct write replaced");

            byte[] c = randomBytes(PAGE / 2, 4);
            write(cached, c, 24 * PAGE + 100);
            System.arraycopy(c, 0, model, 24 * PAGE + 100, c.length);
            assertArrayEquals(Arrays.copyOfRange(model, 24 * PAGE, 25 * PAGE), read(kernel, 24 * PAGE, PAGE),
                    "a kernel-buffered read sees the cached write too");
            byte[] d = randomBytes(100, 5);
            write(kernel, d, 24 * PAGE + 50);
            System.arraycopy(d, 0, model, 24 * PAGE + 50, d.length);
            assertArrayEquals(Arrays.copyOfRange(model, 24 * PAGE, 25 * PAGE), read(cached, 24 * PAGE, PAGE));

            // A direct write past the end: cached readers see the new size with its data.
            byte[] e = randomBytes(2 * PAGE, 6);
            write(direct, e, 40 * PAGE);
            assertEquals(42L * PAGE, cached.size());
            assertArrayEquals(e, read(cached, 40 * PAGE, 2 * PAGE));
            assertArrayEquals(new byte[PAGE], read(cached, 35 * PAGE, PAGE), "the hole reads zeros");
        }
    }

    @Test
    void contextDirectRequestsAreCoherentToo() throws Exception {
        Path path = dir.resolve("ctx");
        byte[] model = randomBytes(16 * PAGE, 7);
        Files.write(path, model);
        try (AsyncFile cached = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile direct = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.DIRECT);
             IoContext ctx = engine.newContext(8);
             IoBuffer buf = direct.allocateBuffer(4 * PAGE)) {
            byte[] a = randomBytes(2 * PAGE, 8);
            write(cached, a, 2 * PAGE);
            System.arraycopy(a, 0, model, 2 * PAGE, a.length);
            assertTrue(ctx.prepareRead(direct, buf.segment(), 0, 1));
            ctx.submit();
            long[] res = new long[1];
            assertEquals(1, ctx.getEvents(1, 1, 10, TimeUnit.SECONDS, (cookie, r) -> res[0] = r));
            assertEquals(4 * PAGE, res[0]);
            assertArrayEquals(Arrays.copyOfRange(model, 0, 4 * PAGE), buf.segment().toArray(JAVA_BYTE));

            read(cached, 8 * PAGE, 4 * PAGE); // cached now
            byte[] b = randomBytes(4 * PAGE, 9);
            MemorySegment.copy(MemorySegment.ofArray(b), 0, buf.segment(), 0, b.length);
            assertTrue(ctx.prepareWrite(direct, buf.segment(), 8 * PAGE, 2));
            ctx.submit();
            assertEquals(1, ctx.getEvents(1, 1, 10, TimeUnit.SECONDS, (cookie, r) -> res[0] = r));
            assertEquals(4 * PAGE, res[0]);
            assertArrayEquals(b, read(cached, 8 * PAGE, 4 * PAGE));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {20, 21, 22, 23, 24})
    void truncateAndExtensionThroughEveryHandleMatchTheModel(long seed) throws Exception {
        Path path = dir.resolve("trunc" + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] model = randomBytes(16 * PAGE, 21);
        int size = model.length;
        Files.write(path, model);
        model = Arrays.copyOf(model, 64 * PAGE);
        try (AsyncFile cached = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile direct = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.DIRECT)) {
            for (int step = 0; step < 300; step++) {
                int kind = rnd.nextInt(8);
                String what = "step " + step + " kind " + kind + " size " + size;
                if (kind <= 1) { // cached write anywhere below 48 pages, extending or not
                    int len = 1 + rnd.nextInt(2 * PAGE);
                    int off = rnd.nextInt(48 * PAGE - len);
                    byte[] data = randomBytes(len, rnd.nextLong());
                    write(cached, data, off);
                    if (off > size) {
                        Arrays.fill(model, size, off, (byte) 0);
                    }
                    System.arraycopy(data, 0, model, off, len);
                    size = Math.max(size, off + len);
                } else if (kind == 2) { // direct write, aligned, maybe extending
                    int p = rnd.nextInt(46);
                    byte[] data = randomBytes(2 * PAGE, rnd.nextLong());
                    write(direct, data, (long) p * PAGE);
                    if (p * PAGE > size) {
                        Arrays.fill(model, size, p * PAGE, (byte) 0);
                    }
                    System.arraycopy(data, 0, model, p * PAGE, data.length);
                    size = Math.max(size, (p + 2) * PAGE);
                } else if (kind == 3) { // truncate through either handle, shrinking or growing
                    int to = rnd.nextInt(48 * PAGE);
                    (rnd.nextBoolean() ? cached : direct).truncate(to);
                    if (to > size) {
                        Arrays.fill(model, size, to, (byte) 0);
                    }
                    size = to;
                } else if (kind == 4) {
                    assertEquals(size, cached.size(), what);
                    int off = rnd.nextInt(48 * PAGE);
                    int len = 1 + rnd.nextInt(3 * PAGE);
                    byte[] got = read(cached, off, len);
                    int expect = Math.max(0, Math.min(len, size - off));
                    assertArrayEquals(Arrays.copyOfRange(model, off, off + expect), got, "cached read, " + what);
                } else if (kind == 5) {
                    int p = rnd.nextInt(48);
                    byte[] got = read(direct, (long) p * PAGE, 2 * PAGE);
                    int expect = Math.max(0, Math.min(2 * PAGE, size - p * PAGE));
                    assertArrayEquals(Arrays.copyOfRange(model, p * PAGE, p * PAGE + expect), got,
                            "direct read, " + what);
                } else if (kind == 6) {
                    await(cached.fsync());
                } else {
                    await(cached.write(MemorySegment.ofArray(new byte[] {(byte) step}), 3 * PAGE + step,
                            IoFlags.DSYNC));
                    if (3 * PAGE + step > size) {
                        Arrays.fill(model, size, 3 * PAGE + step, (byte) 0);
                    }
                    model[3 * PAGE + step] = (byte) step;
                    size = Math.max(size, 3 * PAGE + step + 1);
                }
            }
            await(cached.fsync());
            assertArrayEquals(Arrays.copyOf(model, size), Files.readAllBytes(path));
        }
    }

    @Test
    void manyThreadsMixingEveryKindOfRequestMatchTheModel() throws Exception {
        Path path = dir.resolve("mix");
        int pages = 64;
        byte[] initial = randomBytes(pages * PAGE, 10);
        Files.write(path, initial);
        // Each thread owns a region of the file, so the model of each region is exact; the file,
        // its cache, its dirty pages, writeback and the cleaner are shared by all of them.
        int threads = 4;
        int region = pages * PAGE / threads;
        try (AsyncFile cached = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile direct = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.DIRECT);
             AsyncFile syncCached = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE,
                     FileOption.CACHED, FileOption.DSYNC)) {
            List<Thread> workers = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                int id = t;
                workers.add(Thread.ofPlatform().start(() -> {
                    try {
                        SplittableRandom rnd = new SplittableRandom(1000 + id);
                        long base = (long) id * region;
                        byte[] model = Arrays.copyOfRange(initial, (int) base, (int) base + region);
                        for (int step = 0; step < 150; step++) {
                            int kind = rnd.nextInt(7);
                            if (kind <= 2) { // cached write, plain or O_DSYNC, any alignment
                                int len = 1 + rnd.nextInt(2 * PAGE);
                                int off = rnd.nextInt(region - len);
                                byte[] data = randomBytes(len, rnd.nextLong());
                                write(kind == 2 ? syncCached : cached, data, base + off);
                                System.arraycopy(data, 0, model, off, len);
                            } else if (kind == 3) { // direct write, page-aligned
                                int n = 1 + rnd.nextInt(2);
                                int p = rnd.nextInt(region / PAGE - n + 1);
                                byte[] data = randomBytes(n * PAGE, rnd.nextLong());
                                write(direct, data, base + (long) p * PAGE);
                                System.arraycopy(data, 0, model, p * PAGE, data.length);
                            } else if (kind == 4) { // direct read
                                int n = 1 + rnd.nextInt(3);
                                int p = rnd.nextInt(region / PAGE - n + 1);
                                byte[] got = read(direct, base + (long) p * PAGE, n * PAGE);
                                assertArrayEquals(Arrays.copyOfRange(model, p * PAGE, (p + n) * PAGE), got,
                                        "direct read in region " + id + " at step " + step);
                            } else if (kind == 5) { // cached read, any alignment
                                int len = 1 + rnd.nextInt(3 * PAGE);
                                int off = rnd.nextInt(region - len);
                                byte[] got = read(cached, base + off, len);
                                assertArrayEquals(Arrays.copyOfRange(model, off, off + len), got,
                                        "cached read in region " + id + " at step " + step);
                            } else {
                                await(cached.fdatasync());
                            }
                        }
                        byte[] all = read(cached, base, region);
                        assertArrayEquals(model, all, "region " + id + " at the end");
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
            if (!failures.isEmpty()) {
                AssertionError e = new AssertionError(failures.size() + " worker(s) failed");
                failures.forEach(e::addSuppressed);
                throw e;
            }
            await(cached.fsync());
            // What the kernel reads from the file equals what jaio's cache says.
            byte[] viaCache = read(cached, 0, pages * PAGE);
            assertArrayEquals(viaCache, Files.readAllBytes(path));
        }
    }

    /**
     * A CACHED write and a write of a kernel-buffered handle to different bytes of one page, at
     * the same moment, round after round: both must land. The uncached write writes the page back
     * and drops it before and after it runs; a cached write copying in between had its page
     * dropped (an acknowledged write lost: up to a quarter of the rounds), or left the page dirty
     * right after the writeback, which the uncached write took for a failed writeback (a false
     * EIO). The uncached write goes through a future and through an IoContext in turn.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"threads", "uring", "aio"})
    void cachedAndUncachedWritesOfOnePageAtOnceBothLand(String engineName) throws Exception {
        String cause = dev.jaio.internal.provider.Engines.byName(engineName).unavailabilityCause();
        org.junit.jupiter.api.Assumptions.assumeTrue(cause == null, () -> engineName + " unavailable: " + cause);
        Path path = dir.resolve("one-page");
        Files.write(path, new byte[2 * PAGE]);
        int rounds = 1000;
        int lost = 0;
        String firstLoss = null;
        try (IoEngine e = IoEngine.open(EngineConfig.defaults().withEngine(engineName));
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
             AsyncFile cached = AsyncFile.open(e, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile buffered = AsyncFile.open(e, path, FileOption.READ, FileOption.WRITE)) {
            MemorySegment mine = arena.allocate(100);
            MemorySegment theirs = arena.allocate(100);
            MemorySegment check = arena.allocate(PAGE);
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread other = Thread.ofPlatform().start(() -> {
                try (IoContext ctx = e.newContext(4)) {
                    for (int round = 1; round <= rounds; round++) {
                        start.await();
                        if (round % 2 == 0) {
                            assertEquals(100, (int) buffered.write(theirs, 0).get(10, TimeUnit.SECONDS));
                        } else {
                            assertTrue(ctx.prepareWrite(buffered, theirs, 0, round));
                            assertEquals(1, ctx.submit());
                            long[] result = {Long.MIN_VALUE};
                            while (ctx.getEvents(1, 1, 10, TimeUnit.SECONDS, (c, r) -> result[0] = r) == 0) {
                                // waits
                            }
                            assertEquals(100, result[0], "the context's write");
                        }
                        start.await();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                    start.reset();
                }
            });
            try {
                for (int round = 1; round <= rounds; round++) {
                    byte v = (byte) round;
                    mine.fill(v);
                    theirs.fill((byte) ~v);
                    start.await(10, TimeUnit.SECONDS);
                    assertEquals(100, (int) cached.write(mine, 1000).get(10, TimeUnit.SECONDS));
                    start.await(10, TimeUnit.SECONDS); // both writes ended
                    assertEquals(PAGE, (int) cached.read(check, 0).get(10, TimeUnit.SECONDS));
                    for (int i = 0; i < 100; i++) {
                        if (check.get(JAVA_BYTE, 1000 + i) != v || check.get(JAVA_BYTE, i) != (byte) ~v) {
                            if (firstLoss == null) {
                                firstLoss = "round " + round + " (uncached write through "
                                        + (round % 2 == 0 ? "a future" : "an IoContext") + "): cached bytes "
                                        + check.get(JAVA_BYTE, 1000 + i) + ", want " + v + "; uncached bytes "
                                        + check.get(JAVA_BYTE, i) + ", want " + (byte) ~v;
                            }
                            lost++;
                            break;
                        }
                    }
                }
            } catch (java.util.concurrent.BrokenBarrierException | java.util.concurrent.TimeoutException ex) {
                other.join();
                throw new AssertionError("the uncached writer failed", failure.get() != null ? failure.get() : ex);
            }
            other.join();
            if (failure.get() != null) {
                throw new AssertionError("the uncached writer failed", failure.get());
            }
            await(cached.fsync());
        }
        assertEquals(0, lost, engineName + ": rounds in which a write that completed is not in the file, first "
                + firstLoss);
        byte[] disk = Files.readAllBytes(path);
        assertEquals((byte) rounds, disk[1000]);
        assertEquals((byte) ~(byte) rounds, disk[0]);
    }
}
