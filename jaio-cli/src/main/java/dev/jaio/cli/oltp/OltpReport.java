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
 * {@code jaio oltp}'s output: a table shaped like the paper's Tables 2-5 (one row per
 * configuration, throughput relative to the best synchronous configuration), CSV and JSON with
 * every field of {@link OltpResult}, and the sweep's figure (transactions/s against the number of
 * synchronous cleaners, log2 axis, with the one AIO cleaner as a horizontal line).
 */
public final class OltpReport {

    /** The CSV's columns, also the JSON's keys. */
    static final List<String> COLUMNS = List.of("config", "io", "cleaners", "cleaner_threads", "frames", "seconds",
            "transactions", "tps", "relative", "p50_ms", "p95_ms", "p99_ms", "hits", "misses", "cleaner_writes",
            "agent_writes", "agent_write_pct", "frame_waits", "cpu_us_per_txn", "cleaner_cpu_pct", "os_threads",
            "rss_mib", "log_batches", "records_per_batch", "error");

    private OltpReport() {
    }

    /**
     * The best synchronous configuration's tps among {@code results} of I/O mode {@code io}, or
     * NaN when there is none: the 100 of the paper's tables.
     */
    static double bestSync(List<OltpResult> results, String io) {
        return results.stream().filter(r -> r.io().equals(io) && r.cleaners().startsWith("sync:") && r.error() == null)
                .mapToDouble(OltpResult::tps).max().orElse(Double.NaN);
    }

    /** The base of the relative column: the best synchronous tps of the row's mode, or of any mode. */
    private static double base(List<OltpResult> results, OltpResult r) {
        double b = bestSync(results, r.io());
        if (Double.isNaN(b)) {
            b = results.stream().filter(x -> x.cleaners().startsWith("sync:") && x.error() == null)
                    .mapToDouble(OltpResult::tps).max().orElse(Double.NaN);
        }
        return b;
    }

    /** The table: one row per configuration. */
    public static String table(List<OltpResult> results) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-16s %8s %6s %7s %7s %7s %9s %9s %7s %8s %8s %8s %7s %5s %6s%n",
                "config", "tps", "rel", "p50ms", "p95ms", "p99ms", "cl.writes", "ag.writes", "agent%", "waits",
                "cpu/txn", "clean%", "threads", "rss", "rec/b"));
        for (OltpResult r : results) {
            if (r.error() != null) {
                out.append(String.format(Locale.ROOT, "%-16s failed: %s%n", r.label(), r.error()));
                continue;
            }
            double base = base(results, r);
            out.append(String.format(Locale.ROOT,
                    "%-16s %8.0f %6s %7.2f %7.2f %7.2f %9d %9d %6.1f%% %8d %6.0fus %7.1f%% %7d %4dM %6.1f%n",
                    r.label(), r.tps(), Double.isNaN(base) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * r.tps() / base),
                    r.p50Ms(), r.p95Ms(), r.p99Ms(), r.cleanerWrites(), r.agentWrites(), r.agentWritePercent(),
                    r.frameWaits(), r.cpuMicrosPerTxn(), r.cleanerCpuPercent(), r.osThreads(), r.rssMiB(),
                    r.recordsPerBatch()));
        }
        out.append("rel: tps against the best synchronous configuration of the same I/O mode (= 100), as in the"
                + " paper's Tables 2 and 4.\nagent%: page writes made by agents (Tables 3 and 5); waits: times an agent"
                + " found no free or clean frame; clean%: the cleaner threads' CPU, percent of one core.\n");
        return out.toString();
    }

    private static List<Object> values(List<OltpResult> all, OltpResult r) {
        double base = base(all, r);
        return List.of(r.label(), r.io(), r.cleaners(), r.cleanerThreads(), r.frames(), r.seconds(), r.transactions(),
                r.tps(), Double.isNaN(base) || r.error() != null ? Double.NaN : 100 * r.tps() / base, r.p50Ms(),
                r.p95Ms(), r.p99Ms(), r.hits(), r.misses(), r.cleanerWrites(), r.agentWrites(), r.agentWritePercent(),
                r.frameWaits(), r.cpuMicrosPerTxn(), r.cleanerCpuPercent(), r.osThreads(), r.rssMiB(), r.logBatches(),
                r.recordsPerBatch(), r.error() == null ? "" : r.error());
    }

    /** The CSV: a header, then a line per configuration. */
    public static String csv(List<OltpResult> results) {
        StringBuilder out = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (OltpResult r : results) {
            List<String> cells = new ArrayList<>();
            for (Object v : values(results, r)) {
                String s = v instanceof Double d ? (d.isNaN() ? "" : String.format(Locale.ROOT, "%.3f", d)) : String.valueOf(v);
                cells.add(s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s);
            }
            out.append(String.join(",", cells)).append('\n');
        }
        return out.toString();
    }

    /** The JSON: the settings, then one object per configuration. */
    public static String json(Map<String, Object> settings, List<OltpResult> results) {
        List<Object> rows = new ArrayList<>();
        for (OltpResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            List<Object> v = values(results, r);
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
     * The figure: tps against the number of synchronous cleaners of I/O mode {@code io}, and the
     * one AIO cleaner's tps of that mode as a horizontal line. Null when there is nothing to plot.
     */
    static JFreeChart chart(List<OltpResult> results, String io) {
        XYSeries sync = new XYSeries("sync:N, " + io);
        double aio = Double.NaN;
        for (OltpResult r : results) {
            if (!r.io().equals(io) || r.error() != null) {
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

    /** Writes oltp.csv, oltp.json and oltp-MODE.png (one per I/O mode with synchronous rows) to {@code dir}. */
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
