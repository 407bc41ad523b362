package dev.jaio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * jaio's page cache through the public API ({@link FileOption#CACHED}), on real files: what the
 * cache reads from the device (its counters), readahead policies, coherence with writes and
 * truncate through the handle, sharing between handles, memory safety and a starved cache.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CachedFileTest {

    private static final int PAGE = 4096;

    private Path dir;
    private IoEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("cached");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (engine != null) {
            engine.close();
        }
        TestFiles.deleteRecursively(dir);
    }

    private IoEngine engine(PageCacheConfig cache) throws IOException {
        engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(128).withPageCache(cache));
        return engine;
    }

    private static byte[] randomFile(Path path, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new SplittableRandom(seed).nextBytes(data);
        Files.write(path, data);
        return data;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    private static byte[] bytes(MemorySegment seg, int n) {
        return seg.asSlice(0, n).toArray(JAVA_BYTE);
    }

    @Test
    void aColdRandomReadIsOneDeviceReadAndARepeatIsAHit() throws Exception {
        Path path = dir.resolve("one.dat");
        byte[] data = randomFile(path, 1 << 20, 1);
        engine(PageCacheConfig.defaults());
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED)) {
            assertTrue(file.isCached());
            assertEquals(ReadaheadPolicy.UPFRONT, file.readahead());
            // Unaligned on purpose: a cached file has no alignment rules. Pages 75 to 89 touched.
            MemorySegment buf = Arena.ofAuto().allocate(60_000);
            long off = 300 * 1024 + 100;
            assertEquals(60_000, await(file.read(buf, off)));
            assertArrayEquals(Arrays.copyOfRange(data, (int) off, (int) off + 60_000), bytes(buf, 60_000));
            PageCacheStats s = engine.pageCacheStats();
            assertEquals(1, s.deviceReads(), "a random request's missing pages are one device read");
            assertEquals(15, s.readaheadPages(), "upfront readahead reads exactly the request's pages");
            assertEquals(1, s.misses(), "the read waited once, for its first page");
            assertEquals(14, s.hits(), "the rest were ready when the retry reached them");
            assertTrue(s.retries() >= 1, "the read continued as a retry when its pages arrived");
            buf.fill((byte) 0);
            assertEquals(60_000, await(file.read(buf, off)));
            assertArrayEquals(Arrays.copyOfRange(data, (int) off, (int) off + 60_000), bytes(buf, 60_000));
            PageCacheStats t = engine.pageCacheStats();
            assertEquals(1, t.deviceReads(), "the repeat never reached the device");
            assertEquals(14 + 15, t.hits(), "every page of the repeat was a hit");
            assertEquals(1, t.misses());
            assertEquals(0, t.spuriousWakeups());
        }
    }

    @Test
    void sequentialReadsOpenAndGrowAWindowThatStaysAhead() throws Exception {
        Path path = dir.resolve("seq.dat");
        byte[] data = randomFile(path, 2 << 20, 2);
        engine(PageCacheConfig.defaults());
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED)) {
            MemorySegment buf = Arena.ofAuto().allocate(16 * 1024);
            for (int off = 0; off < data.length; off += 16 * 1024) {
                assertEquals(16 * 1024, await(file.read(buf, off)));
                assertArrayEquals(Arrays.copyOfRange(data, off, off + 16 * 1024), bytes(buf, 16 * 1024));
            }
            assertEquals(0, await(file.read(buf, data.length)), "at the end of the file");
            PageCacheStats s = engine.pageCacheStats();
            assertEquals(512, s.readaheadPages() + s.demandPages(), "every page read once");
            assertTrue(s.deviceReads() <= 20, "windows of up to 32 pages, not 128 requests: " + s);
            assertTrue(s.hits() > 400, "readahead stayed ahead of the reader: " + s);
        }
    }

    /** 96 concurrent 16 KiB reads at scattered offsets, as aio-stress -o 3 issues them. */
    private PageCacheStats streamingRandomReads(ReadaheadPolicy policy) throws Exception {
        Path path = dir.resolve("stream-" + policy + ".dat");
        byte[] data = randomFile(path, 16 << 20, 3);
        engine(PageCacheConfig.defaults().withReadahead(policy));
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED)) {
            assertEquals(policy, file.readahead());
            List<CompletableFuture<Integer>> reads = new ArrayList<>();
            List<MemorySegment> bufs = new ArrayList<>();
            List<Integer> offsets = new ArrayList<>();
            for (int i = 0; i < 96; i++) {
                // Far apart and out of order: no request is the next one's neighbour.
                int slot = (i * 37) % 96;
                int off = slot * 160 * 1024 + PAGE;
                MemorySegment b = Arena.ofAuto().allocate(16 * 1024);
                bufs.add(b);
                offsets.add(off);
                reads.add(file.read(b, off));
            }
            for (int i = 0; i < reads.size(); i++) {
                assertEquals(16 * 1024, await(reads.get(i)));
                int off = offsets.get(i);
                assertArrayEquals(Arrays.copyOfRange(data, off, off + 16 * 1024), bytes(bufs.get(i), 16 * 1024));
            }
        }
        PageCacheStats s = engine.pageCacheStats();
        engine.close();
        engine = null;
        return s;
    }

    @Test
    void upfrontReadaheadReadsEachRandomRequestAsOneDeviceRead() throws Exception {
        PageCacheStats s = streamingRandomReads(ReadaheadPolicy.UPFRONT);
        assertEquals(96, s.deviceReads(), s.toString());
        assertEquals(96 * 4, s.readaheadPages());
        assertEquals(0, s.demandPages());
        assertEquals(0, s.spuriousWakeups());
    }

    @Test
    void legacyReadaheadCollapsesToOnePagePerDeviceRead() throws Exception {
        PageCacheStats s = streamingRandomReads(ReadaheadPolicy.LEGACY);
        // The window opens at 16 pages, shrinks by two per request and turns off after eight: from
        // then on every page is its own device read, one after another within a request (§3.3).
        assertTrue(s.demandPages() > 250, "pages read alone on the slow path: " + s);
        assertTrue(s.deviceReads() > 250, "about one device read per page: " + s);
        assertTrue(s.retries() > 250, "a retry per page: " + s);
        assertEquals(0, s.spuriousWakeups());
    }

    @Test
    void writesAndTruncateThroughTheHandleDropTheCachedPages() throws Exception {
        Path path = dir.resolve("coherent.dat");
        byte[] data = randomFile(path, 64 * 1024, 4);
        engine(PageCacheConfig.defaults());
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            MemorySegment buf = Arena.ofAuto().allocate(64 * 1024);
            assertEquals(64 * 1024, await(file.read(buf, 0)));
            byte[] patch = new byte[5000];
            new SplittableRandom(5).nextBytes(patch);
            assertEquals(5000, await(file.write(MemorySegment.ofArray(patch), 10_000)));
            System.arraycopy(patch, 0, data, 10_000, patch.length);
            assertEquals(64 * 1024, await(file.read(buf, 0)));
            assertArrayEquals(data, bytes(buf, 64 * 1024), "no cached page kept the old bytes");
            // Extend by writing past the end: the cached size follows.
            assertEquals(5000, await(file.write(MemorySegment.ofArray(patch), 70_000)));
            assertEquals(5000, await(file.read(buf.asSlice(0, 8000), 70_000)));
            file.truncate(20_000);
            assertEquals(20_000 - 16_384, await(file.read(buf.asSlice(0, 8192), 16_384)), "short at the new end");
            file.truncate(30_000);
            buf.fill((byte) 7);
            assertEquals(10_000, await(file.read(buf.asSlice(0, 10_000), 20_000)));
            for (int i = 0; i < 10_000; i++) {
                assertEquals(0, buf.get(JAVA_BYTE, i), "past the old end the file reads zeros, at " + i);
            }
        }
    }

    @Test
    void handlesOfOneFileShareItsPages() throws Exception {
        Path path = dir.resolve("shared.dat");
        byte[] data = randomFile(path, 256 * 1024, 6);
        engine(PageCacheConfig.defaults());
        try (AsyncFile a = AsyncFile.open(engine, path, FileOption.CACHED);
             AsyncFile b = AsyncFile.open(engine, dir.resolve("./shared.dat"), FileOption.CACHED)) {
            MemorySegment buf = Arena.ofAuto().allocate(128 * 1024);
            assertEquals(128 * 1024, await(a.read(buf, 64 * 1024)));
            long reads = engine.pageCacheStats().deviceReads();
            buf.fill((byte) 0);
            assertEquals(128 * 1024, await(b.read(buf, 64 * 1024)));
            assertArrayEquals(Arrays.copyOfRange(data, 64 * 1024, 192 * 1024), bytes(buf, 128 * 1024));
            assertEquals(reads, engine.pageCacheStats().deviceReads(), "b found a's pages");
            b.setReadahead(ReadaheadPolicy.LEGACY);
            assertEquals(ReadaheadPolicy.LEGACY, b.readahead());
            assertEquals(ReadaheadPolicy.UPFRONT, a.readahead(), "readahead is per handle");
        }
    }

    @Test
    void aTinyCacheServesManyConcurrentReadsCorrectly() throws Exception {
        Path path = dir.resolve("tiny.dat");
        byte[] data = randomFile(path, 8 << 20, 7);
        engine(PageCacheConfig.defaults().withBudget(PageCacheConfig.MIN_BUDGET).withPreTouch(true));
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED)) {
            SplittableRandom rnd = new SplittableRandom(8);
            for (int round = 0; round < 5; round++) {
                List<CompletableFuture<Integer>> reads = new ArrayList<>();
                List<MemorySegment> bufs = new ArrayList<>();
                List<Integer> offsets = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    int len = 1 + rnd.nextInt(100_000); // up to 25 pages each, 16 pages of cache in all
                    int off = rnd.nextInt(data.length - len);
                    MemorySegment b = Arena.ofAuto().allocate(len);
                    bufs.add(b);
                    offsets.add(off);
                    reads.add(file.read(b, off));
                }
                for (int i = 0; i < reads.size(); i++) {
                    int len = (int) bufs.get(i).byteSize();
                    assertEquals(len, await(reads.get(i)));
                    int off = offsets.get(i);
                    assertArrayEquals(Arrays.copyOfRange(data, off, off + len), bytes(bufs.get(i), len),
                            "read at " + off + " len " + len);
                }
            }
        }
        PageCacheStats s = engine.pageCacheStats();
        assertEquals(16, s.capacityPages());
        assertTrue(s.evictions() > 100, s.toString());
        assertTrue(s.frameWaits() > 0, "requests waited for frames and went on: " + s);
        assertEquals(0, s.spuriousWakeups());
    }

    @Test
    void buffersClosedWhileCachedReadsRunStayAliveUntilTheyComplete() throws Exception {
        Path path = dir.resolve("pin.dat");
        byte[] data = randomFile(path, 4 << 20, 9);
        engine(PageCacheConfig.defaults());
        List<IoBuffer> buffers = new ArrayList<>();
        List<CompletableFuture<Integer>> reads = new ArrayList<>();
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED)) {
            for (int i = 0; i < 32; i++) {
                IoBuffer b = IoBuffer.allocate(64 * 1024, PAGE);
                buffers.add(b);
                reads.add(file.read(b.segment(), (long) i * 128 * 1024));
                b.close(); // at once: the read still holds it
            }
            for (int i = 0; i < reads.size(); i++) {
                assertEquals(64 * 1024, await(reads.get(i)));
            }
        }
        for (IoBuffer b : buffers) {
            assertTrue(b.isClosed());
            assertEquals(0, b.pinCount(), "freed once its read completed");
        }
        assertEquals(data.length, Files.size(path));
    }

    @Test
    void batchContextReadsGoThroughTheCache() throws Exception {
        Path path = dir.resolve("ctx.dat");
        byte[] data = randomFile(path, 5 << 20, 10);
        engine(PageCacheConfig.defaults());
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED);
             IoContext ctx = engine.newContext(64);
             IoBuffer pool = IoBuffer.allocate(64L * 16 * 1024, PAGE)) {
            long[] results = new long[64];
            Arrays.fill(results, Long.MIN_VALUE);
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 64; i++) {
                    assertTrue(ctx.prepareRead(file, pool.segment().asSlice(i * 16L * 1024, 16 * 1024),
                            (long) (i + 1) * 64 * 1024 + 512, i)); // not page 0: that opens a window
                }
                assertEquals(64, ctx.unsubmitted());
                assertEquals(64, ctx.submit());
                int done = 0;
                while (done < 64) {
                    done += ctx.getEvents(1, 64, -1, TimeUnit.NANOSECONDS, (cookie, res) -> results[(int) cookie] = res);
                }
                assertEquals(0, ctx.outstanding());
                for (int i = 0; i < 64; i++) {
                    assertEquals(16 * 1024, results[i]);
                    int off = (i + 1) * 64 * 1024 + 512;
                    assertArrayEquals(Arrays.copyOfRange(data, off, off + 16 * 1024),
                            pool.segment().asSlice(i * 16L * 1024, 16 * 1024).toArray(JAVA_BYTE));
                }
            }
            PageCacheStats s = engine.pageCacheStats();
            assertEquals(64 * 5, s.readaheadPages() + s.demandPages(), "the second round was all hits: " + s);
            assertTrue(s.hits() >= 64 * 5, s.toString());
            // A context getEvents with a timeout returns when nothing is in flight.
            assertEquals(0, ctx.getEvents(0, 1, 0, TimeUnit.NANOSECONDS, (c, r) -> { }));
        }
    }

    @Test
    void closingAContextWithCachedReadsInFlightWaitsForThemAndReleasesTheirBuffers() throws Exception {
        Path path = dir.resolve("ctxclose.dat");
        randomFile(path, 8 << 20, 14);
        engine(PageCacheConfig.defaults());
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED)) {
            for (int round = 0; round < 20; round++) {
                IoBuffer pool = IoBuffer.allocate(64L * 16 * 1024, PAGE);
                IoContext ctx = engine.newContext(64);
                for (int i = 0; i < 64; i++) {
                    assertTrue(ctx.prepareRead(file, pool.segment().asSlice(i * 16L * 1024, 16 * 1024),
                            (long) ((i * 7 + round * 13) % 64) * 128 * 1024 + 4096, i));
                }
                ctx.submit();
                pool.close(); // still pinned by the reads
                ctx.close(); // waits for every read, runs the retries due, drops the results
                assertEquals(0, pool.pinCount(), "released once the context closed");
                assertEquals(0, ctx.outstanding());
                assertEquals(0, ctx.unsubmitted());
                IllegalStateException e = assertThrows(IllegalStateException.class, ctx::submit);
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
                assertThrows(IllegalStateException.class,
                        () -> ctx.getEvents(0, 1, 0, TimeUnit.NANOSECONDS, (c, r) -> { }));
            }
        }
    }

    @Test
    void aReadNeverWaitsForAPageAnotherContextsQueueIsReading() throws Exception {
        Path path = dir.resolve("owner.dat");
        byte[] data = randomFile(path, 1 << 20, 15);
        engine(PageCacheConfig.defaults());
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED);
             IoContext ctx = engine.newContext(8);
             IoBuffer buf = IoBuffer.allocate(16 * 1024, PAGE)) {
            assertTrue(ctx.prepareRead(file, buf.segment(), 256 * 1024, 1));
            ctx.submit();
            // The context's own queue reads those pages, and only this thread reaps it. A blocking
            // wait here for a read of the same pages must not depend on that: it reads around them.
            MemorySegment other = Arena.ofAuto().allocate(10_000);
            assertEquals(10_000, file.read(other, 256 * 1024 + 3000).get(10, TimeUnit.SECONDS));
            assertArrayEquals(Arrays.copyOfRange(data, 256 * 1024 + 3000, 256 * 1024 + 13_000), bytes(other, 10_000));
            assertTrue(engine.pageCacheStats().bypassReads() >= 1, engine.pageCacheStats().toString());
            long[] res = {Long.MIN_VALUE};
            while (ctx.getEvents(1, 1, -1, TimeUnit.NANOSECONDS, (c, r) -> res[0] = r) == 0) {
                Thread.onSpinWait();
            }
            assertEquals(16 * 1024, res[0]);
            assertArrayEquals(Arrays.copyOfRange(data, 256 * 1024, 272 * 1024), buf.segment().toArray(JAVA_BYTE));
        }
    }

    @Test
    void nowaitReadsTakeWhatIsCachedOrFailWithEagain() throws Exception {
        Path path = dir.resolve("nowait.dat");
        randomFile(path, 256 * 1024, 11);
        engine(PageCacheConfig.defaults());
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED)) {
            MemorySegment buf = Arena.ofAuto().allocate(64 * 1024);
            IoOperationException e = assertThrows(IoOperationException.class,
                    () -> await(file.read(buf, 128 * 1024, IoFlags.NOWAIT)));
            assertEquals("EAGAIN", e.errnoName());
            assertEquals(0, engine.pageCacheStats().deviceReads(), "NOWAIT starts no I/O");
            assertEquals(16 * 1024, await(file.read(buf.asSlice(0, 16 * 1024), 128 * 1024)));
            assertEquals(16 * 1024, await(file.read(buf, 128 * 1024, IoFlags.NOWAIT)), "the cached part only");
        }
    }

    @Test
    void adviceActsOnTheCache() throws Exception {
        Path path = dir.resolve("advice.dat");
        byte[] data = randomFile(path, 512 * 1024, 12);
        engine(PageCacheConfig.defaults());
        try (AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED)) {
            file.advise(0, 256 * 1024, FileAdvice.WILLNEED);
            MemorySegment buf = Arena.ofAuto().allocate(256 * 1024);
            assertEquals(256 * 1024, await(file.read(buf, 0)));
            assertArrayEquals(Arrays.copyOf(data, 256 * 1024), bytes(buf, 256 * 1024));
            PageCacheStats s = engine.pageCacheStats();
            assertEquals(64, s.readaheadPages(), "WILLNEED read the range, the read found it: " + s);
            file.advise(0, 0, FileAdvice.DONTNEED);
            assertEquals(0, engine.pageCacheStats().residentPages(), "DONTNEED dropped every idle page");
            assertEquals(256 * 1024, await(file.read(buf, 0)));
            assertTrue(engine.pageCacheStats().deviceReads() > s.deviceReads(), "cold again");
        }
    }

    @Test
    void badCombinationsAreRefusedClearly() throws Exception {
        Path path = dir.resolve("bad.dat");
        randomFile(path, 4096, 13);
        engine(PageCacheConfig.defaults());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AsyncFile.open(engine, path, FileOption.CACHED, FileOption.DIRECT));
        assertTrue(e.getMessage().contains("CACHED") && e.getMessage().contains("DIRECT"), e.getMessage());
        try (AsyncFile plain = AsyncFile.open(engine, path)) {
            assertFalse(plain.isCached());
            IllegalStateException s = assertThrows(IllegalStateException.class,
                    () -> plain.setReadahead(ReadaheadPolicy.LEGACY));
            assertTrue(s.getMessage().contains("FileOption.CACHED"), s.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new PageCacheConfig(4096, 0, ReadaheadPolicy.UPFRONT));
        assertThrows(IllegalArgumentException.class,
                () -> new PageCacheConfig(1 << 20, -1, ReadaheadPolicy.UPFRONT));
    }
}
