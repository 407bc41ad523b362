package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.provider.Engines;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A batch context runs each slot's cached reads with one read object, reset per request
 * (CachedBatch): what one request leaves behind must never show in the next one of the slot, on
 * another file, at another size, after a miss, a hit or a short read at the end of a file; and a
 * read that hits allocates nothing at all.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ContextCachedReadReuseTest {

    private static final int PAGE = 4096;

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestFiles.newDirectory("context-read-reuse");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestFiles.deleteRecursively(dir);
    }

    private static void assumeEngine(String engineName) {
        String cause = Engines.byName(engineName).unavailabilityCause();
        assumeTrue(cause == null, () -> engineName + " unavailable: " + cause);
    }

    /**
     * Two slots, two files of different sizes and contents, a cache of 32 pages for 224 pages of
     * files (so reads miss, hit and evict), reads of 1 byte to 5 pages at any offset, some reaching
     * past the end of the shorter file: each result and each byte is what the file holds.
     */
    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void aSlotsReadCarriesNothingIntoItsNextRequest(String engineName) throws Exception {
        assumeEngine(engineName);
        Path pa = dir.resolve("a");
        Path pb = dir.resolve("b");
        byte[] a = TestFiles.randomBytes(160 * PAGE, 1);
        byte[] b = TestFiles.randomBytes(64 * PAGE - 1000, 2); // ends inside a page
        Files.write(pa, a);
        Files.write(pb, b);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName)
                .withPageCache(PageCacheConfig.defaults().withBudget(32L * PAGE)));
             AsyncFile fa = AsyncFile.open(engine, pa, FileOption.READ, FileOption.CACHED);
             AsyncFile fb = AsyncFile.open(engine, pb, FileOption.READ, FileOption.CACHED);
             Arena arena = Arena.ofConfined();
             IoContext ctx = engine.newContext(2)) {
            MemorySegment[] bufs = {arena.allocate(5 * PAGE, PAGE), arena.allocate(5 * PAGE, PAGE)};
            SplittableRandom rnd = new SplittableRandom(42);
            long[] expect = new long[2];
            long[] got = {Long.MIN_VALUE, Long.MIN_VALUE};
            byte[][] content = new byte[2][];
            long[] at = new long[2];
            for (int round = 0; round < 400; round++) {
                for (int slot = 0; slot < 2; slot++) {
                    boolean useA = rnd.nextBoolean();
                    byte[] data = useA ? a : b;
                    int len = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(100) : 1 + rnd.nextInt(5 * PAGE);
                    long pos = rnd.nextLong(data.length + PAGE); // some past the end
                    MemorySegment dst = bufs[slot].asSlice(0, len);
                    dst.fill((byte) 0x5A);
                    content[slot] = data;
                    at[slot] = pos;
                    expect[slot] = Math.max(0, Math.min(len, data.length - pos));
                    assertTrue(ctx.prepareRead(useA ? fa : fb, dst, pos, slot));
                }
                assertEquals(2, ctx.submit());
                got[0] = got[1] = Long.MIN_VALUE;
                int reaped = 0;
                while (reaped < 2) {
                    reaped += ctx.getEvents(1, 2, 20, TimeUnit.SECONDS, (cookie, result) -> got[(int) cookie] = result);
                }
                for (int slot = 0; slot < 2; slot++) {
                    int r = slot;
                    assertEquals(expect[slot], got[slot], () -> "slot " + r + ": result of the read at " + at[r]);
                    int n = (int) expect[slot];
                    byte[] actual = bufs[slot].asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                    int from = (int) Math.min(at[slot], content[slot].length);
                    byte[] wanted = Arrays.copyOfRange(content[slot], from, from + n);
                    assertArrayEquals(wanted, actual, () -> "slot " + r + ": bytes of the read at " + at[r]);
                }
            }
            PageCacheStats stats = engine.pageCacheStats();
            assertTrue(stats.misses() > 0 && stats.hits() > 0 && stats.evictions() > 0, stats::toString);
            assertTrue(stats.residentPages() <= 32, stats::toString);
        }
    }

    /**
     * A read that hits, through a batch context, allocates nothing: no request object, no waiter,
     * no per-thread map entry (measured on the owner thread with the JVM's allocation counter, over
     * 20,000 reads after 20,000 to warm up; a single 16-byte object per read would show as 16).
     */
    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void cachedHitsThroughAContextAllocateNothing(String engineName) throws Exception {
        assumeEngine(engineName);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        Path path = dir.resolve("hot");
        Files.write(path, TestFiles.randomBytes(64 * PAGE, 3));
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName));
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.CACHED);
             Arena arena = Arena.ofConfined();
             IoContext ctx = engine.newContext(16)) {
            MemorySegment buf = arena.allocate(16L * PAGE, PAGE);
            MemorySegment[] slices = new MemorySegment[16];
            for (int i = 0; i < 16; i++) {
                slices[i] = buf.asSlice((long) i * PAGE, PAGE);
            }
            Counter counter = new Counter();
            run(ctx, f, slices, counter, 20_000); // misses first, then hits; and the JIT
            long hitsBefore = engine.pageCacheStats().hits();
            long before = threads.getCurrentThreadAllocatedBytes();
            run(ctx, f, slices, counter, 20_000);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(20_000, engine.pageCacheStats().hits() - hitsBefore, "every measured read hit");
            assertEquals(0, counter.failures, "every read returned a page");
            assertTrue(allocated < 20_000, () -> allocated + " bytes for 20,000 cached hits through a context: "
                    + (allocated / 20_000.0) + " per read");
        }
    }

    /** Counts results; a field, not a capturing lambda, so that the measurement sees jaio's allocations only. */
    private static final class Counter implements CompletionHandler {
        long failures;

        @Override
        public void onCompletion(long userData, long result) {
            if (result != PAGE) {
                failures++;
            }
        }
    }

    /** {@code n} page reads over the file's 64 pages, 16 in flight. */
    private static void run(IoContext ctx, AsyncFile f, MemorySegment[] slices, Counter counter, int n) {
        int page = 0;
        int prepared = 0;
        int reaped = 0;
        while (reaped < n) {
            while (prepared < n && ctx.outstanding() + ctx.unsubmitted() < 16) {
                int slot = prepared % 16;
                ctx.prepareRead(f, slices[slot], (long) page * PAGE, slot);
                page = (page + 1) % 64;
                prepared++;
            }
            ctx.submit();
            reaped += ctx.getEvents(1, 16, 20, TimeUnit.SECONDS, counter);
        }
    }
}
