package dev.jaio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine-conformance suite: every engine runs exactly these tests, through the public API, on
 * real files, in buffered and O_DIRECT mode. A subclass only names its engine.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class EngineConformanceSuite {

    /** Buffered through the kernel's page cache, O_DIRECT, or buffered through jaio's page cache. */
    enum Mode {
        BUFFERED, DIRECT, CACHED
    }

    private static final int FILE_SIZE = 4 << 20;

    /** The engine under test: {@code "uring"}, {@code "aio"}, {@code "threads"}. */
    abstract String engineName();

    /** The configuration every engine of a test is opened with; a subclass may add engine options. */
    EngineConfig config() {
        return EngineConfig.defaults().withEngine(engineName());
    }

    IoEngine engine;
    Path dir;

    @BeforeEach
    void openEngine() throws IOException {
        engine = IoEngine.open(config().withQueueDepth(128));
        assertEquals(engineName(), engine.name());
        dir = TestFiles.newDirectory("conformance-" + engineName());
    }

    @AfterEach
    void closeEngine() throws IOException {
        engine.close();
        TestFiles.deleteRecursively(dir);
    }

    AsyncFile open(Path path, Mode mode, FileOption... extra) throws IOException {
        List<FileOption> opts = new ArrayList<>(List.of(FileOption.READ, FileOption.WRITE, FileOption.CREATE));
        opts.addAll(List.of(extra));
        if (mode == Mode.DIRECT) {
            opts.add(FileOption.DIRECT);
        } else if (mode == Mode.CACHED) {
            opts.add(FileOption.CACHED);
        }
        return AsyncFile.open(engine, path, opts.toArray(FileOption[]::new));
    }

    static void fill(MemorySegment seg, SplittableRandom rnd) {
        for (long i = 0; i < seg.byteSize(); i++) {
            seg.set(JAVA_BYTE, i, (byte) rnd.nextInt(256));
        }
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    // ---- the model test ----

    /**
     * Thousands of random reads and writes (single and vectored), in rounds of up to 32 concurrent
     * requests on disjoint ranges, each checked byte for byte against an in-memory model of the file;
     * at the end the whole file, as the kernel returns it, must equal the model.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void randomReadsAndWritesMatchTheModel(Mode mode) throws Exception {
        Path path = dir.resolve("model.dat");
        SplittableRandom rnd = new SplittableRandom(0x5eedL + mode.ordinal());
        byte[] model = new byte[FILE_SIZE];
        long modelSize = 0;
        try (AsyncFile file = open(path, mode);
             IoBuffer pool = file.allocateBuffer(32L * 64 * 1024)) {
            int unit = mode == Mode.DIRECT ? file.alignment().offsetAlignment() : 1;
            int ops = 0;
            int rounds = 0;
            while (ops < 3000) {
                rounds++;
                int inRound = 1 + rnd.nextInt(32);
                // A round either only writes (and may grow the file), or never writes past the end,
                // so that the size every read of the round sees is known when it is submitted.
                boolean growRound = modelSize == 0 || rnd.nextInt(5) == 0;
                long sizeAtStart = modelSize;
                List<long[]> ranges = new ArrayList<>();
                List<CompletableFuture<? extends Number>> futures = new ArrayList<>();
                List<Runnable> checks = new ArrayList<>();
                for (int i = 0; i < inRound; i++) {
                    int maxUnits = 64 * 1024 / unit;
                    int len = unit * (1 + rnd.nextInt(mode == Mode.DIRECT ? maxUnits : 16 * 1024));
                    long off = (long) unit * rnd.nextInt((FILE_SIZE - len) / unit + 1);
                    if (overlaps(ranges, off, len)) {
                        continue;
                    }
                    ranges.add(new long[] {off, len});
                    MemorySegment buf = pool.segment().asSlice(64L * 1024 * i, len);
                    int kind = growRound ? rnd.nextInt(2) : rnd.nextInt(4);
                    if (!growRound && kind < 2 && off + len > sizeAtStart) {
                        kind += 2; // would grow the file: read that range instead
                    }
                    if (kind == 0 || kind == 1) {
                        fill(buf, rnd);
                        MemorySegment.copy(buf, JAVA_BYTE, 0, model, (int) off, len);
                        modelSize = Math.max(modelSize, off + len);
                        if (kind == 0) {
                            futures.add(file.write(buf, off));
                        } else {
                            futures.add(file.writev(split(buf, unit, rnd), off));
                        }
                        checks.add(null);
                    } else {
                        buf.fill((byte) 0xEE);
                        long expected = Math.max(0, Math.min(len, sizeAtStart - off));
                        final long sizeAtSubmit = sizeAtStart;
                        futures.add(kind == 2 ? file.read(buf, off) : file.readv(split(buf, unit, rnd), off));
                        int idx = futures.size() - 1;
                        checks.add(() -> {
                            long n = futures.get(idx).join().longValue();
                            assertEquals(expected, n, "read at " + off + " len " + len + " size " + sizeAtSubmit);
                            byte[] got = new byte[(int) n];
                            MemorySegment.copy(buf, JAVA_BYTE, 0, got, 0, (int) n);
                            assertArrayEquals(Arrays.copyOfRange(model, (int) off, (int) (off + n)), got,
                                    "bytes read at " + off);
                        });
                    }
                    ops++;
                }
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                for (int i = 0; i < futures.size(); i++) {
                    if (checks.get(i) == null) {
                        assertEquals(ranges.get(i)[1], futures.get(i).join().longValue(), "bytes written");
                    } else {
                        checks.get(i).run();
                    }
                }
            }
            assertTrue(rounds > 50);
            assertEquals(modelSize, file.size());
        }
        byte[] onDisk = Files.readAllBytes(path);
        assertEquals(modelSize, onDisk.length);
        assertArrayEquals(Arrays.copyOf(model, (int) modelSize), onDisk);
    }

    private static boolean overlaps(List<long[]> ranges, long off, long len) {
        for (long[] r : ranges) {
            if (off < r[0] + r[1] && r[0] < off + len) {
                return true;
            }
        }
        return false;
    }

    /** Splits a buffer into 1 to 4 slices whose lengths are multiples of {@code unit}. */
    private static MemorySegment[] split(MemorySegment buf, int unit, SplittableRandom rnd) {
        long units = buf.byteSize() / unit;
        int parts = (int) Math.min(units, 1 + rnd.nextInt(4));
        MemorySegment[] out = new MemorySegment[parts];
        long pos = 0;
        for (int i = 0; i < parts; i++) {
            long remainingUnits = (buf.byteSize() - pos) / unit;
            long take = i == parts - 1 ? remainingUnits : 1 + rnd.nextLong(remainingUnits - (parts - 1 - i));
            out[i] = buf.asSlice(pos, take * unit);
            pos += take * unit;
        }
        return out;
    }

    // ---- single features ----

    @ParameterizedTest
    @EnumSource(Mode.class)
    void vectoredWriteThenVectoredRead(Mode mode) throws Exception {
        try (AsyncFile file = open(dir.resolve("vec.dat"), mode);
             IoBuffer a = file.allocateBuffer(4096);
             IoBuffer b = file.allocateBuffer(8192);
             IoBuffer c = file.allocateBuffer(4096)) {
            fill(a.segment(), new SplittableRandom(1));
            fill(b.segment(), new SplittableRandom(2));
            assertEquals(12288L, await(file.writev(new MemorySegment[] {a.segment(), b.segment()}, 4096)));
            MemorySegment whole = c.segment();
            try (IoBuffer d = file.allocateBuffer(8192)) {
                assertEquals(12288L, await(file.readv(new MemorySegment[] {whole, d.segment()}, 4096)));
                assertEquals(-1, whole.mismatch(a.segment()));
                assertEquals(-1, d.segment().mismatch(b.segment()));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void longVectorsSpillOutOfTheInlineIovecArea(Mode mode) throws Exception {
        try (AsyncFile file = open(dir.resolve("longvec.dat"), mode);
             IoBuffer buf = file.allocateBuffer(40 * 4096)) {
            fill(buf.segment(), new SplittableRandom(3));
            MemorySegment[] parts = new MemorySegment[40];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = buf.segment().asSlice(4096L * i, 4096);
            }
            assertEquals(40L * 4096, await(file.writev(parts, 0)));
            if (mode == Mode.CACHED) {
                // jaio's cache holds the write until it is written back: other readers of the
                // file (the kernel's read below) see it after a sync.
                await(file.fsync());
            }
            byte[] onDisk = Files.readAllBytes(file.path());
            assertArrayEquals(buf.segment().toArray(JAVA_BYTE), onDisk);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void fsyncAndFdatasyncComplete(Mode mode) throws Exception {
        Path path = dir.resolve("sync.dat");
        try (AsyncFile file = open(path, mode);
             IoBuffer buf = file.allocateBuffer(4096)) {
            fill(buf.segment(), new SplittableRandom(4));
            await(file.write(buf.segment(), 0));
            assertNull(await(file.fsync()));
            assertNull(await(file.fdatasync()));
            assertEquals(4096, await(file.write(buf.segment(), 4096, IoFlags.DSYNC)));
            assertEquals(4096, await(file.write(buf.segment(), 8192, IoFlags.SYNC)));
        }
        assertEquals(3 * 4096, Files.size(path));
    }

    @Test
    void nowaitReadsOfCachedDataComplete() throws Exception {
        try (AsyncFile file = open(dir.resolve("nowait.dat"), Mode.BUFFERED);
             IoBuffer buf = file.allocateBuffer(8192)) {
            fill(buf.segment(), new SplittableRandom(11));
            await(file.write(buf.segment(), 0));
            MemorySegment back = Arena.ofAuto().allocate(8192, 4096);
            // Just written through the page cache, so nothing needs to block: RWF_NOWAIT succeeds.
            assertEquals(8192, await(file.read(back, 0, IoFlags.NOWAIT)));
            assertEquals(-1, back.mismatch(buf.segment()));
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void syncAndDsyncFilesWrite(Mode mode) throws Exception {
        for (FileOption sync : new FileOption[] {FileOption.SYNC, FileOption.DSYNC}) {
            Path path = dir.resolve("osync-" + sync + ".dat");
            try (AsyncFile file = open(path, mode, sync);
                 IoBuffer buf = file.allocateBuffer(4096)) {
                fill(buf.segment(), new SplittableRandom(5));
                assertEquals(4096, await(file.write(buf.segment(), 0)));
            }
            assertEquals(4096, Files.size(path));
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void readsCrossingEndOfFileReturnTheBytesUpToIt(Mode mode) throws Exception {
        try (AsyncFile file = open(dir.resolve("eof.dat"), mode);
             IoBuffer buf = file.allocateBuffer(16384)) {
            fill(buf.segment(), new SplittableRandom(6));
            await(file.write(buf.segment().asSlice(0, 8192), 0));
            assertEquals(8192, await(file.read(buf.segment(), 0)));
            assertEquals(4096, await(file.read(buf.segment().asSlice(0, 8192), 4096)));
            assertEquals(0, await(file.read(buf.segment().asSlice(0, 4096), 8192)));
            assertEquals(0, await(file.read(buf.segment().asSlice(0, 4096), 1L << 30)));
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void holesInSparseFilesReadAsZeros(Mode mode) throws Exception {
        try (AsyncFile file = open(dir.resolve("sparse.dat"), mode);
             IoBuffer buf = file.allocateBuffer(8192)) {
            fill(buf.segment(), new SplittableRandom(7));
            long far = 64L << 20;
            assertEquals(4096, await(file.write(buf.segment().asSlice(0, 4096), far)));
            assertEquals(far + 4096, file.size());
            buf.segment().fill((byte) 1);
            assertEquals(8192, await(file.read(buf.segment(), far / 2)));
            for (long i = 0; i < 8192; i++) {
                assertEquals(0, buf.segment().get(JAVA_BYTE, i));
            }
            file.truncate(4096);
            assertEquals(4096, file.size());
            file.allocate(0, 1 << 20);
            assertEquals(1 << 20, file.size());
        }
    }

    @Test
    void adviceDropsCachedPagesAndRefusesBadRanges() throws Exception {
        try (AsyncFile file = open(dir.resolve("advice.dat"), Mode.BUFFERED);
             IoBuffer buf = file.allocateBuffer(1 << 20)) {
            fill(buf.segment(), new SplittableRandom(12));
            await(file.write(buf.segment(), 0));
            await(file.fsync());
            file.advise(0, 0, FileAdvice.DONTNEED);
            file.advise(0, 1 << 20, FileAdvice.RANDOM);
            file.advise(0, 1 << 20, FileAdvice.WILLNEED);
            MemorySegment back = Arena.ofAuto().allocate(1 << 20, 4096);
            assertEquals(1 << 20, await(file.read(back, 0)));
            assertEquals(-1, back.mismatch(buf.segment()), "advice never changes the data");
            assertThrows(IllegalArgumentException.class, () -> file.advise(-1, 0, FileAdvice.NORMAL));
        }
    }

    @Test
    void byteBuffersAndHeapMemoryGoThroughABounceBuffer() throws Exception {
        for (Mode mode : Mode.values()) {
            try (AsyncFile file = open(dir.resolve("bb-" + mode + ".dat"), mode)) {
                byte[] data = new byte[8192];
                new SplittableRandom(8).nextBytes(data);
                ByteBuffer heap = ByteBuffer.wrap(data);
                assertEquals(8192, await(file.write(heap, 0)));
                assertEquals(8192, heap.position(), "position advances by the bytes written");
                ByteBuffer direct = ByteBuffer.allocateDirect(8192);
                if (mode == Mode.BUFFERED) {
                    assertEquals(8192, await(file.read(direct, 0)));
                    assertEquals(8192, direct.position());
                    direct.flip();
                    byte[] back = new byte[8192];
                    direct.get(back);
                    assertArrayEquals(data, back);
                }
                byte[] into = new byte[4096];
                assertEquals(4096, await(file.read(MemorySegment.ofArray(into), 4096)));
                assertArrayEquals(Arrays.copyOfRange(data, 4096, 8192), into);
                ByteBuffer ro = ByteBuffer.allocate(4096).asReadOnlyBuffer();
                assertThrows(IllegalArgumentException.class, () -> file.read(ro, 0));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void manyThreadsAtOnce(Mode mode) throws Exception {
        Path path = dir.resolve("threads.dat");
        int threads = 8;
        int region = 256 * 1024;
        try (AsyncFile file = open(path, mode)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<byte[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int id = t;
                results.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(100 + id);
                    byte[] model = new byte[region];
                    long base = (long) id * region;
                    try (IoBuffer buf = file.allocateBuffer(16384)) {
                        for (int i = 0; i < 200; i++) {
                            int off = 4096 * rnd.nextInt(region / 4096 - 4);
                            int len = 4096 * (1 + rnd.nextInt(4));
                            MemorySegment s = buf.segment().asSlice(0, len);
                            if (rnd.nextBoolean()) {
                                fill(s, rnd);
                                MemorySegment.copy(s, JAVA_BYTE, 0, model, off, len);
                                assertEquals(len, file.write(s, base + off).join());
                            } else {
                                int n = file.read(s, base + off).join();
                                byte[] got = new byte[n];
                                MemorySegment.copy(s, JAVA_BYTE, 0, got, 0, n);
                                byte[] want = Arrays.copyOfRange(model, off, off + n);
                                // Never-written bytes past the file end are not returned at all.
                                assertArrayEquals(want, got);
                            }
                        }
                    }
                    return model;
                }));
            }
            pool.shutdown();
            byte[] onDiskAfter;
            List<byte[]> models = new ArrayList<>();
            for (Future<byte[]> f : results) {
                models.add(f.get(100, TimeUnit.SECONDS));
            }
            await(file.fsync());
            onDiskAfter = Files.readAllBytes(path);
            for (int t = 0; t < threads; t++) {
                byte[] model = models.get(t);
                int from = t * region;
                int to = Math.min(onDiskAfter.length, from + region);
                if (from < to) {
                    assertArrayEquals(Arrays.copyOf(model, to - from), Arrays.copyOfRange(onDiskAfter, from, to));
                }
            }
        }
    }

    // ---- errors ----

    @Test
    void misalignedDirectRequestsAreRefusedBeforeTheKernelNamingTheAlignment() throws Exception {
        try (AsyncFile file = open(dir.resolve("align.dat"), Mode.DIRECT);
             IoBuffer buf = file.allocateBuffer(8192)) {
            int align = file.alignment().offsetAlignment();
            IllegalArgumentException address = assertThrows(IllegalArgumentException.class,
                    () -> file.read(buf.segment().asSlice(1, 4096), 0));
            assertTrue(address.getMessage().contains("aligned to " + file.alignment().memoryAlignment()),
                    address.getMessage());
            assertTrue(address.getMessage().contains(file.path().toString()));
            IllegalArgumentException offset = assertThrows(IllegalArgumentException.class,
                    () -> file.write(buf.segment().asSlice(0, 4096), align / 2));
            assertTrue(offset.getMessage().contains("offset " + align / 2), offset.getMessage());
            assertTrue(offset.getMessage().contains("aligned to " + align), offset.getMessage());
            IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                    () -> file.write(buf.segment().asSlice(0, 100), 0));
            assertTrue(length.getMessage().contains("multiples of " + align), length.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> file.readv(new MemorySegment[] {buf.segment().asSlice(0, 4096), buf.segment().asSlice(4096, 10)}, 0));
            assertEquals(0, file.size(), "nothing reached the file");
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void badArgumentsAreRefusedWithClearMessages(Mode mode) throws Exception {
        Path path = dir.resolve("args.dat");
        try (AsyncFile file = open(path, mode);
             IoBuffer buf = file.allocateBuffer(4096)) {
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> file.read(buf.segment(), -4096));
            assertTrue(negative.getMessage().contains("negative offset -4096"), negative.getMessage());
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> file.allocateBuffer(-5));
            assertTrue(size.getMessage().contains("-5"), "names the caller's value: " + size.getMessage());
            assertThrows(IllegalArgumentException.class, () -> file.write(buf.segment(), 0, 0x100));
            assertThrows(IllegalArgumentException.class, () -> file.readv(new MemorySegment[0], 0));
        }
        try (AsyncFile readOnly = AsyncFile.open(engine, path, FileOption.READ);
             IoBuffer buf = readOnly.allocateBuffer(4096)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> readOnly.write(buf.segment(), 0));
            assertTrue(e.getMessage().contains("read-only") && e.getMessage().contains(path.toString()), e.getMessage());
            assertThrows(IllegalStateException.class, () -> readOnly.truncate(0));
            assertThrows(IllegalStateException.class, () -> readOnly.allocate(0, 4096));
        }
        try (AsyncFile writeOnly = AsyncFile.open(engine, path, FileOption.WRITE);
             IoBuffer buf = writeOnly.allocateBuffer(4096)) {
            assertThrows(IllegalStateException.class, () -> writeOnly.read(buf.segment(), 0));
        }
        assertThrows(NoSuchFileException.class, () -> AsyncFile.open(engine, dir.resolve("missing"), FileOption.READ));
        assertThrows(java.nio.file.FileAlreadyExistsException.class,
                () -> AsyncFile.open(engine, path, FileOption.WRITE, FileOption.CREATE_NEW));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void useAfterCloseFailsTheFuture(Mode mode) throws Exception {
        AsyncFile file = open(dir.resolve("closed.dat"), mode);
        try (IoBuffer buf = file.allocateBuffer(4096)) {
            file.close();
            assertTrue(file.isClosed());
            ExecutionException e = assertThrows(ExecutionException.class, () -> file.read(buf.segment(), 0).get());
            assertInstanceOf(FileClosedException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("closed.dat"));
            assertInstanceOf(FileClosedException.class,
                    assertThrows(ExecutionException.class, () -> file.fsync().get()).getCause());
            assertThrows(FileClosedException.class, file::size);
            file.close(); // idempotent
        }
    }

    @Test
    void kernelErrorsNameOperationPathOffsetAndErrno() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("a-directory"));
        try (AsyncFile directory = AsyncFile.open(engine, sub, FileOption.READ);
             IoBuffer buf = IoBuffer.allocate(4096, 4096)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> directory.read(buf.segment(), 8192).get());
            IoOperationException io = assertInstanceOf(IoOperationException.class, e.getCause());
            assertEquals("pread", io.operation());
            assertEquals(8192, io.offset());
            assertTrue(io.errno() > 0);
            assertTrue(io.getMessage().contains(sub.toString()) && io.getMessage().contains("offset 8192")
                    && io.getMessage().contains(io.errnoName()), io.getMessage());
        }
    }

    @Test
    void aFullDeviceFailsWritesWithEnospcNamingPathAndOffset() throws Exception {
        Path full = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(full), "/dev/full is not writable here");
        try (AsyncFile file = AsyncFile.open(engine, full, FileOption.WRITE);
             IoBuffer buf = IoBuffer.allocate(4096, 4096)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> file.write(buf.segment(), 4096).get());
            IoOperationException io = assertInstanceOf(IoOperationException.class, e.getCause());
            if (engineName().equals("aio")) {
                // fs/aio.c refuses files without ->write_iter, as /dev/full is: the kernel's answer is EINVAL.
                assertEquals("EINVAL", io.errnoName());
                assertEquals("pwrite /dev/full at offset 4096 (4096 bytes): EINVAL (Invalid argument)", io.getMessage());
            } else {
                assertEquals("ENOSPC", io.errnoName());
                assertEquals(Errno.ENOSPC, io.errno());
                assertEquals("pwrite /dev/full at offset 4096 (4096 bytes): ENOSPC (No space left on device)",
                        io.getMessage());
            }
        }
    }

    @Test
    void closedBufferMemoryIsRefused() throws Exception {
        try (AsyncFile file = open(dir.resolve("freed.dat"), Mode.BUFFERED)) {
            MemorySegment freed;
            try (Arena arena = Arena.ofConfined()) {
                freed = arena.allocate(4096);
            }
            MemorySegment f = freed;
            assertThrows(IllegalStateException.class, () -> file.write(f, 0));
            IoBuffer closed = IoBuffer.allocate(4096, 4096);
            MemorySegment slice = closed.segment().asSlice(0, 512);
            closed.close();
            assertThrows(IllegalStateException.class, () -> file.write(slice, 0));
        }
    }

    // ---- memory safety and closing ----

    /**
     * Closes buffers, then the file, then the engine while thousands of requests are in flight:
     * closing a buffer only marks it, the memory stays until the last request on it completes; file
     * close returns only when its requests are done; nothing crashes and every future completes.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void closingEverythingUnderLoadNeverFreesMemoryInUse(Mode mode) throws Exception {
        Path path = dir.resolve("load.dat");
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        List<IoBuffer> buffers = new ArrayList<>();
        AsyncFile file = open(path, mode);
        try (IoBuffer init = file.allocateBuffer(1 << 20)) {
            fill(init.segment(), new SplittableRandom(9));
            await(file.write(init.segment(), 0));
        }
        for (int i = 0; i < 64; i++) {
            buffers.add(file.allocateBuffer(64 * 1024));
        }
        for (int i = 0; i < 3000; i++) {
            IoBuffer b = buffers.get(i % buffers.size());
            MemorySegment s = b.segment().asSlice(4096L * (i % 16), 4096);
            futures.add(i % 3 == 0 ? file.write(s, 4096L * (i % 256)) : file.read(s, 4096L * (i % 256)));
        }
        int pinned = 0;
        for (IoBuffer b : buffers) {
            b.close();
            // Liveness first, then pins: a closed buffer takes no new pin, so pins seen later were
            // there before, and the memory must have been alive then. (Read the other way round,
            // the last request can complete and free it in between.)
            boolean alive = b.segment().scope().isAlive();
            if (b.pinCount() > 0) {
                pinned++;
                assertTrue(alive, "a closed but pinned buffer keeps its memory");
            }
        }
        file.close();
        for (CompletableFuture<Integer> f : futures) {
            assertTrue(f.isDone(), "file close waits for its requests");
            assertEquals(4096, f.join());
        }
        for (IoBuffer b : buffers) {
            assertEquals(0, b.pinCount());
            assertFalse(b.segment().scope().isAlive(), "freed once its last request completed");
        }
        assertTrue(pinned >= 0);
    }

    @Test
    void engineCloseWaitsForAcceptedRequestsAndRejectsLaterOnes() throws Exception {
        IoEngine own = IoEngine.open(config().withQueueDepth(32));
        AsyncFile file = AsyncFile.open(own, dir.resolve("engine-close.dat"), FileOption.READ, FileOption.WRITE,
                FileOption.CREATE, FileOption.DIRECT);
        IoBuffer buf = file.allocateBuffer(1 << 20);
        await(file.write(buf.segment(), 0));
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            futures.add(file.read(buf.segment().asSlice(4096L * (i % 256), 4096), 4096L * (i % 256)));
        }
        own.close();
        assertTrue(own.isClosed());
        for (CompletableFuture<Integer> f : futures) {
            assertTrue(f.isDone(), "engine close waits for every accepted request");
            assertEquals(4096, f.join());
        }
        CompletableFuture<Integer> late = file.read(buf.segment().asSlice(0, 4096), 0);
        CompletionException e = assertThrows(CompletionException.class, late::join);
        assertInstanceOf(AsynchronousCloseException.class, e.getCause());
        file.close();
        buf.close();
        assertFalse(buf.segment().scope().isAlive());
    }

    /**
     * Submitters keep waking the completion thread while the engine closes: the wakeup must never
     * touch the closing queue's memory or descriptor, and every request must end one way or the other.
     */
    @Test
    void closingAnEngineWhileOtherThreadsSubmitIsSafe() throws Exception {
        List<Throwable> uncaught = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            for (int round = 0; round < 20; round++) {
                IoEngine own = IoEngine.open(config().withQueueDepth(8));
                AsyncFile file = AsyncFile.open(own, dir.resolve("race.dat"), FileOption.READ, FileOption.WRITE,
                        FileOption.CREATE);
                IoBuffer buf = file.allocateBuffer(4096);
                List<CompletableFuture<Integer>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
                Thread[] submitters = new Thread[2];
                for (int t = 0; t < submitters.length; t++) {
                    submitters[t] = Thread.ofPlatform().start(() -> {
                        for (int i = 0; i < 200; i++) {
                            futures.add(file.read(buf.segment(), 0));
                            Thread.onSpinWait();
                        }
                    });
                }
                own.close();
                for (Thread t : submitters) {
                    t.join();
                }
                for (CompletableFuture<Integer> f : futures) {
                    try {
                        f.get(10, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        assertInstanceOf(AsynchronousCloseException.class, e.getCause());
                    }
                }
                file.close();
                buf.close();
            }
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertEquals(List.of(), uncaught);
    }

    // ---- closing with requests in flight ----

    /**
     * Contexts closed with requests in every state, many times over: submitted and not yet done,
     * done and not yet reaped, reaped, and prepared but never submitted. {@link IoContext#close()}
     * must wait until the kernel has finished every submitted request, so after it each submitted
     * read has filled its buffer with the file's bytes and each submitted write is in the file;
     * requests never submitted are dropped (nothing of them reaches the file); the buffers are
     * released; nothing hangs.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void closingContextsWithRequestsInFlightFinishesEverySubmittedOneAndDropsTheRest(Mode mode) throws Exception {
        final int depth = 32;
        final int page = 4096;
        final long refSize = 64L * page;
        final long writeBase = refSize;
        final int writePages = 256;
        final long neverBase = writeBase + (long) writePages * page;
        Path path = dir.resolve("ctx-close-load.dat");
        SplittableRandom rnd = new SplittableRandom(0xc105eL + mode.ordinal());
        byte[] model = new byte[(int) (neverBase + (long) depth * page)];
        try (AsyncFile file = open(path, mode);
             IoBuffer ref = file.allocateBuffer(refSize)) {
            fill(ref.segment(), rnd);
            await(file.write(ref.segment(), 0));
            // The never-submitted area is written with zeros first, so the file covers it.
            try (IoBuffer zeros = file.allocateBuffer((long) depth * page)) {
                await(file.write(zeros.segment(), neverBase));
            }
            MemorySegment.copy(ref.segment(), JAVA_BYTE, 0, model, 0, (int) refSize);
            for (int round = 0; round < 60; round++) {
                IoBuffer bufs = file.allocateBuffer((long) depth * page);
                IoContext ctx = engine.newContext(depth);
                int n = 1 + rnd.nextInt(depth - 4);
                long[] offsets = new long[n];
                boolean[] isWrite = new boolean[n];
                int[] writeSlots = rnd.ints(0, writePages).distinct().limit(n).toArray();
                for (int i = 0; i < n; i++) {
                    MemorySegment s = bufs.segment().asSlice((long) page * i, page);
                    isWrite[i] = rnd.nextBoolean();
                    if (isWrite[i]) {
                        fill(s, rnd);
                        offsets[i] = writeBase + (long) page * writeSlots[i];
                        MemorySegment.copy(s, JAVA_BYTE, 0, model, (int) offsets[i], page); // submitted below
                        assertTrue(ctx.prepareWrite(file, s, offsets[i], i));
                    } else {
                        s.fill((byte) 0xEE);
                        offsets[i] = (long) page * rnd.nextInt((int) (refSize / page));
                        assertTrue(ctx.prepareRead(file, s, offsets[i], i));
                    }
                }
                int submitted = 0;
                while (submitted < n) {
                    submitted += ctx.submit();
                }
                long[] results = new long[n];
                Arrays.fill(results, Long.MIN_VALUE);
                if (rnd.nextBoolean()) {
                    ctx.getEvents(0, 1 + rnd.nextInt(n), 0, TimeUnit.SECONDS, (c, r) -> results[(int) c] = r);
                }
                // Prepared after the last submit, never submitted: close must drop these.
                int never = rnd.nextInt(4);
                for (int j = 0; j < never; j++) {
                    MemorySegment s = bufs.segment().asSlice((long) page * (n + j), page);
                    s.fill((byte) 0x5A);
                    assertTrue(ctx.prepareWrite(file, s, neverBase + (long) page * (n + j), 1000 + j));
                }
                if (round == 0) {
                    // Only the owner closes it: another thread would race it for the queue.
                    CompletableFuture<Void> other = CompletableFuture.runAsync(ctx::close);
                    ExecutionException e = assertThrows(ExecutionException.class, () -> other.get(10, TimeUnit.SECONDS));
                    assertInstanceOf(WrongThreadException.class, e.getCause());
                }
                boolean closeBufferFirst = rnd.nextInt(4) == 0;
                if (closeBufferFirst) {
                    bufs.close(); // pinned by the requests: freed only once the context is done with them
                }
                ctx.close();
                assertThrows(IllegalStateException.class, ctx::submit, "submit after close");
                assertThrows(IllegalStateException.class,
                        () -> ctx.getEvents(0, 1, 0, TimeUnit.SECONDS, (c, r) -> { }), "getEvents after close");
                assertThrows(IllegalStateException.class,
                        () -> ctx.prepareRead(file, bufs.segment().asSlice(0, page), 0, 1), "prepare after close");
                ctx.close(); // idempotent
                assertEquals(0, ctx.outstanding());
                assertEquals(0, ctx.unsubmitted());
                assertEquals(0, bufs.pinCount(), "round " + round + ": close released every request's pin");
                for (int i = 0; i < n; i++) {
                    if (results[i] != Long.MIN_VALUE) {
                        assertEquals(page, results[i], "round " + round + ": request " + i + " reaped before close");
                    }
                }
                if (closeBufferFirst) {
                    assertFalse(bufs.segment().scope().isAlive(), "round " + round
                            + ": a closed buffer is freed once the closed context no longer uses it");
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    MemorySegment s = bufs.segment().asSlice((long) page * i, page);
                    if (!isWrite[i]) {
                        assertEquals(-1, s.mismatch(ref.segment().asSlice(offsets[i], page)), "round " + round
                                + ": the read at " + offsets[i] + " finished before close returned");
                    }
                }
                bufs.close();
            }
            if (mode == Mode.CACHED) {
                await(file.fsync()); // the context's writes are in jaio's cache: put them in the file
            }
        }
        byte[] onDisk = Files.readAllBytes(path);
        assertEquals(model.length, onDisk.length);
        for (int p = 0; p < model.length / page; p++) {
            int from = p * page;
            assertArrayEquals(Arrays.copyOfRange(model, from, from + page),
                    Arrays.copyOfRange(onDisk, from, from + page),
                    (from >= neverBase ? "a write never submitted reached the file" : "a submitted write is missing")
                            + " at offset " + from);
        }
    }

    /**
     * Engines closed while other threads keep making requests, many times over. Every request ends:
     * one the engine accepted completes with its real result (a read with the file's bytes, a write
     * that is then in the file), one made after close fails with AsynchronousCloseException; nothing
     * hangs and nothing reaches the uncaught-exception handler.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void closingEnginesWithRequestsInFlightCompletesEveryAcceptedOneWithItsResult(Mode mode) throws Exception {
        final int page = 4096;
        final int refPages = 64;
        final int submitters = 2;
        final int perThread = 300;
        List<Throwable> uncaught = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            for (int round = 0; round < 9; round++) {
                Path path = dir.resolve("engine-close-load-" + round + ".dat");
                byte[] ref = TestFiles.randomBytes(refPages * page, round);
                Files.write(path, ref);
                IoEngine own = IoEngine.open(config().withQueueDepth(16));
                List<FileOption> opts = new ArrayList<>(List.of(FileOption.READ, FileOption.WRITE));
                if (mode == Mode.DIRECT) {
                    opts.add(FileOption.DIRECT);
                } else if (mode == Mode.CACHED) {
                    opts.add(FileOption.CACHED);
                }
                AsyncFile file = AsyncFile.open(own, path, opts.toArray(FileOption[]::new));
                java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(submitters);
                List<List<Object[]>> made = new ArrayList<>();
                Thread[] threads = new Thread[submitters];
                for (int t = 0; t < submitters; t++) {
                    List<Object[]> mine = new ArrayList<>();
                    made.add(mine);
                    final int id = t;
                    threads[t] = Thread.ofPlatform().start(() -> {
                        SplittableRandom rnd = new SplittableRandom(id * 31L + 7);
                        for (int i = 0; i < perThread; i++) {
                            if (i == 8) {
                                started.countDown();
                            }
                            MemorySegment buf = Arena.ofAuto().allocate(page, page);
                            long offset;
                            CompletableFuture<Integer> f;
                            if (rnd.nextBoolean()) {
                                // Each write has its own page past the reference pages, and its own bytes.
                                offset = (long) page * (refPages + id * perThread + i);
                                fill(buf, rnd);
                                f = file.write(buf, offset);
                            } else {
                                offset = (long) page * rnd.nextInt(refPages);
                                buf.fill((byte) 0xEE);
                                f = file.read(buf, offset);
                            }
                            mine.add(new Object[] {f, buf, offset});
                        }
                        started.countDown();
                    });
                }
                started.await();
                if (round % 3 == 2) {
                    // From a completion callback, close only starts the close; the loop still
                    // finishes every request it accepted.
                    file.read(Arena.ofAuto().allocate(page, page), 0).whenComplete((n, e) -> own.close());
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!own.isClosed()) {
                        assertTrue(System.nanoTime() < deadline, "round " + round + ": the engine closed");
                        Thread.sleep(1);
                    }
                } else {
                    own.close();
                }
                assertTrue(own.isClosed(), "round " + round);
                own.close(); // idempotent
                for (Thread t : threads) {
                    t.join();
                }
                file.close();
                byte[] onDisk = Files.readAllBytes(path);
                int accepted = 0;
                int rejected = 0;
                for (List<Object[]> mine : made) {
                    for (Object[] req : mine) {
                        @SuppressWarnings("unchecked")
                        CompletableFuture<Integer> f = (CompletableFuture<Integer>) req[0];
                        MemorySegment buf = (MemorySegment) req[1];
                        long offset = (long) req[2];
                        Integer n;
                        try {
                            n = f.get(10, TimeUnit.SECONDS);
                        } catch (ExecutionException e) {
                            assertInstanceOf(AsynchronousCloseException.class, e.getCause(), "round " + round
                                    + ": a request the engine did not take is refused as closed, not " + e.getCause());
                            rejected++;
                            continue;
                        }
                        accepted++;
                        assertEquals(page, n, "round " + round + ": request at " + offset);
                        if (offset < (long) refPages * page) {
                            assertArrayEquals(Arrays.copyOfRange(ref, (int) offset, (int) offset + page),
                                    buf.toArray(JAVA_BYTE), "round " + round + ": read at " + offset);
                        } else {
                            String what = "round " + round + ": a write whose future succeeded is in the file, at "
                                    + offset;
                            assertTrue(onDisk.length >= offset + page, what);
                            assertArrayEquals(buf.toArray(JAVA_BYTE),
                                    Arrays.copyOfRange(onDisk, (int) offset, (int) offset + page), what);
                        }
                    }
                }
                assertTrue(accepted > 0, "round " + round + ": " + rejected + " refused, none accepted");
                Files.delete(path);
            }
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertEquals(List.of(), uncaught);
    }

    /**
     * A cached read's page read waits in the context's own queue, not submitted yet (the kernel
     * pushed back), when the context closes. Other readers may be waiting for those pages, so it
     * must still happen (on the engine): dropped with the context's never-submitted requests, its
     * pages would stay locked and the close itself would wait forever for the cached read.
     */
    @Test
    // A close that hangs must fail the test, not hang the run: the test thread is left behind.
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void closingAContextHandsItsUnsubmittedPageReadsToTheEngine() throws Exception {
        Path path = dir.resolve("stalled.dat");
        byte[] data = TestFiles.randomBytes(64 * 1024, 21);
        Files.write(path, data);
        StallingProvider provider = new StallingProvider(dev.jaio.internal.provider.Engines.byName(engineName()));
        try (IoEngine own = IoEngine.openWith(config().withQueueDepth(16), provider);
             AsyncFile file = AsyncFile.open(own, path, FileOption.READ, FileOption.CACHED);
             IoBuffer buf = IoBuffer.allocate(8192, 4096)) {
            IoContext ctx = own.newContext(4);
            provider.stallContexts = true;
            assertTrue(ctx.prepareRead(file, buf.segment(), 0, 1));
            assertEquals(1, ctx.submit());
            assertTrue(ctx.unsubmitted() > 0, "the page read waits in the context's queue");
            ctx.close();
            assertEquals(0, buf.pinCount());
            assertArrayEquals(Arrays.copyOf(data, 8192), buf.segment().toArray(JAVA_BYTE),
                    "the closed context's read finished, through the engine");
            MemorySegment back = Arena.ofAuto().allocate(8192);
            assertEquals(8192, await(file.read(back, 0)), "the pages were read, not failed");
            assertArrayEquals(Arrays.copyOf(data, 8192), back.toArray(JAVA_BYTE));
        }
    }

    /** Closing a context does not wait for its timers: the queue's close cancels them (io_uring). */
    @Test
    // A close that hangs must fail the test, not hang the run: the test thread is left behind.
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void closingAContextCancelsItsPendingTimers() throws Exception {
        try (AsyncFile file = open(dir.resolve("timer.dat"), Mode.BUFFERED);
             IoBuffer buf = file.allocateBuffer(4096)) {
            IoContext ctx = engine.newContext(4);
            if (!ctx.supportsChaining()) {
                ctx.close();
                return; // no timers on this engine
            }
            assertTrue(ctx.prepareWrite(file, buf.segment(), 0, 1));
            assertTrue(ctx.prepareTimeout(1, TimeUnit.HOURS, 2));
            ctx.submit();
            long start = System.nanoTime();
            ctx.close();
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "close waited for an hour-long timer");
            assertEquals(0, buf.pinCount());
            assertEquals(4096, Files.size(file.path()), "the submitted write was waited for");
        }
    }

    /**
     * An engine whose contexts' queues can be made to accept nothing on submit, as a kernel that
     * pushes back (EAGAIN) does: what was prepared stays prepared.
     */
    static final class StallingProvider implements dev.jaio.internal.engine.EngineProvider {
        private final dev.jaio.internal.engine.EngineProvider real;
        volatile boolean stallContexts;

        StallingProvider(dev.jaio.internal.engine.EngineProvider real) {
            this.real = real;
        }

        @Override
        public String name() {
            return real.name();
        }

        @Override
        public String description() {
            return real.description();
        }

        @Override
        public String unavailabilityCause() {
            return real.unavailabilityCause();
        }

        @Override
        public dev.jaio.internal.engine.IoQueue openQueue(dev.jaio.internal.engine.QueueOptions options)
                throws IOException {
            dev.jaio.internal.engine.IoQueue q = real.openQueue(options);
            // The engine's own queue (the one with wakeup support) is never stalled.
            return options.wakeup() ? q : new StallingQueue(q);
        }

        private final class StallingQueue implements dev.jaio.internal.engine.IoQueue {
            private final dev.jaio.internal.engine.IoQueue q;

            StallingQueue(dev.jaio.internal.engine.IoQueue q) {
                this.q = q;
            }

            @Override
            public int submit() {
                return stallContexts ? 0 : q.submit();
            }

            @Override
            public String engineName() {
                return q.engineName();
            }

            @Override
            public int capacity() {
                return q.capacity();
            }

            @Override
            public int outstanding() {
                return q.outstanding();
            }

            @Override
            public int unsubmitted() {
                return q.unsubmitted();
            }

            @Override
            public boolean prepareRead(int fd, MemorySegment buffer, long offset, int rwFlags, long userData) {
                return q.prepareRead(fd, buffer, offset, rwFlags, userData);
            }

            @Override
            public boolean prepareWrite(int fd, MemorySegment buffer, long offset, int rwFlags, long userData) {
                return q.prepareWrite(fd, buffer, offset, rwFlags, userData);
            }

            @Override
            public boolean prepareReadv(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags,
                    long userData) {
                return q.prepareReadv(fd, iovecs, iovCount, offset, rwFlags, userData);
            }

            @Override
            public boolean prepareWritev(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags,
                    long userData) {
                return q.prepareWritev(fd, iovecs, iovCount, offset, rwFlags, userData);
            }

            @Override
            public boolean prepareFsync(int fd, boolean dataOnly, long userData) {
                return q.prepareFsync(fd, dataOnly, userData);
            }

            @Override
            public boolean preparePoll(int fd, int pollEvents, long userData) {
                return q.preparePoll(fd, pollEvents, userData);
            }

            @Override
            public int reap(int minComplete, int maxComplete, long timeoutNanos,
                    dev.jaio.internal.engine.CompletionSink sink) {
                return q.reap(minComplete, maxComplete, timeoutNanos, sink);
            }

            @Override
            public void wakeup() {
                q.wakeup();
            }

            @Override
            public boolean supportsWakeup() {
                return q.supportsWakeup();
            }

            @Override
            public void cancel(long userData) {
                q.cancel(userData);
            }

            @Override
            public int cancelUnsubmitted() {
                return q.cancelUnsubmitted();
            }

            @Override
            public void close() {
                q.close();
            }
        }
    }

    @Test
    void callbacksMayCloseTheFileOnTheCompletionThread() throws Exception {
        AsyncFile file = open(dir.resolve("callback.dat"), Mode.BUFFERED);
        try (IoBuffer buf = file.allocateBuffer(4096)) {
            CompletableFuture<Integer> f = file.write(buf.segment(), 0);
            CompletableFuture<Void> closed = f.thenRun(file::close);
            await(closed);
            assertTrue(file.isClosed());
        }
    }

    // ---- the batch interface ----

    @ParameterizedTest
    @EnumSource(Mode.class)
    void batchContextSubmitsAndReapsMany(Mode mode) throws Exception {
        try (AsyncFile file = open(dir.resolve("batch.dat"), mode);
             IoBuffer buf = file.allocateBuffer(64 * 4096);
             IoContext ctx = engine.newContext(64)) {
            fill(buf.segment(), new SplittableRandom(10));
            for (int i = 0; i < 64; i++) {
                assertTrue(ctx.prepareWrite(file, buf.segment().asSlice(4096L * i, 4096), 4096L * i, i));
            }
            assertFalse(ctx.prepareWrite(file, buf.segment().asSlice(0, 4096), 0, 99), "full at depth");
            assertEquals(64, ctx.unsubmitted());
            int submitted = 0;
            long[] results = new long[64];
            AtomicInteger done = new AtomicInteger();
            while (done.get() < 64) {
                submitted += ctx.submit();
                ctx.getEvents(1, 64, 10, TimeUnit.SECONDS, (cookie, res) -> {
                    results[(int) cookie] = res;
                    done.incrementAndGet();
                });
            }
            assertEquals(64, submitted);
            for (long r : results) {
                assertEquals(4096, r);
            }
            assertEquals(0, ctx.outstanding());
            MemorySegment back = Arena.ofAuto().allocate(64 * 4096, 4096);
            for (int i = 0; i < 64; i++) {
                ctx.prepareRead(file, back.asSlice(4096L * i, 4096), 4096L * i, i);
            }
            ctx.submit();
            int reaped = 0;
            while (reaped < 64) {
                reaped += ctx.getEvents(64 - reaped, 64, -1, TimeUnit.SECONDS, (c, r) -> assertEquals(4096, r));
            }
            assertEquals(-1, back.mismatch(buf.segment()));
            assertEquals(0, ctx.getEvents(0, 8, 0, TimeUnit.SECONDS, (c, r) -> { }), "nothing left");
            ctx.prepareFsync(file, false, 1);
            ctx.prepareFsync(file, true, 2);
            ctx.submit();
            assertEquals(2, ctx.getEvents(2, 2, -1, TimeUnit.SECONDS, (c, r) -> assertEquals(0, r)));
        }
    }

    /**
     * A context made on one (platform) thread and driven by one virtual thread, which moves between
     * carrier threads while other virtual threads keep the carriers busy: every read completes with
     * the file's bytes. An io_uring ring bound to one OS thread (IORING_SETUP_SINGLE_ISSUER) would
     * refuse every call made from another carrier with EEXIST. Registration and close, also ring
     * operations, run on that virtual thread too.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aContextDrivenByAVirtualThreadLosesNoRequestWhileItMovesBetweenCarriers(Mode mode) throws Exception {
        final int rounds = 200;
        final int batch = 8;
        try (AsyncFile file = open(dir.resolve("virtual.dat"), mode);
             IoBuffer data = file.allocateBuffer(batch * 4096);
             IoBuffer back = file.allocateBuffer(batch * 4096)) {
            fill(data.segment(), new SplittableRandom(21));
            assertEquals(batch * 4096, await(file.write(data.segment(), 0)));
            IoContext ctx = engine.newContext(batch); // made here, on the test's platform thread
            java.util.Set<String> carriers = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<Thread> busy = new ArrayList<>();
            for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                busy.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        long until = System.nanoTime() + 50_000;
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait(); // holds its carrier for a while
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000); // then lets it go
                    }
                }));
            }
            AtomicInteger lost = new AtomicInteger();
            List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread driver = Thread.ofVirtual().start(() -> {
                try (IoContext c = ctx) { // closed on this thread too
                    for (int round = 0; round < rounds; round++) {
                        if (round == rounds / 2 && c.supportsRegistration()) {
                            c.registerBuffers(back); // io_uring_register, from whichever carrier this is on now
                            c.registerFiles(file);
                        }
                        back.segment().fill((byte) 0);
                        for (int i = 0; i < batch; i++) {
                            assertTrue(c.prepareRead(file, back.segment().asSlice(4096L * i, 4096), 4096L * i, i));
                        }
                        carriers.add(carrierOf(Thread.currentThread()));
                        moveOn(); // most likely to another carrier
                        c.submit();
                        int done = 0;
                        int lostBefore = lost.get();
                        while (done < batch) {
                            carriers.add(carrierOf(Thread.currentThread()));
                            moveOn();
                            int n = c.getEvents(1, batch, 10, TimeUnit.SECONDS, (cookie, r) -> {
                                if (r != 4096) {
                                    lost.incrementAndGet();
                                    if (errors.size() < 5) {
                                        errors.add("read " + cookie + ": " + IoContext.errorName(r));
                                    }
                                }
                            });
                            assertTrue(n > 0, "no completion within 10 s");
                            done += n;
                            carriers.add(carrierOf(Thread.currentThread()));
                        }
                        if (lost.get() == lostBefore && back.segment().mismatch(data.segment()) != -1) {
                            errors.add("round " + round + ": the bytes read differ from the file's");
                        }
                    }
                    if (c.supportsRegistration()) {
                        moveOn();
                        c.unregisterBuffers();
                        c.unregisterFiles();
                    }
                    moveOn();
                } catch (Throwable t) {
                    errors.add(t.toString());
                }
            });
            try {
                assertTrue(driver.join(java.time.Duration.ofSeconds(60)), "the driving thread finished");
            } finally {
                stop.set(true);
                for (Thread t : busy) {
                    t.join();
                }
            }
            assertEquals(List.of(), errors);
            assertEquals(0, lost.get(), "reads lost of " + rounds * batch);
            if (Runtime.getRuntime().availableProcessors() > 1) {
                assertTrue(carriers.size() > 1, "the virtual thread ran on more than one carrier: " + carriers);
            }
        }
    }

    /**
     * Unmounts the calling virtual thread for a few microseconds: the timer's wakeup puts it back in
     * the scheduler's shared queue, where whichever carrier is free takes it (a yield would put it on
     * its own carrier's queue).
     */
    private static void moveOn() throws InterruptedException {
        Thread.sleep(java.time.Duration.ofNanos(10_000));
    }

    /** The carrier of a mounted virtual thread, from its toString: {@code VirtualThread[#22]/runnable@ForkJoinPool-1-worker-3}. */
    private static String carrierOf(Thread virtual) {
        String s = virtual.toString();
        return s.substring(s.indexOf('@') + 1);
    }

    /** io_submit / io_getevents without allocation: prepare, submit and reap 64 requests, many times. */
    @Test
    void theBatchInterfaceAllocatesNothingPerRequestInSteadyState() throws Exception {
        assumeTrue(!engineName().equals("threads"), "the thread engine hands requests to its workers through a"
                + " lock and condition, whose waits allocate queue nodes; only the kernel engines promise this");
        try (AsyncFile file = open(dir.resolve("alloc.dat"), Mode.DIRECT);
             IoBuffer buf = file.allocateBuffer(64 * 4096);
             IoContext ctx = engine.newContext(64)) {
            await(file.write(buf.segment(), 0));
            MemorySegment[] slices = new MemorySegment[64];
            for (int i = 0; i < 64; i++) {
                slices[i] = buf.segment().asSlice(4096L * i, 4096);
            }
            long[] bytes = new long[1];
            CompletionHandler handler = (cookie, result) -> bytes[0] += result;
            dev.jaio.internal.linux.AllocationProbe.assertSteadyStateAllocationFree(() -> {
                for (int round = 0; round < 16; round++) {
                    for (int i = 0; i < 64; i++) {
                        ctx.prepareRead(file, slices[i], 4096L * i, i);
                    }
                    ctx.submit();
                    int done = 0;
                    while (done < 64) {
                        done += ctx.getEvents(1, 64, -1, TimeUnit.NANOSECONDS, handler);
                    }
                }
            }, 3000);
            assertEquals(0, bytes[0] % (64 * 4096));
            assertTrue(bytes[0] > 0);
        }
    }

    /**
     * Registered buffers and files (io_uring) change nothing about how requests are prepared or what
     * they return; engines without registration say so plainly.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void registeredBuffersAndFilesWorkWhereSupportedAndAreRefusedClearlyElsewhere(Mode mode) throws Exception {
        try (AsyncFile file = open(dir.resolve("registered.dat"), mode);
             IoBuffer buf = file.allocateBuffer(16 * 4096);
             IoContext ctx = engine.newContext(16)) {
            if (!ctx.supportsRegistration()) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> ctx.registerBuffers(buf));
                assertTrue(e.getMessage().contains("uring") && e.getMessage().contains(engineName()), e.getMessage());
                assertThrows(UnsupportedOperationException.class, () -> ctx.registerFiles(file));
                return;
            }
            IoBuffer other = file.allocateBuffer(4096);
            ctx.registerBuffers(buf);
            ctx.registerFiles(file);
            fill(buf.segment(), new SplittableRandom(13));
            for (int i = 0; i < 8; i++) {
                assertTrue(ctx.prepareWrite(file, buf.segment().asSlice(4096L * i, 4096), 4096L * i, i));
            }
            ctx.prepareWrite(file, other.segment(), 8 * 4096, 8); // not registered: the ordinary path
            ctx.prepareFsync(file, true, 9);
            ctx.submit();
            long[] results = new long[10];
            int done = 0;
            while (done < 10) {
                done += ctx.getEvents(1, 16, 10, TimeUnit.SECONDS, (c, r) -> results[(int) c] = r);
            }
            for (int i = 0; i < 9; i++) {
                assertEquals(4096, results[i], "request " + i);
            }
            assertEquals(0, results[9]);
            buf.close();
            assertTrue(buf.segment().scope().isAlive(), "a registered buffer stays pinned after close");
            MemorySegment back = Arena.ofAuto().allocate(8 * 4096, 4096);
            try (AsyncFile plain = AsyncFile.open(engine, file.path(), FileOption.READ)) {
                assertEquals(8 * 4096, await(plain.read(back, 0)));
            }
            assertEquals(-1, back.mismatch(buf.segment().asSlice(0, 8 * 4096)));
            ctx.unregisterBuffers();
            ctx.unregisterFiles();
            assertFalse(buf.segment().scope().isAlive(), "freed once unregistered");
            other.close();
        }
    }

    /** Links, linked timeouts, timers and cancellation (io_uring); other engines refuse clearly. */
    @Test
    void linksTimeoutsAndCancellationWorkWhereSupportedAndAreRefusedClearlyElsewhere() throws Exception {
        try (AsyncFile file = open(dir.resolve("links.dat"), Mode.DIRECT);
             IoBuffer buf = file.allocateBuffer(2 * 4096);
             IoContext ctx = engine.newContext(16)) {
            if (!ctx.supportsChaining()) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, ctx::linkNext);
                assertTrue(e.getMessage().contains(engineName()), e.getMessage());
                assertThrows(UnsupportedOperationException.class, () -> ctx.prepareTimeout(1, TimeUnit.SECONDS, 1));
                assertThrows(UnsupportedOperationException.class, () -> ctx.prepareCancel(1, 2));
                return;
            }
            await(file.write(buf.segment().asSlice(0, 4096), 0)); // something for request 9 to read
            java.util.Map<Long, Long> got = new java.util.HashMap<>();
            // write, then fdatasync only once the write is complete
            ctx.linkNext();
            ctx.prepareWrite(file, buf.segment().asSlice(0, 4096), 0, 1);
            ctx.prepareFsync(file, true, 2);
            // a read far past the end returns 0 bytes: short, so the request linked to it is cancelled
            ctx.linkNext();
            ctx.prepareRead(file, buf.segment().asSlice(4096, 4096), 1L << 40, 3);
            ctx.prepareFsync(file, false, 4);
            // a timer, and a timer cancelled before it fires
            ctx.prepareTimeout(1, TimeUnit.MILLISECONDS, 5);
            ctx.prepareTimeout(1, TimeUnit.HOURS, 6);
            ctx.submit();
            ctx.prepareCancel(6, 7);
            ctx.prepareCancel(12345, 8);
            // a read bounded by a linked timeout it beats
            ctx.linkNext();
            ctx.prepareRead(file, buf.segment().asSlice(4096, 4096), 0, 9);
            ctx.prepareLinkTimeout(30, TimeUnit.SECONDS, 10);
            ctx.submit();
            while (got.size() < 10) {
                ctx.getEvents(1, 16, 10, TimeUnit.SECONDS, got::put);
            }
            assertEquals(4096L, got.get(1L));
            assertEquals(0L, got.get(2L));
            assertEquals(0L, got.get(3L), "a read past the end returns 0 bytes: short, so the link breaks");
            assertEquals(-Errno.ECANCELED, got.get(4L));
            assertEquals(-Errno.ETIME, got.get(5L));
            assertEquals(-Errno.ECANCELED, got.get(6L), "cancelled before it fired");
            assertEquals(0L, got.get(7L));
            assertEquals(-Errno.ENOENT, got.get(8L), "no request with that cookie");
            assertEquals(4096L, got.get(9L));
            assertEquals(-Errno.ECANCELED, got.get(10L), "the read beat its timeout");
            assertThrows(IllegalStateException.class, () -> ctx.prepareLinkTimeout(1, TimeUnit.SECONDS, 11),
                    "a link timeout must follow a linked request");
        }
    }

    @Test
    void batchContextDeliversKernelErrorsAsCompletions() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("batch-dir"));
        try (AsyncFile directory = AsyncFile.open(engine, sub, FileOption.READ);
             IoBuffer buf = IoBuffer.allocate(4096, 4096);
             IoContext ctx = engine.newContext(4)) {
            assertTrue(ctx.prepareRead(directory, buf.segment(), 0, 7));
            ctx.submit();
            long[] got = new long[2];
            assertEquals(1, ctx.getEvents(1, 4, 10, TimeUnit.SECONDS, (c, r) -> {
                got[0] = c;
                got[1] = r;
            }));
            assertEquals(7, got[0]);
            assertTrue(got[1] < 0, "a negative errno, got " + got[1]);
            assertFalse(IoContext.errorName(got[1]).isEmpty());
            assertEquals(0, buf.pinCount(), "the completed request released its pin");
        }
    }

    @Test
    void batchContextIsConfinedToItsThread() throws Exception {
        try (AsyncFile file = open(dir.resolve("confined.dat"), Mode.BUFFERED);
             IoBuffer buf = file.allocateBuffer(4096);
             IoContext ctx = engine.newContext(4)) {
            ctx.prepareWrite(file, buf.segment(), 0, 1);
            ExecutorService other = Executors.newSingleThreadExecutor();
            Future<?> f = other.submit(() -> ctx.submit());
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertInstanceOf(WrongThreadException.class, e.getCause());
            other.shutdown();
            assertThrows(IllegalArgumentException.class,
                    () -> ctx.prepareRead(file, MemorySegment.ofArray(new byte[16]), 0, 2));
        }
    }

    @Test
    void batchContextCloseWaitsForTheKernelAndReleasesBuffers() throws Exception {
        try (AsyncFile file = open(dir.resolve("ctx-close.dat"), Mode.DIRECT)) {
            IoBuffer buf = file.allocateBuffer(1 << 20);
            await(file.write(buf.segment(), 0));
            IoContext ctx = engine.newContext(256);
            for (int i = 0; i < 256; i++) {
                ctx.prepareRead(file, buf.segment().asSlice(4096L * i, 4096), 4096L * i, i);
            }
            ctx.submit();
            buf.close();
            ctx.close();
            assertEquals(0, buf.pinCount());
            assertFalse(buf.segment().scope().isAlive(), "freed after the context's requests finished");
        }
    }

    // ---- close with requests in flight ----

    /**
     * Writes issued without waiting, then close: every write whose future reports success is in the
     * file afterwards, byte for byte, whatever state it was in when close ran (a CACHED write may
     * still be reading the old bytes of its partial pages). Unaligned and page-aligned writes.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void closeWithWritesInFlightKeepsEveryAcknowledgedWrite(Mode mode) throws Exception {
        SplittableRandom rnd = new SplittableRandom(11);
        Path path = dir.resolve("close-inflight.dat");
        int rounds = mode == Mode.DIRECT ? 5 : 25;
        for (int round = 0; round < rounds; round++) {
            boolean aligned = mode == Mode.DIRECT || round % 2 == 1;
            byte[] model = new byte[64 * 4096];
            rnd.nextBytes(model);
            Files.write(path, model);
            List<CompletableFuture<Integer>> writes = new ArrayList<>();
            try (Arena arena = Arena.ofShared()) {
                AsyncFile file = open(path, mode);
                for (int i = 0; i < 6; i++) {
                    int len = aligned ? 4096 * (1 + rnd.nextInt(3)) : 1 + rnd.nextInt(3 * 4096);
                    long pos = aligned ? 4096L * (i * 10 + rnd.nextInt(7)) : i * 40_000L + rnd.nextInt(4096);
                    MemorySegment src = mode == Mode.DIRECT ? file.allocateBuffer(len).segment()
                            : arena.allocate(len);
                    fill(src, rnd);
                    byte[] data = src.toArray(JAVA_BYTE);
                    System.arraycopy(data, 0, model, (int) pos, len);
                    writes.add(file.write(src, pos));
                }
                file.close();
                for (CompletableFuture<Integer> w : writes) {
                    assertTrue(w.isDone(), "close returns after every request it accepted has completed");
                    assertEquals(w.join(), w.join());
                }
            }
            for (int i = 0; i < writes.size(); i++) {
                assertTrue(writes.get(i).join() > 0);
            }
            assertArrayEquals(model, Files.readAllBytes(path), "round " + round + " (" + mode + ")");
        }
    }

    /**
     * Requests accepted before the engine's close run all their steps: a CACHED O_DSYNC write
     * (copy, writeback, flush), fsync and fdatasync complete normally, and the data is in the file.
     * Requests made after close began fail with {@link EngineClosedException}, naming the operation,
     * the path and the engine.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void engineCloseCompletesSyncsAcceptedBeforeIt(Mode mode) throws Exception {
        Path path = dir.resolve("engine-close.dat");
        byte[] model = new byte[32 * 4096];
        SplittableRandom rnd = new SplittableRandom(5);
        IoEngine mine = IoEngine.open(config().withQueueDepth(128));
        AsyncFile file;
        List<CompletableFuture<?>> all = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            file = AsyncFile.open(mine, path, mode == Mode.DIRECT
                    ? new FileOption[] {FileOption.READ, FileOption.WRITE, FileOption.CREATE, FileOption.DIRECT}
                    : mode == Mode.CACHED
                            ? new FileOption[] {FileOption.READ, FileOption.WRITE, FileOption.CREATE, FileOption.CACHED}
                            : new FileOption[] {FileOption.READ, FileOption.WRITE, FileOption.CREATE});
            for (int i = 0; i < 8; i++) {
                MemorySegment src = mode == Mode.DIRECT ? file.allocateBuffer(4096 * 4).segment()
                        : arena.allocate(4096 * 4, 4096);
                fill(src, rnd);
                MemorySegment.copy(src, JAVA_BYTE, 0, model, i * 4 * 4096, 4 * 4096);
                all.add(file.write(src, i * 4L * 4096, IoFlags.DSYNC));
                all.add(i % 2 == 0 ? file.fsync() : file.fdatasync());
            }
            mine.close();
            for (CompletableFuture<?> f : all) {
                assertTrue(f.isDone());
                await(f); // no ECANCELED, no AsynchronousCloseException
            }
            CompletionException late = assertThrows(CompletionException.class,
                    () -> file.write(arena.allocate(4096, 4096), 0).join());
            assertInstanceOf(AsynchronousCloseException.class, late.getCause());
            assertTrue(late.getCause().getMessage().contains(path.toString())
                    && late.getCause().getMessage().contains(engineName()), late.getCause().getMessage());
            file.close();
        }
        assertArrayEquals(model, Files.readAllBytes(path));
    }
}
