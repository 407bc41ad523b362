package dev.jaio.cli.vsjdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The table, the ratio against the best JDK row, medians and error rows, on made-up results. */
class TextReportTest {

    private static RunResult run(String name, long ops, double p50) {
        Latency l = new Latency(ops, p50, p50, p50, p50 * 2, p50 * 3, p50 * 4);
        return new RunResult(name, "64 virtual on 2 carriers", name.startsWith("jaio") ? "uring" : null, ops,
                ops * 4096, 1.0, 0.5, l, null, null, List.of(), Map.of());
    }

    @Test
    void ratiosAreAgainstTheBestJdkRowAndErrorsGetTheirRow() {
        WorkloadReport w = new WorkloadReport("warm", "random 4 KiB reads", List.of(
                new ContenderSummary("jdk-a", List.of(run("jdk-a", 100, 10), run("jdk-a", 300, 30), run("jdk-a", 200, 20))),
                new ContenderSummary("jdk-b", List.of(run("jdk-b", 400, 5))),
                new ContenderSummary("jaio-x", List.of(run("jaio-x", 600, 1))),
                new ContenderSummary("jaio-y", List.of(RunResult.failed("jaio-y", "64 virtual", "uring",
                        new java.io.IOException("boom"))))), List.of("a note"));
        assertEquals(200, w.contenders().getFirst().opsPerSecond(), 1e-9, "the median of three rounds");
        assertEquals(20, w.contenders().getFirst().p50(), 1e-9);
        assertEquals(400, w.bestJdkOpsPerSecond(), 1e-9);
        assertEquals(1.5, w.vsJdkBest(w.contenders().get(2)), 1e-9);
        assertTrue(Double.isNaN(w.vsJdkBest(w.contenders().get(3))));
        VsJdkSettings s = VsJdkSettings.defaults(Path.of("/tmp/f"));
        VsJdkReport r = new VsJdkReport(new Machine("6.1.0", 2, "25", "v", "0.1", "uring"), s, 1 << 28, List.of(w));
        String text = r.toText();
        assertTrue(text.contains("/tmp/f (256 MiB), Linux 6.1.0, 2 CPUs, Java 25, jaio engine uring"), text);
        assertTrue(text.matches("(?s).*\njdk-a +200 +0\\.8 +20\\.0 +40\\.0 +60\\.0 +2500\\.00 +0\\.50x +64 virtual on 2"
                + " carriers\n.*"), text);
        assertTrue(text.matches("(?s).*\njdk-b +400 .* 1\\.00x .*"), text);
        assertTrue(text.matches("(?s).*\njaio-x +600 .* 1\\.50x .*"), text);
        assertTrue(text.matches("(?s).*\njaio-y +error: boom\n.*"), text);
        assertTrue(text.contains("\n  a note\n"), text);
        assertTrue(!r.allOk());
    }

    @Test
    void sizesReadAsPeopleWriteThem() {
        assertEquals("4 KiB", VsJdk.size(4096));
        assertEquals("256 MiB", VsJdk.size(256L << 20));
        assertEquals("1.5 GiB", VsJdk.size(3L << 29));
        assertEquals("100 B", VsJdk.size(100));
    }
}
