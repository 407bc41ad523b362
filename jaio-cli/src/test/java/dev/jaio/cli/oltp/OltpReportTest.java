package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OltpReportTest {

    static OltpResult result(String table, int round, String cleaners, double tps) {
        int threads = cleaners.equals("aio:1") ? 1 : Integer.parseInt(cleaners.substring(5));
        return new OltpResult("direct " + cleaners, "direct", cleaners, threads, 100, 1, (long) tps, tps, 1, 2, 3, 0, 0,
                10, 0, 0, Double.NaN, 0, 0, 40, 50, 5, 10, 100, 10, 2, null, table, round);
    }

    @Test
    void tablesShowEachConfigurationsMedianTurnAgainstTheBestSynchronousMedian() {
        List<OltpResult> all = List.of(
                result("raw", 1, "sync:1", 100), result("raw", 1, "sync:4", 300), result("raw", 1, "aio:1", 500),
                result("raw", 2, "sync:1", 900), result("raw", 2, "sync:4", 200), result("raw", 2, "aio:1", 330),
                result("raw", 3, "sync:1", 110), result("raw", 3, "sync:4", 250), result("raw", 3, "aio:1", 340));
        List<OltpResult> medians = OltpReport.medians(all);
        assertEquals(3, medians.size());
        assertEquals(110, medians.get(0).tps(), "sync:1's median, not its outlier 900");
        assertEquals(250, medians.get(1).tps());
        assertEquals(340, medians.get(2).tps());
        assertEquals(250, OltpReport.bestSync(medians, "raw"));
        assertEquals(4, OltpReport.bestSyncThreads(all, "raw", 8));
        String table = OltpReport.table(all);
        assertTrue(table.contains("median of 3 turns"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("direct aio:1") && l.contains(" 136.0 ")), table);
        String csv = OltpReport.csv(all);
        assertEquals(10, csv.lines().count(), "every turn: " + csv);
        assertTrue(csv.lines().skip(3).findFirst().orElseThrow().startsWith("raw,1,direct aio:1,"), csv);
    }

    @Test
    void aFailedConfigurationIsReportedWithItsError() {
        OltpResult failed = OltpResult.failed(new OltpSettings(java.nio.file.Path.of("db"), java.nio.file.Path.of("log"),
                8L << 20, 2L << 20, 0, 4, false, 10, 30, false, OltpSettings.IoMode.DIRECT, false,
                OltpSettings.CleanerSpec.parse("sync:2"), 16, OltpSettings.CleanAhead.AUTO, 0, OltpSettings.LogSync.DSYNC, null,
                java.time.Duration.ZERO, java.time.Duration.ofSeconds(1), 1), "disk full, ENOSPC").in("raw", 1);
        String table = OltpReport.table(List.of(failed, result("raw", 1, "aio:1", 10)));
        assertTrue(table.contains("direct sync:2    failed: disk full, ENOSPC"), table);
        assertTrue(OltpReport.csv(List.of(failed)).contains("\"disk full, ENOSPC\""));
    }
}
