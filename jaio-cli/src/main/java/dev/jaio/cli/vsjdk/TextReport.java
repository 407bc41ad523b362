package dev.jaio.cli.vsjdk;

import java.util.ArrayList;
import java.util.List;

/** The text form of a {@link VsJdkReport}: a header, then one table per workload with its notes. */
final class TextReport {

    private TextReport() {
    }

    static String format(VsJdkReport r) {
        VsJdkSettings s = r.settings();
        Machine m = r.machine();
        StringBuilder out = new StringBuilder();
        out.append("jaio bench --vs=jdk: ").append(s.file()).append(" (").append(VsJdk.size(r.fileSize()))
                .append("), Linux ").append(m.kernel()).append(", ").append(m.cpus()).append(" CPUs, Java ")
                .append(m.java()).append(", jaio engine ").append(m.engine()).append('\n');
        out.append("each contender: ").append(seconds(s.timing().rampSeconds())).append(" ramp, then ")
                .append(seconds(s.timing().runtimeSeconds())).append(" measured");
        if (s.repeat() > 1) {
            out.append("; medians of ").append(s.repeat()).append(" rounds, contenders taking turns");
        }
        out.append('\n');
        for (WorkloadReport w : r.workloads()) {
            out.append('\n').append(w.name()).append(": ").append(w.title()).append('\n');
            out.append(table(w));
            for (ContenderSummary c : w.contenders()) {
                if (c.ok() && c.failedRuns() > 0) {
                    out.append("  ").append(c.name()).append(" failed in ").append(c.failedRuns()).append(" of ")
                            .append(c.runs().size()).append(" rounds: ").append(c.error()).append('\n');
                }
            }
            for (String note : w.notes()) {
                out.append("  ").append(note).append('\n');
            }
        }
        out.append("\nvs JDK best: this row's throughput over the best jdk-* row's of the same workload"
                + " (above 1: faster than the JDK's best).");
        return out.toString();
    }

    private static String seconds(double s) {
        return (s == Math.rint(s) ? String.format("%.0f", s) : String.format("%.2f", s)) + " s";
    }

    private static String table(WorkloadReport w) {
        boolean log = w.name().equals("log");
        List<String> header = log
                ? List.of("contender", "rec/s", "MiB/s", "p50 us", "p99 us", "p99.9 us", "CPU us/rec", "syncs/s",
                        "rec/sync", "vs JDK best", "threads")
                : List.of("contender", "ops/s", "MiB/s", "p50 us", "p99 us", "p99.9 us", "CPU us/op", "vs JDK best",
                        "threads");
        List<List<String>> rows = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (ContenderSummary c : w.contenders()) {
            if (!c.ok()) {
                errors.add(c.name());
                rows.add(List.of(c.name(), "error: " + c.error()));
                continue;
            }
            List<String> row = new ArrayList<>();
            row.add(c.name());
            row.add(count(c.opsPerSecond()));
            row.add(fixed(c.mibPerSecond(), 1));
            row.add(micros(c.p50()));
            row.add(micros(c.p99()));
            row.add(micros(c.p999()));
            row.add(fixed(c.cpuMicrosPerOp(), 2));
            if (log) {
                row.add(count(c.syncsPerSecond()));
                row.add(fixed(c.recordsPerBatch(), 1));
            }
            double ratio = w.vsJdkBest(c);
            row.add(Double.isNaN(ratio) ? "-" : String.format("%.2fx", ratio));
            row.add(c.threads());
            rows.add(row);
        }
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = header.get(i).length();
        }
        for (List<String> row : rows) {
            if (row.size() == header.size()) {
                for (int i = 0; i < width.length; i++) {
                    width[i] = Math.max(width[i], row.get(i).length());
                }
            } else {
                width[0] = Math.max(width[0], row.get(0).length());
            }
        }
        int threadsColumn = header.indexOf("threads");
        StringBuilder out = new StringBuilder();
        appendRow(out, header, width, threadsColumn);
        for (List<String> row : rows) {
            if (row.size() == header.size()) {
                appendRow(out, row, width, threadsColumn);
            } else {
                out.append(pad(row.get(0), width[0], true)).append("  ").append(row.get(1)).append('\n');
            }
        }
        return out.toString();
    }

    private static void appendRow(StringBuilder out, List<String> cells, int[] width, int threadsColumn) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                line.append("  ");
            }
            boolean left = i == 0 || i == threadsColumn;
            line.append(pad(cells.get(i), width[i], left));
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    private static String pad(String s, int width, boolean left) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return left ? s + fill : fill + s;
    }

    private static String count(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.0f", v);
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format("%." + decimals + "f", v);
    }

    /** Latency in microseconds: one decimal below 100, none above. */
    private static String micros(double v) {
        return Double.isNaN(v) ? "-" : v < 100 ? String.format("%.1f", v) : String.format("%.0f", v);
    }
}
