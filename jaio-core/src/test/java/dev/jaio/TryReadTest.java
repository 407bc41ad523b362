package dev.jaio;

import static dev.jaio.TestFiles.bytes;
import static dev.jaio.TestFiles.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.internal.linux.AllocationProbe;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AsyncFile#tryRead}: a read done on the calling thread when it cannot wait, else nothing,
 * without a request or a future. What it does is read from {@link IoEngine#fastPathStats()}, the
 * production path's own counters, and from the bytes it copies.
 */
class TryReadTest {

    private static final int PAGE = 4096;

    private Path dir;
    private IoEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("tryread");
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


    @Test
    void aCachedHitIsCopiedAndAMissStartsNothing() throws Exception {
        byte[] content = TestFiles.randomBytes(8 * PAGE, 1);
        try (AsyncFile f = AsyncFile.open(engine, file("cached", content), FileOption.READ, FileOption.CACHED);
             IoBuffer buf = f.allocateBuffer(2 * PAGE)) {
            FastPathStats before = engine.fastPathStats();
            PageCacheStats cacheBefore = engine.pageCacheStats();
            assertEquals(AsyncFile.WOULD_BLOCK, f.tryRead(buf.segment(), 0), "nothing cached yet");
            assertEquals(AsyncFile.WOULD_BLOCK, f.tryRead(buf.segment(), 4 * PAGE));
            Thread.sleep(50); // a readahead started by mistake would have read these pages by now
            assertEquals(AsyncFile.WOULD_BLOCK, f.tryRead(buf.segment(), 0));
            PageCacheStats cacheAfter = engine.pageCacheStats();
            assertEquals(cacheBefore.deviceReads(), cacheAfter.deviceReads(), "a miss reads nothing");
            assertEquals(cacheBefore.readaheadPages(), cacheAfter.readaheadPages(), "and starts no readahead");
            assertEquals(cacheBefore.residentPages(), cacheAfter.residentPages(), "nor takes a page");
            FastPathStats missed = engine.fastPathStats();
            assertEquals(before.cachedFallbacks() + 3, missed.cachedFallbacks());
            assertEquals(before.cachedHits(), missed.cachedHits());

            assertEquals(2 * PAGE, TestFiles.await(f.read(buf.segment(), 0)));
            buf.segment().fill((byte) 0);
            MemorySegment dst = buf.segment().asSlice(0, PAGE + 10);
            assertEquals(PAGE + 10, f.tryRead(dst, PAGE - 10), "every page uptodate: copied here");
            assertArrayEquals(range(content, PAGE - 10, PAGE + 10), bytes(buf.segment(), PAGE + 10));
            assertEquals(missed.cachedHits() + 1, engine.fastPathStats().cachedHits(),
                    "one hit: the read's own pages were misses");
            assertEquals(0, buf.pinCount(), "pinned only while it copies");
            byte[] heap = new byte[100];
            assertEquals(100, f.tryRead(MemorySegment.ofArray(heap), 3 * PAGE), "heap memory: copied as well");
            assertArrayEquals(range(content, 3 * PAGE, 100), heap);
        }
    }

    @Test
    void aMappedDestinationIsNeverDoneHere() throws Exception {
        byte[] content = TestFiles.randomBytes(2 * PAGE, 7);
        Path p = file("mapsrc", content);
        Path m = file("mapdst", new byte[PAGE]);
        try (AsyncFile cached = AsyncFile.open(engine, p, FileOption.READ, FileOption.CACHED);
             AsyncFile buffered = AsyncFile.open(engine, p, FileOption.READ);
             java.nio.channels.FileChannel mc = java.nio.channels.FileChannel.open(m,
                     java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = mc.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, PAGE, arena);
            try (IoBuffer buf = cached.allocateBuffer(PAGE)) {
                assertEquals(PAGE, TestFiles.await(cached.read(buf.segment(), 0))); // cached now
                assertEquals(PAGE, cached.tryRead(buf.segment(), 0));
            }
            assertEquals(AsyncFile.WOULD_BLOCK, cached.tryRead(mapped, 0), "a page fault of the mapping may wait");
            assertEquals(AsyncFile.WOULD_BLOCK, buffered.tryRead(mapped, 0));
            assertEquals(PAGE, TestFiles.await(cached.read(mapped, 0)), "the read does it");
            assertArrayEquals(range(content, 0, PAGE), bytes(mapped, PAGE));
        }
    }

    @Test
    void aPartlyCachedKernelBufferedReadIsLeftWholeToReadWhichDoesNotTryAgain() throws Exception {
        byte[] content = TestFiles.randomBytes(4 * PAGE, 8);
        try (AsyncFile f = AsyncFile.open(engine, file("partial", content), FileOption.READ, FileOption.WRITE);
             IoBuffer buf = f.allocateBuffer(4 * PAGE)) {
            // Rewritten a page at a time into an emptied cache: written at once, the four pages
            // may share one large folio (ext4, Linux 6.x), which a DONTNEED of pages 2-3 cannot split.
            TestFiles.dropFromPageCache(f);
            MemorySegment.copy(MemorySegment.ofArray(content), 0, buf.segment(), 0, 4 * PAGE);
            for (int p = 0; p < 4; p++) {
                assertEquals(PAGE, TestFiles.await(f.write(buf.segment().asSlice((long) p * PAGE, PAGE), (long) p * PAGE)));
            }
            TestFiles.await(f.fsync());
            FastPathStats before = engine.fastPathStats();
            long n = 0;
            FastPathStats partial = before;
            // Pages 0-1 in the kernel's page cache, 2-3 dropped (retried: a drop can race the
            // file's first try, whose errno probe may read the page back).
            // (And the readahead the try starts for pages 2-3 may be done before it looks, on a fast device.)
            for (int i = 0; i < 2000 && partial.nowaitReadsPartial() == before.nowaitReadsPartial(); i++) {
                assertEquals(2 * PAGE, f.tryRead(buf.segment().asSlice(0, 2 * PAGE), 0));
                f.advise(2 * PAGE, 2 * PAGE, FileAdvice.DONTNEED);
                n = f.tryRead(buf.segment(), 0);
                partial = engine.fastPathStats();
            }
            TestFiles.assumeTryMissed(partial.nowaitReadsPartial() != before.nowaitReadsPartial());
            assertEquals(AsyncFile.WOULD_BLOCK, n, "part of it only: not done here");
            assertEquals(before.nowaitReadsPartial() + 1, partial.nowaitReadsPartial());
            buf.segment().fill((byte) 0);
            assertEquals(4 * PAGE, TestFiles.await(f.read(buf.segment(), 0)), "the read does it whole");
            assertArrayEquals(content, bytes(buf.segment(), 4 * PAGE));
            FastPathStats after = engine.fastPathStats();
            assertEquals(partial.nowaitReadsSkipped() + 1, after.nowaitReadsSkipped(), "without a second try");
            assertEquals(partial.nowaitReadsPartial(), after.nowaitReadsPartial());
        }
    }

    @Test
    void aCachedReadPastTheEndOrLongerThanTheHitLimitIsLeftToRead() throws Exception {
        byte[] content = TestFiles.randomBytes(20 * PAGE + 100, 2);
        try (AsyncFile f = AsyncFile.open(engine, file("cachedeof", content), FileOption.READ, FileOption.CACHED);
             IoBuffer buf = f.allocateBuffer(17 * PAGE)) {
            MemorySegment whole = buf.segment();
            assertEquals(17 * PAGE, TestFiles.await(f.read(whole.asSlice(0, 17 * PAGE), 0)));
            assertEquals(3 * PAGE + 100, TestFiles.await(f.read(whole, 17 * PAGE)));
            assertEquals(16 * PAGE, f.tryRead(whole.asSlice(0, 16 * PAGE), 0), "64 KiB: the longest hit");
            assertArrayEquals(range(content, 0, 16 * PAGE), bytes(whole, 16 * PAGE));
            assertEquals(AsyncFile.WOULD_BLOCK, f.tryRead(whole.asSlice(0, 16 * PAGE + 1), 0), "over 64 KiB");
            assertEquals(100, f.tryRead(whole.asSlice(0, 100), 20 * PAGE), "up to the end: all hits");
            assertEquals(AsyncFile.WOULD_BLOCK, f.tryRead(whole.asSlice(0, 200), 20 * PAGE),
                    "past the end the cache knows: the read says how much there is");
            assertEquals(100, TestFiles.await(f.read(whole.asSlice(0, 200), 20 * PAGE)));
        }
    }

    @Test
    void aWarmKernelBufferedReadIsDoneAndAColdOneIsLeftToReadWhichDoesNotTryAgain() throws Exception {
        byte[] content = TestFiles.randomBytes(8 * PAGE + 100, 3);
        try (AsyncFile f = AsyncFile.open(engine, file("buffered", content), FileOption.READ, FileOption.WRITE);
             IoBuffer buf = f.allocateBuffer(4 * PAGE)) {
            FastPathStats before = engine.fastPathStats();
            assertEquals(4 * PAGE, f.tryRead(buf.segment(), PAGE), "written just now: in the kernel's page cache");
            assertArrayEquals(range(content, PAGE, 4 * PAGE), bytes(buf.segment(), 4 * PAGE));
            assertEquals(100, f.tryRead(buf.segment(), 8 * PAGE), "short only at the end of the file");
            assertEquals(0, f.tryRead(buf.segment(), 9 * PAGE), "0 past it, as pread");
            assertEquals(before.nowaitReads() + 3, engine.fastPathStats().nowaitReads());

            // Cold: the kernel's page cache dropped. The file's first failed try is repeated once to
            // learn its errno, and the repeat may find the page read meanwhile: drop until one blocks.
            FastPathStats cold = engine.fastPathStats();
            long n = 0;
            // On a fast device the read the try starts may be done before the try looks (a
            // virtio disk the host caches answers in microseconds): drop and try until it is not.
            for (int i = 0; i < 2000; i++) {
                TestFiles.dropFromPageCache(f);
                n = f.tryRead(buf.segment(), 0);
                if (n == AsyncFile.WOULD_BLOCK) {
                    break;
                }
            }
            TestFiles.assumeTryMissed(n == AsyncFile.WOULD_BLOCK);
            assertEquals(AsyncFile.WOULD_BLOCK, n, "a cold read would wait for the disk");
            FastPathStats blocked = engine.fastPathStats();
            assertTrue(blocked.nowaitReadsBlocked() > cold.nowaitReadsBlocked());
            buf.segment().fill((byte) 0);
            assertEquals(4 * PAGE, TestFiles.await(f.read(buf.segment(), 0)));
            assertArrayEquals(range(content, 0, 4 * PAGE), bytes(buf.segment(), 4 * PAGE));
            FastPathStats after = engine.fastPathStats();
            assertEquals(blocked.nowaitReadsSkipped() + 1, after.nowaitReadsSkipped(),
                    "the read after a blocked try goes to the engine untried (the back-off)");
            assertEquals(blocked.nowaitReadsBlocked(), after.nowaitReadsBlocked());
        }
    }

    @Test
    void directHeapAndFastPathsOffAreNeverDoneHere() throws Exception {
        byte[] content = TestFiles.randomBytes(4 * PAGE, 4);
        Path p = file("never", content);
        try (AsyncFile direct = AsyncFile.open(engine, p, FileOption.READ, FileOption.DIRECT);
             AsyncFile buffered = AsyncFile.open(engine, p, FileOption.READ);
             IoBuffer buf = direct.allocateBuffer(PAGE)) {
            assertEquals(PAGE, TestFiles.await(direct.read(buf.segment(), 0)));
            assertEquals(AsyncFile.WOULD_BLOCK, direct.tryRead(buf.segment(), 0), "O_DIRECT always waits for the disk");
            assertEquals(AsyncFile.WOULD_BLOCK, buffered.tryRead(MemorySegment.ofArray(new byte[PAGE]), 0),
                    "a heap segment: the kernel cannot write into it");
        }
        try (IoEngine off = IoEngine.open(EngineConfig.defaults().withFastPaths(FastPaths.NONE));
             AsyncFile buffered = AsyncFile.open(off, p, FileOption.READ);
             AsyncFile cached = AsyncFile.open(off, p, FileOption.READ, FileOption.CACHED);
             IoBuffer buf = buffered.allocateBuffer(PAGE)) {
            for (int i = 0; i < 2; i++) {
                assertEquals(PAGE, TestFiles.await(cached.read(buf.segment(), 0)));
                assertEquals(AsyncFile.WOULD_BLOCK, cached.tryRead(buf.segment(), 0));
                assertEquals(AsyncFile.WOULD_BLOCK, buffered.tryRead(buf.segment(), 0));
            }
            assertEquals(new FastPathStats(0, 0, 0, 0, 0, 0, 0, 0, 0), off.fastPathStats());
        }
    }

    @Test
    void badArgumentsAreRefusedAsReadRefusesThemAndAClosedFileIsLeftToRead() throws Exception {
        Path p = file("bad", TestFiles.randomBytes(2 * PAGE, 5));
        try (AsyncFile writeOnly = AsyncFile.open(engine, p, FileOption.WRITE);
             AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.CACHED);
             Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(PAGE);
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> f.tryRead(seg, -4096));
            assertTrue(negative.getMessage().contains("negative offset -4096") && negative.getMessage().contains("bad"),
                    negative.getMessage());
            assertThrows(IllegalArgumentException.class, () -> f.tryRead(seg.asReadOnly(), 0));
            IllegalStateException notReadable = assertThrows(IllegalStateException.class, () -> writeOnly.tryRead(seg, 0));
            assertTrue(notReadable.getMessage().contains("not open for reading"), notReadable.getMessage());
            IoBuffer freed = f.allocateBuffer(PAGE);
            MemorySegment gone = freed.segment();
            freed.close();
            assertThrows(IllegalStateException.class, () -> f.tryRead(gone, 0));
        }
        AsyncFile closed = AsyncFile.open(engine, p, FileOption.READ, FileOption.CACHED);
        try (IoBuffer buf = closed.allocateBuffer(PAGE)) {
            assertEquals(PAGE, TestFiles.await(closed.read(buf.segment(), 0)));
            closed.close();
            assertEquals(AsyncFile.WOULD_BLOCK, closed.tryRead(buf.segment(), 0), "closed: nothing done here");
            assertInstanceOf(FileClosedException.class, TestFiles.failureOf(closed.read(buf.segment(), 0)),
                    "the read says why");
        }
    }

    /** The point of tryRead: a hit costs the copy and nothing on the heap, once the JIT has compiled it. */
    @Test
    void hitsAllocateNothing() throws Exception {
        byte[] content = TestFiles.randomBytes(16 * PAGE, 6);
        Path p = file("noalloc", content);
        try (AsyncFile cached = AsyncFile.open(engine, p, FileOption.READ, FileOption.CACHED);
             AsyncFile buffered = AsyncFile.open(engine, p, FileOption.READ);
             IoBuffer buf = cached.allocateBuffer(PAGE)) {
            for (int i = 0; i < 16; i++) {
                assertEquals(PAGE, TestFiles.await(cached.read(buf.segment(), (long) i * PAGE)));
            }
            MemorySegment seg = buf.segment();
            long[] sum = new long[1];
            AllocationProbe.assertSteadyStateAllocationFree(() -> {
                for (int i = 0; i < 2000; i++) {
                    long at = (long) (i & 15) * PAGE;
                    sum[0] += cached.tryRead(seg, at) + buffered.tryRead(seg, at);
                }
            });
            assertTrue(sum[0] > 0);
            assertEquals(PAGE, cached.tryRead(seg, 5 * PAGE));
            assertArrayEquals(range(content, 5 * PAGE, PAGE), bytes(seg, PAGE));
        }
    }
}
