package dev.jaio.cli.aiostress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.EngineStatus;
import dev.jaio.IoEngine;
import dev.jaio.cli.JaioCommand;
import dev.jaio.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code jaio aio-stress} end to end on real files of a few MiB (in target/jaio-test-files, on the
 * build's disk: tmpfs has no O_DIRECT), through the command line, checking exit status, every
 * output line against the original's formats, and what ends up in the files.
 */
class AioStressRunTest {

    private static final long MIB = Sizes.MIB;
    private static Path dir;
    private static int counter;

    record Result(int exitCode, List<String> out, List<String> err) {
        String errText() {
            return String.join("\n", err);
        }

        List<String> errOfKind(String kind) {
            return err.stream().filter(l -> kind.equals(LinePatterns.kindOfErr(l))).toList();
        }
    }

    @BeforeAll
    static void createDirectory() throws IOException {
        Path base = Path.of(System.getProperty("jaio.test.dir", "target/jaio-test-files"));
        Files.createDirectories(base);
        dir = Files.createTempDirectory(base.toAbsolutePath(), "aio-stress");
    }

    @AfterAll
    static void removeDirectory() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static synchronized Path newFile() {
        return dir.resolve("as-" + counter++ + ".dat");
    }

    static Result run(Object... args) {
        List<String> argv = new ArrayList<>();
        argv.add("aio-stress");
        for (Object a : args) {
            argv.add(a.toString());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cmd = JaioCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(argv.toArray(String[]::new));
        return new Result(code, out.toString().lines().toList(), err.toString().lines().toList());
    }

    /** Every line is one the original prints (or jaio's engine line), on the original's stream. */
    private static void assertAllLinesKnown(Result r) {
        for (String line : r.err()) {
            assertNotNull(LinePatterns.kindOfErr(line), () -> "unknown stderr line '" + line + "' in\n" + r.errText());
        }
        for (String line : r.out()) {
            assertNotNull(LinePatterns.kindOfOut(line), () -> "unknown stdout line '" + line + "'");
        }
    }

    private static List<String> availableEngines() {
        return IoEngine.probeAll().stream().filter(EngineStatus::available).map(EngineStatus::name).toList();
    }

    static Stream<Arguments> enginesAndModes() {
        return availableEngines().stream().flatMap(e -> Stream.of(Arguments.of(e, false), Arguments.of(e, true)));
    }

    private static Matcher match(String kind, String line) {
        Matcher m = LinePatterns.STDERR.get(kind).matcher(line);
        assertTrue(m.matches(), kind + ": " + line);
        return m;
    }

    @ParameterizedTest(name = "{0}, O_DIRECT {1}")
    @MethodSource("enginesAndModes")
    void runsTheFourStagesOnEachEngine(String engine, boolean direct) throws IOException {
        Path f = newFile();
        List<Object> args = new ArrayList<>(List.of("-s", "4m", "-r", "16k", "--engine=" + engine, f));
        if (direct) {
            args.addFirst("-O");
        }
        Result r = run(args.toArray());
        assertEquals(0, r.exitCode(), r.errText());
        assertAllLinesKnown(r);
        assertEquals(List.of("Running single thread version "), r.out());
        assertEquals(List.of("file size 4MB, record size 16KB, depth 64, ios per iteration 8",
                "max io_submit 8, buffer alignment set to " + Defaults.alignment() / 1024 + "KB",
                "threads 1 files 1 contexts 1 context offset 2MB verification off", "engine " + engine),
                r.err().subList(0, 4));
        List<String> opers = r.errOfKind("oper");
        List<String> threads = r.errOfKind("thread");
        assertEquals(4, opers.size(), r.errText());
        assertEquals(4, threads.size(), r.errText());
        String[] stages = {"write", "read", "random write", "random read"};
        for (int i = 0; i < 4; i++) {
            Matcher o = match("oper", opers.get(i));
            assertEquals(stages[i], o.group(1));
            assertEquals(f.toString(), o.group(2));
            assertEquals("4.00", o.group(4));
            Matcher t = match("thread", threads.get(i));
            assertEquals("0", t.group(1));
            assertEquals(stages[i], t.group(2));
            assertEquals("4.00", t.group(4));
        }
        assertTrue(r.errOfKind("global").isEmpty(), "no throughput line with one thread");
        assertEquals(4 * MIB, Files.size(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void stagesRunInTheFixedOrderWhateverTheFlagOrder() {
        Path f = newFile();
        Result r = run("-o", "3", "-o0", "-o", "3", "-s", "4m", "-r", "64k", f);
        assertEquals(0, r.exitCode(), r.errText());
        assertAllLinesKnown(r);
        assertEquals(List.of("adding stage random read", "adding stage write", "adding stage random read",
                "starting with write"), r.err().subList(0, 4));
        List<String> threads = r.errOfKind("thread");
        assertEquals(2, threads.size(), r.errText());
        assertEquals("write", match("thread", threads.get(0)).group(2));
        assertEquals("random read", match("thread", threads.get(1)).group(2));
    }

    /**
     * A random-write stage on a file of zeros with -v (buffers of 'b'): the records written are
     * exactly those at the offsets the C tool computes with glibc's rand(), and the first MiB stays
     * untouched.
     */
    @Test
    void randomWritesLandWhereTheCToolPutsThem() throws IOException {
        Path f = newFile();
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(4 * MIB);
        }
        Result r = run("-o", "2", "-v", "-n", "-s", "4m", "-r", "4k", f);
        assertEquals(0, r.exitCode(), r.errText());
        GlibcRandom rand = new GlibcRandom();
        TreeSet<Long> expected = new TreeSet<>();
        for (int i = 0; i < 1024; i++) {
            expected.add(Layout.randomOffset(0, 4 * MIB, 4096, Defaults.alignment(), rand::next));
        }
        byte[] data = Files.readAllBytes(f);
        assertEquals(4 * MIB, data.length);
        TreeSet<Long> written = new TreeSet<>();
        for (int block = 0; block < data.length / 4096; block++) {
            byte first = data[block * 4096];
            for (int i = 0; i < 4096; i++) {
                assertEquals(first, data[block * 4096 + i], "block " + block + " is written whole or not at all");
            }
            if (first == 'b') {
                written.add(block * 4096L);
            }
        }
        assertEquals(expected, written);
        assertTrue(written.first() >= MIB, "the first MiB is never touched");
    }

    @Test
    void contextsLayDownTheWholeFileWithoutStonewalling() throws IOException {
        Path f = newFile();
        Result r = run("-o", "0", "-v", "-x", "-c", "2", "-C", "1m", "-t", "2", "-s", "4m", "-r", "16k", f);
        assertEquals(0, r.exitCode(), r.errText());
        assertAllLinesKnown(r);
        assertEquals(List.of("Running multi thread version num_threads:2"), r.out());
        List<String> mbs = r.errOfKind("oper").stream().map(l -> match("oper", l).group(4)).sorted().toList();
        assertEquals(List.of("2.00", "4.00"), mbs, "context 0 covers 4 MiB, context 1 [1m, 3m)");
        List<String> global = r.errOfKind("global");
        assertEquals(1, global.size(), r.errText());
        Matcher g = match("global", global.getFirst());
        assertEquals("6.00", g.group(3));
        assertNull(g.group(5), "no min transfer with -x");
        byte[] data = Files.readAllBytes(f);
        assertEquals(4 * MIB, data.length);
        for (int i = 0; i < data.length; i++) {
            if (data[i] != 'b') {
                throw new AssertionError("byte " + i + " was not written");
            }
        }
    }

    @Test
    void stonewallingReportsTheLeastTransferOfAnyThread() {
        Path a = newFile();
        Path b = newFile();
        Result r = run("-t", "2", "-s", "4m", "-r", "4k", "-o", "0", "-o", "3", a, b);
        assertEquals(0, r.exitCode(), r.errText());
        assertAllLinesKnown(r);
        List<String> global = r.errOfKind("global");
        assertEquals(2, global.size(), r.errText());
        List<String> threads = r.errOfKind("thread");
        for (int stage = 0; stage < 2; stage++) {
            Matcher g = match("global", global.get(stage));
            assertNotNull(g.group(5), "min transfer with stonewalling: " + global.get(stage));
            double min = Double.parseDouble(g.group(6));
            String stageName = g.group(1);
            double least = threads.stream().map(l -> match("thread", l)).filter(t -> t.group(2).equals(stageName))
                    .mapToDouble(t -> Double.parseDouble(t.group(4))).min().orElseThrow();
            assertEquals(least, min, 0.005, r.errText());
        }
    }

    @Test
    void verifyCatchesACorruptedByte() throws IOException {
        Path f = newFile();
        Result w = run("-v", "-o", "0", "-s", "4m", "-r", "16k", f);
        assertEquals(0, w.exitCode(), w.errText());
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(20000);
            raf.write('X');
        }
        Result r = run("-v", "-o", "1", "-s", "4m", "-r", "16k", f);
        assertEquals(1, r.exitCode(), r.errText());
        assertAllLinesKnown(r);
        List<String> errors = r.errOfKind("verify error");
        assertEquals(List.of("verify error, file " + f + " offset 16384 contents (offset:bad:good):"), errors);
        int at = r.err().indexOf(errors.getFirst());
        assertEquals("3616:X:b ", r.err().get(at + 1));
        // Without the corruption the same read verifies.
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(20000);
            raf.write('b');
        }
        assertEquals(0, run("-v", "-o", "1", "-s", "4m", "-r", "16k", f).exitCode());
    }

    @Test
    void failedWritesAreErrors() {
        assumeTrue(Files.isWritable(Path.of("/dev/full")), "needs /dev/full");
        Result r = run("-o", "0", "-n", "-s", "4m", "-r", "64k", "/dev/full");
        assertEquals(1, r.exitCode(), r.errText());
        assertAllLinesKnown(r);
        List<String> ioErrs = r.errOfKind("io err");
        assertEquals(64, ioErrs.size(), r.errText());
        Matcher m = match("io err", ioErrs.getFirst());
        assertEquals("1", m.group(3), "op 1: a write");
        assertEquals("65536", m.group(5));
        List<String> summary = r.errOfKind("errors on oper");
        assertEquals(1, summary.size(), r.errText());
        assertTrue(summary.getFirst().startsWith("64 errors on oper, last "), summary.getFirst());
    }

    @Test
    void jsonReportParsesAndHasTheFields() throws IOException {
        Path f = newFile();
        Path report = dir.resolve("report-" + counter + ".json");
        Result r = run("-s", "4m", "-r", "16k", "-o", "0", "-o", "3", "--json=" + report, f);
        assertEquals(0, r.exitCode(), r.errText());
        assertEquals(List.of("Running single thread version "), r.out(), "the report went to the file");
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) Json.parse(Files.readString(report));
        assertJsonReport(doc, f);

        Result s = run("-s", "4m", "-r", "16k", "-o", "0", "-o", "3", "--json", f);
        assertEquals(0, s.exitCode(), s.errText());
        assertEquals("Running single thread version ", s.out().getFirst());
        @SuppressWarnings("unchecked")
        Map<String, Object> fromStdout = (Map<String, Object>) Json.parse(
                String.join("\n", s.out().subList(1, s.out().size())));
        assertJsonReport(fromStdout, f);
    }

    @Test
    void aJfrRecordingOfARunHoldsJaiosEvents() throws Exception {
        // what `jfr print --events dev.jaio.FileWrite` shows for a run of ./jaio aio-stress
        Path f = newFile();
        Path jfr = dir.resolve("run-" + counter + ".jfr");
        try (jdk.jfr.Recording rec = new jdk.jfr.Recording()) {
            for (String e : List.of("dev.jaio.FileWrite", "dev.jaio.FileRead", "dev.jaio.FileSync")) {
                rec.enable(e).withThreshold(java.time.Duration.ZERO);
            }
            rec.enable("dev.jaio.EngineOpen");
            rec.start();
            Result r = run("-s", "4m", "-r", "64k", "-o", "0", "-o", "1", f);
            assertEquals(0, r.exitCode(), r.errText());
            rec.stop();
            rec.dump(jfr);
        }
        List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(jfr);
        Map<String, Long> byType = new java.util.TreeMap<>();
        for (jdk.jfr.consumer.RecordedEvent e : events) {
            if (e.getEventType().getName().startsWith("dev.jaio.")
                    && (!e.hasField("path") || f.toString().equals(e.getString("path")))) {
                byType.merge(e.getEventType().getName(), 1L, Long::sum);
            }
        }
        // 64 writes and 64 reads of 64 KiB, an fsync after each stage, one engine
        assertEquals(Map.of("dev.jaio.EngineOpen", 1L, "dev.jaio.FileRead", 64L, "dev.jaio.FileSync", 2L,
                "dev.jaio.FileWrite", 64L), byType);
    }

    @SuppressWarnings("unchecked")
    private static void assertJsonReport(Map<String, Object> doc, Path f) {
        assertTrue(availableEngines().contains((String) doc.get("engine")), doc.toString());
        assertEquals("auto", doc.get("engineRequested"));
        assertEquals(0L, doc.get("exitStatus"));
        assertEquals(CpuTimes.SOURCE, doc.get("cpuTimeSource"));
        Map<String, Object> options = (Map<String, Object>) doc.get("options");
        assertEquals(List.of(f.toString()), options.get("files"));
        assertEquals(4 * MIB, options.get("fileSize"));
        assertEquals(16384L, options.get("recordSize"));
        assertEquals(64L, options.get("depth"));
        assertEquals(List.of("write", "random read"), options.get("stages"));
        for (String key : List.of("alignment", "iosPerIteration", "maxIoSubmit", "contexts", "contextOffset",
                "iterations", "direct", "sync", "bufferSource", "fsync", "submitLatency", "completionLatency", "threads",
                "unlink", "verify", "stonewall", "engine", "dropCache", "pageCache", "effective", "commandLine")) {
            assertTrue(options.containsKey(key), key);
        }
        List<Object> stages = (List<Object>) doc.get("stages");
        assertEquals(2, stages.size());
        for (int i = 0; i < 2; i++) {
            Map<String, Object> st = (Map<String, Object>) stages.get(i);
            assertEquals(i == 0 ? "write" : "random read", st.get("name"));
            assertEquals(doc.get("engine"), st.get("engine"));
            assertEquals(4 * MIB, st.get("bytes"));
            assertEquals(256L, st.get("ios"));
            assertEquals(4.0, ((Number) st.get("mib")).doubleValue());
            double seconds = ((Number) st.get("seconds")).doubleValue();
            assertTrue(seconds > 0, st.toString());
            assertEquals(4.0 / seconds, ((Number) st.get("mibPerSecond")).doubleValue(), 4.0 / seconds * 0.01 + 0.01);
            assertEquals(256 / seconds, ((Number) st.get("iops")).doubleValue(), 256 / seconds * 0.01 + 0.01);
            Map<String, Object> lat = (Map<String, Object>) st.get("completionLatencyUs");
            assertEquals(256L, lat.get("count"));
            double previous = 0;
            for (String p : List.of("p50", "p90", "p99", "p99.9", "p99.99", "max")) {
                double v = ((Number) lat.get(p)).doubleValue();
                assertTrue(v >= previous && v > 0, p + " in " + lat);
                previous = v;
            }
            assertTrue(((Number) st.get("userCpuSeconds")).doubleValue() >= 0);
            assertTrue(((Number) st.get("systemCpuSeconds")).doubleValue() >= 0);
            assertEquals(0L, st.get("errors"));
            assertEquals(1, ((List<Object>) st.get("threads")).size());
        }
        // the engine's own count of the same run: 256 writes and 256 random reads of 16 KiB, and
        // the fsync after each stage, all completed (a stage's fsync goes through the engine too)
        Map<String, Object> es = (Map<String, Object>) doc.get("engineStats");
        assertEquals(doc.get("engine"), es.get("engine"));
        assertEquals(es.get("submitted"), es.get("completed"), es.toString());
        assertTrue(((Number) es.get("completed")).longValue() >= 512, es.toString());
        assertEquals(8 * MIB, ((Number) es.get("bytes")).longValue(), es.toString());
        assertEquals(Map.of(), es.get("errors"));
        assertTrue(((Number) es.get("p99Nanos")).longValue() >= ((Number) es.get("p50Nanos")).longValue());
        assertTrue(doc.get("pageCacheStats") instanceof Map, doc.toString());
    }

    @Test
    void latencyFlagsPrintBothLinesAfterEachStage() {
        Path f = newFile();
        Result r = run("-l", "-L", "-o", "0", "-o", "1", "-s", "4m", "-r", "64k", f);
        assertEquals(0, r.exitCode(), r.errText());
        assertAllLinesKnown(r);
        List<String> lat = r.errOfKind("latency");
        assertEquals(4, lat.size(), r.errText());
        assertTrue(lat.get(0).startsWith("latency min "), lat.get(0));
        assertTrue(lat.get(1).startsWith("completion latency min "), lat.get(1));
        assertEquals(4, r.errOfKind("latency buckets").size(), r.errText());
        for (String line : r.errOfKind("latency buckets")) {
            long counted = Arrays.stream(line.strip().split(" < \\d+ ?")).mapToLong(Long::parseLong).sum();
            assertTrue(counted > 0, line);
        }
    }

    @Test
    void theIterationCapEndsTheRun() {
        Path f = newFile();
        Result r = run("-I", "2", "-s", "4m", "-r", "4k", f);
        assertEquals(0, r.exitCode(), r.errText());
        assertAllLinesKnown(r);
        List<String> threads = r.errOfKind("thread");
        assertEquals(1, threads.size(), r.errText());
        Matcher t = match("thread", threads.getFirst());
        assertEquals("write", t.group(2));
        assertEquals("0.06", t.group(4), "2 passes of 8 requests of 4 KiB");
    }

    @Test
    void unlinkRemovesTheFilesAndShmIsANote() {
        Path f = newFile();
        Result r = run("-u", "-m", "shm", "-n", "-o", "0", "-s", "4m", "-r", "64k", "--drop-cache", f);
        assertEquals(0, r.exitCode(), r.errText());
        assertEquals(List.of("Running single thread version ", "Cleaning up file " + f + " "), r.out());
        assertFalse(Files.exists(f));
        String note = r.err().getFirst();
        assertTrue(note.startsWith("-m shm: jaio cannot use SysV shm") && note.contains("IoBuffers"), note);
        assertEquals(1, r.err().stream().filter(l -> LinePatterns.kindOfErr(l) == null).count(), r.errText());
    }

    @Test
    void dropCacheBeforeEachStageOfABufferedRun() {
        Path f = newFile();
        Result r = run("--drop-cache", "-o", "0", "-o", "1", "-s", "4m", "-r", "64k", f);
        assertEquals(0, r.exitCode(), r.errText());
        assertEquals(2, r.errOfKind("thread").size(), r.errText());
    }

    @Test
    void readingAFileShorterThanTheSizeWarns() {
        Path f = newFile();
        Result r = run("-o", "3", "-s", "4m", "-r", "64k", f);
        assertEquals(0, r.exitCode(), r.errText());
        assertAllLinesKnown(r);
        assertEquals(List.of("warning: " + f + " is 0 bytes, less than -s 4194304: reads past its end transfer nothing"),
                r.errOfKind("short file"));
    }

    @Test
    void aMissingDirectoryIsAFailureNotAUsageError() {
        Path f = dir.resolve("no-such-dir").resolve("f.dat");
        Result r = run("-s", "4m", f);
        assertEquals(1, r.exitCode(), r.errText());
        assertTrue(r.err().getLast().startsWith("jaio aio-stress: cannot create " + f), r.errText());
    }
}
