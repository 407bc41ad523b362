package dev.jaio;

import static dev.jaio.TestFiles.await;
import static dev.jaio.TestFiles.randomBytes;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jaio.internal.linux.Errno;
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
 * What jaio's cache promises about durability, checked against a recording engine
 * ({@link RecordingEngine}): write errors injected during writeback reach the next sync and leave
 * the pages dirty; and after a simulated crash at a random moment, every write that completed with
 * O_DSYNC, or that a completed fsync covered, is on the "disk", and no byte holds anything but a
 * value some write gave it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CachedWriteDurabilityTest {

    private static final int PAGE = 4096;

    private Path dir;
    private IoEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("durability");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (engine != null) {
            engine.close();
        }
        TestFiles.deleteRecursively(dir);
    }

    private static String engineName() {
        return IoEngine.autoChoice().name();
    }



    @Test
    void writebackErrorsReachTheNextSyncOfEveryHandleOnceAndLeaveThePagesDirty() throws Exception {
        RecordingEngine rec = new RecordingEngine(engineName());
        engine = rec.open(EngineConfig.defaults().withQueueDepth(64));
        Path path = dir.resolve("eio");
        byte[] model = randomBytes(16 * PAGE, 1);
        Files.write(path, model);
        try (AsyncFile a = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile b = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            byte[] data = randomBytes(10 * PAGE, 2);
            await(a.write(MemorySegment.ofArray(data), 0));
            System.arraycopy(data, 0, model, 0, data.length);
            rec.failWrites(5L * PAGE, 6L * PAGE, Errno.EIO);

            IoOperationException e = assertInstanceOf(IoOperationException.class,
                    assertThrows(Exception.class, () -> await(a.fsync())));
            assertEquals("EIO", e.errnoName());
            assertTrue(e.offset() >= 0 && e.offset() <= 5L * PAGE && e.getMessage().contains("at offset"),
                    "names where the writeback failed: " + e.getMessage());
            assertTrue(e.getMessage().startsWith("fsync " + path), e.getMessage());
            assertTrue(rec.failedWrites() > 0);
            PageCacheStats s = engine.pageCacheStats();
            assertTrue(s.writeErrors() > 0, s.toString());
            assertTrue(s.dirtyPages() > 0, "the failed pages are not silently clean: " + s);
            // The device recovers. b's next sync writes the pages that failed, and still reports
            // the error, which b has not seen; a has seen it, and its next sync succeeds.
            rec.failWrites(0, 0, 0);
            IoOperationException eb = assertInstanceOf(IoOperationException.class,
                    assertThrows(Exception.class, () -> await(b.fdatasync())));
            assertEquals("EIO", eb.errnoName());
            await(a.fsync());
            await(b.fsync());
            assertEquals(0, engine.pageCacheStats().dirtyPages());
            assertArrayEquals(model, Files.readAllBytes(path));

            // ENOSPC on an O_DSYNC write: the write fails with it, its bytes stay in the cache.
            rec.failWrites(12L * PAGE, 13L * PAGE, Errno.ENOSPC);
            byte[] more = randomBytes(PAGE, 3);
            IoOperationException en = assertInstanceOf(IoOperationException.class,
                    assertThrows(Exception.class, () -> await(a.write(MemorySegment.ofArray(more), 12L * PAGE,
                            IoFlags.DSYNC))));
            assertEquals("ENOSPC", en.errnoName());
            System.arraycopy(more, 0, model, 12 * PAGE, PAGE);
            MemorySegment back = Arena.ofAuto().allocate(PAGE);
            assertEquals(PAGE, await(b.read(back, 12L * PAGE)));
            assertArrayEquals(more, back.toArray(JAVA_BYTE), "a failed writeback loses nothing in the cache");
            rec.failWrites(0, 0, 0);
            assertThrows(Exception.class, () -> await(b.fsync()), "b sees the ENOSPC once too");
            await(b.fsync());
            assertArrayEquals(model, Files.readAllBytes(path));
        }
    }

    @Test
    void oSyncWritersToDifferentRangesOfOneFileDoNotWaitForEachOther() throws Exception {
        RecordingEngine rec = new RecordingEngine(engineName());
        engine = rec.open(EngineConfig.defaults().withQueueDepth(64));
        Path path = dir.resolve("ranges");
        Files.write(path, randomBytes(64 * PAGE, 4));
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED,
                FileOption.SYNC)) {
            rec.holdWrites(0, 8L * PAGE); // the device "takes its time" with the first range
            byte[] a = randomBytes(8 * PAGE, 5);
            CompletableFuture<Integer> first = f.write(MemorySegment.ofArray(a), 0);
            // A writer of another range goes through its own writeback and wait meanwhile.
            for (int i = 0; i < 4; i++) {
                assertEquals(PAGE, await(f.write(MemorySegment.ofArray(randomBytes(PAGE, 6 + i)), (20L + i) * PAGE)));
            }
            Thread.sleep(50);
            assertTrue(!first.isDone(), "the first writer still waits for its pages' writeback");
            rec.release();
            assertEquals(8 * PAGE, await(first));
            assertArrayEquals(a, Arrays.copyOf(Files.readAllBytes(path), 8 * PAGE));
        }
    }

    @Test
    void retriesNeverWriteAPageTwiceAndAPageRedirtiedDuringItsWritebackIsWrittenAgain() throws Exception {
        RecordingEngine rec = new RecordingEngine(engineName());
        engine = rec.open(EngineConfig.defaults().withQueueDepth(64));
        Path path = dir.resolve("retries");
        byte[] model = randomBytes(16 * PAGE, 13);
        Files.write(path, model);
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            rec.holdWrites(0, 4L * PAGE);
            byte[] a = randomBytes(4 * PAGE, 14);
            CompletableFuture<Integer> first = f.write(MemorySegment.ofArray(a), 0, IoFlags.DSYNC);
            System.arraycopy(a, 0, model, 0, a.length);
            // A second O_DSYNC write into page 2 while the first one's writeback of it is in flight:
            // it dirties page 2 again and must wait for that writeback, then write the page itself.
            byte[] b = randomBytes(100, 15);
            CompletableFuture<Integer> second = f.write(MemorySegment.ofArray(b), 2L * PAGE + 10, IoFlags.DSYNC);
            System.arraycopy(b, 0, model, 2 * PAGE + 10, b.length);
            Thread.sleep(20);
            assertTrue(!first.isDone() && !second.isDone(), "both wait for the held writeback");
            PageCacheStats during = engine.pageCacheStats();
            assertEquals(1, during.deviceWrites(), "the first write's 4 adjacent pages: one device write so far");
            rec.release();
            assertEquals(4 * PAGE, await(first));
            assertEquals(100, await(second));
            PageCacheStats after = engine.pageCacheStats();
            assertEquals(2, after.deviceWrites(), "one device write each, whatever number of retries ran: " + after);
            assertEquals(5, after.pagesWritten(), "4 pages, then page 2 again (dirtied during its writeback)");
            assertTrue(after.retries() >= 2, after.toString());
            assertArrayEquals(model, Files.readAllBytes(path));
        }
    }

    @Test
    void dirtyPagesExpireAndTheCleanerWritesThemBackWithoutASync() throws Exception {
        engine = IoEngine.open(EngineConfig.defaults().withPageCache(PageCacheConfig.defaults()
                .withDirtyLimits(new PageCacheConfig.DirtyLimits(10, 20, 100))));
        Path path = dir.resolve("expire");
        byte[] model = randomBytes(8 * PAGE, 7);
        Files.write(path, model);
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            byte[] a = randomBytes(3 * PAGE, 8);
            await(f.write(MemorySegment.ofArray(a), PAGE));
            System.arraycopy(a, 0, model, PAGE, a.length);
            assertEquals(3, engine.pageCacheStats().dirtyPages(), "well under the background threshold");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((engine.pageCacheStats().dirtyPages() > 0 || engine.pageCacheStats().writebackPages() > 0)
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, engine.pageCacheStats().dirtyPages(), "expired pages are written back");
            assertEquals(0, engine.pageCacheStats().writebackPages());
            assertArrayEquals(model, Files.readAllBytes(path), "the kernel reads them from the file, no sync needed");
            assertEquals(0, engine.pageCacheStats().flushes(), "written back, not synced");
        }
    }

    @Test
    void fsyncCompletesWhileWritersStreamIntoItsRange() throws Exception {
        engine = IoEngine.open(EngineConfig.defaults());
        Path path = dir.resolve("stream");
        Files.write(path, randomBytes(64 * PAGE, 9));
        try (AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            await(f.write(MemorySegment.ofArray(randomBytes(64 * PAGE, 10)), 0));
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread writer = Thread.ofPlatform().start(() -> {
                SplittableRandom rnd = new SplittableRandom(11);
                byte[] page = randomBytes(PAGE, 12);
                while (!stop.get()) {
                    f.write(MemorySegment.ofArray(page), (long) rnd.nextInt(64) * PAGE).join();
                }
            });
            try {
                for (int i = 0; i < 5; i++) {
                    long t0 = System.nanoTime();
                    await(f.fsync());
                    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "fsync " + i + " took too long");
                }
            } finally {
                stop.set(true);
                writer.join();
            }
        }
    }

    /** One step of the workload: a write (maybe O_DSYNC) or an fsync. */
    private record Op(int kind, long pos, byte[] data) {
        static final int WRITE = 0;
        static final int DSYNC_WRITE = 1;
        static final int FSYNC = 2;
    }

    @Test
    void afterACrashAtARandomMomentEverySyncedWriteIsThereAndNothingElseIsGarbage() throws Exception {
        SplittableRandom rnd = new SplittableRandom(42);
        int size = 48 * PAGE;
        for (int trial = 0; trial < 12; trial++) {
            RecordingEngine rec = new RecordingEngine(engineName());
            // A small cache: the cleaner and eviction write pages back on their own.
            try (IoEngine e = rec.open(EngineConfig.defaults().withQueueDepth(64)
                    .withPageCache(PageCacheConfig.defaults().withBudget(24 * PAGE)))) {
                Path path = dir.resolve("crash" + trial);
                byte[] initial = randomBytes(size, 100 + trial);
                Files.write(path, initial);
                try (var ch = java.nio.channels.FileChannel.open(path, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                List<Op> done = new ArrayList<>();
                // versions[b]: the ops that wrote byte b, in order; promised[b]: how many of them are
                // certainly durable (the last promised one must be there, or a later one).
                int[] promisedUpTo = new int[size];
                List<List<Integer>> versions = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    versions.add(null);
                }
                int ops = 20 + rnd.nextInt(60);
                int crashAt = rnd.nextInt(ops);
                long moment = -1;
                try (AsyncFile f = AsyncFile.open(e, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
                    // writes done since the last fsync started, per op index
                    for (int i = 0; i < ops; i++) {
                        int kind = rnd.nextInt(10) < 6 ? Op.WRITE : rnd.nextInt(10) < 7 ? Op.DSYNC_WRITE : Op.FSYNC;
                        Op op;
                        CompletableFuture<?> fut;
                        if (kind == Op.FSYNC) {
                            op = new Op(kind, 0, null);
                            fut = f.fsync();
                        } else {
                            int len = 1 + rnd.nextInt(3 * PAGE);
                            long pos = rnd.nextInt(size - len);
                            byte[] data = randomBytes(len, rnd.nextLong());
                            op = new Op(kind, pos, data);
                            fut = f.write(MemorySegment.ofArray(data), pos, kind == Op.DSYNC_WRITE ? IoFlags.DSYNC : 0);
                        }
                        if (i == crashAt) {
                            moment = rec.now(); // the crash: this op is still in flight
                        }
                        await(fut);
                        done.add(op);
                        int id = done.size(); // 1-based
                        boolean crashed = i == crashAt; // its bytes may be there, but nothing is promised
                        if (kind == Op.FSYNC) {
                            if (crashed) {
                                break;
                            }
                            for (int b = 0; b < size; b++) {
                                List<Integer> v = versions.get(b);
                                if (v != null) {
                                    promisedUpTo[b] = v.size();
                                }
                            }
                        } else {
                            for (int b = (int) op.pos; b < op.pos + op.data.length; b++) {
                                List<Integer> v = versions.get(b);
                                if (v == null) {
                                    v = new ArrayList<>();
                                    versions.set(b, v);
                                }
                                v.add(id);
                                if (kind == Op.DSYNC_WRITE && !crashed) {
                                    promisedUpTo[b] = v.size();
                                }
                            }
                            if (crashed) {
                                break;
                            }
                        }
                    }
                    if (moment < 0) {
                        moment = rec.now();
                    }
                    SplittableRandom keep = new SplittableRandom(trial);
                    byte[] image = rec.crashImage(initial, moment, keep::nextBoolean);
                    for (int b = 0; b < size; b++) {
                        List<Integer> v = versions.get(b);
                        int promised = promisedUpTo[b];
                        // allowed: the promised version (or the initial byte if none) and every later one
                        byte got = b < image.length ? image[b] : 0;
                        boolean ok = promised == 0 && got == initial[b];
                        if (v != null) {
                            for (int k = Math.max(0, promised - 1); k < v.size() && !ok; k++) {
                                Op w = done.get(v.get(k) - 1);
                                ok = w.data[(int) (b - w.pos)] == got;
                            }
                        }
                        if (!ok) {
                            fail("trial " + trial + ": byte " + b + " after a crash at op " + crashAt + " of " + ops
                                    + " holds " + got + "; promised version " + promised + " of " + v);
                        }
                    }
                }
            }
        }
    }
}
