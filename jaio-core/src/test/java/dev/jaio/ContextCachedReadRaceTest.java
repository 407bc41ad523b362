package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.provider.Engines;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reused CachedReads and waiters under contention: three batch contexts on three threads, plus a
 * thread of plain AsyncFile reads, over the same small cache and the same pages (so requests wait
 * on pages other contexts' queues read, take the bypass, share waits and evict each other), with
 * NOWAIT reads mixed in. Every result and every byte must be the file's.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ContextCachedReadRaceTest {

    private static final int PAGE = 4096;
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestFiles.newDirectory("context-read-race");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestFiles.deleteRecursively(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"uring", "threads"})
    void contendedContextsReadTheFilesBytes(String engineName) throws Exception {
        String cause = Engines.byName(engineName).unavailabilityCause();
        assumeTrue(cause == null, () -> engineName + " unavailable: " + cause);
        Path pa = dir.resolve("a");
        Path pb = dir.resolve("b");
        byte[] a = TestFiles.randomBytes(96 * PAGE, 1);
        byte[] b = TestFiles.randomBytes(40 * PAGE - 777, 2);
        Files.write(pa, a);
        Files.write(pb, b);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName)
                .withPageCache(PageCacheConfig.defaults().withBudget(24L * PAGE)));
             AsyncFile fa = AsyncFile.open(engine, pa, FileOption.READ, FileOption.CACHED);
             AsyncFile fb = AsyncFile.open(engine, pb, FileOption.READ, FileOption.CACHED)) {
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int seed = t;
                workers.add(CompletableFuture.runAsync(() -> {
                    try {
                        runContext(engine, fa, fb, a, b, seed);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                },
                        r -> Thread.ofPlatform().name("ctx-" + seed).start(r)));
            }
            workers.add(CompletableFuture.runAsync(() -> {
                SplittableRandom rnd = new SplittableRandom(99);
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment buf = arena.allocate(3 * PAGE, PAGE);
                    for (int i = 0; i < 10000; i++) {
                        boolean useA = rnd.nextBoolean();
                        byte[] data = useA ? a : b;
                        int len = 1 + rnd.nextInt(3 * PAGE);
                        long pos = rnd.nextLong(data.length + 100);
                        int n = (useA ? fa : fb).read(buf.asSlice(0, len), pos).join();
                        int expect = (int) Math.max(0, Math.min(len, data.length - pos));
                        assertEquals(expect, n, "plain read at " + pos);
                        int from = (int) Math.min(pos, data.length);
                        assertArrayEquals(Arrays.copyOfRange(data, from, from + n),
                                buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                    }
                }
            }, r -> Thread.ofPlatform().name("plain").start(r)));
            CompletableFuture.allOf(workers.toArray(new CompletableFuture<?>[0])).get(240, TimeUnit.SECONDS);
            System.out.println("RACE STATS " + engineName + ": " + engine.pageCacheStats());
        }
    }

    private static void runContext(IoEngine engine, AsyncFile fa, AsyncFile fb, byte[] a, byte[] b, int seed)
            throws java.io.IOException {
        int slots = 4;
        try (Arena arena = Arena.ofConfined(); IoContext ctx = engine.newContext(slots)) {
            MemorySegment[] bufs = new MemorySegment[slots];
            for (int i = 0; i < slots; i++) {
                bufs[i] = arena.allocate(5 * PAGE, PAGE);
            }
            SplittableRandom rnd = new SplittableRandom(seed);
            long[] got = new long[slots];
            long[] expect = new long[slots];
            long[] at = new long[slots];
            byte[][] content = new byte[slots][];
            boolean[] nowait = new boolean[slots];
            for (int round = 0; round < 3000; round++) {
                for (int s = 0; s < slots; s++) {
                    boolean useA = rnd.nextBoolean();
                    byte[] data = useA ? a : b;
                    int len = 1 + rnd.nextInt(5 * PAGE);
                    long pos = rnd.nextLong(data.length + PAGE);
                    bufs[s].asSlice(0, len).fill((byte) 0x5A);
                    content[s] = data;
                    at[s] = pos;
                    nowait[s] = rnd.nextInt(5) == 0;
                    expect[s] = Math.max(0, Math.min(len, data.length - pos));
                    if (nowait[s]) {
                        ctx.prepareRead(useA ? fa : fb, bufs[s].asSlice(0, len), pos, IoFlags.NOWAIT, s);
                    } else {
                        ctx.prepareRead(useA ? fa : fb, bufs[s].asSlice(0, len), pos, s);
                    }
                }
                assertEquals(slots, ctx.submit());
                Arrays.fill(got, Long.MIN_VALUE);
                int reaped = 0;
                while (reaped < slots) {
                    reaped += ctx.getEvents(1, slots, 20, TimeUnit.SECONDS, (cookie, result) -> {
                        if (got[(int) cookie] != Long.MIN_VALUE) {
                            throw new AssertionError("slot " + cookie + " completed twice");
                        }
                        got[(int) cookie] = result;
                    });
                }
                for (int s = 0; s < slots; s++) {
                    int r = s;
                    if (nowait[s] && (got[s] == -11 || (got[s] >= 0 && got[s] < expect[s]))) {
                        // EAGAIN or a partial count: allowed for NOWAIT
                    } else {
                        assertEquals(expect[s], got[s], () -> "ctx " + seed + " slot " + r + " at " + at[r]
                                + (nowait[r] ? " NOWAIT" : ""));
                    }
                    int n = (int) Math.max(0, got[s]);
                    int from = (int) Math.min(at[s], content[s].length);
                    assertArrayEquals(Arrays.copyOfRange(content[s], from, from + n),
                            bufs[s].asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
                            () -> "ctx " + seed + " slot " + r + ": bytes at " + at[r]);
                }
            }
        }
    }
}
