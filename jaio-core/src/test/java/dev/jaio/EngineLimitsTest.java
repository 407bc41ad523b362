package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * What an engine says it can hold, it can hold; a refusal names the caller's number and the real
 * limit, and {@code auto} falls back to the next engine when the first cannot set up what was asked.
 */
class EngineLimitsTest {

    private static boolean available(String engine) {
        return IoEngine.probeAll().stream().anyMatch(s -> s.name().equals(engine) && s.available());
    }

    @Test
    void autoFallsBackFromUringWhenTheRingCannotHoldTheDepthAndSaysWhy() throws IOException {
        assumeTrue(available("uring"), "io_uring is not available here");
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(40000))) {
            assertNotEquals("uring", engine.name());
            assertTrue(engine.selectionReason().startsWith("skipped uring: queue depth 40000 is more than the uring engine"
                    + " allows: 32767 (an io_uring SQ has at most 32768 entries (IORING_MAX_ENTRIES)"),
                    engine.selectionReason());
            assertTrue(engine.selectionReason().contains("picked " + engine.name()), engine.selectionReason());
        }
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine("uring"))) {
            assertNull(engine.selectionReason(), "a named engine was not selected");
        }
    }

    @Test
    void aNamedEngineRefusesADepthItCannotHoldNamingTheDepthAndTheLimit() {
        assumeTrue(available("uring"), "io_uring is not available here");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IoEngine.open(EngineConfig.defaults().withEngine("uring").withQueueDepth(32768)));
        assertTrue(e.getMessage().startsWith("queue depth 32768 is more than the uring engine allows: 32767"), e.getMessage());
        assertTrue(e.getMessage().contains("the engine keeps one for its wakeup"), e.getMessage());
    }

    @Test
    void theDeepestUringEngineAndContextReallyOpen() throws IOException {
        assumeTrue(available("uring"), "io_uring is not available here");
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine("uring").withQueueDepth(32767))) {
            assertEquals(16384, engine.maxContextDepth());
            try (IoContext ctx = engine.newContext(engine.maxContextDepth())) {
                assertEquals(16384, ctx.depth());
            }
        }
    }

    @Test
    void newContextRefusesADepthAboveTheEngineLimitNamingTheCallersNumber() throws IOException {
        for (String name : new String[] {"uring", "aio", "threads"}) {
            if (!available(name)) {
                continue;
            }
            try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(name))) {
                int max = engine.maxContextDepth();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> engine.newContext(max + 1));
                assertTrue(e.getMessage().startsWith("newContext(" + (max + 1) + "): depth must be in [1, " + max + "]"),
                        e.getMessage());
                assertTrue(!e.getMessage().contains(Integer.toString(2 * (max + 1))), e.getMessage());
                IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> engine.newContext(0));
                assertTrue(zero.getMessage().startsWith("newContext(0)"), zero.getMessage());
            }
        }
    }
}
