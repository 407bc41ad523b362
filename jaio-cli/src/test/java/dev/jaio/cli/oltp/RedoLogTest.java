package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.cli.oltp.OltpSettings.LogSync;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedoLogTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(LogSync.class)
    void recordsGetLsnsAboveTheBaseAndReadBackInOrder(LogSync sync) throws IOException {
        Path p = dir.resolve("log");
        long a;
        long b;
        try (RedoLog log = new RedoLog(p, sync, 100, 4)) {
            a = log.append(new long[] {5, 7}, new int[] {1, 2}, 2);
            b = log.append(new long[] {9}, new int[] {3}, 1);
            log.awaitDurable(b);
            assertTrue(log.durableLsn() >= b);
            assertEquals(b, log.lastLsn());
        }
        assertEquals(101, a);
        assertEquals(102, b);
        RedoLog.Scan s = RedoLog.scan(p);
        assertEquals(100, s.baseLsn());
        assertEquals(2, s.entries().size());
        assertEquals(101, s.entries().get(0).lsn());
        assertArrayEquals(new long[] {5, 7}, s.entries().get(0).pages());
        assertArrayEquals(new int[] {1, 2}, s.entries().get(0).rows());
        assertEquals(102, s.lastLsn());
        assertEquals(s.fileBytes(), s.validBytes());
        assertEquals(RedoLog.HEADER + RedoLog.recordBytes(2) + RedoLog.recordBytes(1), s.fileBytes());
    }

    @Test
    void aLazyLogCommitsOnTheWriteAndSyncsForPageWritesAndOnItsOwn() throws IOException {
        Path p = dir.resolve("log");
        try (RedoLog log = new RedoLog(p, LogSync.LAZY, 0, 4)) {
            long a = log.append(new long[] {1}, new int[] {1}, 1);
            log.awaitCommitted(a);
            assertTrue(log.committedLsn() >= a);
            log.awaitDurable(a); // a page writer's wait makes the committer sync now
            assertTrue(log.durableLsn() >= a);
            long b = log.append(new long[] {2}, new int[] {2}, 1);
            log.awaitCommitted(b);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (log.durableLsn() < b && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // synced within 10 ms with nobody asking
            }
            assertEquals(b, log.durableLsn());
            long c = log.append(new long[] {3}, new int[] {3}, 1);
            log.awaitCommitted(c);
        }
        RedoLog.Scan s = RedoLog.scan(p);
        assertEquals(3, s.entries().size(), "closing wrote and synced the last commit");
    }

    @ParameterizedTest
    @EnumSource(LogSync.class)
    void reopeningGoesOnAfterTheLastWholeRecordKeepingTheBase(LogSync sync) throws IOException {
        Path p = dir.resolve("log");
        try (RedoLog log = new RedoLog(p, sync, 40, 2)) {
            log.awaitDurable(log.append(new long[] {1}, new int[] {1}, 1));
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x44, 0x43, 0x45}), ch.size()); // a torn record's first bytes
        }
        try (RedoLog log = RedoLog.reopen(p, sync, RedoLog.scan(p), 2)) {
            assertEquals(42, log.append(new long[] {2}, new int[] {2}, 1));
            log.awaitDurable(42);
        }
        RedoLog.Scan s = RedoLog.scan(p);
        assertEquals(40, s.baseLsn());
        assertEquals(2, s.entries().size());
        assertEquals(s.fileBytes(), s.validBytes(), "the torn bytes were cut off");
    }

    @Test
    void aTornOrCorruptTailIsCutOffAtTheLastWholeRecord() throws IOException {
        Path p = dir.resolve("log");
        try (RedoLog log = new RedoLog(p, LogSync.FDATASYNC, 0, 4)) {
            for (int i = 0; i < 3; i++) {
                log.awaitDurable(log.append(new long[] {i}, new int[] {i}, 1));
            }
        }
        long size = Files.size(p);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(size - 3); // the last record cut short
        }
        RedoLog.Scan s = RedoLog.scan(p);
        assertEquals(2, s.entries().size());
        assertEquals(RedoLog.recordBytes(1) - 3, s.fileBytes() - s.validBytes());
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xff}), RedoLog.HEADER + RedoLog.recordBytes(1) + 20);
        }
        assertEquals(1, RedoLog.scan(p).entries().size(), "the second record fails its checksum");
    }

    @Test
    void aFileThatIsNotALogIsRefusedAndAMissingOneIsEmpty() throws IOException {
        Path p = dir.resolve("other");
        Files.write(p, new byte[64]);
        IOException e = assertThrows(IOException.class, () -> RedoLog.scan(p));
        assertTrue(e.getMessage().contains("not a jaio oltp redo log") && e.getMessage().contains(p.toString()),
                e.getMessage());
        RedoLog.Scan none = RedoLog.scan(dir.resolve("missing"));
        assertEquals(0, none.entries().size());
        assertEquals(0, none.lastLsn());
    }

    @Test
    void waitingForAnLsnNeverGivenOutFailsRatherThanHangs() throws IOException {
        try (RedoLog log = new RedoLog(dir.resolve("log"), LogSync.DSYNC, 10, 1)) {
            log.awaitDurable(10); // the base is durable
            IOException e = assertThrows(IOException.class, () -> log.awaitDurable(50));
            assertTrue(e.getMessage().contains("LSN 50 was never given out"), e.getMessage());
        }
    }

    @Test
    void concurrentCommitsAreAllDurableWithConsecutiveLsns() throws Exception {
        Path p = dir.resolve("log");
        int threads = 8;
        int each = 200;
        try (RedoLog log = new RedoLog(p, LogSync.FDATASYNC, 0, threads)) {
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            log.awaitDurable(log.append(new long[] {id, i}, new int[] {i, id}, 2));
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            long[] stats = log.stats();
            assertEquals(threads * each, stats[1], "records counted in batches");
            assertTrue(stats[0] <= threads * each && stats[0] >= 1, "batches " + stats[0]);
        }
        RedoLog.Scan s = RedoLog.scan(p);
        assertEquals(threads * each, s.entries().size());
        for (int i = 0; i < s.entries().size(); i++) {
            assertEquals(i + 1, s.entries().get(i).lsn());
        }
    }
}
