package dev.jaio.cli.oltp;

import dev.jaio.cli.Json;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code jaio oltp}'s output: tables shaped like the paper's Tables 2-5 (one row per configuration,
 * its median turn, throughput relative to the table's best synchronous configuration), CSV and
 * JSON with every turn and every field of {@link OltpResult}, and the sweep's figure (transactions/s against the number of
 * synchronous cleaners, log2 axis, with the one AIO cleaner as a horizontal line).
 */
public final class OltpReport {

    /** The CSV's columns, also the JSON's keys. */
    static final List<String> COLUMNS = List.of("table", "round", "config", "io", "cleaners", "cleaner_threads",
            "frames", "seconds", "transactions", "tps", "relative", "p50_ms", "p95_ms", "p99_ms", "hits", "misses",
            "cleaner_writes", "agent_writes", "agent_write_pct", "agent_write_us", "agent_stall_pct", "frame_waits", "clean_ahead_frames", "writes_per_txn",
            "cpu_us_per_txn", "cleaner_cpu_pct",
            "os_threads", "rss_mib", "log_batches", "records_per_batch", "error");

    private OltpReport() {
    }

    /**
     * Each configuration of each table once: the turn with the median tps among its turns (the
     * lower middle one of an even count), failed turns last. In the order the configurations first ran.
     */
    static List<OltpResult> medians(List<OltpResult> results) {
        Map<String, List<OltpResult>> byConfig = new LinkedHashMap<>();
        for (OltpResult r : results) {
            byConfig.computeIfAbsent(r.table() + "|" + r.label(), k -> new ArrayList<>()).add(r);
        }
        List<OltpResult> out = new ArrayList<>();
        for (List<OltpResult> runs : byConfig.values()) {
            List<OltpResult> ok = runs.stream().filter(r -> r.error() == null)
                    .sorted(java.util.Comparator.comparingDouble(OltpResult::tps)).toList();
            out.add(ok.isEmpty() ? runs.getFirst() : ok.get((ok.size() - 1) / 2));
        }
        return out;
    }

    /**
     * The 100 of the paper's tables for {@code table}: the best median tps of its synchronous
     * configurations; NaN when it has none.
     */
    static double bestSync(List<OltpResult> medians, String table) {
        return medians.stream().filter(r -> r.table().equals(table) && r.cleaners().startsWith("sync:") && r.error() == null)
                .mapToDouble(OltpResult::tps).max().orElse(Double.NaN);
    }

    /** The N of the best synchronous configuration of {@code table} (median turns), or {@code otherwise}. */
    public static int bestSyncThreads(List<OltpResult> results, String table, int otherwise) {
        return medians(results).stream()
                .filter(r -> r.table().equals(table) && r.cleaners().startsWith("sync:") && r.error() == null)
                .max(java.util.Comparator.comparingDouble(OltpResult::tps)).map(OltpResult::cleanerThreads)
                .orElse(otherwise);
    }

    private static String title(String table) {
        return switch (table) {
            case "raw" -> "Raw device analogue (the paper's Tables 2 and 3): the pool over O_DIRECT";
            case "fs" -> "File system (Tables 4 and 5): synchronous buffered I/O, jaio's cache (buffered AIO), DIO";
            default -> "One configuration";
        };
    }

    /** The table: per table of the run, one row per configuration (its median turn). */
    public static String table(List<OltpResult> results) {
        List<OltpResult> medians = medians(results);
        int rounds = results.stream().mapToInt(OltpResult::round).max().orElse(1);
        StringBuilder out = new StringBuilder();
        for (String table : medians.stream().map(OltpResult::table).distinct().toList()) {
            out.append(title(table)).append(rounds > 1 ? " (median of " + rounds + " turns)" : "").append('\n');
            out.append(String.format(Locale.ROOT, "%-16s %8s %6s %7s %7s %7s %9s %9s %7s %7s %8s %6s %6s %8s %8s %7s %5s %6s%n",
                    "config", "tps", "rel", "p50ms", "p95ms", "p99ms", "cl.writes", "ag.writes", "agent%", "stall%", "waits",
                    "ahead", "wr/txn", "cpu/txn", "clean%", "threads", "rss", "rec/b"));
            double base = bestSync(medians, table);
            for (OltpResult r : medians) {
                if (!r.table().equals(table)) {
                    continue;
                }
                if (r.error() != null) {
                    out.append(String.format(Locale.ROOT, "%-16s failed: %s%n", r.label(), r.error()));
                    continue;
                }
                out.append(String.format(Locale.ROOT,
                        "%-16s %8.0f %6s %7.2f %7.2f %7.2f %9d %9d %6.1f%% %6.2f%% %8d %6.0f %6.3f %6.0fus %7.1f%% %7d %4dM %6.1f%n",
                        r.label(), r.tps(), Double.isNaN(base) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * r.tps() / base),
                        r.p50Ms(), r.p95Ms(), r.p99Ms(), r.cleanerWrites(), r.agentWrites(), r.agentWritePercent(),
                        r.agentStallPercent(), r.frameWaits(), r.cleanAheadFrames(), writesPerTxn(r), r.cpuMicrosPerTxn(), r.cleanerCpuPercent(), r.osThreads(), r.rssMiB(),
                        r.recordsPerBatch()));
            }
            out.append('\n');
        }
        out.append("rel: tps against the table's best synchronous configuration (= 100), as in the paper's Tables 2"
                + " and 4.\nagent%: page writes made by agents (Tables 3 and 5); stall%: the share of the agents' time"
                + " spent on those writes, the most that cleaners keeping up could give back; waits: times an agent found no free or"
                + " clean frame; ahead: the frames ahead of the clock hand that cleaners clean (mean); wr/txn: page"
                + " writes per transaction; clean%: the cleaner threads' CPU, percent of one core; rec/b: log records per group commit.\n");
        return out.toString();
    }

    private static List<Object> values(List<OltpResult> medians, OltpResult r) {
        double base = bestSync(medians, r.table());
        return java.util.Arrays.asList(r.table(), r.round(), r.label(), r.io(), r.cleaners(), r.cleanerThreads(),
                r.frames(), r.seconds(), r.transactions(), r.tps(),
                Double.isNaN(base) || r.error() != null ? Double.NaN : 100 * r.tps() / base, r.p50Ms(), r.p95Ms(),
                r.p99Ms(), r.hits(), r.misses(), r.cleanerWrites(), r.agentWrites(), r.agentWritePercent(),
                r.agentWriteMicros(), r.agentStallPercent(), r.frameWaits(), r.cleanAheadFrames(), writesPerTxn(r), r.cpuMicrosPerTxn(), r.cleanerCpuPercent(),
                r.osThreads(), r.rssMiB(), r.logBatches(),
                r.recordsPerBatch(), r.error() == null ? "" : r.error());
    }

    /** Page writes (cleaners' and agents') per transaction; NaN without transactions. */
    static double writesPerTxn(OltpResult r) {
        return r.transactions() == 0 ? Double.NaN : (double) (r.cleanerWrites() + r.agentWrites()) / r.transactions();
    }

    /** The CSV: a header, then a line per turn of each configuration. */
    public static String csv(List<OltpResult> results) {
        List<OltpResult> medians = medians(results);
        StringBuilder out = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (OltpResult r : results) {
            List<String> cells = new ArrayList<>();
            for (Object v : values(medians, r)) {
                String s = v instanceof Double d ? (d.isNaN() ? "" : String.format(Locale.ROOT, "%.3f", d)) : String.valueOf(v);
                cells.add(s.contains(",") || s.contains("\"") || s.contains("\n")
                        ? '"' + s.replace("\"", "\"\"") + '"' : s);
            }
            out.append(String.join(",", cells)).append('\n');
        }
        return out.toString();
    }

    /** The JSON: the settings, then one object per turn of each configuration. */
    public static String json(Map<String, Object> settings, List<OltpResult> results) {
        List<OltpResult> medians = medians(results);
        List<Object> rows = new ArrayList<>();
        for (OltpResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            List<Object> v = values(medians, r);
            for (int i = 0; i < COLUMNS.size(); i++) {
                m.put(COLUMNS.get(i), v.get(i));
            }
            rows.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("settings", settings);
        doc.put("results", rows);
        return Json.write(doc) + "\n";
    }

    /**
     * The figure: the raw table's median tps against the number of synchronous cleaners of I/O mode
     * {@code io}, and the one AIO cleaner's as a horizontal line. Null when there is nothing to plot.
     */
    static JFreeChart chart(List<OltpResult> results, String io) {
        XYSeries sync = new XYSeries("sync:N, " + io);
        double aio = Double.NaN;
        for (OltpResult r : medians(results)) {
            if (!r.io().equals(io) || !r.table().equals("raw") || r.error() != null) {
                continue;
            }
            if (r.cleaners().startsWith("sync:")) {
                sync.add(r.cleanerThreads(), r.tps());
            } else if (r.cleaners().startsWith("aio")) {
                aio = r.tps();
            }
        }
        if (sync.isEmpty()) {
            return null;
        }
        XYSeriesCollection data = new XYSeriesCollection(sync);
        LogAxis x = new LogAxis("synchronous page cleaners (N)");
        x.setBase(2);
        x.setSmallestValue(1);
        NumberAxis y = new NumberAxis("transactions/s");
        y.setAutoRangeIncludesZero(true);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        if (!Double.isNaN(aio)) {
            ValueMarker line = new ValueMarker(aio, new Color(0xd62728), new BasicStroke(2f));
            line.setLabel(String.format(Locale.ROOT, "one AIO cleaner (jaio): %.0f tps", aio));
            line.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_RIGHT);
            line.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_RIGHT);
            plot.addRangeMarker(line);
            y.setUpperBound(Math.max(y.getUpperBound(), aio * 1.1));
        }
        JFreeChart chart = new JFreeChart("jaio oltp (" + io + "): one AIO page cleaner against N synchronous ones",
                JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Writes oltp.csv, oltp.json and oltp-MODE.png (per I/O mode of the raw table with sync:N rows) to {@code dir}. */
    public static List<Path> write(Path dir, Map<String, Object> settings, List<OltpResult> results) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Path csv = dir.resolve("oltp.csv");
        Files.writeString(csv, csv(results));
        written.add(csv);
        Path json = dir.resolve("oltp.json");
        Files.writeString(json, json(settings, results));
        written.add(json);
        for (String io : results.stream().map(OltpResult::io).distinct().toList()) {
            JFreeChart chart = chart(results, io);
            if (chart != null) {
                Path png = dir.resolve("oltp-" + io + ".png");
                ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 600);
                written.add(png);
            }
        }
        return written;
    }
}
