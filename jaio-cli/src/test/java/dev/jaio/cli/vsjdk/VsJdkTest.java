package dev.jaio.cli.vsjdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every workload of {@code jaio bench --vs=jdk}, run very briefly on a small file: the report's
 * structure, positive counts, and for the log a read-back that found every durable record. Nothing
 * here asserts a timing.
 */
class VsJdkTest {

    private static final int DEPTH = 8;
    private static final int PRODUCERS = 8;

    @TempDir(factory = BuildDiskTempDir.class)
    Path dir;

    private Path file() throws IOException {
        Path f = dir.resolve("data");
        byte[] bytes = new byte[1 << 20];
        new Random(1).nextBytes(bytes);
        Files.write(f, bytes);
        return f;
    }

    private VsJdkSettings settings(Path file, String... workloads) {
        return new VsJdkSettings(file, "auto", List.of(workloads), new Timing(0.05, 0.2), DEPTH, 4096, 0, 200, PRODUCERS,
                2_000, 4, 1, 1);
    }

    private static VsJdkReport run(VsJdkSettings s) throws IOException {
        StringWriter progress = new StringWriter();
        VsJdkReport r = VsJdk.run(s, new PrintWriter(progress));
        for (String w : s.workloads()) {
            assertTrue(progress.toString().contains("jaio bench --vs=jdk: " + w + " "), progress.toString());
        }
        return r;
    }

    private static void assertRan(ContenderSummary c) {
        assertEquals(0, c.failedRuns(), c.name() + ": " + c.error());
        assertTrue(c.ok(), c.name());
        assertNull(c.error(), c.name());
        for (RunResult r : c.runs()) {
            assertTrue(r.ops() > 0, c.name() + " ops " + r.ops());
            assertTrue(r.bytes() > 0, c.name());
            assertTrue(r.seconds() > 0, c.name());
            assertTrue(r.cpuSeconds() >= 0, c.name());
            assertTrue(r.latency().count() > 0, c.name());
            assertTrue(r.latency().p50() <= r.latency().p99(), c.name());
            assertTrue(r.latency().p99() <= r.latency().p999(), c.name());
            assertFalse(r.threads().isBlank(), c.name());
            assertEquals(c.name().startsWith("jaio-"), r.engine() != null, c.name() + " engine " + r.engine());
        }
        assertTrue(c.opsPerSecond() > 0, c.name());
        assertTrue(c.mibPerSecond() > 0, c.name());
    }

    private static List<String> names(WorkloadReport w) {
        return w.contenders().stream().map(ContenderSummary::name).toList();
    }

    @Test
    void warmRunsEveryContenderAndJaiosCacheOnlyHits() throws IOException {
        VsJdkReport r = run(settings(file(), "warm"));
        assertEquals(1, r.workloads().size());
        WorkloadReport w = r.workloads().getFirst();
        assertEquals("warm", w.name());
        assertEquals(List.of("jdk-filechannel-vthreads", "jdk-filechannel-platform", "jdk-async-filechannel",
                "jaio-buffered-vthreads", "jaio-cached-vthreads", "jaio-buffered-vthreads-nofast",
                "jaio-cached-vthreads-nofast", "jaio-context-buffered", "jaio-nio-async", "jaio-nio-filechannel-vthreads",
                "jaio-buffered-tryread-vthreads", "jaio-cached-tryread-vthreads"), names(w));
        w.contenders().forEach(VsJdkTest::assertRan);
        for (ContenderSummary c : w.contenders()) {
            assertEquals(c.runs().getFirst().bytes(), c.runs().getFirst().ops() * 4096, c.name());
        }
        assertTrue(w.contenders().get(0).threads().startsWith(DEPTH + " virtual on "), w.contenders().get(0).threads());
        assertTrue(w.contenders().get(1).threads().startsWith(DEPTH + " platform"), w.contenders().get(1).threads());
        assertTrue(w.contenders().get(7).threads().startsWith("1 platform"), w.contenders().get(7).threads());
        assertFalse(w.contenders().get(8).isJdk(), "jaio's AsynchronousFileChannel is jaio's row");
        @SuppressWarnings("unchecked")
        Map<String, Object> cache = (Map<String, Object>) w.contenders().get(4).runs().getFirst().extra()
                .get("jaioPageCache");
        assertEquals(0L, cache.get("misses"), cache.toString());
        // Which path the reads took, from the engine's own counters: tried on the calling thread
        // with the fast paths on, never with them off.
        assertTrue(fastPaths(w, 3).get("nowaitReads") > 0, fastPaths(w, 3).toString());
        assertTrue(fastPaths(w, 4).get("cachedHits") > 0, fastPaths(w, 4).toString());
        // tryRead rows: every read done by the try (a kernel-buffered try that would block goes to
        // the engine, but the file is in the kernel's page cache and jaio's cache holds it all).
        assertTrue(fastPaths(w, 10).get("nowaitReads") > 0, fastPaths(w, 10).toString());
        assertEquals(0L, fastPaths(w, 11).get("cachedFallbacks"), fastPaths(w, 11).toString());
        assertTrue(fastPaths(w, 11).get("cachedHits") > 0, fastPaths(w, 11).toString());
        for (int row : new int[] {5, 6}) {
            assertTrue(fastPaths(w, row).values().stream().allMatch(v -> v == 0), fastPaths(w, row).toString());
        }
        assertEquals(0L, cache.get("deviceReads"), cache.toString());
        assertTrue((Long) cache.get("hits") > 0, cache.toString());
        assertTrue(w.notes().stream().anyMatch(n -> n.contains("every read a hit")), w.notes().toString());
        assertTrue(w.bestJdkOpsPerSecond() > 0);
        assertEquals(1.0, w.contenders().stream().filter(ContenderSummary::isJdk).mapToDouble(w::vsJdkBest).max()
                .orElseThrow(), 1e-9);
    }

    @Test
    void coldRunsEveryContender() throws IOException {
        VsJdkReport r = run(settings(file(), "cold"));
        WorkloadReport w = r.workloads().getFirst();
        assertEquals(List.of("jdk-filechannel-vthreads-direct", "jdk-async-filechannel-direct", "jaio-context-direct",
                "jaio-direct-vthreads", "jaio-nio-async-direct", "jaio-nio-filechannel-vthreads-direct"), names(w));
        w.contenders().forEach(VsJdkTest::assertRan);
        assertTrue(r.allOk());
    }

    /**
     * vthreads: --threads virtual threads (200 here) on the JDK's FileChannel and on jaio's, warm,
     * cold (dropped from the page cache before each contender) and O_DIRECT; jaio's rows run on as many carriers as the scheduler's parallelism at most, since its
     * reads park their virtual threads.
     */
    @Test
    void vthreadsRunsTheJdksAndJaiosFileChannelOnManyVirtualThreads() throws IOException {
        VsJdkReport r = run(settings(file(), "vthreads", "vthreads-cold", "vthreads-direct"));
        assertEquals(List.of("jdk-filechannel-warm", "jaio-nio-filechannel-warm", "jaio-nio-filechannel-warm-nofast"),
                names(r.workloads().get(0)));
        assertEquals(List.of("jdk-filechannel-cold", "jaio-nio-filechannel-cold", "jaio-nio-filechannel-cold-nofast"),
                names(r.workloads().get(1)));
        assertEquals(List.of("jdk-filechannel-direct", "jaio-nio-filechannel-direct"), names(r.workloads().get(2)));
        assertTrue(r.allOk());
        for (WorkloadReport w : r.workloads()) {
            w.contenders().forEach(VsJdkTest::assertRan);
            for (ContenderSummary c : w.contenders()) {
                assertTrue(c.threads().startsWith("200 virtual on "), c.threads());
            }
        }
        assertTrue(r.toText().contains("\nvthreads: 200 virtual threads, each reading random 4 KiB blocks of 1 MiB"
                + " through one FileChannel, in the kernel's page cache\n"), r.toText());
        assertTrue(r.toText().contains("\nvthreads-cold: 200 virtual threads, each reading random 4 KiB blocks of"
                + " 1 MiB through one FileChannel, kernel-buffered, dropped from the page cache before each"
                + " contender\n"), r.toText());
        assertTrue(r.toText().contains("\nvthreads-direct: 200 virtual threads"), r.toText());
    }

    /**
     * transfer: the JDK's FileChannel and jaio's copy 1 MiB blocks with transferTo into slots of a
     * second file, which holds exactly those bytes afterwards and is deleted at the end.
     */
    @Test
    void transferCopiesWithTheJdksAndJaiosChannelsIntoASecondFile() throws IOException {
        Path file = file();
        VsJdkReport r = run(settings(file, "transfer"));
        WorkloadReport w = r.workloads().getFirst();
        assertEquals(List.of("jdk-transferto-platform", "jdk-transferto-vthreads", "jaio-nio-transferto-vthreads",
                "jaio-nio-transferto-vthreads-copy"), names(w));
        w.contenders().forEach(VsJdkTest::assertRan);
        for (ContenderSummary c : w.contenders()) {
            assertEquals(c.runs().getFirst().ops() * (1 << 20), c.runs().getFirst().bytes(), c.name());
        }
        assertTrue(r.toText().contains("\ntransfer: " + DEPTH + " threads, each copying random 1 MiB blocks of"
                + " 1 MiB"), r.toText());
        assertFalse(Files.exists(file.resolveSibling("data.vsjdk-transfer")), "the target is deleted");
    }

    @Test
    void logMakesEveryRecordDurableAndTheReadBackFindsThemAll() throws IOException {
        Path file = file();
        VsJdkReport r = run(settings(file, "log"));
        WorkloadReport w = r.workloads().getFirst();
        assertEquals(List.of("jdk-dsync", "jdk-direct-dsync", "jdk-write-fdatasync", "jaio-direct-dsync",
                "jaio-direct-flusher", "jaio-buffered-dsync"), names(w));
        w.contenders().forEach(VsJdkTest::assertRan);
        for (ContenderSummary c : w.contenders()) {
            RunResult run = c.runs().getFirst();
            LogStats s = run.log();
            assertNotNull(s, c.name());
            assertTrue(s.batches() > 0, c.name());
            assertTrue(s.recordsDurable() >= run.ops(), c.name());
            assertEquals(s.recordsDurable(), s.recordsVerified(), c.name());
            assertTrue(s.bytesWritten() >= run.bytes(), c.name());
            assertTrue(run.bytes() >= run.ops() * LogRecords.MIN && run.bytes() <= run.ops() * LogRecords.MAX,
                    c.name());
            assertTrue(c.syncsPerSecond() > 0 && c.recordsPerBatch() >= 1, c.name());
            assertTrue(run.threads().startsWith(PRODUCERS + " virtual on "), run.threads());
        }
        assertFalse(Files.exists(LogWorkload.logFile(file)), "the log file is deleted");
    }

    @Test
    void textAndJsonShowEveryContender() throws IOException {
        VsJdkSettings s = settings(file(), "cold", "warm");
        VsJdkReport r = run(s);
        assertEquals(List.of("cold", "warm"), r.workloads().stream().map(WorkloadReport::name).toList());
        String text = r.toText();
        assertTrue(text.startsWith("jaio bench --vs=jdk: " + s.file()), text);
        assertTrue(text.contains("\ncold: random 4 KiB O_DIRECT reads of 1 MiB, 8 in flight\n"), text);
        assertTrue(text.contains("\nwarm: random 4 KiB reads of 1 MiB in the kernel's page cache, 8 in flight\n"), text);
        assertTrue(text.matches("(?s).*\ncontender +ops/s +MiB/s +p50 us +p99 us +p99\\.9 us +CPU us/op +vs JDK best"
                + " +threads\n.*"), text);
        assertTrue(text.matches("(?s).*\njdk-filechannel-platform +\\d+ +[\\d.]+ .* +[\\d.]+x +8 platform.*"), text);
        for (String c : ColdWorkload.CONTENDERS) {
            assertTrue(text.contains("\n" + c + " "), c);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(Json.write(r.toJson()));
        @SuppressWarnings("unchecked")
        Map<String, Object> machine = (Map<String, Object>) json.get("machine");
        for (String key : List.of("kernel", "cpus", "java", "jaio", "engine")) {
            assertNotNull(machine.get(key), key);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> workloads = (List<Map<String, Object>>) json.get("workloads");
        assertEquals(2, workloads.size());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> warm = (List<Map<String, Object>>) workloads.get(1).get("contenders");
        assertEquals(WarmWorkload.CONTENDERS, warm.stream().map(c -> c.get("name")).toList());
        for (Map<String, Object> c : warm) {
            assertEquals(Boolean.TRUE, c.get("ok"));
            assertTrue(((Number) c.get("opsPerSecond")).doubleValue() > 0);
            assertEquals(1, ((List<?>) c.get("runs")).size());
        }
    }

    @Test
    void aMissingFileIsAnErrorAndATooSmallOneFailsTheWorkloadsRows() throws IOException {
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[100]);
        VsJdkReport r = VsJdk.run(settings(tiny, "cold"), null);
        WorkloadReport w = r.workloads().getFirst();
        assertFalse(r.allOk());
        for (ContenderSummary c : w.contenders()) {
            assertFalse(c.ok());
            assertTrue(c.error().contains("smaller than one block"), c.error());
        }
        assertTrue(r.toText().contains("error: "), r.toText());
        assertThrowsIo(() -> VsJdk.run(settings(dir.resolve("missing"), "warm"), null));
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void assertThrowsIo(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            return;
        }
        throw new AssertionError("no IOException");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> fastPaths(WorkloadReport w, int row) {
        return (Map<String, Long>) w.contenders().get(row).runs().getFirst().extra().get("jaioFastPaths");
    }
}
