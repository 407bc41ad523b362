package dev.jaio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A CACHED file's pages outlive its last close, as the kernel's page cache outlives the last close
 * of an inode: a reopen of the unchanged file reads them as hits; a file changed in between (by
 * anyone, in any way: rewritten in place at the same size, truncated, replaced by a new file,
 * written through a handle that is not CACHED) is read afresh from the disk.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CachedKeptPagesTest {

    private static final int PAGE = 4096;
    private static final int PAGES = 16;

    private Path dir;
    private IoEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("kept");
        engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(64)
                .withPageCache(PageCacheConfig.defaults().withBudget(PageCacheConfig.MIN_BUDGET)));
    }

    @AfterEach
    void tearDown() throws IOException {
        engine.close();
        TestFiles.deleteRecursively(dir);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Opens {@code p} CACHED, reads it whole, closes it; returns the bytes read. */
    private byte[] readWhole(IoEngine e, Path p) throws Exception {
        try (AsyncFile f = AsyncFile.open(e, p, FileOption.READ, FileOption.CACHED); Arena arena = Arena.ofShared()) {
            int size = (int) f.size();
            MemorySegment buf = arena.allocate(Math.max(1, size), PAGE);
            int n = f.read(buf.asSlice(0, size), 0).get(30, TimeUnit.SECONDS);
            assertEquals(size, n);
            return buf.asSlice(0, size).toArray(JAVA_BYTE);
        }
    }

    @Test
    void aReopenOfTheUnchangedFileHitsThePagesItsLastCloseLeft() throws Exception {
        Path p = dir.resolve("a");
        byte[] data = random(PAGES * PAGE, 1);
        Files.write(p, data);
        assertArrayEquals(data, readWhole(engine, p));
        PageCacheStats closed = engine.pageCacheStats();
        assertEquals(1, closed.keptFiles(), closed::toString);
        assertTrue(closed.residentPages() >= PAGES, closed::toString);

        assertArrayEquals(data, readWhole(engine, p));
        PageCacheStats again = engine.pageCacheStats();
        assertEquals(closed.deviceReads(), again.deviceReads(), "the reopen read from the disk: " + again);
        assertEquals(closed.misses(), again.misses(), again::toString);
        assertTrue(again.hits() >= closed.hits() + PAGES, again::toString);
    }

    @Test
    void aFileRewrittenInPlaceAtTheSameSizeIsReadAfresh() throws Exception {
        Path p = dir.resolve("b");
        Files.write(p, random(PAGES * PAGE, 2));
        readWhole(engine, p);
        // Same size, same inode, written at once after the close: only the times tell.
        byte[] changed = random(PAGES * PAGE, 3);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(changed), 0);
        }
        assertArrayEquals(changed, readWhole(engine, p));
    }

    /**
     * The reviewer's case: pages read while the file was open, then changed in place by another
     * process before the close. The version at close matches the changed file, so it must not be
     * what the pages are checked against: the file changed while open, and they are dropped.
     */
    @Test
    void aRewriteWhileTheFileIsOpenIsSeenAfterTheReopen() throws Exception {
        Path p = dir.resolve("open-rewrite");
        Files.write(p, random(PAGES * PAGE, 20));
        byte[] changed = random(PAGES * PAGE, 21);
        try (AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.CACHED); Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(PAGES * PAGE, PAGE);
            assertEquals(PAGES * PAGE, f.read(buf, 0).get(30, TimeUnit.SECONDS));
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(changed), 0);
            }
        }
        assertEquals(0, engine.pageCacheStats().keptFiles(), "changed while open: not kept");
        assertArrayEquals(changed, readWhole(engine, p));
    }

    @Test
    void everyRewriteRightAfterACloseIsSeen() throws Exception {
        Path p = dir.resolve("c");
        Files.write(p, random(PAGE, 4));
        for (int i = 0; i < 50; i++) {
            readWhole(engine, p);
            byte[] next = random(PAGE, 100 + i);
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(next), 0);
            }
            assertArrayEquals(next, readWhole(engine, p), "rewrite " + i);
        }
    }

    @Test
    void aTruncatedOrReplacedFileIsReadAfresh() throws Exception {
        Path p = dir.resolve("d");
        Files.write(p, random(PAGES * PAGE, 5));
        readWhole(engine, p);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(3 * PAGE + 17);
        }
        byte[] cut = readWhole(engine, p);
        assertEquals(3 * PAGE + 17, cut.length);

        // Deleted and made again (the inode number may well be reused), same size as before.
        byte[] fresh = random(3 * PAGE + 17, 6);
        Files.delete(p);
        Files.write(p, fresh);
        assertArrayEquals(fresh, readWhole(engine, p));
    }

    @Test
    void aWriteThroughAHandleThatIsNotCachedIsSeenAfterTheReopen() throws Exception {
        Path p = dir.resolve("e");
        byte[] data = random(PAGES * PAGE, 7);
        Files.write(p, data);
        readWhole(engine, p);
        byte[] patch = random(PAGE, 8);
        try (AsyncFile f = AsyncFile.open(engine, p, FileOption.WRITE, FileOption.DIRECT); Arena arena = Arena.ofShared()) {
            MemorySegment b = arena.allocate(PAGE, PAGE);
            b.copyFrom(MemorySegment.ofArray(patch));
            assertEquals(PAGE, f.write(b, 5L * PAGE).get(30, TimeUnit.SECONDS));
        }
        System.arraycopy(patch, 0, data, 5 * PAGE, PAGE);
        assertArrayEquals(data, readWhole(engine, p));
    }

    /**
     * A file jaio wrote changed while it was open, as any change does: its pages are not kept (the
     * version at close is not the one at open), and the reopen reads what the close wrote back.
     */
    @Test
    void aFileWrittenThroughTheCacheIsOnDiskAndReadAfreshAfterTheReopen() throws Exception {
        Path p = dir.resolve("f");
        byte[] data = random(PAGES * PAGE, 9);
        try (AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE, FileOption.CREATE, FileOption.CACHED);
                Arena arena = Arena.ofShared()) {
            MemorySegment b = arena.allocate(data.length, PAGE);
            b.copyFrom(MemorySegment.ofArray(data));
            assertEquals(data.length, f.write(b, 0).get(30, TimeUnit.SECONDS));
        }
        assertArrayEquals(data, Files.readAllBytes(p), "the close wrote the pages back");
        PageCacheStats closed = engine.pageCacheStats();
        assertEquals(0, closed.keptFiles(), closed::toString);
        assertArrayEquals(data, readWhole(engine, p));
        assertTrue(engine.pageCacheStats().deviceReads() > closed.deviceReads(), "read afresh");
    }

    @Test
    void anotherEngineTakesAKeptFileOverAndReadsItsBytes() throws Exception {
        Path p = dir.resolve("g");
        byte[] data = random(PAGES * PAGE, 10);
        Files.write(p, data);
        readWhole(engine, p);
        assertEquals(1, engine.pageCacheStats().keptFiles());
        try (IoEngine other = IoEngine.open(EngineConfig.defaults().withQueueDepth(16)
                .withPageCache(PageCacheConfig.defaults().withBudget(PageCacheConfig.MIN_BUDGET)))) {
            assertArrayEquals(data, readWhole(other, p));
            assertEquals(0, engine.pageCacheStats().keptFiles(), "the file moved: its old pages went");
            assertEquals(1, other.pageCacheStats().keptFiles());
        }
        // And back: the first engine reads it afresh (the other closed, its cache is gone).
        assertArrayEquals(data, readWhole(engine, p));
    }

    @Test
    void closedFilesNeverOutnumberTheFramesAndEmptiedOnesLeave() throws Exception {
        long frames = PageCacheConfig.MIN_BUDGET / PAGE; // the cache is made at the first CACHED open
        int files = (int) frames * 2;
        byte[] page = random(PAGE, 11);
        for (int i = 0; i < files; i++) {
            Path p = dir.resolve("many" + i);
            page[0] = (byte) i;
            page[1] = (byte) (i >> 8);
            Files.write(p, page);
            byte[] got = readWhole(engine, p);
            assertEquals((byte) i, got[0]);
            assertEquals((byte) (i >> 8), got[1]);
            PageCacheStats s = engine.pageCacheStats();
            assertTrue(s.keptFiles() <= frames, s::toString);
        }
        PageCacheStats s = engine.pageCacheStats();
        assertTrue(s.evictions() > 0, "the files overflowed the cache: " + s);
        // Every kept file holds a page (one emptied by eviction leaves at the next open or close).
        assertTrue(s.keptFiles() <= s.residentPages() + 1, s::toString);
        // The first files were evicted: read afresh, with their own bytes.
        for (int i = 0; i < 4; i++) {
            byte[] got = readWhole(engine, dir.resolve("many" + i));
            assertEquals((byte) i, got[0]);
        }
    }

    @Test
    void anEmptyFileIsNotKept() throws Exception {
        Path p = dir.resolve("h");
        Files.write(p, new byte[0]);
        try (AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.CACHED)) {
            assertEquals(0, f.size());
        }
        assertEquals(0, engine.pageCacheStats().keptFiles());
    }

    /**
     * Threads open, read and close files at random (sharing handles of one file at times) while
     * another rewrites them (never during a read of the same file, so each read has one right
     * answer), with a cache far smaller than the files: kept files come and go under eviction,
     * reopens race closes, and every read returns the file's current bytes.
     */
    @Test
    void opensClosesRewritesAndEvictionRacingAlwaysReadTheCurrentBytes() throws Exception {
        int n = 40;
        Path[] paths = new Path[n];
        byte[][] current = new byte[n][];
        ReentrantReadWriteLock[] locks = new ReentrantReadWriteLock[n];
        for (int i = 0; i < n; i++) {
            paths[i] = dir.resolve("race" + i);
            current[i] = random(PAGE * (1 + i % 3), 1000 + i);
            Files.write(paths[i], current[i]);
            locks[i] = new ReentrantReadWriteLock();
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] readers = new Thread[4];
        for (int t = 0; t < readers.length; t++) {
            readers[t] = Thread.ofPlatform().start(() -> {
                try {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int k = 0; k < 400 && failure.get() == null; k++) {
                        int i = r.nextInt(n);
                        locks[i].readLock().lock();
                        try {
                            assertArrayEquals(current[i], readWhole(engine, paths[i]), "file " + i);
                        } finally {
                            locks[i].readLock().unlock();
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
        }
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int k = 0; k < 150 && failure.get() == null; k++) {
                    int i = r.nextInt(n);
                    locks[i].writeLock().lock();
                    try {
                        byte[] next = random(PAGE * (1 + r.nextInt(3)), r.nextLong());
                        try (FileChannel ch = FileChannel.open(paths[i], StandardOpenOption.WRITE,
                                StandardOpenOption.TRUNCATE_EXISTING)) {
                            ch.write(ByteBuffer.wrap(next), 0);
                        }
                        current[i] = next;
                    } finally {
                        locks[i].writeLock().unlock();
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        for (Thread t : readers) {
            t.join();
        }
        writer.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        PageCacheStats s = engine.pageCacheStats();
        assertTrue(s.evictions() > 0 && s.keptFiles() <= s.capacityPages(), s::toString);
    }
}
