package dev.jaio;

import static dev.jaio.TestFiles.await;
import static dev.jaio.TestFiles.randomBytes;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Buffered writes through jaio's page cache ({@link FileOption#CACHED}) on real files: what reads
 * see, what reaches the disk and when (O_SYNC, O_DSYNC, fsync, the cleaner, close), partial pages,
 * extension and truncate, and a cache far smaller than what is written.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CachedWriteTest {

    private static final int PAGE = 4096;

    private Path dir;
    private IoEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("cachedwrite");
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



    /** The file's bytes as the kernel has them (its own page cache over the disk), not jaio's. */
    private static byte[] onDisk(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    private static byte[] read(AsyncFile f, long pos, int n) throws Exception {
        try (Arena a = Arena.ofShared()) { // a retry copies on the engine's thread
            MemorySegment dst = a.allocate(Math.max(1, n));
            int got = await(f.read(dst.asSlice(0, n), pos));
            return dst.asSlice(0, got).toArray(JAVA_BYTE);
        }
    }

    @Test
    void writesAreReadBackAtOnceAndReachTheDiskOnFsync() throws Exception {
        Path path = dir.resolve("f");
        byte[] model = randomBytes(10 * PAGE, 1);
        Files.write(path, model);
        engine(PageCacheConfig.defaults());
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            // unaligned, across pages: the partial pages are read first
            byte[] data = randomBytes(3 * PAGE + 100, 2);
            assertEquals(data.length, await(f.write(MemorySegment.ofArray(data), PAGE + 50)));
            System.arraycopy(data, 0, model, PAGE + 50, data.length);
            PageCacheStats s = engine.pageCacheStats();
            assertEquals(0, s.deviceWrites(), "a plain buffered write stays in the cache");
            assertEquals(4, s.dirtyPages(), s.toString());
            assertEquals(2, s.deviceReads(), "the two partial pages were read first: " + s);
            assertArrayEquals(model, read(f, 0, model.length));
            await(f.fsync());
            assertArrayEquals(model, onDisk(path));
            assertEquals(0, engine.pageCacheStats().dirtyPages());
            assertEquals(1, engine.pageCacheStats().deviceWrites(), "4 adjacent dirty pages: one device write");
        }
    }

    @Test
    void oSyncWritesAreOnDiskWhenTheyCompleteAndExtendTheFileExactly() throws Exception {
        Path path = dir.resolve("sync");
        engine(PageCacheConfig.defaults());
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                FileOption.CACHED, FileOption.SYNC)) {
            byte[] a = randomBytes(2 * PAGE, 3);
            await(f.write(MemorySegment.ofArray(a), 0));
            assertArrayEquals(a, onDisk(path), "O_SYNC: written back before the write completed");
            byte[] b = randomBytes(1000, 4); // extends to a size that is not a multiple of the page
            await(f.write(MemorySegment.ofArray(b), 2 * PAGE + 500));
            byte[] expect = new byte[2 * PAGE + 1500];
            System.arraycopy(a, 0, expect, 0, a.length);
            System.arraycopy(b, 0, expect, 2 * PAGE + 500, b.length);
            assertArrayEquals(expect, onDisk(path), "the size on disk is the exact end of the write");
            assertEquals(expect.length, f.size());
            assertArrayEquals(expect, read(f, 0, expect.length + 100));
            assertEquals(0, engine.pageCacheStats().dirtyPages());
        }
    }

    @Test
    void perRequestDsyncAndCloseWriteBack() throws Exception {
        Path path = dir.resolve("dsync");
        byte[] model = randomBytes(8 * PAGE, 5);
        Files.write(path, model);
        engine(PageCacheConfig.defaults());
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            byte[] a = randomBytes(PAGE, 6);
            await(f.write(MemorySegment.ofArray(a), 3 * PAGE));
            System.arraycopy(a, 0, model, 3 * PAGE, PAGE);
            byte[] b = randomBytes(PAGE, 7);
            await(f.write(MemorySegment.ofArray(b), 6 * PAGE, IoFlags.DSYNC));
            byte[] disk = onDisk(path);
            assertArrayEquals(b, Arrays.copyOfRange(disk, 6 * PAGE, 7 * PAGE), "the DSYNC write is on disk");
            assertEquals(1, engine.pageCacheStats().dirtyPages(), "only the DSYNC range was written back");
            System.arraycopy(b, 0, model, 6 * PAGE, PAGE);
        }
        assertArrayEquals(model, onDisk(path), "closing the last writable handle writes back its dirty pages");
    }

    @Test
    void closingTheEngineWithDirtyFilesOpenWritesThemBack() throws Exception {
        Path path = dir.resolve("engineclose");
        byte[] model = randomBytes(8 * PAGE, 30);
        Files.write(path, model);
        IoEngine e = IoEngine.open(EngineConfig.defaults().withPageCache(PageCacheConfig.defaults()));
        AsyncFile f = AsyncFile.open(e, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
        byte[] a = randomBytes(3 * PAGE + 5, 31);
        await(f.write(MemorySegment.ofArray(a), PAGE));
        System.arraycopy(a, 0, model, PAGE, a.length);
        assertTrue(e.pageCacheStats().dirtyPages() > 0);
        e.close(); // the file is still open
        assertArrayEquals(model, onDisk(path));
        f.close();
    }

    @Test
    void truncateDropsDirtyPagesPastTheEndAndZeroesTheRestOfTheLastPage() throws Exception {
        Path path = dir.resolve("trunc");
        engine(PageCacheConfig.defaults());
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                FileOption.CACHED)) {
            byte[] a = randomBytes(5 * PAGE, 8);
            await(f.write(MemorySegment.ofArray(a), 0));
            assertEquals(5 * PAGE, f.size(), "the size counts cached writes");
            f.truncate(PAGE + 10);
            assertEquals(PAGE + 10, f.size());
            // extend again past a gap: the old bytes after the cut must read as zeros
            byte[] b = randomBytes(100, 9);
            await(f.write(MemorySegment.ofArray(b), 3 * PAGE));
            byte[] expect = new byte[3 * PAGE + 100];
            System.arraycopy(a, 0, expect, 0, PAGE + 10);
            System.arraycopy(b, 0, expect, 3 * PAGE, 100);
            assertArrayEquals(expect, read(f, 0, expect.length));
            await(f.fsync());
            assertArrayEquals(expect, onDisk(path));
        }
    }

    @Test
    void aTinyCacheTakesFarMoreWritesThanItHoldsThroughTheCleaner() throws Exception {
        Path path = dir.resolve("tiny");
        engine(PageCacheConfig.defaults().withBudget(PageCacheConfig.MIN_BUDGET));
        byte[] model = new byte[256 * PAGE];
        int end = 0;
        SplittableRandom rnd = new SplittableRandom(10);
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                FileOption.CACHED)) {
            List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int len = 1 + rnd.nextInt(3 * PAGE);
                int pos = rnd.nextInt(model.length - len);
                byte[] data = randomBytes(len, i);
                System.arraycopy(data, 0, model, pos, len);
                end = Math.max(end, pos + len);
                // one at a time, so the model's order is the order of the writes
                assertEquals(len, await(f.write(MemorySegment.ofArray(data), pos)));
            }
            model = Arrays.copyOf(model, end);
            assertArrayEquals(model, read(f, 0, model.length + PAGE));
            PageCacheStats s = engine.pageCacheStats();
            assertTrue(s.throttled() + s.frameWaits() > 0, "a 16-page cache must have made writers wait: " + s);
            assertTrue(s.pagesWritten() > 16, s.toString());
            await(f.fsync());
            assertTrue(inFlight.isEmpty());
        }
        assertArrayEquals(model, onDisk(path));
    }

    @Test
    void aWriteNeverWaitsForAPageAnotherContextsQueueIsReading() throws Exception {
        Path path = dir.resolve("owner");
        byte[] model = randomBytes(64 * PAGE, 20);
        Files.write(path, model);
        engine(PageCacheConfig.defaults());
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             IoContext ctx = engine.newContext(8);
             IoBuffer buf = IoBuffer.allocate(4 * PAGE, PAGE)) {
            assertTrue(ctx.prepareRead(f, buf.segment(), 8L * PAGE, 1));
            ctx.submit(); // its pages are read in the context's own queue, reaped only by this thread
            // A partial write into one of them (it needs the page's old bytes) must not depend on
            // this thread calling getEvents: it drops that page and reads it for itself.
            byte[] patch = randomBytes(100, 21);
            assertEquals(100, await(f.write(MemorySegment.ofArray(patch), 9L * PAGE + 7, IoFlags.DSYNC)));
            System.arraycopy(patch, 0, model, 9 * PAGE + 7, patch.length);
            long[] res = {Long.MIN_VALUE};
            while (ctx.getEvents(1, 1, -1, TimeUnit.NANOSECONDS, (c, r) -> res[0] = r) == 0) {
                Thread.onSpinWait();
            }
            assertEquals(4 * PAGE, res[0]);
            assertArrayEquals(Arrays.copyOfRange(model, 8 * PAGE, 12 * PAGE), buf.segment().toArray(JAVA_BYTE),
                    "the context's read, finished after the write, returns the written bytes");
            assertArrayEquals(model, Files.readAllBytes(path));
        }
    }

    @Test
    void concurrentWritesOfDisjointRangesAllLand() throws Exception {
        Path path = dir.resolve("conc");
        engine(PageCacheConfig.defaults().withBudget(64 * PAGE));
        int writers = 64;
        int each = 3 * PAGE + 7;
        byte[] model = new byte[writers * each];
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                FileOption.CACHED)) {
            List<CompletableFuture<Integer>> all = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                byte[] data = randomBytes(each, 100 + i);
                System.arraycopy(data, 0, model, i * each, each);
                all.add(f.write(MemorySegment.ofArray(data), (long) i * each, i % 3 == 0 ? IoFlags.DSYNC : 0));
            }
            for (CompletableFuture<Integer> w : all) {
                assertEquals(each, await(w));
            }
            assertArrayEquals(model, read(f, 0, model.length));
        }
        assertArrayEquals(model, onDisk(path));
    }
}
