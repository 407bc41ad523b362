package dev.jaio.cli.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.EngineStatus;
import dev.jaio.IoEngine;
import dev.jaio.cli.JaioCommand;
import dev.jaio.cli.Json;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A tiny {@code jaio sweep} end to end (4 MiB file, records 4 and 16 KiB, one engine, no fio)
 * through the command line, and what it writes: CSV, JSON, PNG, SVG.
 */
class SweepRunTest {

    private static Path dir;

    @BeforeAll
    static void createDirectory() throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path base = Path.of(System.getProperty("jaio.test.dir", "target/jaio-test-files"));
        Files.createDirectories(base);
        dir = Files.createTempDirectory(base.toAbsolutePath(), "sweep");
    }

    private static String engine() {
        for (EngineStatus s : IoEngine.probeAll()) {
            if (s.available()) {
                return s.name();
            }
        }
        throw new AssertionError("no engine available");
    }

    @Test
    void tinySweepWritesReadableCsvJsonAndImages() throws Exception {
        Path out = dir.resolve("out");
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        var cmd = JaioCommand.commandLine();
        cmd.setOut(new PrintWriter(stdout));
        cmd.setErr(new PrintWriter(stderr));
        String engine = engine();
        int status = cmd.execute("sweep", "--size=4m", "--records=4,16", "--engines=" + engine, "--no-fio",
                "--dir=" + dir, "--out=" + out);
        assertEquals(0, status, stderr.toString());
        assertTrue(Files.size(dir.resolve("jaio-sweep.dat")) >= 4 << 20);

        // progress: one line per point (figure1: 4 configs x 2 records, figure2: 3 configs x 2 records)
        List<String> progress = stderr.toString().lines().filter(l -> l.startsWith("figure")).toList();
        assertEquals(14, progress.size(), stderr.toString());
        assertTrue(progress.getFirst().matches("figure1  jaio-" + engine + "-buffered +4 KiB +[0-9.]+ MB/s"),
                progress.getFirst());
        // the table
        assertTrue(stdout.toString().contains("Streaming AIO read results"), stdout.toString());
        assertTrue(stdout.toString().contains("Streaming AIO write results (O_SYNC)"), stdout.toString());
        assertTrue(stdout.toString().contains("jaio-" + engine + "-direct"), stdout.toString());
        assertTrue(stdout.toString().contains("jaio-" + engine + "-cached-upfront"), stdout.toString());
        assertTrue(stdout.toString().contains("jaio-" + engine + "-cached-legacy"), stdout.toString());
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("figure2") && l.contains("-cached-upfront")),
                "figure2 has jaio's cached O_SYNC writes");
        assertTrue(progress.stream().noneMatch(l -> l.startsWith("figure2") && l.contains("-cached-legacy")),
                "readahead plays no part in writes");

        // CSV: header + 14 rows, parsed back
        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(String.join(",", SweepReport.COLUMNS), csv.getFirst());
        assertEquals(15, csv.size());
        for (String line : csv.subList(1, csv.size())) {
            String[] cells = line.split(",", -1);
            assertEquals(SweepReport.COLUMNS.size(), cells.length, line);
            assertTrue(cells[0].equals("figure1") || cells[0].equals("figure2"), line);
            assertTrue(cells[1].startsWith("jaio-" + engine + "-"), line);
            assertEquals(cells[1].contains("cached") ? cells[1].substring(cells[1].lastIndexOf('-') + 1) : "",
                    cells[5], line);
            assertTrue(List.of("4", "16").contains(cells[6]), line);
            assertEquals("1", cells[7], line); // run
            assertTrue(Double.parseDouble(cells[8]) > 0, line);
            assertTrue(Double.parseDouble(cells[9]) > 0, line);
            assertTrue(Double.parseDouble(cells[11]) >= Double.parseDouble(cells[10]), line);
            assertEquals("", cells[15], line);
        }

        // JSON
        Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(out.resolve("sweep.json")));
        List<?> points = (List<?>) json.get("points");
        assertEquals(14, points.size());
        Map<?, ?> first = (Map<?, ?>) points.getFirst();
        assertEquals("figure1", first.get("figure"));
        assertEquals(false, first.get("direct"));
        assertEquals(4L, first.get("record_kib"));
        assertTrue(((Number) first.get("mib_per_s")).doubleValue() > 0);
        assertEquals(List.of("jaio-" + engine + "-buffered", "jaio-" + engine + "-direct",
                "jaio-" + engine + "-cached-upfront", "jaio-" + engine + "-cached-legacy"), json.get("configs"));

        // images
        for (String fig : List.of("figure1", "figure2")) {
            BufferedImage png = ImageIO.read(out.resolve(fig + ".png").toFile());
            assertNotNull(png, fig);
            assertTrue(png.getWidth() > 100 && png.getHeight() > 100);
            assertTrue(notBlank(png), fig + ".png is blank");
        }
    }

    private static boolean notBlank(BufferedImage img) {
        int first = img.getRGB(0, 0);
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                if (img.getRGB(x, y) != first) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void tableHasARowPerConfigAndAColumnPerRecordSize() {
        SweepConfig a = new SweepConfig("jaio", "uring", true);
        SweepConfig b = new SweepConfig("fio", "io_uring", false);
        List<SweepPoint> points = List.of(
                new SweepPoint(Figure.FIGURE1, a, 4096, 1, 1, 123.456, 1, 1, 2, 0.1, null),
                new SweepPoint(Figure.FIGURE1, a, 65536, 1, 1, 1000, 1, 1, 2, 0.1, null),
                new SweepPoint(Figure.FIGURE1, b, 4096, 1, 1, 99.94, 1, 1, 2, 0.1, null),
                SweepPoint.failed(Figure.FIGURE1, b, 65536, "boom"));
        String table = SweepReport.table(List.of(a, b), List.of(4096L, 65536L), points);
        assertEquals("""
                Streaming AIO read results, MB/s by request size
                configuration             4 KB     64 KB
                jaio-uring-direct        123.5    1000.0
                fio-iouring-buffered      99.9         -
                """, table);
        assertFalse(table.contains("write"));
        assertTrue(SweepReport.csv(points).lines().skip(4).findFirst().orElseThrow().endsWith(",boom"));
    }

    @Test
    void repeatedPointsShowTheirMedianAndKeepEveryRun() throws Exception {
        SweepConfig a = new SweepConfig("jaio", "uring", true);
        List<SweepPoint> points = List.of(
                new SweepPoint(Figure.FIGURE1, a, 4096, 1, 1, 300, 1, 1, 2, 0.1, null, 1),
                new SweepPoint(Figure.FIGURE1, a, 4096, 1, 1, 100, 1, 1, 2, 0.1, null, 2),
                new SweepPoint(Figure.FIGURE1, a, 4096, 1, 1, 200, 1, 1, 2, 0.1, null, 3),
                new SweepPoint(Figure.FIGURE1, a, 8192, 1, 1, 400, 1, 1, 2, 0.1, null, 1),
                SweepPoint.failed(Figure.FIGURE1, a, 8192, "boom").asRun(2),
                new SweepPoint(Figure.FIGURE1, a, 8192, 1, 1, 500, 1, 1, 2, 0.1, null, 3));
        assertEquals(200, SweepReport.median(points, Figure.FIGURE1, a, 4096));
        assertEquals(450, SweepReport.median(points, Figure.FIGURE1, a, 8192), "failed runs are left out");
        assertTrue(Double.isNaN(SweepReport.median(points, Figure.FIGURE2, a, 4096)));
        assertEquals("""
                Streaming AIO read results, MB/s by request size, median of 3 runs
                configuration          4 KB      8 KB
                jaio-uring-direct     200.0     450.0
                """, SweepReport.table(List.of(a), List.of(4096L, 8192L), points));
        assertEquals(List.of("1", "2", "3", "1", "2", "3"),
                SweepReport.csv(points).lines().skip(1).map(l -> l.split(",", -1)[7]).toList());

        // through the command line: every configuration takes its turn at a record size, twice
        Path out = dir.resolve("repeat-out");
        StringWriter stderr = new StringWriter();
        var cmd = JaioCommand.commandLine();
        cmd.setOut(new PrintWriter(new StringWriter()));
        cmd.setErr(new PrintWriter(stderr));
        String engine = engine();
        int status = cmd.execute("sweep", "--size=4m", "--records=4", "--engines=" + engine, "--no-fio",
                "--repeat=2", "--dir=" + dir, "--out=" + out);
        assertEquals(0, status, stderr.toString());
        List<String> figure1 = stderr.toString().lines().filter(l -> l.startsWith("figure1")).toList();
        assertEquals(8, figure1.size(), stderr.toString());
        assertTrue(figure1.get(0).contains("-buffered") && figure1.get(0).endsWith("(run 1/2)"), figure1.get(0));
        assertTrue(figure1.get(3).contains("-cached-legacy") && figure1.get(3).endsWith("(run 1/2)"), figure1.get(3));
        assertTrue(figure1.get(4).contains("-buffered") && figure1.get(4).endsWith("(run 2/2)"), figure1.get(4));
        Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(out.resolve("sweep.json")));
        assertEquals(2L, ((Map<?, ?>) json.get("settings")).get("repeat"));
        assertEquals(14, ((List<?>) json.get("points")).size());
        assertEquals(2, cmd.execute("sweep", "--repeat=0", "--no-fio", "--dir=" + dir, "--out=" + out));
        assertEquals(2, cmd.execute("sweep", "--figures=3", "--no-fio", "--dir=" + dir, "--out=" + out));

        // one figure only: its points, its chart, nothing of the other
        Path only = dir.resolve("only2");
        StringWriter err2 = new StringWriter();
        cmd.setErr(new PrintWriter(err2));
        assertEquals(0, cmd.execute("sweep", "--size=4m", "--records=4", "--engines=" + engine, "--no-fio",
                "--figures=2", "--dir=" + dir, "--out=" + only), err2.toString());
        assertTrue(err2.toString().lines().noneMatch(l -> l.startsWith("figure1")), err2.toString());
        assertEquals(3, err2.toString().lines().filter(l -> l.startsWith("figure2")).count(), err2.toString());
        assertTrue(Files.exists(only.resolve("figure2.png")));
        assertTrue(!Files.exists(only.resolve("figure1.png")));
    }

    @Test
    void fioCommandMatchesTheAioStressPoint() {
        SweepSettings s = new SweepSettings(Path.of("/d/f"), Path.of("o"), 1 << 30, List.of(16384L), List.of("aio"),
                true, List.of("libaio"), 16 << 20, 10, 64);
        List<String> read = Fio.command(Path.of("/usr/bin/fio"), s, Figure.FIGURE1, new SweepConfig("fio", "libaio", true), 16384);
        assertTrue(read.containsAll(List.of("--filename=/d/f", "--ioengine=libaio", "--direct=1", "--rw=randread",
                "--bs=16384", "--iodepth=64", "--size=1073741824", "--norandommap", "--invalidate=1",
                "--io_size=16777216", "--runtime=10", "--output-format=json")), read.toString());
        List<String> write = Fio.command(Path.of("fio"), s, Figure.FIGURE2, new SweepConfig("fio", "io_uring", false), 4096);
        assertTrue(write.containsAll(List.of("--ioengine=io_uring", "--direct=0", "--rw=randwrite", "--sync=1",
                "--end_fsync=1", "--bs=4096")), write.toString());
        var o = Sweep.aioStressOptions(s, Figure.FIGURE2, new SweepConfig("jaio", "aio", true), 16384);
        assertTrue(o.sync() && o.direct() && !o.dropCache());
        assertEquals(64, o.depth());
        assertEquals(16384, o.recordSize());
        assertEquals(128, o.iterations()); // 16 MiB / (16 KiB x io_iter 8)
        var r = Sweep.aioStressOptions(s, Figure.FIGURE1, new SweepConfig("jaio", "uring", false), 4096);
        assertTrue(r.dropCache() && !r.sync() && !r.direct());
    }

    @Test
    void parsesFiosJson() {
        String out = """
                note: both iodepth >= 1 and synchronous I/O engine are selected
                {"fio version":"fio-3.33","jobs":[{"jobname":"figure1","job_runtime":2000,"usr_cpu":10.0,"sys_cpu":40.0,
                 "read":{"io_bytes":104857600,"bw_bytes":52428800,"iops":12800.5,"runtime":2000,
                  "clat_ns":{"percentile":{"50.000000":250000,"99.000000":1500000}}},
                 "write":{"io_bytes":0,"bw_bytes":0,"iops":0.0,"runtime":0}}]}
                """;
        SweepPoint p = Fio.parse(out, Figure.FIGURE1, new SweepConfig("fio", "libaio", true), 4096);
        assertEquals(50.0, p.mibPerSecond(), 1e-9);
        assertEquals(12800.5, p.iops(), 1e-9);
        assertEquals(250.0, p.p50Us(), 1e-9);
        assertEquals(1500.0, p.p99Us(), 1e-9);
        assertEquals(1.0, p.cpuSeconds(), 1e-9);
        assertEquals(104857600, p.bytes());
        assertEquals(2.0, p.seconds(), 1e-9);
    }

    @Test
    void oneFioPointWhenFioIsInstalled() throws IOException {
        Path fio = Fio.find();
        assumeTrue(fio != null, "fio is not on the PATH");
        SweepSettings s = new SweepSettings(dir.resolve("fio.dat"), dir.resolve("fio-out"), 4 << 20, List.of(4096L),
                List.of(), true, List.of("libaio"), 0, 10, 64);
        Sweep.run(new SweepSettings(s.file(), s.out(), s.fileSize(), s.recordSizes(), List.of(), false, List.of(), 0, 10, 64),
                new PrintWriter(new StringWriter())); // lays out the file
        SweepPoint p = Fio.run(s, Figure.FIGURE1, new SweepConfig("fio", "libaio", true), 4096);
        assertTrue(p.ok(), p.error());
        assertTrue(p.mibPerSecond() > 0 && p.iops() > 0, p.toString());
        assertEquals(4 << 20, p.bytes());
        assertTrue(Arrays.asList(p.p50Us(), p.p99Us()).stream().allMatch(v -> v > 0), p.toString());
    }
}
