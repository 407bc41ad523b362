package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.provider.Engines;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Page I/O that an IoContext carries in its own queue is reaped only by its owner's getEvents.
 * Nothing may make anyone wait for it that the owner does not control: the owner's own blocking
 * calls that would wait for it are refused, and other requests that a context's work runs inline
 * on its thread never put their page I/O into its queue.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ContextOwnPageIoTest {

    private static final int PAGE = 4096;

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestFiles.newDirectory("context-own-io");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestFiles.deleteRecursively(dir);
    }

    /**
     * The owner submits a CACHED O_DSYNC write (its page writes go into the context's queue), then
     * truncates the file before reaping: the truncate would wait for those page writes, which only
     * this thread reaps. It hung for good; it is refused, and goes through once the owner reaped.
     */
    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void theOwnersTruncateIsRefusedWhileItsContextHoldsPageWrites(String engineName) throws Exception {
        String cause = Engines.byName(engineName).unavailabilityCause();
        assumeTrue(cause == null, () -> engineName + " unavailable: " + cause);
        Path path = dir.resolve("f");
        Files.write(path, TestFiles.randomBytes(16 * PAGE, 1));
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName).withQueueDepth(32));
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             Arena arena = Arena.ofConfined();
             IoContext ctx = engine.newContext(8)) {
            MemorySegment buf = arena.allocate(4 * PAGE);
            buf.fill((byte) 7);
            assertTrue(ctx.prepareWrite(f, buf, 8 * PAGE, IoFlags.DSYNC, 1));
            assertEquals(1, ctx.submit());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.truncate(10 * PAGE));
            assertTrue(e.getMessage().contains("ftruncate " + path) && e.getMessage().contains("getEvents"),
                    e.getMessage());
            long[] result = {Long.MIN_VALUE};
            while (ctx.getEvents(1, 1, 10, TimeUnit.SECONDS, (c, r) -> result[0] = r) == 0) {
                // reaps the write
            }
            assertEquals(4 * PAGE, result[0]);
            f.truncate(10 * PAGE);
            assertEquals(10 * PAGE, f.size());
        }
        assertEquals(10 * PAGE, Files.size(path));
    }

    /**
     * A large CACHED write through an IoContext copies (holding the file's write gate) while a
     * write of a kernel-buffered handle of the same pages comes in and queues on the gate; the
     * owner's copy then lets it in, on the owner's thread, inside the owner's submit. That write's
     * writeback of the range must go to the engine, not into the owner's queue: the owner reaps
     * its own write's result only later, and the uncached write must complete meanwhile.
     */
    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void aWriteLetInByTheOwnersCopyDoesNotWaitForTheOwnersReaping(String engineName) throws Exception {
        String cause = Engines.byName(engineName).unavailabilityCause();
        assumeTrue(cause == null, () -> engineName + " unavailable: " + cause);
        Path path = dir.resolve("g");
        int len = 64 << 20;
        Files.write(path, new byte[0]);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName).withQueueDepth(32)
                .withPageCache(PageCacheConfig.defaults().withBudget(256L << 20)));
             AsyncFile cached = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile plain = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE);
             Arena arena = Arena.ofShared()) {
            MemorySegment big = arena.allocate(len);
            big.fill((byte) 1);
            MemorySegment small = arena.allocate(100);
            small.fill((byte) 2);
            for (int round = 0; round < 5; round++) {
                AtomicReference<CompletableFuture<Integer>> uncached = new AtomicReference<>();
                Thread other = Thread.ofPlatform().start(() -> {
                    // As soon as the owner's copy has dirtied the first pages: a write of them.
                    while (engine.pageCacheStats().dirtyPages() == 0) {
                        Thread.onSpinWait();
                    }
                    uncached.set(plain.write(small, 0));
                });
                try (IoContext ctx = engine.newContext(4)) {
                    assertTrue(ctx.prepareWrite(cached, big, 0, 1));
                    assertEquals(1, ctx.submit()); // the copy, with the uncached write let in at its end
                    other.join();
                    // Not reaping yet: the uncached write completes without this thread.
                    assertEquals(100, uncached.get().get(20, TimeUnit.SECONDS));
                    long[] result = {Long.MIN_VALUE};
                    while (ctx.getEvents(1, 1, 20, TimeUnit.SECONDS, (c, r) -> result[0] = r) == 0) {
                        // reaps the cached write
                    }
                    assertEquals(len, result[0]);
                }
                cached.fsync().get(30, TimeUnit.SECONDS);
                assertFalse(uncached.get().isCompletedExceptionally());
            }
        }
    }
}
