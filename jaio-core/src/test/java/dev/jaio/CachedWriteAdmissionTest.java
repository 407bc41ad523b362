package dev.jaio;

import static dev.jaio.TestFiles.await;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A CACHED write is one the file system has agreed to hold before it is accepted (issue 11, kind 1):
 * past the file system's largest file it fails with EFBIG, on a full file system with ENOSPC, at
 * write time, naming the path and offset, and nothing of it is lost or half-kept; a writer over the
 * dirty limit never waits forever, nor on a timer; and the file on disk never covers a block that
 * is still only in jaio's cache. On every available engine, on real file systems (a small tmpfs
 * mounted for the test: CI runs as root).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CachedWriteAdmissionTest {

    private static final int PAGE = 4096;
    private static final int MIB = 1 << 20;

    private Path dir;
    private Path mount;
    private IoEngine engine;

    static Stream<String> engines() {
        return IoEngine.probeAll().stream().filter(EngineStatus::available).map(EngineStatus::name);
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("admission");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (engine != null) {
            engine.close();
        }
        if (mount != null) {
            run("umount", "-l", mount.toString());
        }
        TestFiles.deleteRecursively(dir);
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    /** A tmpfs of {@code size} mounted for this test; the test is skipped where mounting is not allowed. */
    private Path tmpfs(String size) throws Exception {
        Path m = Files.createDirectory(dir.resolve("tmpfs"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", m.toString()) == 0,
                "mounting a tmpfs needs root");
        mount = m;
        return m;
    }

    private IoEngine engine(String name, PageCacheConfig cache) throws IOException {
        engine = IoEngine.open(EngineConfig.defaults().withEngine(name).withQueueDepth(64).withPageCache(cache));
        return engine;
    }

    private static IoOperationException ioFailure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return assertInstanceOf(IoOperationException.class, e.getCause());
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aWritePastTheFileSystemsLargestFileFailsWithEfbigAtWriteTime(String name) throws Exception {
        assumeTrue("ext4".equals(Files.getFileStore(dir).type()), "ext4's largest file (16 TiB at 4 KiB blocks)");
        Path path = dir.resolve("huge");
        long offset = 17L << 40;
        engine(name, PageCacheConfig.defaults());
        try (Arena arena = Arena.ofShared();
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                     FileOption.CACHED)) {
            MemorySegment src = arena.allocate(PAGE);
            src.fill((byte) 7);
            IoOperationException e = ioFailure(f.write(src, offset));
            assertEquals("EFBIG", e.errnoName());
            assertTrue(e.getMessage().contains(path.toString()) && e.getMessage().contains(Long.toString(offset)),
                    e.getMessage());
            assertEquals(0, f.size(), "a refused write does not move the size");
            await(f.fsync()); // nothing pending, nothing failing later
        }
        assertEquals(0, Files.size(path));
    }

    /** getrlimit/setrlimit of RLIMIT_FSIZE, for the test only: {rlim_cur, rlim_max}. */
    private static long[] fileSizeLimit(long[] set) throws Throwable {
        java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
        java.lang.foreign.FunctionDescriptor fd = java.lang.foreign.FunctionDescriptor.of(
                java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT,
                java.lang.foreign.ValueLayout.ADDRESS);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rlim = a.allocate(16, 8);
            if (set != null) {
                rlim.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, set[0]);
                rlim.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, set[1]);
                int r = (int) linker.downcallHandle(linker.defaultLookup().find("setrlimit").orElseThrow(), fd)
                        .invokeExact(1, rlim);
                assertEquals(0, r);
                return set;
            }
            int r = (int) linker.downcallHandle(linker.defaultLookup().find("getrlimit").orElseThrow(), fd)
                    .invokeExact(1, rlim);
            assertEquals(0, r);
            return new long[] {rlim.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0),
                    rlim.get(java.lang.foreign.ValueLayout.JAVA_LONG, 8)};
        }
    }

    /**
     * Under RLIMIT_FSIZE (ulimit -f), as a kernel buffered write: at or past the limit EFBIG, a
     * write crossing it writes up to the limit and then fails with EFBIG, saying how much it wrote.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void aWriteAtTheProcesssFileSizeLimitFailsWithEfbig(String name) throws Throwable {
        Path path = dir.resolve("limited");
        engine(name, PageCacheConfig.defaults());
        long[] saved = fileSizeLimit(null);
        try (Arena arena = Arena.ofShared();
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                     FileOption.CACHED)) {
            MemorySegment src = arena.allocate(2 * PAGE);
            src.fill((byte) 9);
            fileSizeLimit(new long[] {2L * MIB, saved[1]});
            IoOperationException e = ioFailure(f.write(src, 2L * MIB));
            assertEquals("EFBIG", e.errnoName());
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
            IoOperationException cut = ioFailure(f.write(src, 2L * MIB - PAGE));
            assertEquals("EFBIG", cut.errnoName());
            assertEquals(PAGE, cut.bytesTransferred(), "written up to the limit, refused past it");
            assertEquals(2L * MIB, f.size());
            await(f.fsync());
        } finally {
            fileSizeLimit(saved);
        }
        assertEquals(2L * MIB, Files.size(path));
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aFullFileSystemFailsTheWriteWithEnospcAndKeepsEveryAcceptedByte(String name) throws Exception {
        Path m = tmpfs("8m");
        Path path = m.resolve("full");
        engine(name, PageCacheConfig.defaults());
        SplittableRandom rnd = new SplittableRandom(3);
        byte[] model = new byte[12 * MIB];
        long accepted = 0;
        int failures = 0;
        try (Arena arena = Arena.ofShared();
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                     FileOption.CACHED)) {
            for (int i = 0; i < 12; i++) {
                MemorySegment src = arena.allocate(MIB);
                byte[] data = new byte[MIB];
                rnd.nextBytes(data);
                MemorySegment.copy(data, 0, src, JAVA_BYTE, 0, MIB);
                CompletableFuture<Integer> w = f.write(src, (long) i * MIB);
                try {
                    assertEquals(MIB, w.get(30, TimeUnit.SECONDS));
                    assertEquals(0, failures, "a write after a refused one fits no more than it");
                    System.arraycopy(data, 0, model, i * MIB, MIB);
                    accepted += MIB;
                } catch (ExecutionException e) {
                    IoOperationException io = assertInstanceOf(IoOperationException.class, e.getCause());
                    assertEquals("ENOSPC", io.errnoName());
                    assertTrue(io.getMessage().contains(path.toString())
                            && io.getMessage().contains(Long.toString((long) i * MIB)), io.getMessage());
                    failures++;
                }
                assertEquals(accepted, f.size(), "the size covers accepted writes only");
            }
            assertTrue(accepted >= 6L * MIB && failures >= 3, "accepted " + accepted + ", refused " + failures);
            await(f.fsync()); // what was accepted has room: the sync succeeds
        }
        byte[] disk = Files.readAllBytes(path);
        assertEquals(accepted, disk.length);
        for (int i = 0; i < accepted; i += PAGE) {
            if (!java.util.Arrays.equals(model, i, i + PAGE, disk, i, i + PAGE)) {
                fail("page " + i / PAGE + " of an accepted write is not on disk");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aThrottledWriterEndsWithTheWritebackErrorWhenWritebackCannotProgress(String name) throws Exception {
        RecordingEngine rec = new RecordingEngine(name);
        engine = rec.open(EngineConfig.defaults().withQueueDepth(64)
                .withPageCache(PageCacheConfig.defaults().withBudget(4L * MIB)));
        Path path = dir.resolve("eio");
        Files.write(path, new byte[8 * MIB]); // allocated: writes need no reservation
        rec.failWrites(0, Long.MAX_VALUE, Errno.EIO);
        List<CompletableFuture<Integer>> writes = new ArrayList<>();
        try (Arena arena = Arena.ofShared();
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            MemorySegment src = arena.allocate(64 * 1024);
            src.fill((byte) 1);
            // 8 MiB into a 4 MiB cache whose writeback always fails: past the dirty limit writers
            // wait, and since no page can ever be cleaned, they must end with EIO, not hang.
            IoOperationException first = null;
            for (int i = 0; i < 128 && first == null; i++) {
                CompletableFuture<Integer> w = f.write(src, i * 64L * 1024);
                writes.add(w);
                try {
                    w.get(30, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    fail("write " + i + " waited 30 s for writeback that keeps failing");
                } catch (ExecutionException e) {
                    first = assertInstanceOf(IoOperationException.class, e.getCause());
                }
            }
            assertTrue(first != null, "some write must fail: the dirty pages can never be written");
            assertEquals("EIO", first.errnoName());
            rec.failWrites(0, Long.MAX_VALUE, 0);
            // The device works again. The first sync reports the writeback error this handle has
            // not seen yet (errseq, once); the next writes the pages that were kept dirty.
            try {
                await(f.fsync());
            } catch (IoOperationException e) {
                assertEquals("EIO", e.errnoName());
            }
            await(f.fsync());
        }
    }

    /**
     * A writer over the dirty limit waits only while writeback makes progress for it, never for the
     * cleaner's timer (5 s): the cleaner's cyclic pass resumes past where it stopped and wraps.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void aWriterOverTheDirtyLimitNeverWaitsForTheCleanersTimer(String name) throws Exception {
        engine(name, PageCacheConfig.defaults().withBudget(32L * MIB));
        Path path = dir.resolve("stall");
        try (Arena arena = Arena.ofShared();
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                     FileOption.CACHED)) {
            MemorySegment src = arena.allocate(256 * 1024);
            src.fill((byte) 3);
            for (int round = 0; round < 3; round++) {
                for (long off = 8L * MIB; off < 24L * MIB; off += src.byteSize()) {
                    await(f.write(src, off));
                }
                await(f.fsync());
                f.truncate(0);
                long slowest = 0;
                for (long off = 0; off < 16L * MIB; off += src.byteSize()) {
                    long t0 = System.nanoTime();
                    await(f.write(src, off));
                    slowest = Math.max(slowest, System.nanoTime() - t0);
                }
                await(f.fsync());
                assertTrue(slowest < TimeUnit.SECONDS.toNanos(4),
                        "a write waited " + slowest / 1_000_000 + " ms: for the cleaner's 5 s timer, not for writeback");
                f.truncate(0);
            }
        }
    }

    /**
     * The file on disk (what another handle, or the disk after a crash, sees) never covers bytes
     * that are still only in jaio's cache: while a log is appended in chunks of random sizes and the
     * cleaner writes it back, a plain FileChannel looking again and again finds every byte below
     * the size it sees holding the log's bytes, never zeros (device writes that extend the file go
     * one at a time, in order).
     */
    @ParameterizedTest
    @MethodSource("engines")
    void theDiskNeverCoversZerosWhereAWriteIsPending(String name) throws Exception {
        engine(name, PageCacheConfig.defaults().withBudget(4L * MIB)
                .withDirtyLimits(new PageCacheConfig.DirtyLimits(1, 5, 50)));
        Path path = dir.resolve("log");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> violation = new AtomicReference<>();
        Files.createFile(path);
        Thread reader = Thread.ofPlatform().start(() -> {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.allocate(4 * MIB);
                while (!stop.get() && violation.get() == null) {
                    long size = ch.size();
                    buf.clear().limit((int) Math.min(size, buf.capacity()));
                    long at = 0;
                    while (buf.hasRemaining() && ch.read(buf, at) > 0) {
                        at = buf.position();
                    }
                    for (int i = 0; i < buf.position(); i++) {
                        if (buf.get(i) == 0) {
                            violation.set("byte " + i + " reads 0 below the disk's size " + size
                                    + ": the disk covers a write still only in the cache");
                            break;
                        }
                    }
                }
            } catch (IOException e) {
                violation.set(e.toString());
            }
        });
        SplittableRandom rnd = new SplittableRandom(9);
        long end = 0;
        try (Arena arena = Arena.ofShared();
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            while (end < 3L * MIB && violation.get() == null) {
                int n = 1 + rnd.nextInt(20_000);
                MemorySegment src = arena.allocate(n);
                src.fill((byte) (1 + rnd.nextInt(255)));
                assertEquals(n, await(f.write(src, end)));
                end += n;
            }
            await(f.fsync());
        } finally {
            stop.set(true);
            reader.join();
        }
        assertEquals(null, violation.get());
        assertEquals(end, Files.size(path));
    }

    /**
     * Growing the file by other means (truncate up, allocate) never makes the disk cover bytes still
     * only in jaio's cache: the dirty pages between the disk's end and the new end are written back
     * first, so the file as the kernel has it shows the writes, then zeros past them.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void growingTheFileWritesBackWhatItWouldCover(String name) throws Exception {
        engine(name, PageCacheConfig.defaults());
        for (boolean viaTruncate : new boolean[] {true, false}) {
            Path path = dir.resolve("grow-" + viaTruncate);
            try (Arena arena = Arena.ofShared();
                 AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                         FileOption.CACHED)) {
                MemorySegment src = arena.allocate(3 * PAGE + 100);
                src.fill((byte) 5);
                assertEquals((int) src.byteSize(), await(f.write(src, 0)));
                if (viaTruncate) {
                    f.truncate(MIB);
                } else {
                    f.allocate(0, MIB);
                }
                byte[] disk = Files.readAllBytes(path);
                assertEquals(MIB, disk.length);
                for (int i = 0; i < src.byteSize(); i++) {
                    if (disk[i] != 5) {
                        fail((viaTruncate ? "truncate" : "allocate") + " grew the file over byte " + i
                                + " of a write still only in the cache");
                    }
                }
                assertEquals(0, disk[(int) src.byteSize()]);
            }
        }
    }

    /**
     * Closing a file while its writers wait for the cleaner (over the dirty limit): the closed
     * file still lends its descriptors to writeback until its last request ends, so close neither
     * hangs nor loses them; every write completes and is in the file.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void closeWithThrottledWritesInFlightKeepsThemAll(String name) throws Exception {
        engine(name, PageCacheConfig.defaults().withBudget(4L * MIB)
                .withDirtyLimits(new PageCacheConfig.DirtyLimits(1, 5, 30_000)));
        Path path = dir.resolve("throttled");
        List<CompletableFuture<Integer>> writes = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                    FileOption.CACHED);
            for (int i = 0; i < 64; i++) {
                MemorySegment src = arena.allocate(256 << 10);
                src.fill((byte) (1 + i));
                writes.add(f.write(src, (long) i * (256 << 10)));
            }
            Thread closer = Thread.ofPlatform().start(f::close);
            closer.join(TimeUnit.SECONDS.toMillis(60));
            assertTrue(!closer.isAlive(), "close waited 60 s for writers that wait for writeback: "
                    + engine.pageCacheStats());
            for (CompletableFuture<Integer> w : writes) {
                assertEquals(256 << 10, w.get(1, TimeUnit.SECONDS));
            }
        }
        byte[] disk = Files.readAllBytes(path);
        assertEquals(16L * MIB, disk.length);
        for (int i = 0; i < 64; i++) {
            assertEquals((byte) (1 + i), disk[i * (256 << 10)], "write " + i);
            assertEquals((byte) (1 + i), disk[(i + 1) * (256 << 10) - 1], "write " + i);
        }
    }

    /**
     * A call that must wait for the cache's writeback (growing the file over dirty pages) is refused
     * on the engine's completion thread, which completes that writeback, with a message saying so:
     * never a deadlock.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void growingFromTheCompletionThreadIsRefusedNotDeadlocked(String name) throws Exception {
        engine(name, PageCacheConfig.defaults());
        Path path = dir.resolve("callback");
        try (Arena arena = Arena.ofShared();
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                     FileOption.CACHED)) {
            MemorySegment src = arena.allocate(64 << 10);
            src.fill((byte) 7);
            Throwable e = null;
            // The callback runs on the completion thread only if the fsync is still in flight when
            // it is attached; otherwise (it ran on this thread) try again.
            for (int attempt = 0; attempt < 20 && e == null; attempt++) {
                await(f.write(src, 0));
                CompletableFuture<Throwable> r = f.fsync().thenApply(v -> {
                    if (!Thread.currentThread().getName().matches("jaio-" + engine.name() + "-[0-9]+")) {
                        return null;
                    }
                    try {
                        f.write(src, 64 << 10).join();
                        f.allocate(0, MIB);
                        return new AssertionError("allocate over dirty pages ran on the completion thread");
                    } catch (Throwable t) {
                        return t;
                    }
                });
                e = r.get(30, TimeUnit.SECONDS);
            }
            IllegalStateException refused = assertInstanceOf(IllegalStateException.class, e);
            assertTrue(refused.getMessage().contains("completion thread") && refused.getMessage().contains(path.toString()),
                    refused.getMessage());
            f.allocate(0, MIB); // from another thread it works
            assertEquals(MIB, Files.size(path));
        }
    }

    /**
     * On a file system that cannot reserve blocks (ext2: fallocate says EOPNOTSUPP), a CACHED
     * write goes through the kernel's buffered path, which finds out at write time what fits.
     * With 512 KiB free, 128 KiB writes go in until one fails with ENOSPC, saying how many of its
     * bytes it wrote (what the kernel's write says: a short write, or none); exactly the accepted
     * bytes are in the file, also after room comes back and the file is synced. jaio's cache used
     * to accept such a write, fail only its writeback (saying 0 bytes were written while part of
     * it was on disk) and keep the rest dirty, to write it once room came back.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void withoutBlockReservationAFailedWriteSaysWhatItWroteAndLeavesNothingElse(String name) throws Exception {
        Path m = TestMounts.loop(dir, "mkfs.ext2", 16, "-m", "0");
        mount = m;
        Path path = m.resolve("f");
        Files.write(path, new byte[0]);
        Path filler = TestMounts.fill(m);
        try (var ch = java.nio.channels.FileChannel.open(filler, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - (512 << 10));
            ch.force(true);
        }
        int chunk = 128 << 10;
        byte[] model = new byte[16 * chunk];
        new SplittableRandom(9).nextBytes(model);
        engine(name, PageCacheConfig.defaults());
        long accepted = 0;
        try (Arena arena = Arena.ofShared();
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            MemorySegment src = arena.allocate(chunk);
            IoOperationException failure = null;
            for (int i = 0; i < 16 && failure == null; i++) {
                MemorySegment.copy(model, i * chunk, src, JAVA_BYTE, 0, chunk);
                CompletableFuture<Integer> w = f.write(src, accepted);
                try {
                    assertEquals(chunk, w.get(30, TimeUnit.SECONDS));
                    accepted += chunk;
                } catch (ExecutionException e) {
                    failure = assertInstanceOf(IoOperationException.class, e.getCause());
                }
            }
            assertTrue(failure != null, "16 x 128 KiB cannot fit in 512 KiB");
            assertEquals("ENOSPC", failure.errnoName());
            long transferred = failure.bytesTransferred();
            assertTrue(transferred >= 0 && transferred < chunk, "bytes of the failed write written: " + transferred);
            accepted += transferred;
            assertTrue(accepted > 0, "some writes fit");
            assertEquals(accepted, f.size(), "the size covers the bytes written");
            assertEquals(accepted, Files.size(path));
            Files.delete(filler); // room again: the failed part must not appear now
            await(f.fsync());
            assertEquals(accepted, f.size());
        }
        byte[] disk = Files.readAllBytes(path);
        assertEquals(accepted, disk.length, "exactly the bytes accepted");
        assertTrue(java.util.Arrays.equals(model, 0, (int) accepted, disk, 0, (int) accepted));
    }
}
