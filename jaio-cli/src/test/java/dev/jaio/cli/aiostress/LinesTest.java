package dev.jaio.cli.aiostress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

class LinesTest {

    private static void assertKind(String kind, String line) {
        Matcher m = (LinePatterns.STDERR.containsKey(kind) ? LinePatterns.STDERR : LinePatterns.STDOUT).get(kind)
                .matcher(line);
        assertTrue(m.matches(), () -> kind + ": '" + line + "'");
    }

    @Test
    void everyLineHasTheOriginalsFormat() {
        Path f = Path.of("/tmp/x y.dat");
        assertKind("adding stage", Lines.addingStage(Stage.RANDOM_READ));
        assertKind("starting with", Lines.startingWith(Stage.WRITE));
        assertKind("dropping io_iter", Lines.droppingIoIter(4));
        assertKind("dropping threads", Lines.droppingThreads(2));
        assertKind("header sizes", Lines.headerSizes(Sizes.GIB, 64 * Sizes.KIB, 64, 8));
        assertKind("header submit", Lines.headerSubmit(8, 4096));
        assertKind("header threads", Lines.headerThreads(4, 4, 1, 2 * Sizes.MIB, true));
        assertKind("engine", Lines.headerEngine("uring", true));
        assertKind("short file", Lines.shortFileWarning(f, 0, Sizes.GIB));
        assertKind("oper", Lines.oper(Stage.RANDOM_WRITE, f, 1024, 2.5));
        assertKind("thread", Lines.thread(3, Stage.READ, 1024, 2.5));
        assertKind("global", Lines.global(Stage.WRITE, 4096, 3, true, 512));
        assertKind("global", Lines.global(Stage.WRITE, 4096, 3, false, Double.NaN));
        assertKind("io err", Lines.ioErr(-5, "Input/output error", true, 8192, 4096));
        assertKind("io err", Lines.ioErr(2048, "Unknown error -2048", false, 8192, 4096));
        assertKind("errors on oper", Lines.operErrors(3, -5));
        assertKind("verify error", Lines.verifyError(f, 16384));
        StringBuilder diff = new StringBuilder();
        Lines.verifyDiff(diff, 3616, (byte) 'X', (byte) 'b');
        Lines.verifyDiff(diff, 3617, (byte) 0, (byte) 'b');
        assertKind("verify diff", diff.toString());
        assertKind("running", Lines.running(1));
        assertKind("running", Lines.running(4));
        assertKind("cleaning up", Lines.cleaningUp(f));
        Latency lat = new Latency();
        lat.add(50_000);
        lat.add(300_000_000);
        lat.add(20_000_000_000L);
        assertKind("latency", Lines.latency("latency", lat));
        assertKind("latency", Lines.latency("completion latency", lat));
        assertKind("latency buckets", Lines.latencyBuckets(lat));
    }

    @Test
    void exactTextsMatchTheCFormatStrings() {
        Path f = Path.of("/d/f");
        assertEquals("write on /d/f (512.00 MB/s) 1024.00 MB in 2.00s", Lines.oper(Stage.WRITE, f, 1024, 2));
        assertEquals("thread 0 random read totals (100.00 MB/s) 50.00 MB in 0.50s",
                Lines.thread(0, Stage.RANDOM_READ, 50, 0.5));
        assertEquals("read throughput (3.33 MB/s) 10.00 MB in 3.00s min transfer 2.50MB",
                Lines.global(Stage.READ, 10, 3, true, 2.5));
        assertEquals("read throughput (3.33 MB/s) 10.00 MB in 3.00s", Lines.global(Stage.READ, 10, 3, false, 2.5));
        assertEquals("file size 1024MB, record size 64KB, depth 64, ios per iteration 8",
                Lines.headerSizes(Sizes.GIB, 64 * Sizes.KIB, 64, 8));
        assertEquals("max io_submit 8, buffer alignment set to 4KB", Lines.headerSubmit(8, 4096));
        assertEquals("threads 1 files 1 contexts 1 context offset 2MB verification off",
                Lines.headerThreads(1, 1, 1, 2 * Sizes.MIB, false));
        assertEquals("Running single thread version ", Lines.running(1));
        assertEquals("Running multi thread version num_threads:4", Lines.running(4));
        assertEquals("Cleaning up file /d/f ", Lines.cleaningUp(f));
        // C prints a negative res with %lu and last_err with %u
        assertEquals("io err 18446744073709551611 (Input/output error) op 0, off 8192 size 4096",
                Lines.ioErr(-5, "Input/output error", true, 8192, 4096));
        assertEquals("2 errors on oper, last 4294967291", Lines.operErrors(2, -5));
        assertEquals("write on /d/f (inf MB/s) 1.00 MB in 0.00s", Lines.oper(Stage.WRITE, f, 1, 0));
    }

    @Test
    void latencyLinesAreInMillisecondsWithBuckets() {
        Latency lat = new Latency();
        lat.add(50_000); // 0.05 ms
        lat.add(300_000_000); // 300 ms
        lat.add(20_000_000_000L); // 20 s: past the last bucket
        assertEquals("latency min 0.05 avg 6766.68 max 20000.00", Lines.latency("latency", lat));
        assertEquals("\t 1 < 100 0 < 250 1 < 500 0 < 1000 0 < 5000 0 < 10000 < 1", Lines.latencyBuckets(lat));
        lat.reset();
        assertEquals("latency min 0.00 avg -nan max 0.00", Lines.latency("latency", lat));
        assertEquals("\t 0 < 100 0 < 250 0 < 500 0 < 1000 0 < 5000 0 < 10000", Lines.latencyBuckets(lat));
    }

    @Test
    void strerrorTextsAreGlibcs() {
        assertEquals("Input/output error", Lines.strerror(-5, "EIO (Input/output error)"));
        assertEquals("Unknown error -2048", Lines.strerror(2048, "2048"));
        assertEquals("Success", Lines.strerror(0, "0"));
    }
}
