package dev.jaio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link AsyncFile#append}: offsets, ordering of reservations, alignment checks, on every kind of file. */
class AppendTest {

    enum Mode {
        BUFFERED, DIRECT, CACHED
    }

    private Path dir;
    private IoEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("append");
        engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(64));
    }

    @AfterEach
    void tearDown() throws IOException {
        engine.close();
        TestFiles.deleteRecursively(dir);
    }

    private AsyncFile open(Path p, Mode mode) throws IOException {
        List<FileOption> o = new ArrayList<>(List.of(FileOption.READ, FileOption.WRITE, FileOption.CREATE));
        if (mode == Mode.DIRECT) {
            o.add(FileOption.DIRECT);
        } else if (mode == Mode.CACHED) {
            o.add(FileOption.CACHED);
        }
        return AsyncFile.open(engine, p, o.toArray(FileOption[]::new));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void appendsFromManyThreadsTakeConsecutiveRangesAndSayWhere(Mode mode) throws Exception {
        Path p = dir.resolve("log-" + mode);
        Files.write(p, new byte[8192]); // appends start at the size
        int threads = 16;
        int perThread = 20;
        Map records = new Map();
        try (AsyncFile f = open(p, mode)) {
            long unit = f.preferredIoSize();
            assertEquals(8192, f.appendPosition());
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<java.util.concurrent.Future<Object>> all = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    all.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            // Records of 1 to 3 units, each filled with its own byte.
                            long len = unit * (1 + (id + i) % 3);
                            byte mark = (byte) (1 + id * perThread + i);
                            try (IoBuffer b = f.allocateBuffer(len)) {
                                b.segment().fill(mark);
                                long at = TestFiles.await(f.append(b.segment().asSlice(0, len),
                                        i % 2 == 0 ? IoFlags.DSYNC : IoFlags.NONE));
                                records.put(at, len, mark);
                            }
                        }
                        return null;
                    }));
                }
                for (var done : all) {
                    done.get(); // a failed append fails the test with its own exception
                }
            }
            assertEquals(threads * perThread, records.size());
            // The ranges tile [8192, end) with no gap and no overlap.
            long next = 8192;
            for (var e : records.sorted()) {
                assertEquals(next, e[0], "records are consecutive");
                next += e[1];
            }
            assertEquals(next, f.appendPosition());
            TestFiles.await(f.fsync());
            assertEquals(next, f.size());
        }
        byte[] back = Files.readAllBytes(p);
        assertEquals(records.total() + 8192, back.length);
        for (var e : records.sorted()) {
            for (long i = e[0]; i < e[0] + e[1]; i += 512) {
                assertEquals((byte) e[2], back[(int) i], "record at " + e[0]);
            }
        }
    }

    @Test
    void aDirectLogInAPreallocatedFileAppendsFromThePositionItIsGiven() throws Exception {
        Path p = dir.resolve("prealloc");
        long unit;
        try (AsyncFile f = open(p, Mode.DIRECT)) {
            f.allocate(0, 1 << 20);
            assertEquals(1 << 20, f.appendPosition(), "the size, until told otherwise");
            f.appendPosition(0);
            unit = f.preferredIoSize();
            try (IoBuffer b = f.allocateBuffer(unit)) {
                for (int i = 0; i < 4; i++) {
                    b.segment().fill((byte) (i + 1));
                    assertEquals(i * unit, TestFiles.await(f.append(b.segment(), IoFlags.DSYNC)));
                }
                // Misaligned: refused before a range is taken.
                long before = f.appendPosition();
                assertThrows(IllegalArgumentException.class, () -> f.append(b.segment().asSlice(0, 100)));
                assertThrows(IllegalArgumentException.class, () -> f.appendPosition(100));
                assertThrows(IllegalArgumentException.class, () -> f.appendPosition(-4096));
                assertEquals(before, f.appendPosition());
            }
            assertEquals(1 << 20, f.size(), "appends inside the preallocated range leave the size");
        }
        byte[] back = Files.readAllBytes(p);
        for (int i = 0; i < 4; i++) {
            assertEquals(i + 1, back[(int) (i * unit + 17)]);
            assertEquals(i + 1, back[(int) ((i + 1) * unit - 1)]);
        }
    }

    @Test
    void aTruncateBelowTheAppendPositionBringsItBack() throws Exception {
        Path p = dir.resolve("trunc");
        try (AsyncFile f = open(p, Mode.BUFFERED);
             IoBuffer b = f.allocateBuffer(100)) {
            assertEquals(0L, TestFiles.await(f.append(b.segment().asSlice(0, 100))));
            assertEquals(100L, TestFiles.await(f.append(b.segment().asSlice(0, 100))));
            f.truncate(50);
            assertEquals(50, f.appendPosition());
            assertEquals(50L, TestFiles.await(f.append(b.segment().asSlice(0, 10))));
            f.truncate(1000); // growing leaves it
            assertEquals(60, f.appendPosition());
        }
    }

    @Test
    void anAppendToAReadOnlyFileIsRefused() throws Exception {
        Path p = dir.resolve("ro");
        Files.write(p, new byte[10]);
        try (AsyncFile f = AsyncFile.open(engine, p, FileOption.READ);
             IoBuffer b = f.allocateBuffer(10)) {
            assertThrows(IllegalStateException.class, () -> f.append(b.segment()));
        }
    }

    @Test
    void appendsThroughTheCacheAreReadBackAtTheirOffsets() throws Exception {
        Path p = dir.resolve("cached");
        try (AsyncFile f = open(p, Mode.CACHED);
             IoBuffer b = f.allocateBuffer(4096)) {
            byte[] one = TestFiles.randomBytes(300, 1);
            byte[] two = TestFiles.randomBytes(5000, 2);
            MemorySegment.copy(MemorySegment.ofArray(one), 0, b.segment(), 0, one.length);
            CompletableFuture<Long> a = f.append(b.segment().asSlice(0, one.length));
            CompletableFuture<Long> c = f.append(MemorySegment.ofArray(two));
            assertEquals(0L, TestFiles.await(a));
            assertEquals(300L, TestFiles.await(c));
            MemorySegment back = MemorySegment.ofArray(new byte[5300]);
            assertEquals(5300, TestFiles.await(f.read(back, 0)));
            assertArrayEquals(one, back.asSlice(0, 300).toArray(JAVA_BYTE));
            assertArrayEquals(two, back.asSlice(300, 5000).toArray(JAVA_BYTE));
        }
    }

    /** Offset to (length, mark), from many threads. */
    private static final class Map {
        private final ConcurrentHashMap<Long, long[]> m = new ConcurrentHashMap<>();

        void put(long at, long len, byte mark) {
            assertTrue(m.put(at, new long[] {at, len, mark}) == null, "offset " + at + " given twice");
        }

        int size() {
            return m.size();
        }

        long total() {
            return m.values().stream().mapToLong(e -> e[1]).sum();
        }

        List<long[]> sorted() {
            return m.values().stream().sorted((x, y) -> Long.compare(x[0], y[0])).toList();
        }
    }
}
