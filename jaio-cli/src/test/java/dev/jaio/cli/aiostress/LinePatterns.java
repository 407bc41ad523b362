package dev.jaio.cli.aiostress;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Regular expressions for every line xfstests aio-stress 0.21 prints, built from its format
 * strings (the reference, section A.7, and ltp/aio-stress.c): {@code %.2f} is two decimals
 * ({@code inf} and {@code -nan} where C prints them), {@code %d}, {@code %u} and {@code %Lu}
 * unsigned decimals.
 */
final class LinePatterns {

    private static final String STAGE = "(write|read|random write|random read)";
    private static final String F2 = "(\\d+\\.\\d{2}|inf|-nan)";
    private static final String N = "(\\d+)";

    /** stderr line kinds, by name. */
    static final Map<String, Pattern> STDERR = new LinkedHashMap<>();
    /** stdout line kinds, by name. */
    static final Map<String, Pattern> STDOUT = new LinkedHashMap<>();

    static {
        STDERR.put("adding stage", Pattern.compile("adding stage " + STAGE));
        STDERR.put("starting with", Pattern.compile("starting with " + STAGE));
        STDERR.put("dropping io_iter", Pattern.compile("dropping io_iter to " + N));
        STDERR.put("dropping threads", Pattern.compile("dropping thread count to the number of contexts " + N));
        STDERR.put("header sizes", Pattern.compile("file size " + N + "MB, record size " + N + "KB, depth " + N
                + ", ios per iteration " + N));
        STDERR.put("header submit", Pattern.compile("max io_submit " + N + ", buffer alignment set to " + N + "KB"));
        STDERR.put("header threads", Pattern.compile("threads " + N + " files " + N + " contexts " + N
                + " context offset " + N + "MB verification (on|off)"));
        STDERR.put("engine", Pattern.compile("engine (uring|aio|threads)( \\(auto\\))?")); // jaio's addition
        STDERR.put("short file", Pattern.compile("warning: (.+) is " + N + " bytes, less than -s " + N
                + ": reads past its end transfer nothing")); // jaio's addition
        STDERR.put("oper", Pattern.compile(STAGE + " on (.+) \\(" + F2 + " MB/s\\) " + F2 + " MB in " + F2 + "s"));
        STDERR.put("thread", Pattern.compile("thread " + N + " " + STAGE + " totals \\(" + F2 + " MB/s\\) " + F2
                + " MB in " + F2 + "s"));
        STDERR.put("global", Pattern.compile(STAGE + " throughput \\(" + F2 + " MB/s\\) " + F2 + " MB in " + F2 + "s"
                + "( min transfer " + F2 + "MB)?"));
        STDERR.put("latency", Pattern.compile("(latency|completion latency) min " + F2 + " avg " + F2 + " max " + F2));
        STDERR.put("latency buckets", Pattern.compile("\\t " + N + " < 100 " + N + " < 250 " + N + " < 500 " + N
                + " < 1000 " + N + " < 5000 " + N + " < 10000( < " + N + ")?"));
        STDERR.put("io err", Pattern.compile("io err " + N + " \\((.+)\\) op (0|1), off " + N + " size " + N));
        STDERR.put("errors on oper", Pattern.compile(N + " errors on oper, last " + N));
        STDERR.put("verify error", Pattern.compile("verify error, file (.+) offset " + N
                + " contents \\(offset:bad:good\\):"));
        STDERR.put("verify diff", Pattern.compile("(\\d+:.:. )+"));
        STDOUT.put("running", Pattern.compile("Running (single thread version |multi thread version num_threads:"
                + N + ")"));
        STDOUT.put("cleaning up", Pattern.compile("Cleaning up file (.+) "));
    }

    private LinePatterns() {
    }

    /** The kind of a stderr line, or null when no pattern matches it. */
    static String kindOfErr(String line) {
        return kind(STDERR, line);
    }

    /** The kind of a stdout line, or null. */
    static String kindOfOut(String line) {
        return kind(STDOUT, line);
    }

    private static String kind(Map<String, Pattern> patterns, String line) {
        for (Map.Entry<String, Pattern> e : patterns.entrySet()) {
            if (e.getValue().matcher(line).matches()) {
                return e.getKey();
            }
        }
        return null;
    }
}
