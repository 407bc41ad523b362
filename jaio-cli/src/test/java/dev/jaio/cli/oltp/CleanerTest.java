package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.cli.oltp.OltpSettings.CleanerSpec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cleaners keep the frames just ahead of the clock hand clean, so that agents take clean victims
 * there and write nothing themselves; without a cleaner every such victim is an agent write.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CleanerTest {

    static final int FRAMES = 32;
    static final int WINDOW = 8;

    @RegisterExtension
    static final EngineExtension ENGINE = new EngineExtension();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"sync:1", "sync:4", "aio:1"})
    void aCleanerCleansTheWindowAheadOfTheHandSoAgentsWriteNothing(String spec) throws Exception {
        try (PoolFixture fx = new PoolFixture(ENGINE.engine(), dir, 128, FRAMES, WINDOW); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
            for (int p = 0; p < FRAMES; p++) {
                fx.update(p, p, buf);
            }
            try (Cleaner cleaner = Cleaner.start(CleanerSpec.parse(spec), 16, fx.pool, fx.store, ENGINE.engine())) {
                fx.pool.unfix(fx.pool.fix(FRAMES, buf)); // moves the hand past every reference bit
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (fx.pool.dirtyAhead() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertEquals(0, fx.pool.dirtyAhead(), "the window ahead of the hand is clean");
                long agentWrites = fx.pool.counters().agentWrites();
                for (int p = FRAMES + 1; p <= FRAMES + WINDOW; p++) {
                    fx.pool.unfix(fx.pool.fix(p, buf));
                }
                assertEquals(agentWrites, fx.pool.counters().agentWrites(), "victims in the window were clean");
                assertTrue(fx.pool.counters().cleanerWrites() >= WINDOW - 1, fx.pool.counters().toString());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none"})
    void withoutACleanerEveryDirtyVictimIsAnAgentWrite(String spec) throws Exception {
        try (PoolFixture fx = new PoolFixture(ENGINE.engine(), dir, 128, FRAMES, WINDOW); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
            for (int p = 0; p < FRAMES; p++) {
                fx.update(p, p, buf);
            }
            try (Cleaner cleaner = Cleaner.start(CleanerSpec.parse(spec), 16, fx.pool, fx.store, ENGINE.engine())) {
                for (int p = FRAMES; p < FRAMES + 3; p++) { // the first three misses find only dirty victims
                    fx.pool.unfix(fx.pool.fix(p, buf));
                }
                BufferPool.Counters c = fx.pool.counters();
                assertEquals(3, c.agentWrites(), c.toString());
                assertEquals(3, c.frameWaits(), c.toString());
                assertEquals(0, c.cleanerWrites(), c.toString());
            }
        }
    }
}
