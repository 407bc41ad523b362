package dev.jaio.cli.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The open-file cache's LRU order while other loops keep using its entries. */
class OpenFilesTest {

    private static OpenFiles.Entry entry(long usedAt) {
        return new OpenFiles.Entry(null, Path.of("/x"), null, 1, 0, "text/plain", usedAt, usedAt, null);
    }

    /**
     * Files opened together are checked again spread over the last quarter of the validity period,
     * never after it: 10,000 entries checked at one instant come due over at least 10 of the last
     * 15 seconds of a 60 s period, none later than 60 s.
     */
    @Test
    void entriesCheckedTogetherComeDueSpreadOutNeverLate() {
        long valid = 60_000_000_000L;
        long now = Long.MAX_VALUE - 30_000_000_000L; // across the nanoTime wrap, too
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int i = 0; i < 10_000; i++) {
            long due = OpenFiles.nextCheck(now, valid, r) - now; // the offset, without overflow trouble
            assertTrue(due >= valid - valid / 4 && due <= valid, "due after " + due + " ns");
            first = Math.min(first, due);
            last = Math.max(last, due);
        }
        assertTrue(last - first >= 10_000_000_000L, "spread over only " + (last - first) + " ns");
        assertEquals(now, OpenFiles.nextCheck(now, 0, r), "a validity of 0: every request checks");
    }

    /**
     * The server stops its open-file cache while opener threads still open files: every open that
     * began before the stop either is dropped by closeAll or drops its own file, every one after it
     * is refused (503), and once the responses let go nothing under the served directory is open.
     */
    @Test
    void opensRacingTheStopLeaveNoFileOpen(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        for (int i = 0; i < 64; i++) {
            java.nio.file.Files.writeString(dir.resolve("f" + i), "file " + i);
        }
        try (dev.jaio.IoEngine engine = dev.jaio.IoEngine.open(dev.jaio.EngineConfig.defaults().withEngine("threads"))) {
            for (int round = 0; round < 20; round++) {
                OpenFiles files = new OpenFiles(new PathResolver(dir), p -> engine,
                        new dev.jaio.FileOption[] {dev.jaio.FileOption.READ}, 60_000, 1000);
                java.util.Queue<OpenFiles.Entry> taken = new java.util.concurrent.ConcurrentLinkedQueue<>();
                java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                Thread[] openers = new Thread[4];
                for (int t = 0; t < openers.length; t++) {
                    int from = t * 16;
                    openers[t] = Thread.ofPlatform().start(() -> {
                        try {
                            go.await();
                            for (int i = from; i < from + 16; i++) {
                                try {
                                    taken.add(files.acquire("/f" + i, System.nanoTime()));
                                } catch (OpenFiles.Refusal r) {
                                    assertEquals(503, r.status, r.getMessage());
                                    refused.incrementAndGet();
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
                go.countDown();
                files.closeAll();
                for (Thread t : openers) {
                    t.join();
                }
                assertEquals(64, taken.size() + refused.get());
                for (OpenFiles.Entry e : taken) {
                    files.release(e); // the responses end: the last user closes a dropped file
                }
                assertEquals(0, BreakerServeTest.descriptorsUnder(dir), "round " + round + ": files left open");
                OpenFiles.Refusal after = org.junit.jupiter.api.Assertions.assertThrows(OpenFiles.Refusal.class,
                        () -> files.acquire("/f0", System.nanoTime()));
                assertEquals(503, after.status);
            }
        }
    }

    @Test
    void oldestFirstOrdersByUseTimeEvenAcrossTheNanoTimeWrap() {
        Map<String, OpenFiles.Entry> m = new ConcurrentHashMap<>();
        m.put("c", entry(Long.MIN_VALUE + 5)); // after the wrap: the newest
        m.put("a", entry(Long.MAX_VALUE - 10));
        m.put("b", entry(Long.MAX_VALUE - 1));
        List<OpenFiles.Victim> v = OpenFiles.oldestFirst(m.entrySet());
        assertEquals(List.of("a", "b", "c"), v.stream().map(OpenFiles.Victim::path).toList());
    }

    /**
     * Shedding sorts while other loops set use times: sorting on the live field made TimSort throw
     * "Comparison method violates its general contract!" on a loop thread (seen under wrk with
     * 10,000 files and a 7,500-file limit), leaving the request that triggered the shed unanswered.
     */
    @Test
    void oldestFirstTakesOneSnapshotWhileOtherThreadsTouchEntries() throws Exception {
        Map<String, OpenFiles.Entry> m = new ConcurrentHashMap<>();
        for (int i = 0; i < 20_000; i++) {
            m.put("/f" + i, entry(i));
        }
        OpenFiles.Entry[] all = m.values().toArray(OpenFiles.Entry[]::new);
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] touchers = new Thread[2];
        for (int t = 0; t < touchers.length; t++) {
            touchers[t] = Thread.ofPlatform().start(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while (!stop.get()) {
                    all[r.nextInt(all.length)].usedAt = r.nextLong(1_000_000);
                }
            });
        }
        try {
            for (int round = 0; round < 50; round++) {
                List<OpenFiles.Victim> v = OpenFiles.oldestFirst(m.entrySet());
                assertEquals(m.size(), v.size());
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < v.size(); i++) {
                    assertTrue(seen.add(v.get(i).path()));
                    if (i > 0) {
                        assertTrue(v.get(i - 1).usedAt() <= v.get(i).usedAt(), "sorted by the snapshot");
                    }
                }
            }
        } finally {
            stop.set(true);
            for (Thread t : touchers) {
                t.join();
            }
        }
    }
}
