package dev.jaio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OltpCommandTest {

    @TempDir
    Path dir;

    private JaioCommandTest.Run run(String... args) {
        return JaioCommandTest.run(args);
    }

    @Test
    void helpDescribesTheExperiment() {
        JaioCommandTest.Run r = run("oltp", "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(!r.out().contains("WARN") && !r.err().contains("WARN") && !r.out().contains("%n"), r.out() + r.err());
        assertTrue(r.out().contains("75% of accesses on 1% of the pages"), r.out());
        for (String s : new String[] {"--cleaners", "sync:N", "aio:1", "--sweep", "--memory-budget", "agent write",
                "--io", "cached"}) {
            assertTrue(r.out().contains(s), s + " in " + r.out());
        }
    }

    @Test
    void badOptionsAreUsageErrorsNamingThem() {
        String d = dir.toString();
        String[][] cases = {
            {"--cleaners=sync:0", "--cleaners=sync:0"},
            {"--cleaners=aio:4", "one cleaner"},
            {"--cleaners=lots", "--cleaners=lots"},
            {"--io=raw", "--io=raw"},
            {"--log-sync=never", "--log-sync=never"},
            {"--update-pct=10", "at least 20%"},
            {"--pool=128m", "at least 4x the pool"},
            {"--pool=1g", "at most the database"},
            {"--reads=0", "--reads=0"},
            {"--db-size=1000k", "multiple of 8 KiB"},
            {"--memory-budget=1m", "--memory-budget"},
            {"--dirty-target=100", "--dirty-target=100: in [0, 99]"},
            {"--dirty-target=-1", "--dirty-target=-1"},
        };
        for (String[] c : cases) {
            JaioCommandTest.Run r = run("oltp", "--quick", "--dir", d, c[0]);
            assertEquals(2, r.exitCode(), c[0] + ": " + r.err());
            assertTrue(r.err().contains(c[1]), c[0] + ": " + r.err());
        }
    }

    @Test
    void anExistingFileThatIsNotADatabaseIsNotOverwritten() throws Exception {
        Path thesis = dir.resolve("thesis.txt");
        Files.writeString(thesis, "my precious thesis");
        JaioCommandTest.Run r = run("oltp", "--db-size=8m", "--agents=4", "--warmup=0", "--duration=0.2", "--file",
                thesis.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--file " + thesis) && r.err().contains("not a jaio oltp database"), r.err());
        assertEquals("my precious thesis", Files.readString(thesis));
    }

    @Test
    void theMemoryBudgetIsChargedForTheCleanersAskedFor() {
        // aio:1 costs about 1.5 MiB: the pool keeps 20m - that; sync:32 would leave nothing
        JaioCommandTest.Run r = run("oltp", "--db-size=96m", "--pool=24m", "--agents=4", "--warmup=0", "--duration=0.3",
                "--dir", dir.toString(), "--memory-budget=20m", "--cleaners=aio:1");
        assertEquals(0, r.exitCode(), r.err());
        JaioCommandTest.Run bad = run("oltp", "--db-size=96m", "--pool=24m", "--agents=4", "--dir", dir.toString(),
                "--memory-budget=20m", "--cleaners=sync:32");
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("--memory-budget"), bad.err());
    }

    @Test
    void aBadOutDirectoryIsRefusedBeforeTheSweepRuns() throws Exception {
        Path notADir = dir.resolve("file");
        Files.writeString(notADir, "x");
        JaioCommandTest.Run r = run("oltp", "--db-size=8m", "--agents=4", "--sweep", "--sweep-cleaners=1", "--dir",
                dir.toString(), "--out", notADir.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--out " + notADir), r.err());
        JaioCommandTest.Run zero = run("oltp", "--db-size=8m", "--agents=4", "--sweep", "--sweep-cleaners=0", "--dir",
                dir.toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, zero.exitCode(), zero.err());
        assertTrue(zero.err().contains("--sweep-cleaners 0"), zero.err());
    }

    @Test
    void aSmallSweepWritesItsTablesAndFigureAndVerifies() throws Exception {
        Path out = dir.resolve("out");
        JaioCommandTest.Run r = run("oltp", "--db-size=8m", "--agents=4", "--warmup=0.2", "--duration=0.6",
                "--sweep", "--sweep-cleaners=1,2", "--verify", "--dir", dir.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        for (String row : new String[] {"direct sync:1", "direct sync:2", "direct aio:1", "buffered sync:", "cached aio:1"}) {
            assertTrue(r.out().contains(row), row + " in " + r.out());
        }
        assertTrue(r.out().contains("verify: 1024 pages read; before replay 0 torn, 0 ahead of the log; after 0 torn, 0 stale,"
                + " 0 ahead"), r.out());
        String csv = Files.readString(out.resolve("oltp.csv"));
        assertEquals(7, csv.lines().count(), csv); // header, 3 raw rows, 3 file-system rows
        assertTrue(csv.startsWith("table,round,config,io,cleaners,"), csv);
        assertTrue(r.out().contains("Raw device analogue") && r.out().contains("File system"), r.out());
        assertTrue(Files.readString(out.resolve("oltp.json")).contains("\"agent_write_pct\""));
        assertTrue(Files.size(out.resolve("oltp-direct.png")) > 1000);
        assertTrue(r.err().contains("measure"), "progress on stderr: " + r.err());
    }
}
