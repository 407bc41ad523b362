package dev.jaio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
