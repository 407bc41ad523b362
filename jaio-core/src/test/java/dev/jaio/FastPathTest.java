package dev.jaio;

import static dev.jaio.TestFiles.bytes;
import static dev.jaio.TestFiles.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fast paths ({@link FastPaths}) through the public API: what each serves on the calling
 * thread, what it leaves to the engine, and that the caller sees the same results either way.
 * Which path a request took is read from {@link IoEngine#fastPathStats()}, whose counters are the
 * production path's own.
 */
class FastPathTest {

    private static final int PAGE = 4096;

    private Path dir;
    private IoEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("fastpath");
        engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(32));
    }

    @AfterEach
    void tearDown() throws IOException {
        engine.close();
        TestFiles.deleteRecursively(dir);
    }

    private Path file(String name, byte[] content) throws IOException {
        return TestFiles.file(dir, name, content);
    }


    /** Drops the file's pages from the kernel's page cache (written back first), so reads of it must wait. */
    private static void dropKernelCache(AsyncFile f) throws Exception {
        TestFiles.dropFromPageCache(f);
    }

    @Test
    void aWarmBufferedReadIsDoneOnTheCallingThread() throws Exception {
        byte[] content = TestFiles.randomBytes(4 * PAGE, 1);
        try (AsyncFile f = AsyncFile.open(engine, file("warm", content), FileOption.READ);
             IoBuffer buf = f.allocateBuffer(PAGE)) {
            FastPathStats before = engine.fastPathStats();
            CompletableFuture<Integer> r = f.read(buf.segment(), PAGE);
            assertTrue(r.isDone(), "the kernel's page cache holds it: done before read returns");
            assertEquals(PAGE, r.join());
            assertArrayEquals(range(content, PAGE, PAGE), bytes(buf.segment(), PAGE));
            assertEquals(before.nowaitReads() + 1, engine.fastPathStats().nowaitReads());
            assertEquals(0, buf.pinCount(), "the try pins the buffer only while it runs");
            // Callbacks of a future done on the calling thread run on the thread that adds them.
            Thread[] ran = new Thread[1];
            r.thenRun(() -> ran[0] = Thread.currentThread()).join();
            assertSame(Thread.currentThread(), ran[0]);
            // It is jaio's future still: the caller cannot overwrite its result.
            assertThrows(UnsupportedOperationException.class, () -> r.obtrudeValue(7));
        }
    }

    @Test
    void aReadPastTheEndIsShortOnTheCallingThreadAsPreadIs() throws Exception {
        byte[] content = TestFiles.randomBytes(PAGE + 100, 2);
        try (AsyncFile f = AsyncFile.open(engine, file("eof", content), FileOption.READ);
             IoBuffer buf = f.allocateBuffer(2 * PAGE)) {
            FastPathStats before = engine.fastPathStats();
            CompletableFuture<Integer> r = f.read(buf.segment(), PAGE);
            assertTrue(r.isDone());
            assertEquals(100, r.join());
            assertArrayEquals(range(content, PAGE, 100), bytes(buf.segment(), 100));
            assertEquals(0, TestFiles.await(f.read(buf.segment(), 3 * PAGE)), "at or past the end: 0");
            assertEquals(before.nowaitReads() + 2, engine.fastPathStats().nowaitReads());
        }
    }

    @Test
    void aColdReadGoesToTheEngineWholeAndAPartlyCachedOneContinuesThere() throws Exception {
        byte[] content = TestFiles.randomBytes(8 * PAGE, 3);
        try (AsyncFile f = AsyncFile.open(engine, file("cold", content), FileOption.READ, FileOption.WRITE);
             IoBuffer buf = f.allocateBuffer(4 * PAGE)) {
            // The file's first failed try is repeated once to learn its errno, and the repeat may
            // find the page read meanwhile: cold reads until one was tried and went to the engine.
            FastPathStats before = engine.fastPathStats();
            FastPathStats cold = before;
            // On a fast device the read a try starts may also be done before the try looks (a
            // virtio disk the host caches answers in microseconds): so until one was not.
            for (int i = 0; i < 2000 && cold.nowaitReadsBlocked() == before.nowaitReadsBlocked(); i++) {
                dropKernelCache(f);
                buf.segment().fill((byte) 0);
                assertEquals(4 * PAGE, TestFiles.await(f.read(buf.segment(), 0)));
                assertArrayEquals(range(content, 0, 4 * PAGE), bytes(buf.segment(), 4 * PAGE));
                cold = engine.fastPathStats();
            }
            TestFiles.assumeTryMissed(cold.nowaitReadsBlocked() != before.nowaitReadsBlocked());
            assertEquals(before.nowaitReadsBlocked() + 1, cold.nowaitReadsBlocked(), "a cold read went to the engine");

            // A blocked try makes the next read go untried (the back-off), and a try that copies halves it (to 0 here).
            assertEquals(PAGE, TestFiles.await(f.read(buf.segment().asSlice(0, PAGE), 0)));
            FastPathStats skipped = engine.fastPathStats();
            assertEquals(cold.nowaitReadsSkipped() + 1, skipped.nowaitReadsSkipped());
            CompletableFuture<Integer> warm = f.read(buf.segment().asSlice(0, PAGE), 0);
            assertTrue(warm.isDone());
            assertEquals(skipped.nowaitReads() + 1, engine.fastPathStats().nowaitReads());

            // Pages 4 and 5 in the kernel's cache, 6 and 7 not: the try copies two pages, the engine reads the rest.
            // Readahead that a read of 4 or 5 starts may bring 6 and 7 back before the try reaches
            // them (then the try copies all four, also right): RANDOM keeps the kernel's readahead
            // to the request, and the set-up is repeated until a try found 6 and 7 missing.
            f.advise(0, 0, FileAdvice.RANDOM);
            int fd = dev.jaio.internal.file.HandleAccess.openFile(f).fd();
            boolean sawPartial = false;
            String lastSeen = "";
            // The read the try starts for pages 6 and 7 may also be done before it looks, on a
            // fast device (a virtio disk the host caches): hence the attempts.
            for (int attempt = 0; attempt < 200 && !sawPartial; attempt++) {
                // Pages 4 and 5 read into an emptied cache, by themselves: a read of 4..7 may put all
                // four in one large folio (ext4 has them since Linux 6.x), which a DONTNEED of 6..7
                // cannot split, so 6 and 7 would stay cached whatever the loop below does.
                TestFiles.dropFromPageCache(f);
                assertEquals(2 * PAGE, TestFiles.await(f.read(buf.segment().asSlice(0, 2 * PAGE), 4 * PAGE)));
                long tried = engine.fastPathStats().nowaitReads();
                for (int i = 0; i < 2 * 64 && engine.fastPathStats().nowaitReads() == tried; i++) {
                    // Until a try copies (it ends any back-off an earlier blocked try left).
                    assertEquals(PAGE, TestFiles.await(f.read(buf.segment().asSlice(0, PAGE), 4 * PAGE)));
                }
                // DONTNEED skips pages still locked by a readahead the reads above started: drop
                // them until the kernel's cache really lacks them (cachestat), or the read is whole.
                for (int i = 0; i < 1000; i++) {
                    f.advise(6 * PAGE, 2 * PAGE, FileAdvice.DONTNEED);
                    long resident = dev.jaio.internal.linux.Cachestat.residentPages(fd, 6 * PAGE, 2 * PAGE);
                    if (resident <= 0) {
                        break; // gone (or no cachestat: the old behaviour)
                    }
                    Thread.onSpinWait();
                }
                FastPathStats partial = engine.fastPathStats();
                lastSeen = "6-7 resident " + dev.jaio.internal.linux.Cachestat.residentPages(fd, 6 * PAGE, 2 * PAGE)
                        + ", 4-5 resident " + dev.jaio.internal.linux.Cachestat.residentPages(fd, 4 * PAGE, 2 * PAGE);
                buf.segment().fill((byte) 0);
                assertEquals(4 * PAGE, TestFiles.await(f.read(buf.segment(), 4 * PAGE)));
                assertArrayEquals(range(content, 4 * PAGE, 4 * PAGE), bytes(buf.segment(), 4 * PAGE));
                long partials = engine.fastPathStats().nowaitReadsPartial() - partial.nowaitReadsPartial();
                assertTrue(partials <= 1, "one read, at most one partial try: " + partials);
                sawPartial = partials == 1;
                lastSeen += "; before the read " + partial + ", after " + engine.fastPathStats();
            }
            assertTrue(sawPartial, "a try that found pages 4 and 5 cached and 6 and 7 not copied the two and the engine"
                    + " read the rest; the last attempt: " + lastSeen);
            assertEquals(0, buf.pinCount(), "the engine's part released the buffer before the future completed");
        }
    }

    @Test
    void aCachedHitIsCopiedOnTheCallingThreadAndAMissGoesTheRetryWay() throws Exception {
        byte[] content = TestFiles.randomBytes(8 * PAGE, 4);
        try (AsyncFile f = AsyncFile.open(engine, file("cached", content), FileOption.READ, FileOption.CACHED);
             IoBuffer buf = f.allocateBuffer(2 * PAGE)) {
            FastPathStats before = engine.fastPathStats();
            assertEquals(2 * PAGE, TestFiles.await(f.read(buf.segment(), 0)));
            FastPathStats miss = engine.fastPathStats();
            assertEquals(before.cachedFallbacks() + 1, miss.cachedFallbacks(), "a cold page is a miss");
            buf.segment().fill((byte) 0);
            CompletableFuture<Integer> hit = f.read(buf.segment().asSlice(0, PAGE + 10), PAGE - 10);
            assertTrue(hit.isDone(), "every page uptodate: done before read returns");
            assertEquals(PAGE + 10, hit.join());
            assertArrayEquals(range(content, PAGE - 10, PAGE + 10), bytes(buf.segment(), PAGE + 10));
            assertEquals(miss.cachedHits() + 1, engine.fastPathStats().cachedHits());
            assertEquals(0, buf.pinCount());
        }
    }

    @Test
    void writesTriedWithNowaitLandWholeWhateverTheFileSystemSays() throws Exception {
        try (AsyncFile f = AsyncFile.open(engine, file("write", new byte[0]), FileOption.READ, FileOption.WRITE);
             IoBuffer buf = f.allocateBuffer(3 * PAGE)) {
            byte[] content = TestFiles.randomBytes(3 * PAGE, 5);
            MemorySegment.copy(MemorySegment.ofArray(content), 0, buf.segment(), 0, content.length);
            FastPathStats before = engine.fastPathStats();
            for (int i = 0; i < 4; i++) {
                assertEquals(3 * PAGE, TestFiles.await(f.write(buf.segment(), (long) i * 3 * PAGE)));
            }
            FastPathStats after = engine.fastPathStats();
            // ext4 refuses NOWAIT buffered writes (found out once, then not tried); others take them.
            long tried = (after.nowaitWrites() - before.nowaitWrites())
                    + (after.nowaitWritesPartial() - before.nowaitWritesPartial())
                    + (after.nowaitWritesBlocked() - before.nowaitWritesBlocked());
            assertTrue(tried >= 1 && tried <= 4, "tried " + tried);
            assertEquals(4L * 3 * PAGE, f.size());
            byte[] back = Files.readAllBytes(dir.resolve("write"));
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(content, range(back, i * 3 * PAGE, 3 * PAGE));
            }
        }
    }

    @Test
    void aClosedBufferIsRefusedOnTheCallingThreadAndTheFileStillCloses() throws Exception {
        byte[] content = TestFiles.randomBytes(2 * PAGE, 6);
        Path p = file("closedbuf", content);
        for (FileOption mode : new FileOption[] {FileOption.READ, FileOption.CACHED}) {
            AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, mode);
            IoBuffer buf = f.allocateBuffer(PAGE);
            assertEquals(PAGE, TestFiles.await(f.read(buf.segment(), 0))); // warm either cache
            MemorySegment seg = buf.segment();
            buf.close();
            assertThrows(IllegalStateException.class, () -> f.read(seg, 0));
            f.close(); // would wait forever if the refused try had left a request counted in
            assertTrue(f.isClosed());
        }
    }

    @Test
    void withFastPathsOffEveryRequestGoesThroughTheEngine() throws Exception {
        byte[] content = TestFiles.randomBytes(4 * PAGE, 7);
        try (IoEngine off = IoEngine.open(EngineConfig.defaults().withFastPaths(FastPaths.NONE));
             AsyncFile buffered = AsyncFile.open(off, file("off", content), FileOption.READ, FileOption.WRITE);
             AsyncFile cached = AsyncFile.open(off, dir.resolve("off"), FileOption.READ, FileOption.CACHED);
             IoBuffer buf = buffered.allocateBuffer(PAGE)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(PAGE, TestFiles.await(buffered.read(buf.segment(), PAGE)));
                assertEquals(PAGE, TestFiles.await(cached.read(buf.segment(), PAGE)));
                assertEquals(PAGE, TestFiles.await(buffered.write(buf.segment(), 2 * PAGE)));
            }
            assertEquals(new FastPathStats(0, 0, 0, 0, 0, 0, 0, 0, 0), off.fastPathStats());
            assertArrayEquals(range(content, PAGE, PAGE), bytes(buf.segment(), PAGE));
        }
    }
}
