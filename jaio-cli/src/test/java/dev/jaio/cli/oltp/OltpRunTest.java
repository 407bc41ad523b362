package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.EngineConfig;
import dev.jaio.PageCacheConfig;
import dev.jaio.cli.oltp.OltpSettings.CleanerSpec;
import dev.jaio.cli.oltp.OltpSettings.IoMode;
import dev.jaio.cli.oltp.OltpSettings.LogSync;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whole runs on a small database: every configuration ends with every committed change on disk. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OltpRunTest {

    @RegisterExtension
    static final EngineExtension ENGINE = new EngineExtension(
            EngineConfig.defaults().withPageCache(PageCacheConfig.defaults().withBudget(4L << 20)));

    @TempDir
    Path dir;

    /** 8 MiB of pages, a 2 MiB pool, 4 agents, 30% updates. */
    static OltpSettings small(Path dir, String cleaners, IoMode io, boolean virtual) {
        return small(dir, cleaners, io, virtual, LogSync.FDATASYNC);
    }

    static OltpSettings small(Path dir, String cleaners, IoMode io, boolean virtual, LogSync sync) {
        return new OltpSettings(dir.resolve("db"), dir.resolve("db.log"), 8L << 20, 2L << 20, 0, 4, virtual, 10, 30,
                false, io, false, CleanerSpec.parse(cleaners), 16, OltpSettings.CleanAhead.AUTO, 0, sync, null, Duration.ofMillis(300),
                Duration.ofMillis(1000), 7);
    }

    @ParameterizedTest
    @CsvSource({"aio:1", "sync:2", "none"})
    void aLazyLogStillWritesNoPageBeforeItsRecordIsDurable(String cleaners) throws IOException {
        OltpSettings s = small(dir, cleaners, IoMode.DIRECT, false, LogSync.LAZY);
        Database.prepare(s.dbFile(), s.logFile(), s.dbBytes(), b -> { });
        OltpResult r = OltpRun.run(s, ENGINE.engine(), line -> { }, null, true);
        assertNull(r.error(), r.error());
        assertTrue(r.transactions() > 0, r.toString());
        Database.Verification v = Database.verify(s.dbFile(), s.logFile());
        assertTrue(v.ok(), v.toString());
    }

    @ParameterizedTest
    @CsvSource({"aio:1", "sync:2", "sync:1"})
    void underADirtyTargetEveryChangeStillReachesTheDisk(String cleaners) throws IOException {
        OltpSettings p = small(dir, cleaners, IoMode.DIRECT, false);
        OltpSettings s = new OltpSettings(p.dbFile(), p.logFile(), p.dbBytes(), p.poolBytes(), 0, p.agents(), false,
                p.readsPerTxn(), p.updatePercent(), false, IoMode.DIRECT, false, p.cleaners(), p.cleanerDepth(),
                p.cleanAhead(), 90, p.logSync(), null, p.warmup(), p.duration(), p.seed());
        Database.prepare(s.dbFile(), s.logFile(), s.dbBytes(), b -> { });
        OltpResult r = OltpRun.run(s, ENGINE.engine(), line -> { }, null, true); // checks the pool's dirty count too
        assertNull(r.error(), r.error());
        assertTrue(r.transactions() > 0 && r.cleanerWrites() > 0, r.toString());
        assertEquals(r.agentWrites() == 0, Double.isNaN(r.agentWriteMicros()), r.toString());
        Database.Verification v = Database.verify(s.dbFile(), s.logFile());
        assertTrue(v.ok(), "every committed change on disk, none other: " + v);
    }

    @ParameterizedTest
    @CsvSource({"direct, sync:2, false", "direct, aio:1, false", "direct, aio:1, true", "buffered, sync:2, false",
            "cached, aio:1, false", "direct, none, false"})
    void aRunCommitsAndCheckpointsEveryChange(String io, String cleaners, boolean virtual) throws IOException {
        OltpSettings s = small(dir, cleaners, IoMode.valueOf(io.toUpperCase(java.util.Locale.ROOT)), virtual);
        Database.prepare(s.dbFile(), s.logFile(), s.dbBytes(), b -> { });
        OltpResult r = OltpRun.run(s, ENGINE.engine(), line -> { }, null, true); // the log kept: every change checked
        assertNull(r.error(), r.error());
        assertTrue(r.transactions() > 0, r.toString());
        assertTrue(r.misses() > 0, r.toString());
        assertTrue(r.p99Ms() >= r.p50Ms(), r.toString());
        if (cleaners.equals("none")) {
            assertEquals(0, r.cleanerWrites(), r.toString());
            assertTrue(r.agentWrites() > 0, "without a cleaner, agents write: " + r);
            assertEquals(100.0, r.agentWritePercent(), 1e-9);
            assertTrue(r.agentWriteMicros() > 0 && r.agentStallPercent() > 0 && r.agentStallPercent() < 100,
                    "their writes took the agents' time: " + r);
        } else {
            assertTrue(r.cleanerWrites() > 0, r.toString());
        }
        RedoLog.Scan kept = RedoLog.scan(s.logFile());
        assertTrue(kept.entries().size() > 0);
        Database.Verification v = Database.verify(s.dbFile(), s.logFile());
        assertTrue(v.ok(), "every committed change on disk, none other: " + v);
        assertEquals(1024, v.pages());
        // a run that checkpoints empties the log and goes on above the LSNs so far
        OltpResult again = OltpRun.run(s, ENGINE.engine(), line -> { }, null);
        assertNull(again.error(), again.error());
        RedoLog.Scan after = RedoLog.scan(s.logFile());
        assertEquals(0, after.entries().size(), "the checkpoint emptied the log");
        assertTrue(after.baseLsn() > kept.lastLsn(), "and kept the LSN high-water mark");
        assertTrue(Database.verify(s.dbFile(), s.logFile()).ok());
    }

    @ParameterizedTest
    @CsvSource({"aio:1", "sync:2"})
    void pageDsyncRunsLabelItAndKeepEveryChange(String cleaners) throws IOException {
        OltpSettings plain = small(dir, cleaners, IoMode.DIRECT, false);
        OltpSettings s = new OltpSettings(plain.dbFile(), plain.logFile(), plain.dbBytes(), plain.poolBytes(), 0,
                plain.agents(), false, plain.readsPerTxn(), plain.updatePercent(), false, IoMode.DIRECT, true,
                plain.cleaners(), plain.cleanerDepth(), plain.cleanAhead(), plain.dirtyTarget(), plain.logSync(), null, plain.warmup(),
                plain.duration(), plain.seed());
        assertEquals("direct+dsync " + cleaners, s.label());
        Database.prepare(s.dbFile(), s.logFile(), s.dbBytes(), b -> { });
        OltpResult r = OltpRun.run(s, ENGINE.engine(), line -> { }, null, true);
        assertNull(r.error(), r.error());
        assertEquals("direct+dsync " + cleaners, r.label());
        assertTrue(r.cleanerWrites() > 0, r.toString());
        Database.Verification v = Database.verify(s.dbFile(), s.logFile());
        assertTrue(v.ok(), "every committed change on disk, none other: " + v);
    }

    @Test
    void aLostLogIsRebuiltAboveTheHighestPageLsn() throws IOException {
        OltpSettings s = small(dir, "aio:1", IoMode.DIRECT, false);
        Database.prepare(s.dbFile(), s.logFile(), s.dbBytes(), b -> { });
        assertNull(OltpRun.run(s, ENGINE.engine(), line -> { }, null).error());
        long base = RedoLog.scan(s.logFile()).baseLsn();
        java.nio.file.Files.delete(s.logFile());
        Database.prepare(s.dbFile(), s.logFile(), s.dbBytes(), b -> { });
        long rebuilt = RedoLog.scan(s.logFile()).baseLsn();
        assertTrue(rebuilt > 0 && rebuilt <= base, rebuilt + " vs " + base);
        assertEquals(Database.maxPageLsn(s.dbFile()), rebuilt);
        assertNull(OltpRun.run(s, ENGINE.engine(), line -> { }, null).error());
    }
}
