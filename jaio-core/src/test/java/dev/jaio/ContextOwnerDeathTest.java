package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An {@link IoContext} is confined to the thread that first uses it. When that thread dies with
 * requests submitted and the context never closed, nothing that waits on the context's requests may
 * hang: closing the file and the engine return, and another thread may close the context.
 */
class ContextOwnerDeathTest {

    @ParameterizedTest
    @ValueSource(strings = {"uring", "aio", "threads"})
    void aContextWhoseOwnerDiedNeverBlocksFileOrEngineClose(String engineName) throws Exception {
        run(engineName, false);
    }

    /** The engine closed while the file is open: its drain of the file's requests must not wait forever either. */
    @ParameterizedTest
    @ValueSource(strings = {"uring", "aio", "threads"})
    void aContextWhoseOwnerDiedNeverBlocksEngineCloseWithTheFileOpen(String engineName) throws Exception {
        run(engineName, true);
    }

    private static void run(String engineName, boolean engineFirst) throws Exception {
        boolean available = IoEngine.probeAll().stream().anyMatch(s -> s.name().equals(engineName) && s.available());
        org.junit.jupiter.api.Assumptions.assumeTrue(available, engineName + " is not available here");
        Path dir = TestFiles.newDirectory("ownerdeath");
        try {
            Path path = dir.resolve("f");
            Files.write(path, TestFiles.randomBytes(1 << 16, 11));
            IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName));
            AsyncFile file = AsyncFile.open(engine, path, FileOption.READ);
            AtomicReference<IoContext> context = new AtomicReference<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread owner = Thread.ofPlatform().name("short-lived-owner").start(() -> {
                try {
                    IoContext ctx = engine.newContext(8);
                    context.set(ctx);
                    MemorySegment buf = Arena.global().allocate(4096, 4096);
                    for (int i = 0; i < 4; i++) {
                        assertTrue(ctx.prepareRead(file, buf, 4096L * i, i));
                    }
                    assertEquals(4, ctx.submit());
                    // The thread ends here: no getEvents, no close.
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            owner.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                if (engineFirst) {
                    engine.close();
                    assertTrue(engine.isClosed());
                }
                file.close();
                assertTrue(file.isClosed());
                context.get().close(); // from another thread: the owner is gone
                engine.close();
            });
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }
}
