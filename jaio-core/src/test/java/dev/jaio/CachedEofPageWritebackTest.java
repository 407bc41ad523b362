package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.provider.Engines;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The page that ends a file is written back with exactly the file's bytes (through the buffered
 * descriptor), so the size that write uses must include every write that dirtied the page before
 * the writeback took it. It read the size before it locked the pages, and a cached write that
 * extended the file inside that page in between (copy, dirty, unlock, then grow the size) had its
 * page taken, cleaned and written only up to the old end: after fsync the file on disk was shorter
 * than every read said (seen once as CachedFramesComeBackTest's size mismatch). Here small appends
 * race syncs and the cleaner; at the end the file on disk must hold every byte.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CachedEofPageWritebackTest {

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestFiles.newDirectory("eof-writeback");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestFiles.deleteRecursively(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void appendsRacingSyncsAllReachTheDisk(String engineName) throws Exception {
        String cause = Engines.byName(engineName).unavailabilityCause();
        assumeTrue(cause == null, () -> engineName + " unavailable: " + cause);
        Path path = dir.resolve("log");
        Files.write(path, new byte[0]);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName));
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(8 * 200);
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread syncer = Thread.ofPlatform().start(() -> {
                try {
                    while (writing.get()) {
                        f.fdatasync().get(30, TimeUnit.SECONDS);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            SplittableRandom rnd = new SplittableRandom(7);
            long end = 0;
            // Eight appends in flight, each from its own slot of the buffer: more of them copy
            // while a writeback step is between reading the size and locking the pages.
            java.util.ArrayDeque<java.util.concurrent.CompletableFuture<Integer>> inFlight = new java.util.ArrayDeque<>();
            java.util.ArrayDeque<Integer> sizes = new java.util.ArrayDeque<>();
            for (int i = 0; i < 40_000 && failure.get() == null; i++) {
                if (inFlight.size() == 8) {
                    assertEquals(sizes.poll(), inFlight.poll().get(30, TimeUnit.SECONDS));
                }
                int n = 1 + rnd.nextInt(150);
                byte[] bytes = new byte[n];
                rnd.nextBytes(bytes);
                MemorySegment slot = buf.asSlice((long) (i % 8) * 200, n);
                MemorySegment.copy(bytes, 0, slot, ValueLayout.JAVA_BYTE, 0, n);
                inFlight.add(f.write(slot, end));
                sizes.add(n);
                expected.write(bytes);
                end += n;
            }
            while (!inFlight.isEmpty()) {
                assertEquals(sizes.poll(), inFlight.poll().get(30, TimeUnit.SECONDS));
            }
            writing.set(false);
            syncer.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            f.fsync().get(30, TimeUnit.SECONDS);
            assertEquals(end, f.size());
            assertEquals(end, Files.size(path), "the file on disk after fsync, against the bytes written");
        }
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(path));
    }
}
