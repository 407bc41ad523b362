package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code auto} as an unprivileged user whose locked-memory limit admits the 2-entry probe ring but
 * not the engine's real ring: io_uring_setup fails with ENOMEM and auto must fall back to aio
 * (which locks no memory), saying why, where it used to pick uring and then fail to open.
 */
class EngineFallbackTest {

    @Test
    void autoFallsBackToAioWhenTheLockedMemoryLimitRefusesTheRealRing() throws Exception {
        String why = ChildJvm.unavailability();
        assumeTrue(why == null, why);
        assumeTrue(IoEngine.probeAll().stream().anyMatch(s -> s.name().equals("uring") && s.available()),
                "io_uring is not available here");
        // 32 KiB: a 2-entry ring fits, the default engine's ring (SQ 512, CQ 1024) does not.
        ChildJvm.Result r = ChildJvm.runAsNobody(List.of("--memlock=32768"), MemlockChild.class);
        assertEquals(0, r.exitCode(), r.output());
        String expected = "skipped uring: io_uring_setup for a queue of 256 requests (SQ 512 entries, CQ 1024) failed: ENOMEM";
        assertTrue(r.output().contains("\nengine=aio\n"), r.output());
        assertTrue(r.output().contains("reason=" + expected), r.output());
        assertTrue(r.output().contains("ulimit -l, 32768 bytes"), r.output());
        assertTrue(r.output().contains("probe.uring=false io_uring_setup for a queue of 256 requests"), r.output());
        assertTrue(r.output().contains("autoChoice=aio " + expected), r.output());
        assertTrue(r.output().contains("shared=aio"), r.output());
        assertTrue(r.output().contains("WARNING: jaio engine auto: " + expected), r.output());
    }

    @Test
    void aSharedEngineThatCannotStartFailsWithAnIOExceptionAndIsTriedAgainLater() throws Exception {
        String why = ChildJvm.unavailability();
        assumeTrue(why == null, why);
        ChildJvm.Result r = ChildJvm.runAsNobody(List.of(), SharedRetryChild.class, "file");
        assertEquals(0, r.exitCode(), r.output());
        for (int i = 1; i <= 2; i++) {
            assertTrue(r.output().contains("attempt" + i + "=java.io.IOException: cannot open jaio's shared engine: "),
                    r.output());
        }
        assertTrue(r.output().contains("cannot start the completion thread jaio-"), r.output());
        assertTrue(r.output().contains("after="), r.output());
    }
}
