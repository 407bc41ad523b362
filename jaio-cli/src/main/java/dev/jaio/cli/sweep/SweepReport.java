package dev.jaio.cli.sweep;

import dev.jaio.cli.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A sweep's points as CSV, JSON and text tables. */
public final class SweepReport {

    /** The CSV header (and the keys of each JSON point). */
    public static final List<String> COLUMNS = List.of("figure", "config", "tool", "engine", "direct", "cache", "record_kib",
            "run", "mib_per_s", "iops", "lat_p50_us", "lat_p99_us", "cpu_s", "bytes", "seconds", "error");

    private SweepReport() {
    }

    /** One CSV line per point after the header; numbers with a dot, empty where a point has none. */
    public static String csv(List<SweepPoint> points) {
        StringBuilder sb = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (SweepPoint p : points) {
            List<String> cells = new ArrayList<>();
            for (Object v : row(p).values()) {
                cells.add(csvCell(v));
            }
            sb.append(String.join(",", cells)).append('\n');
        }
        return sb.toString();
    }

    private static String csvCell(Object v) {
        if (v == null) {
            return "";
        }
        String s = v instanceof Double d ? fmt(d) : v.toString();
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }

    /** One point as an ordered map with the {@link #COLUMNS} keys (NaN as null). */
    static Map<String, Object> row(SweepPoint p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("figure", p.figure().id());
        m.put("config", p.config().name());
        m.put("tool", p.config().tool());
        m.put("engine", p.config().engine());
        m.put("direct", p.config().direct());
        m.put("cache", p.config().cached() ? p.config().cache() : null);
        m.put("record_kib", p.recordSize() / 1024);
        m.put("run", p.run());
        m.put("mib_per_s", num(p.mibPerSecond()));
        m.put("iops", num(p.iops()));
        m.put("lat_p50_us", num(p.p50Us()));
        m.put("lat_p99_us", num(p.p99Us()));
        m.put("cpu_s", num(p.cpuSeconds()));
        m.put("bytes", p.bytes());
        m.put("seconds", num(p.seconds()));
        m.put("error", p.error());
        return m;
    }

    private static Double num(double d) {
        return Double.isFinite(d) ? Math.round(d * 1000) / 1000.0 : null;
    }

    /** The whole sweep as a JSON-ready map: settings, notes, configurations and points. */
    public static Map<String, Object> json(Sweep.Result r) {
        SweepSettings s = r.settings();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("file", s.file().toString());
        settings.put("fileSize", s.fileSize());
        settings.put("recordSizesKib", s.recordSizes().stream().map(b -> b / 1024).toList());
        settings.put("depth", s.depth());
        settings.put("engines", s.engines());
        settings.put("fio", s.fio());
        settings.put("fioEngines", s.fioEngines());
        settings.put("capBytes", s.capBytes());
        settings.put("fioRuntimeSeconds", s.fioRuntimeSeconds());
        settings.put("cacheBytes", s.cacheBytes());
        settings.put("repeat", s.repeat());
        settings.put("figures", s.figures().stream().map(Figure::id).toList());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("settings", settings);
        m.put("fioVersion", r.fioVersion());
        m.put("seconds", num(r.seconds()));
        m.put("notes", r.notes());
        m.put("configs", r.configs().stream().map(SweepConfig::name).toList());
        m.put("points", r.points().stream().map(SweepReport::row).toList());
        return m;
    }

    /**
     * One table per figure: a row per configuration, a column per record size, MB/s (MiB/s), the
     * median of the point's runs when it was measured more than once; {@code -} where every run of
     * the point failed.
     */
    public static String table(List<SweepConfig> configs, List<Long> recordSizes, List<SweepPoint> points) {
        StringBuilder sb = new StringBuilder();
        int nameWidth = "configuration".length();
        for (SweepConfig c : configs) {
            nameWidth = Math.max(nameWidth, c.name().length());
        }
        for (Figure f : Figure.values()) {
            if (points.stream().noneMatch(p -> p.figure() == f)) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            int runs = points.stream().filter(p -> p.figure() == f).mapToInt(SweepPoint::run).max().orElse(1);
            sb.append(f.title()).append(", MB/s by request size")
                    .append(runs > 1 ? ", median of " + runs + " runs" : "").append('\n');
            sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", "configuration"));
            for (long r : recordSizes) {
                sb.append(String.format(Locale.ROOT, " %9s", (r / 1024) + " KB"));
            }
            sb.append('\n');
            for (SweepConfig c : configs) {
                if (points.stream().noneMatch(p -> p.figure() == f && p.config().equals(c))) {
                    continue; // not run for this figure (jaio's cache in figure2)
                }
                sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", c.name()));
                for (long r : recordSizes) {
                    double mib = median(points, f, c, r);
                    String cell = Double.isNaN(mib) ? "-" : String.format(Locale.ROOT, "%.1f", mib);
                    sb.append(String.format(Locale.ROOT, " %9s", cell));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * The median MB/s of the runs of one point that have numbers (the mean of the middle two for an
     * even count); NaN when none has.
     */
    public static double median(List<SweepPoint> points, Figure f, SweepConfig c, long rec) {
        double[] v = points.stream()
                .filter(p -> p.figure() == f && p.config().equals(c) && p.recordSize() == rec && p.ok())
                .mapToDouble(SweepPoint::mibPerSecond).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Writes sweep.csv, sweep.json and the figures into {@code dir}; returns the files written. */
    public static List<Path> writeAll(Sweep.Result r, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Path csv = dir.resolve("sweep.csv");
        Files.writeString(csv, csv(r.points()));
        written.add(csv);
        Path json = dir.resolve("sweep.json");
        Files.writeString(json, Json.write(json(r)) + "\n");
        written.add(json);
        for (Figure f : r.settings().figures()) {
            written.addAll(SweepCharts.write(f, r.configs(), r.points(), dir));
        }
        return written;
    }
}
