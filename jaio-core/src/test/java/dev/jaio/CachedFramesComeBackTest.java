package dev.jaio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.provider.Engines;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 11, kind 2: on a cache much smaller than its working set, concurrent random reads wait on
 * pages being read by others all the time, and each such wait sets the page's "waiters" bit. A page
 * must never keep that bit (or a reference, or its lock) once no request holds or waits for it:
 * otherwise it can be neither evicted nor dropped, the cache runs out of frames one by one, and a
 * read finally never completes. Here four threads read at random for a few seconds on every
 * engine, every read must complete, and afterwards DONTNEED must drop every frame.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CachedFramesComeBackTest {

    private static final int PAGE = 4096;
    private static final int FILE_SIZE = 8 << 20;
    private static final int READ_SIZE = 16 << 10;
    private static final int THREADS = 4;
    /**
     * 3 s by default. A soak by hand, per engine: {@code ./mvnw -pl jaio-core test
     * -Dtest=CachedFramesComeBackTest -Djaio.soak.seconds=300 -Djunit.jupiter.execution.timeout.mode=disabled}.
     */
    private static final long RUN_SECONDS = Long.getLong("jaio.soak.seconds", 3);
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(RUN_SECONDS);

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("frames");
    }

    @AfterEach
    void tearDown() throws IOException {
        TestFiles.deleteRecursively(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void randomReadsOnATinyCacheLeaveEveryFrameDroppable(String engineName) throws Exception {
        String cause = Engines.byName(engineName).unavailabilityCause();
        assumeTrue(cause == null, () -> engineName + " unavailable: " + cause);
        Path path = dir.resolve("working-set.dat");
        byte[] data = TestFiles.randomBytes(FILE_SIZE, 11);
        java.nio.file.Files.write(path, data);
        // 64 pages: a 16 KiB read at a random offset touches 4 or 5 of them, and 4 threads with
        // readahead ask for many more than the cache holds.
        PageCacheConfig cacheConfig = new PageCacheConfig(64 * PAGE, 64 << 10, ReadaheadPolicy.UPFRONT);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName).withQueueDepth(64)
                .withPageCache(cacheConfig));
             AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long deadline = System.nanoTime() + RUN_NANOS;
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = t;
                threads.add(Thread.ofPlatform().name("reader-" + t).start(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    MemorySegment buf = Arena.ofAuto().allocate(READ_SIZE);
                    try {
                        while (System.nanoTime() - deadline < 0 && failure.get() == null) {
                            long pos = rnd.nextLong(FILE_SIZE - READ_SIZE + 1);
                            int got;
                            try {
                                got = file.read(buf, pos).get(10, TimeUnit.SECONDS);
                            } catch (TimeoutException e) {
                                throw new AssertionError("a cached read of " + READ_SIZE + " bytes at " + pos
                                        + " did not complete within 10 s: " + engine.pageCacheStats(), e);
                            }
                            assertEquals(READ_SIZE, got);
                            if (!Arrays.equals(data, (int) pos, (int) pos + READ_SIZE, buf.toArray(JAVA_BYTE), 0,
                                    READ_SIZE)) {
                                fail("wrong bytes at " + pos);
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e instanceof ExecutionException ee ? ee.getCause() : e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            PageCacheStats s = engine.pageCacheStats();
            assertTrue(s.evictions() > 0 && s.misses() > 0, "the load must overflow the cache: " + s);
            // Every request has ended: no page is locked, held or waited on, so every one goes.
            file.advise(0, 0, FileAdvice.DONTNEED);
            PageCacheStats after = engine.pageCacheStats();
            assertEquals(0, after.residentPages(), "frames still held after every request ended: " + after);
            // And the cache works as new: a read goes to the device again and returns the bytes.
            MemorySegment buf = Arena.ofAuto().allocate(READ_SIZE);
            assertEquals(READ_SIZE, file.read(buf, 12345).get(10, TimeUnit.SECONDS));
            assertArrayEquals(Arrays.copyOfRange(data, 12345, 12345 + READ_SIZE), buf.toArray(JAVA_BYTE));
        }
    }

    /**
     * A request that found every frame busy waits for one to free up. Frames also come free when a
     * request lets go of the pages it copied (they become evictable): that must wake the waiter as
     * a freed frame does. Here a batch context's read holds the whole 16-page cache until its
     * retry runs in getEvents, after the device read's completion has already told the waiting
     * read to look again (it found every page still held, and waited again).
     */
    @org.junit.jupiter.api.Test
    void aReadWaitingForAFrameGoesOnWhenAnotherRequestLetsGoOfItsPages() throws Exception {
        Path path = dir.resolve("starved.dat");
        byte[] data = TestFiles.randomBytes(1 << 20, 12);
        java.nio.file.Files.write(path, data);
        PageCacheConfig cacheConfig = new PageCacheConfig(PageCacheConfig.MIN_BUDGET, 64 << 10, ReadaheadPolicy.UPFRONT);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(64).withPageCache(cacheConfig));
             AsyncFile file = AsyncFile.open(engine, path, FileOption.CACHED);
             IoContext ctx = engine.newContext(8);
             IoBuffer whole = IoBuffer.allocate(PageCacheConfig.MIN_BUDGET, PAGE)) {
            assertTrue(ctx.prepareRead(file, whole.segment(), 0, 1)); // every frame of the cache
            ctx.submit();
            MemorySegment one = Arena.ofAuto().allocate(100);
            var waiting = file.read(one, 512 * 1024 + 7); // no frame: it waits for one
            long[] res = {Long.MIN_VALUE};
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ctx.getEvents(1, 1, 10, TimeUnit.MILLISECONDS, (c, r) -> res[0] = r) == 0) {
                assertTrue(System.nanoTime() - until < 0, "the context's read never completed");
            }
            assertEquals(PageCacheConfig.MIN_BUDGET, res[0]);
            assertArrayEquals(Arrays.copyOf(data, (int) PageCacheConfig.MIN_BUDGET), whole.segment().toArray(JAVA_BYTE));
            try {
                assertEquals(100, waiting.get(10, TimeUnit.SECONDS));
            } catch (TimeoutException e) {
                throw new AssertionError("the read waiting for a frame was never told the pages were let go: "
                        + engine.pageCacheStats(), e);
            }
            assertArrayEquals(Arrays.copyOfRange(data, 512 * 1024 + 7, 512 * 1024 + 107), one.toArray(JAVA_BYTE));
        }
    }

    /**
     * The same on the write path: unaligned writes (their partial pages read first) and random
     * reads share a 64-page cache; writers wait for frames and for the dirty limit, let go of pages
     * they made ahead, and every request must complete. After fsync every page is clean and idle,
     * so DONTNEED drops every frame; the file holds exactly what was written.
     */
    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void writesAndReadsOnATinyCacheLeaveEveryFrameDroppable(String engineName) throws Exception {
        String cause = Engines.byName(engineName).unavailabilityCause();
        assumeTrue(cause == null, () -> engineName + " unavailable: " + cause);
        Path path = dir.resolve("written.dat");
        byte[] model = TestFiles.randomBytes(FILE_SIZE, 13);
        java.nio.file.Files.write(path, model);
        PageCacheConfig cacheConfig = new PageCacheConfig(64 * PAGE, 64 << 10, ReadaheadPolicy.UPFRONT);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName).withQueueDepth(64)
                .withPageCache(cacheConfig));
             AsyncFile file = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long deadline = System.nanoTime() + RUN_NANOS;
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = 100 + t;
                boolean writer = t % 2 == 0;
                int half = t / 2; // writers own disjoint halves of the file
                threads.add(Thread.ofPlatform().name((writer ? "writer-" : "reader-") + t).start(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    MemorySegment buf = Arena.ofAuto().allocate(160 << 10);
                    try {
                        while (System.nanoTime() - deadline < 0 && failure.get() == null) {
                            int len = writer ? 1 + rnd.nextInt(150 << 10) : READ_SIZE;
                            long base = writer ? (long) half * (FILE_SIZE / 2) : 0;
                            long span = writer ? FILE_SIZE / 2 : FILE_SIZE;
                            long pos = base + rnd.nextLong(span - len + 1);
                            MemorySegment slice = buf.asSlice(0, len);
                            if (writer) {
                                byte[] bytes = new byte[len];
                                rnd.nextBytes(bytes);
                                MemorySegment.copy(bytes, 0, slice, JAVA_BYTE, 0, len);
                                synchronized (model) {
                                    System.arraycopy(bytes, 0, model, (int) pos, len);
                                }
                            }
                            try {
                                int got = (writer ? file.write(slice, pos) : file.read(slice, pos))
                                        .get(10, TimeUnit.SECONDS);
                                assertEquals(len, got);
                            } catch (TimeoutException e) {
                                throw new AssertionError((writer ? "a cached write" : "a cached read") + " of " + len
                                        + " bytes at " + pos + " did not complete within 10 s: "
                                        + engine.pageCacheStats(), e);
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e instanceof ExecutionException ee ? ee.getCause() : e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            file.fsync().get(30, TimeUnit.SECONDS);
            file.advise(0, 0, FileAdvice.DONTNEED);
            PageCacheStats after = engine.pageCacheStats();
            assertEquals(0, after.residentPages(), "frames still held after every request ended: " + after);
        }
        assertArrayEquals(model, java.nio.file.Files.readAllBytes(path));
    }

    /**
     * Writes, reads, DSYNC writes, vectored writes, fdatasync and DONTNEED racing truncates, on two
     * handles of one file and a handle of another, in a 16-page cache. Dropping a dirty page (a
     * truncate) lowers the dirty count, which may run throttled writers; those ran on the
     * truncating thread while it still held the file's lock and was halfway through dropping a
     * page, and one of them evicted that very page: its reference was dropped twice
     * ("reference count below zero") and frames or dirty pages were never given back. Every round
     * ends with every request done, fsync and DONTNEED: then no page may stay resident, dirty or
     * under writeback, and the file on disk has the size the cache says.
     */
    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void truncatesRacingWritesOnATinyCacheLeaveEveryCountRight(String engineName) throws Exception {
        String cause = Engines.byName(engineName).unavailabilityCause();
        assumeTrue(cause == null, () -> engineName + " unavailable: " + cause);
        Path p1 = dir.resolve("a");
        Path p2 = dir.resolve("b");
        java.nio.file.Files.write(p1, TestFiles.randomBytes(40 * PAGE + 123, 1));
        java.nio.file.Files.write(p2, TestFiles.randomBytes(10 * PAGE, 2));
        SplittableRandom rnd = new SplittableRandom(42);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName).withQueueDepth(32)
                .withPageCache(PageCacheConfig.defaults().withBudget(PageCacheConfig.MIN_BUDGET)));
             Arena arena = Arena.ofShared();
             AsyncFile a = AsyncFile.open(engine, p1, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile b = AsyncFile.open(engine, p1, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile c = AsyncFile.open(engine, p2, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            AsyncFile[] files = {a, b, c};
            MemorySegment buf = arena.allocate(24 * PAGE);
            buf.fill((byte) 5);
            long deadline = System.nanoTime() + RUN_NANOS;
            int rounds = 0;
            while (System.nanoTime() - deadline < 0) {
                rounds++;
                List<java.util.concurrent.CompletableFuture<?>> pending = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    AsyncFile f = files[rnd.nextInt(files.length)];
                    long off = rnd.nextLong(60 * PAGE);
                    int len = 1 + rnd.nextInt(rnd.nextBoolean() ? PAGE : 20 * PAGE);
                    MemorySegment s = buf.asSlice(rnd.nextInt(PAGE), len);
                    switch (rnd.nextInt(9)) {
                        case 0, 1, 2 -> pending.add(f.read(s, off));
                        case 3, 4 -> pending.add(f.write(s, off));
                        case 5 -> pending.add(f.write(s, off, IoFlags.DSYNC));
                        case 6 -> pending.add(f.writev(new MemorySegment[] {s, buf.asSlice(0, 100)}, off));
                        case 7 -> pending.add(f.fdatasync());
                        default -> f.advise(0, 0, FileAdvice.DONTNEED);
                    }
                    if (rnd.nextInt(40) == 0) {
                        f.truncate(rnd.nextLong(50 * PAGE));
                    }
                }
                for (java.util.concurrent.CompletableFuture<?> f : pending) {
                    try {
                        f.get(20, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        fail("round " + rounds + ": a request did not complete within 20 s: " + engine.pageCacheStats());
                    }
                }
                for (AsyncFile f : files) {
                    f.fsync().get(20, TimeUnit.SECONDS);
                }
                // The cleaner may still hold pages of a pass that began before the syncs (for
                // microseconds): DONTNEED skips a page with a reference, as the kernel's does.
                PageCacheStats st = engine.pageCacheStats();
                for (int turn = 0; turn < 1000 && (turn == 0 || st.residentPages() != 0); turn++) {
                    if (turn > 0) {
                        Thread.sleep(1);
                    }
                    for (AsyncFile f : files) {
                        f.advise(0, 0, FileAdvice.DONTNEED);
                    }
                    st = engine.pageCacheStats();
                }
                assertEquals(0, st.dirtyPages(), "round " + rounds + ": dirty pages counted, none dirty: " + st);
                assertEquals(0, st.writebackPages(), "round " + rounds + ": pages counted under writeback: " + st);
                assertEquals(0, st.residentPages(), "round " + rounds + ": frames kept after every request ended, "
                        + "fsync and DONTNEED: " + st);
                assertEquals(a.size(), java.nio.file.Files.size(p1), "round " + rounds);
                assertEquals(c.size(), java.nio.file.Files.size(p2), "round " + rounds);
            }
        }
    }
}
