package dev.jaio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = JaioCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    @Test
    void aShortRunOnEveryEngineReportsSaneNumbers() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target/jaio-test-files")).toAbsolutePath(), "bench");
        Path file = dir.resolve("f");
        Files.write(file, new byte[1 << 20]);
        try {
            for (String engine : new String[] {"uring", "aio", "threads"}) {
                for (String rw : new String[] {"randread", "write"}) {
                    String[] r = run("bench", "--engine=" + engine, "--rw=" + rw, "--bs=4k", "--iodepth=8",
                            "--runtime=0.3", "--ramp=0.1", "--json", file.toString());
                    assertEquals("0", r[0], r[2]);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> j = (Map<String, Object>) Json.parse(r[1]);
                    assertEquals(engine, j.get("engine"));
                    assertTrue(((Number) j.get("ios")).longValue() > 0, r[1]);
                    assertTrue(((Number) j.get("iops")).doubleValue() > 0, r[1]);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> lat = (Map<String, Object>) j.get("latencyMicros");
                    assertTrue(((Number) lat.get("p50")).doubleValue() <= ((Number) lat.get("p99")).doubleValue());
                    // the engine's own counters: at least the measured requests, all completed, none failed
                    @SuppressWarnings("unchecked")
                    Map<String, Object> es = (Map<String, Object>) j.get("engineStats");
                    assertEquals(engine, es.get("engine"), r[1]);
                    long ios = ((Number) j.get("ios")).longValue();
                    assertTrue(((Number) es.get("completed")).longValue() >= ios, r[1]);
                    assertEquals(es.get("submitted"), es.get("completed"), r[1]);
                    assertEquals(0L, es.get("inFlight"), r[1]);
                    assertEquals(Map.of(), es.get("errors"), r[1]);
                    assertTrue(((Number) es.get("bytes")).longValue() >= ios * 4096, r[1]);
                    assertTrue(((Number) es.get("p50Nanos")).longValue() > 0, r[1]);
                    assertTrue(j.get("pageCacheStats") instanceof Map, r[1]);
                }
            }
            String[] text = run("bench", "--engine=uring", "--runtime=0.2", "--ramp=0", "--no-direct", file.toString());
            assertEquals("0", text[0], text[2]);
            assertTrue(text[1].matches("(?s)jaio bench: engine uring, randread, bs 4096, iodepth 64, buffered, .*IOPS \\d+, BW .*"),
                    text[1]);
            assertEquals("2", run("bench", "--iodepth=0", file.toString())[0]);
            assertEquals("1", run("bench", dir.resolve("missing").toString())[0]);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** {@code --vs=jdk}: options that do not apply are refused with exit 2, and a short run prints its JSON. */
    @Test
    void vsJdkRefusesJobOptionsAndReportsItsWorkloads() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target/jaio-test-files")).toAbsolutePath(), "vsjdk");
        Path file = dir.resolve("f");
        Path report = dir.resolve("report.json");
        Files.write(file, new byte[1 << 20]);
        try {
            for (String[] bad : new String[][] {
                {"--vs=jdk", "--rw=write"}, {"--vs=jdk", "--no-direct"}, {"--vs=jdk", "--complete-max=4"},
                {"--vs=jdk", "--fixed-buffers"}, {"--vs=fio"}, {"--vs=jdk", "--workloads=warm,hot"},
                {"--vs=jdk", "--repeat=0"}, {"--vs=jdk", "--producers=0"}, {"--vs=jdk", "--runtime=0"},
                {"--workloads=warm"}, {"--records=10"}, {"--vs=jdk", "--size=2m"},
            }) {
                String[] args = new String[bad.length + 2];
                args[0] = "bench";
                System.arraycopy(bad, 0, args, 1, bad.length);
                args[args.length - 1] = file.toString();
                String[] r = run(args);
                assertEquals("2", r[0], String.join(" ", args) + ": " + r[2]);
                assertTrue(r[2].startsWith("jaio bench: "), r[2]);
                assertEquals(1, r[2].strip().lines().count(), r[2]);
            }
            String[] r = run("bench", "--vs=jdk", "--workloads=warm", "--iodepth=4", "--runtime=0.2", "--ramp=0",
                    "--json", file.toString());
            assertEquals("0", r[0], r[2]);
            @SuppressWarnings("unchecked")
            Map<String, Object> j = (Map<String, Object>) Json.parse(r[1]);
            assertEquals("bench --vs=jdk", j.get("command"));
            assertEquals(Boolean.TRUE, j.get("ok"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> workloads = (List<Map<String, Object>>) j.get("workloads");
            assertEquals(1, workloads.size());
            assertEquals("warm", workloads.getFirst().get("name"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> contenders = (List<Map<String, Object>>) workloads.getFirst().get("contenders");
            assertEquals(12, contenders.size(), "the warm rows: 3 of the JDK, 9 of jaio (VsJdkTest names them)");
            for (Map<String, Object> c : contenders) {
                assertTrue(((Number) c.get("opsPerSecond")).doubleValue() > 0, c.toString());
            }
            String[] text = run("bench", "--vs=jdk", "--workloads=cold", "--iodepth=4", "--runtime=0.2", "--ramp=0",
                    "--json=" + report, file.toString());
            assertEquals("0", text[0], text[2]);
            assertTrue(text[1].contains("\ncold: random 4 KiB O_DIRECT reads of 1 MiB, 4 in flight\n"), text[1]);
            assertTrue(text[2].contains("jaio bench --vs=jdk: cold jaio-context-direct..."), text[2]);
            assertTrue(Json.parse(Files.readString(report)) instanceof Map<?, ?>);
        } finally {
            Files.deleteIfExists(report);
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
