package dev.jaio.cli;

import dev.jaio.cli.aiostress.InvalidOptionException;
import dev.jaio.cli.aiostress.Sizes;
import dev.jaio.cli.sweep.Figure;
import dev.jaio.cli.sweep.Sweep;
import dev.jaio.cli.sweep.SweepReport;
import dev.jaio.cli.sweep.SweepSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jaio sweep}: the paper's Figure 1 and 2 experiments across record sizes, on every engine,
 * buffered and O_DIRECT, with fio beside them, written out as CSV, JSON, PNG and SVG.
 */
@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        versionProvider = JaioCommand.Version.class,
        sortOptions = false,
        usageHelpWidth = 100,
        header = "Reproduce the paper's Figure 1 and 2 (random reads, random O_SYNC writes) with aio-stress and fio.",
        descriptionHeading = "%n",
        description = {
            "Runs the OLS 2004 paper's two experiments on one test file, depth 64, at each record size:",
            "  figure1  streaming random reads, cold cache: aio-stress -o 3 --drop-cache -s SIZE -r REC -d 64",
            "  figure2  streaming random O_SYNC writes:     aio-stress -o 2 -S -s SIZE -r REC -d 64",
            "for each configuration: kernel-buffered and O_DIRECT (-O) on every available jaio engine (uring,",
            "aio, threads; unavailable ones are skipped with a note), through aio-stress in this process, and",
            "jaio's own page cache (aio-stress --cache=SIZE): for figure1 with upfront and with legacy (Linux",
            "2.6.2) readahead, jaio-ENGINE-cached-upfront and jaio-ENGINE-cached-legacy; for figure2 (buffered",
            "O_SYNC writes written back by range through the cache) jaio-ENGINE-cached-upfront. At each record",
            "size the configurations run one after another, so that neighbouring points compare best; with",
            "--repeat N they take N turns, and the table and figures show each point's median. --figures=1",
            "or --figures=2 runs one experiment only.",
            "jaio's page cache is pre-touched when the files are opened (as in aio-stress --cache).",
            "When fio is on the PATH (and without --no-fio), fio runs at the same points: --ioengine=libaio and",
            "io_uring, --direct=0 and 1, --rw=randread --invalidate=1 or --rw=randwrite --sync=1 --end_fsync=1,",
            "--bs=REC --iodepth=64 --size=SIZE --norandommap on the same file, JSON output.",
            "",
            "The test file (default <tmp>/jaio-sweep.dat) is written with sequential 1 MiB O_DIRECT writes when",
            "it is missing or shorter than --size. One line per point goes to stderr while it runs; the table",
            "(rows: configurations, columns: record sizes, MB/s) goes to stdout at the end. MB means MiB.",
            "",
            "Files written to --out: sweep.csv and sweep.json (every run of every point: figure, config, tool,",
            "engine, direct, cache, record_kib, run, mib_per_s, iops, lat_p50_us, lat_p99_us (completion",
            "latency), cpu_s, bytes, seconds, error), figure1.png and figure2.png (MB/s against",
            "request size, one line per configuration; fio's lines dashed with hollow markers).",
            "",
            "--quick: a 64 MiB file, record sizes 4, 16 and 64 KiB and at most 64 MiB per point: about a",
            "minute. Exit status: 0 when every point ran, 1 when some failed, 2 on a usage error.",
            "",
        },
        optionListHeading = "Options:%n")
public final class SweepCommand implements Callable<Integer> {

    /** --quick's file size. */
    static final long QUICK_SIZE = 64 * Sizes.MIB;
    /** --quick's per-point cap. */
    static final long QUICK_CAP = 64 * Sizes.MIB;

    @Option(names = "--quick", description = "A quick sweep: 64 MiB file, record sizes 4,16,64 KiB, at most 64 MiB per point.")
    boolean quick;

    @Option(names = {"-s", "--size"}, paramLabel = "SIZE",
            description = "Test file size, with a k/m/g suffix (MiB without; default: 1g, 64m with --quick).")
    String size;

    @Option(names = {"-r", "--records"}, paramLabel = "KIB", split = ",",
            description = "Record sizes, comma-separated, KiB without suffix (default: 4,8,16,32,64; 4,16,64 with --quick).")
    List<String> records;

    @Option(names = "--engines", paramLabel = "NAME", split = ",",
            description = "jaio engines, comma-separated (default: uring,aio,threads).")
    List<String> engines;

    @Option(names = "--fio-engines", paramLabel = "NAME", split = ",",
            description = "fio ioengines, comma-separated (default: libaio,io_uring).")
    List<String> fioEngines;

    @Option(names = "--no-fio", description = "Do not run fio even if it is on the PATH.")
    boolean noFio;

    @Option(names = "--cap", paramLabel = "SIZE",
            description = "Most bytes one point transfers (aio-stress -I, fio --io_size), k/m/g suffix, MiB without;"
                    + " 0 for the whole file (default: 0, 64m with --quick).")
    String cap;

    @Option(names = "--cache-size", paramLabel = "SIZE",
            description = "The budget of jaio's page cache in the cached configurations (default 256m; MiB without"
                    + " suffix).")
    String cacheSize;

    @Option(names = "--figures", paramLabel = "N", split = ",",
            description = "Which experiments to run, comma-separated: 1 (random reads), 2 (random O_SYNC writes)"
                    + " (default: 1,2).")
    List<String> figureList;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "Measure each point N times, all configurations of a record size in turn; the table"
                    + " and figures show the median, the CSV and JSON every run (default: 1).")
    int repeat;

    @Option(names = "--fio-runtime", paramLabel = "SECONDS",
            description = "Time limit of one fio point (--runtime, not time based; default: 60, 10 with --quick).")
    Integer fioRuntime;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Directory of the test file jaio-sweep.dat (default: the system temp dir, ${sys:java.io.tmpdir}).")
    Path dir;

    @Option(names = "--file", paramLabel = "FILE", description = "The test file itself (overrides --dir).")
    Path file;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "jaio-results",
            description = "Output directory (default: ./${DEFAULT-VALUE}).")
    Path out;

    @Spec
    CommandSpec spec;

    /** Creates the command. */
    public SweepCommand() {
    }

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SweepSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            err.println("jaio sweep: " + e.getMessage());
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        System.setProperty("java.awt.headless", "true");
        Sweep.Result result;
        List<Path> written;
        try {
            result = Sweep.run(settings, err);
            written = SweepReport.writeAll(result, settings.out());
        } catch (IOException | RuntimeException e) {
            err.println("jaio sweep: " + e.getMessage());
            err.flush();
            return 1;
        }
        stdout.println();
        stdout.print(SweepReport.table(result.configs(), settings.recordSizes(), result.points()));
        stdout.println();
        stdout.println(String.format(Locale.ROOT, "%d points in %.1f s; wrote %s", result.points().size(),
                result.seconds(), String.join(", ", written.stream().map(Path::toString).toList())));
        stdout.flush();
        long failed = result.points().stream().filter(p -> !p.ok()).count();
        if (failed > 0) {
            err.println("jaio sweep: " + failed + " point(s) failed; see the error column of sweep.csv");
            err.flush();
            return 1;
        }
        return 0;
    }

    /** The settings from the options; throws naming a bad one. */
    SweepSettings settings() {
        long fileSize = size != null ? Sizes.parseSize("--size", size, Sizes.MIB)
                : quick ? QUICK_SIZE : 1024 * Sizes.MIB;
        if (fileSize <= 0 || fileSize % 4096 != 0) {
            throw new InvalidOptionException("--size " + size + ": must be a positive multiple of 4 KiB");
        }
        List<Long> recs = new ArrayList<>();
        if (records != null && !records.isEmpty()) {
            for (String r : records) {
                long bytes = Sizes.parseSize("--records", r.strip(), Sizes.KIB);
                if (bytes <= 0 || bytes % 512 != 0) {
                    throw new InvalidOptionException("--records " + r + ": record sizes must be positive multiples of 512 bytes");
                }
                recs.add(bytes);
            }
        } else {
            for (long k : quick ? SweepSettings.QUICK_RECORDS_KIB : SweepSettings.PAPER_RECORDS_KIB) {
                recs.add(k * Sizes.KIB);
            }
        }
        List<String> engs = engines == null || engines.isEmpty() ? SweepSettings.ALL_ENGINES
                : engines.stream().map(String::strip).toList();
        List<String> fioEngs = fioEngines == null || fioEngines.isEmpty() ? SweepSettings.FIO_ENGINES
                : fioEngines.stream().map(String::strip).toList();
        long capBytes = cap != null ? Sizes.parseSize("--cap", cap, Sizes.MIB) : quick ? QUICK_CAP : 0;
        int runtime = fioRuntime != null ? fioRuntime : quick ? 10 : 60;
        Path testFile = file != null ? file
                : (dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"))).resolve("jaio-sweep.dat");
        long cacheBytes = cacheSize != null ? Sizes.parseSize("--cache-size", cacheSize, Sizes.MIB)
                : SweepSettings.DEFAULT_CACHE_BYTES;
        if (cacheBytes < 64 * Sizes.KIB) {
            throw new InvalidOptionException("--cache-size " + cacheSize + ": jaio's page cache needs at least 64k");
        }
        if (repeat < 1 || repeat > 100) {
            throw new InvalidOptionException("--repeat " + repeat + ": must be between 1 and 100");
        }
        List<Figure> figs = new ArrayList<>();
        if (figureList == null || figureList.isEmpty()) {
            figs.addAll(List.of(Figure.values()));
        } else {
            for (String f : figureList) {
                Figure fig = switch (f.strip()) {
                    case "1", "figure1" -> Figure.FIGURE1;
                    case "2", "figure2" -> Figure.FIGURE2;
                    default -> throw new InvalidOptionException("--figures " + f + ": use 1 and/or 2");
                };
                if (!figs.contains(fig)) {
                    figs.add(fig);
                }
            }
        }
        return new SweepSettings(testFile, out, fileSize, recs, engs, !noFio, fioEngs, capBytes, runtime, 64,
                cacheBytes, repeat, figs);
    }
}
