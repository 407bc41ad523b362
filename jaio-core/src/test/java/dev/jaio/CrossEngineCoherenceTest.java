package dev.jaio;

import static dev.jaio.TestFiles.await;
import static dev.jaio.TestFiles.randomBytes;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Handles of one file on different engines of the JVM see each other's completed writes, as kernel
 * handles do through the inode's one page cache: the file has one jaio cache in the JVM, and kernel
 * I/O of a handle of any engine is coherent with it (reads and syncs write its dirty pages back
 * first, writes drop its pages, truncates reach it). Every pair of engine kinds, each engine its own
 * instance.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrossEngineCoherenceTest {

    private static final int PAGE = 4096;
    private static final String[] KINDS = {"threads", "uring", "aio"};

    private Path dir;
    private final List<IoEngine> engines = new ArrayList<>();

    static Stream<Arguments> enginePairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (String a : KINDS) {
            for (String b : KINDS) {
                pairs.add(Arguments.of(a, b));
            }
        }
        return pairs.stream();
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("cross-engine");
    }

    @AfterEach
    void tearDown() throws IOException {
        for (IoEngine e : engines) {
            e.close();
        }
        TestFiles.deleteRecursively(dir);
    }

    private IoEngine engine(String kind) throws IOException {
        String cause = dev.jaio.internal.provider.Engines.byName(kind).unavailabilityCause();
        Assumptions.assumeTrue(cause == null, () -> kind + " unavailable: " + cause);
        IoEngine e = IoEngine.open(EngineConfig.defaults().withEngine(kind).withQueueDepth(64));
        engines.add(e);
        return e;
    }

    private static byte[] read(AsyncFile f, long pos, int n) throws Exception {
        return TestFiles.readBytes(f, pos, n);
    }

    private static void write(AsyncFile f, byte[] data, long pos) throws Exception {
        TestFiles.writeBytes(f, data, pos);
    }

    @ParameterizedTest(name = "cache on {0}, others on {1}")
    @MethodSource("enginePairs")
    void handlesOfAnotherEngineSeeTheCachesWritesAndItSeesTheirs(String cacheKind, String otherKind)
            throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("f");
        byte[] model = randomBytes(32 * PAGE, 1);
        Files.write(path, model);
        try (AsyncFile cached = AsyncFile.open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile kernel = AsyncFile.open(b, path, FileOption.READ, FileOption.WRITE);
             AsyncFile direct = AsyncFile.open(b, path, FileOption.READ, FileOption.WRITE, FileOption.DIRECT)) {
            // A cached write is dirty in engine a's cache only: b's reads write it back first.
            byte[] w1 = randomBytes(3 * PAGE, 2);
            write(cached, w1, 4 * PAGE + 100);
            System.arraycopy(w1, 0, model, 4 * PAGE + 100, w1.length);
            assertArrayEquals(Arrays.copyOfRange(model, 0, 10 * PAGE), read(kernel, 0, 10 * PAGE),
                    "a kernel-buffered read on another engine sees the cached write");
            byte[] w2 = randomBytes(100, 3);
            write(cached, w2, 9 * PAGE + 7);
            System.arraycopy(w2, 0, model, 9 * PAGE + 7, w2.length);
            assertArrayEquals(Arrays.copyOfRange(model, 8 * PAGE, 12 * PAGE), read(direct, 8 * PAGE, 4 * PAGE),
                    "an O_DIRECT read on another engine sees the cached write");

            // Pages engine a has cached are dropped by b's writes.
            assertArrayEquals(Arrays.copyOfRange(model, 12 * PAGE, 20 * PAGE), read(cached, 12 * PAGE, 8 * PAGE));
            byte[] w3 = randomBytes(2 * PAGE, 4);
            write(direct, w3, 12 * PAGE);
            System.arraycopy(w3, 0, model, 12 * PAGE, w3.length);
            byte[] w4 = randomBytes(333, 5);
            write(kernel, w4, 17 * PAGE + 1000);
            System.arraycopy(w4, 0, model, 17 * PAGE + 1000, w4.length);
            assertArrayEquals(Arrays.copyOfRange(model, 12 * PAGE, 20 * PAGE), read(cached, 12 * PAGE, 8 * PAGE),
                    "the cache sees O_DIRECT and kernel-buffered writes of another engine");

            // A write of b past the end grows the size the cache believes in.
            byte[] w5 = randomBytes(PAGE, 6);
            write(direct, w5, 40 * PAGE);
            assertEquals(41L * PAGE, cached.size());
            assertArrayEquals(w5, read(cached, 40 * PAGE, PAGE));
            assertArrayEquals(new byte[PAGE], read(cached, 35 * PAGE, PAGE), "the hole reads zeros");
            model = Arrays.copyOf(model, 41 * PAGE);
            System.arraycopy(w5, 0, model, 40 * PAGE, PAGE);

            // fsync on b writes the cache's dirty pages back first, as fsync(2) on any descriptor.
            byte[] w6 = randomBytes(5 * PAGE, 7);
            write(cached, w6, 22 * PAGE);
            System.arraycopy(w6, 0, model, 22 * PAGE, w6.length);
            assertTrue(a.pageCacheStats().dirtyPages() > 0, "the cached write is dirty");
            await(kernel.fsync());
            assertEquals(0, a.pageCacheStats().dirtyPages(), "the sync of another engine's handle wrote it back");
            assertArrayEquals(model, Files.readAllBytes(path), "the disk holds every write");

            // A truncate through b reaches the cache: its pages past the end go, its size shrinks.
            read(cached, 28 * PAGE, 4 * PAGE);
            kernel.truncate(29 * PAGE + 10);
            assertEquals(29L * PAGE + 10, cached.size());
            assertArrayEquals(Arrays.copyOfRange(model, 28 * PAGE, 29 * PAGE + 10), read(cached, 28 * PAGE, 4 * PAGE),
                    "the cached read stops at the end the other engine's truncate set");
        }
    }

    /**
     * An O_APPEND handle appends after what a CACHED handle (of this engine or another) wrote past
     * the end on disk, as a kernel append after a buffered write: the appended bytes follow the
     * cached ones and survive their writeback.
     */
    @ParameterizedTest(name = "cache on {0}, append on {1}")
    @MethodSource("enginePairs")
    void anAppendLandsAfterTheCachedWritesPastTheEndOnDisk(String cacheKind, String otherKind) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("append");
        byte[] model = randomBytes(3 * PAGE + 100, 30);
        Files.write(path, model);
        try (AsyncFile cached = AsyncFile.open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile appender = AsyncFile.open(b, path, FileOption.WRITE, FileOption.APPEND);
             AsyncFile sameEngine = AsyncFile.open(a, path, FileOption.WRITE, FileOption.APPEND)) {
            byte[] tail = randomBytes(2 * PAGE + 7, 31); // extends the file in jaio's cache only
            write(cached, tail, model.length);
            model = concat(model, tail);
            assertEquals(model.length, appender.size(), "the appender sees the size the cached write made");
            byte[] x = randomBytes(1000, 32);
            write(appender, x, 0); // O_APPEND: the offset is ignored
            model = concat(model, x);
            byte[] y = randomBytes(50, 33);
            write(sameEngine, y, 0);
            model = concat(model, y);
            assertEquals(model.length, cached.size());
            assertArrayEquals(Arrays.copyOfRange(model, model.length - 1050 - PAGE, model.length),
                    read(cached, model.length - 1050 - PAGE, 1050 + PAGE), "the cache reads the appends after its data");
            await(cached.fsync());
            assertArrayEquals(model, Files.readAllBytes(path), "the disk holds the cached write, then the appends");
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @ParameterizedTest(name = "cache on {0}, context on {1}")
    @MethodSource("enginePairs")
    void contextRequestsOfAnotherEngineAreCoherentToo(String cacheKind, String otherKind) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("ctx");
        byte[] model = randomBytes(16 * PAGE, 8);
        Files.write(path, model);
        try (AsyncFile cached = AsyncFile.open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile direct = AsyncFile.open(b, path, FileOption.READ, FileOption.WRITE, FileOption.DIRECT);
             IoContext ctx = b.newContext(8);
             IoBuffer buf = direct.allocateBuffer(4 * PAGE)) {
            byte[] w1 = randomBytes(2 * PAGE, 9);
            write(cached, w1, 2 * PAGE);
            System.arraycopy(w1, 0, model, 2 * PAGE, w1.length);
            long[] res = new long[1];
            assertTrue(ctx.prepareRead(direct, buf.segment(), 0, 1));
            ctx.submit();
            assertEquals(1, ctx.getEvents(1, 1, 10, TimeUnit.SECONDS, (cookie, r) -> res[0] = r));
            assertEquals(4 * PAGE, res[0]);
            assertArrayEquals(Arrays.copyOfRange(model, 0, 4 * PAGE), buf.segment().toArray(JAVA_BYTE));

            read(cached, 8 * PAGE, 4 * PAGE); // cached now
            byte[] w2 = randomBytes(4 * PAGE, 10);
            MemorySegment.copy(MemorySegment.ofArray(w2), 0, buf.segment(), 0, w2.length);
            assertTrue(ctx.prepareWrite(direct, buf.segment(), 8 * PAGE, 2));
            ctx.submit();
            assertEquals(1, ctx.getEvents(1, 1, 10, TimeUnit.SECONDS, (cookie, r) -> res[0] = r));
            assertEquals(4 * PAGE, res[0]);
            assertArrayEquals(w2, read(cached, 8 * PAGE, 4 * PAGE));
            System.arraycopy(w2, 0, model, 8 * PAGE, w2.length);

            byte[] w3 = randomBytes(PAGE, 11);
            write(cached, w3, 13 * PAGE);
            System.arraycopy(w3, 0, model, 13 * PAGE, w3.length);
            assertTrue(ctx.prepareFsync(direct, true, 3));
            ctx.submit();
            assertEquals(1, ctx.getEvents(1, 1, 10, TimeUnit.SECONDS, (cookie, r) -> res[0] = r));
            assertEquals(0, res[0]);
            assertEquals(0, a.pageCacheStats().dirtyPages(), "the context's fdatasync wrote the cache back first");
            assertArrayEquals(model, Files.readAllBytes(path));
        }
    }

    @ParameterizedTest(name = "cache on {0}, second CACHED open on {1}")
    @MethodSource("enginePairs")
    void aFileHasOneCacheInTheJvm(String cacheKind, String otherKind) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("one");
        Files.write(path, new byte[4 * PAGE]);
        byte[] w = randomBytes(PAGE + 17, 12);
        try (AsyncFile first = AsyncFile.open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            write(first, w, 100);
            FileSystemException e = assertThrows(FileSystemException.class,
                    () -> AsyncFile.open(b, path, FileOption.READ, FileOption.CACHED));
            assertEquals(path.toString(), e.getFile());
            assertTrue(e.getMessage().contains("open CACHED on another engine"), e.getMessage());
            // The same engine shares the cache, and the refused open left nothing behind.
            try (AsyncFile second = AsyncFile.open(a, path, FileOption.READ, FileOption.CACHED)) {
                assertArrayEquals(w, read(second, 100, w.length));
            }
        }
        // The last CACHED handle closed (writing its pages back): the other engine may cache it now.
        try (AsyncFile other = AsyncFile.open(b, path, FileOption.READ, FileOption.CACHED)) {
            assertArrayEquals(w, read(other, 100, w.length));
        }
    }

    @ParameterizedTest(name = "cache on {0}, survivor on {1}")
    @MethodSource("enginePairs")
    void anEngineThatClosesTakesItsCacheAlong(String cacheKind, String otherKind) throws Exception {
        IoEngine a = engine(cacheKind);
        IoEngine b = engine(otherKind);
        Path path = dir.resolve("closing");
        Files.write(path, new byte[8 * PAGE]);
        byte[] w = randomBytes(2 * PAGE, 13);
        try (AsyncFile kernel = AsyncFile.open(b, path, FileOption.READ, FileOption.WRITE)) {
            AsyncFile cached = AsyncFile.open(a, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
            write(cached, w, PAGE);
            a.close(); // writes the dirty pages back; the handle stays open but its engine is gone
            assertArrayEquals(w, read(kernel, PAGE, w.length), "the engine's close wrote the pages back");
            byte[] w2 = randomBytes(PAGE, 14);
            write(kernel, w2, 0);
            await(kernel.fsync());
            assertArrayEquals(w2, read(kernel, 0, PAGE), "no cache of the closed engine stands in the way");
            try (AsyncFile again = AsyncFile.open(b, path, FileOption.READ, FileOption.CACHED)) {
                assertArrayEquals(w2, read(again, 0, PAGE), "the file may be cached on another engine now");
            }
            cached.close();
        }
    }
}
