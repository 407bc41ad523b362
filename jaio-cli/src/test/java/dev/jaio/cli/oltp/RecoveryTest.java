package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.IoEngine;
import dev.jaio.cli.oltp.OltpSettings.CleanerSpec;
import dev.jaio.cli.oltp.OltpSettings.IoMode;
import dev.jaio.cli.oltp.OltpSettings.LogSync;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A JVM running transactions is killed (SIGKILL) mid-way; replaying the log then leaves every
 * transaction acknowledged before the kill on disk (with a lazy log too: its writes are in the
 * kernel, which a process's crash does not lose), no page torn, and no page older or newer than
 * the log says (the database was formatted when the log began, so the log explains every change).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RecoveryTest {

    /** Acknowledged LSNs to wait for before the kill. */
    static final long ACKED = 1500;

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"aio:1, DSYNC", "sync:2, DSYNC", "none, DSYNC", "aio:1, LAZY"})
    void aKilledRunIsRecoveredFromItsLog(String cleaners, LogSync sync) throws Exception {
        Path db = dir.resolve("db");
        Path log = dir.resolve("db.log");
        Database.prepare(db, log, 8L << 20, b -> { });
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Child.class.getName(), db.toString(), log.toString(), cleaners,
                sync.name()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long acked = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("acked ")) {
                    acked = Long.parseLong(line.substring(6));
                    if (acked >= ACKED) {
                        break;
                    }
                }
            }
            p.destroyForcibly(); // SIGKILL: nothing of the run's shutdown happens
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(acked >= ACKED, "the child acknowledged " + acked + " LSNs before its output ended");
        RedoLog.Scan scan = RedoLog.scan(log);
        assertTrue(scan.lastLsn() >= acked, "every acknowledged record is in the log: " + scan.lastLsn() + " < " + acked);
        Database.Verification before = Database.verify(db, log);
        assertEquals(0, before.ahead(), "no page holds a change its log record does not: " + before);
        assertEquals(0, before.torn(), before.toString());
        assertTrue(before.stale() > 0, "the kill left changes only in the log: " + before);
        Database.Recovery rec = Database.recover(db, log);
        assertEquals(scan.entries().size(), rec.records());
        assertTrue(rec.pagesRewritten() > 0, "the kill left changes only in the log (the hot pages stay dirty)");
        Database.Verification v = Database.verify(db, log);
        assertTrue(v.ok(), v.toString());
        assertEquals(0, v.torn());
        // and the database runs again on top of it, above the log's LSNs
        try (IoEngine engine = IoEngine.open()) {
            OltpSettings s = settings(db, log, cleaners, sync, Duration.ofMillis(500));
            OltpResult r = OltpRun.run(s, engine, l -> { }, null);
            assertEquals(null, r.error());
            assertTrue(RedoLog.scan(log).baseLsn() > scan.lastLsn());
        }
    }

    static OltpSettings settings(Path db, Path log, String cleaners, LogSync sync, Duration duration) {
        return new OltpSettings(db, log, 8L << 20, 2L << 20, 0, 4, false, 10, 40, false, IoMode.DIRECT, false,
                CleanerSpec.parse(cleaners), 16, OltpSettings.CleanAhead.AUTO, 0, sync, null, Duration.ZERO, duration, 3);
    }

    /** The child: runs transactions for a long time, printing the durable LSN as it grows. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            OltpSettings s = settings(Path.of(args[0]), Path.of(args[1]), args[2], LogSync.valueOf(args[3]),
                    Duration.ofMinutes(5));
            try (IoEngine engine = IoEngine.open()) {
                OltpRun.run(s, engine, l -> { }, lsn -> {
                    System.out.println("acked " + lsn);
                    System.out.flush();
                });
            }
        }
    }
}
