package dev.jaio.cli;

import dev.jaio.EngineConfig;
import dev.jaio.IoEngine;
import dev.jaio.PageCacheConfig;
import dev.jaio.cli.aiostress.InvalidOptionException;
import dev.jaio.cli.aiostress.Sizes;
import dev.jaio.cli.oltp.OltpReport;
import dev.jaio.cli.oltp.OltpResult;
import dev.jaio.cli.oltp.OltpRun;
import dev.jaio.cli.oltp.OltpSettings;
import dev.jaio.cli.oltp.OltpSettings.CleanerSpec;
import dev.jaio.cli.oltp.OltpSettings.IoMode;
import dev.jaio.cli.oltp.OltpSettings.LogSync;
import dev.jaio.cli.oltp.OltpVerify;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jaio oltp}: the paper's §8 database experiment, one AIO page cleaner against N
 * synchronous ones, on a small OLTP engine over jaio.
 */
@Command(
        name = "oltp",
        mixinStandardHelpOptions = true,
        versionProvider = JaioCommand.Version.class,
        sortOptions = false,
        usageHelpWidth = 100,
        header = "The paper's database experiment (section 8): one AIO page cleaner against N synchronous cleaners.",
        descriptionHeading = "%n",
        description = {
            "Runs an OLTP workload on a database file of 8 KiB pages (checksummed with CRC32C) through a buffer",
            "pool smaller than the database (CLOCK replacement). Agent threads run transactions: each reads",
            "--reads pages drawn with sysbench's special skew (75%% of accesses on 1%% of the pages; --zipf for",
            "Zipf 0.99), updates each with probability --update-pct percent (one row: it gets the transaction's",
            "log sequence number), and commits by appending one redo record with group commit (one committer",
            "thread; O_DSYNC or write+fdatasync) and waiting until it is durable. An agent that needs a frame",
            "and finds only dirty victims writes one itself: an agent write, which page cleaners exist to",
            "prevent. Pages are written only after their log records are durable (write-ahead logging).",
            "",
            "Page cleaners (--cleaners) write dirty frames just ahead of the clock hand:",
            "  sync:N  N threads, each writing one page at a time with a blocking pwrite (a JDK FileChannel)",
            "  aio:1   one thread keeping --cleaner-depth page writes in flight through jaio's IoContext",
            "  none    no cleaner: every dirty victim is an agent write",
            "I/O modes (--io): direct (O_DIRECT, the paper's raw device and its file-system DIO), buffered (the",
            "kernel's page cache: synchronous buffered I/O) and cached (jaio's own page cache, FileOption.CACHED:",
            "the paper's buffered AIO; agents' reads and writes go through it, and its writeback cleans). Agents'",
            "own reads and writes are blocking calls, the same in every configuration of a mode.",
            "",
            "--memory-budget charges each synchronous cleaner 1 MiB of stack plus its 8 KiB buffer (the AIO",
            "cleaner its stack and depth x 8 KiB) to the pool, as the paper's DB2 configuration did.",
            "",
            "--sweep runs, one after another in this process on the same file: --io=direct with sync:N for each",
            "N of --sweep-cleaners (default 1,2,4,8,16,32,55) and aio:1 (Tables 2 and 3), then the file-system",
            "table (Tables 4 and 5): buffered with the best N, cached aio:1 and direct aio:1. It writes",
            "oltp.csv, oltp.json and oltp-direct.png (tps against N with the AIO cleaner's line) to --out.",
            "This machine's timings drift between runs: --repeat N runs each table's configurations N times in",
            "turn, and the tables show each configuration's median turn (the CSV and JSON every turn).",
            "",
            "Each configuration warms up (--warmup), is measured (--duration), then writes every dirty page,",
            "syncs and empties the log (a checkpoint). A run that did not end so (killed) is recovered first:",
            "the log is replayed into the pages. --verify reads every page back at the end and checks its",
            "checksum. Progress goes to stderr twice a second; the table to stdout.",
            "",
            "The database must be at least 4x the pool and updates at least 20%% (the experiment's shape),",
            "unless --any-shape. --quick: a 256 MiB database, 64 MiB pool, 16 agents, 3 s warm-up and 8 s",
            "measured (about 20 s per configuration). Exit status: 0 when every configuration ran (and",
            "verified), 1 when one failed, 2 on a usage error.",
            "",
        },
        optionListHeading = "Options:%n")
public final class OltpCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "A small, short run: 256 MiB database, 64 MiB pool, 16 agents, 3 s + 8 s.")
    boolean quick;

    @Option(names = "--db-size", paramLabel = "SIZE", description = "Database size, k/m/g suffix, MiB without (default 4g; 256m with --quick).")
    String dbSize;

    @Option(names = "--pool", paramLabel = "SIZE", description = "Buffer pool size (default a quarter of the database).")
    String pool;

    @Option(names = "--memory-budget", paramLabel = "SIZE",
            description = "Pool plus cleaners' memory; the cleaners' share shrinks the pool (default: none).")
    String memoryBudget;

    @Option(names = "--agents", paramLabel = "N", description = "Agent threads (default 32; 16 with --quick).")
    Integer agents;

    @Option(names = "--virtual-agents", description = "Run the agents on virtual threads.")
    boolean virtualAgents;

    @Option(names = "--reads", paramLabel = "N", defaultValue = "10", description = "Pages per transaction (default ${DEFAULT-VALUE}).")
    int reads;

    @Option(names = "--update-pct", paramLabel = "PCT", defaultValue = "25",
            description = "Share of the pages read that a transaction updates, percent (default ${DEFAULT-VALUE}).")
    int updatePct;

    @Option(names = "--zipf", description = "Zipf 0.99 accesses instead of sysbench's special skew.")
    boolean zipf;

    @Option(names = "--page-dsync", description = "Open the database file O_DSYNC: every page write, the cleaners' and"
            + " the agents', is durable when it completes, as writes to the paper's raw disks were, instead of being"
            + " absorbed by the device's write cache (labels read direct+dsync).")
    boolean pageDsync;

    @Option(names = "--io", paramLabel = "MODE", defaultValue = "direct",
            description = "direct, buffered or cached (default ${DEFAULT-VALUE}).")
    String io;

    @Option(names = "--cleaners", paramLabel = "SPEC", defaultValue = "aio:1",
            description = "none, aio:1 or sync:N (default ${DEFAULT-VALUE}).")
    String cleaners;

    @Option(names = "--cleaner-depth", paramLabel = "N", defaultValue = "64",
            description = "Page writes the AIO cleaner keeps in flight (default ${DEFAULT-VALUE}).")
    int cleanerDepth;

    @Option(names = "--clean-ahead", paramLabel = "HOW", defaultValue = "5",
            description = "How far ahead of the clock hand cleaners clean: PCT (a fixed share of the pool, percent),"
                    + " auto (as far as the hand moves in twice the cleaners' recent write latency plus 1 ms, at most"
                    + " 5%% of the pool) or auto:PCT (the same, at most PCT percent) (default ${DEFAULT-VALUE}).")
    String cleanAhead;

    @Option(names = "--dirty-target", paramLabel = "PCT", defaultValue = "0",
            description = "The share of the pool that may stay dirty, percent, 0-99: under it cleaners leave dirty"
                    + " frames to take more changes (never so many in a row that an agent finds no"
                    + " clean victims), as DB2's cleaners start at chngpgs_thresh (60%%); 0 cleans every dirty frame"
                    + " ahead of the hand (default ${DEFAULT-VALUE}).")
    int dirtyTarget;

    @Option(names = "--log-sync", paramLabel = "HOW", defaultValue = "dsync",
            description = "dsync (O_DSYNC log writes), fdatasync (write, then fdatasync) or lazy (a commit waits for"
                    + " the write only; synced every 10 ms and before pages are written: InnoDB's"
                    + " innodb_flush_log_at_trx_commit=2) (default ${DEFAULT-VALUE}).")
    String logSync;

    @Option(names = "--engine", paramLabel = "NAME", description = "jaio engine: uring, aio or threads (default: jaio's choice).")
    String engine;

    @Option(names = "--cache-size", paramLabel = "SIZE",
            description = "jaio's page cache in --io=cached (default: the pool's size).")
    String cacheSize;

    @Option(names = "--warmup", paramLabel = "SECONDS", description = "Warm-up before measuring (default 15; 3 with --quick).")
    Double warmup;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Measured interval (default 30; 8 with --quick).")
    Double duration;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the agents' choices (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--sweep", description = "Run the paper's tables: sync:N for each N, aio:1, and the file-system table.")
    boolean sweep;

    @Option(names = "--sweep-cleaners", paramLabel = "N", split = ",",
            description = "The N of the sweep's sync:N (default 1,2,4,8,16,32,55; 1,4,16 with --quick).")
    List<Integer> sweepCleaners;

    @Option(names = "--no-fs-table", description = "With --sweep: skip the file-system table.")
    boolean noFsTable;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "Run every configuration N times, all of a table in turn; the tables show each one's median"
                    + " turn, the CSV and JSON every turn (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--any-shape", description = "Allow a database under 4x the pool or updates under 20%%.")
    boolean anyShape;

    @Option(names = "--verify", description = "Keep the log across the runs (it grows: every run's recovery reads it all) and, at the end,"
                    + " read every page back and check its checksum and every change since the log began.")
    boolean verify;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Directory of jaio-oltp.db and jaio-oltp.log (default: the system temp dir, ${sys:java.io.tmpdir}).")
    Path dir;

    @Option(names = "--file", paramLabel = "FILE", description = "The database file (its log is FILE.log); overrides --dir.")
    Path file;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "jaio-results",
            description = "Where --sweep writes oltp.csv, oltp.json and the figure (default: ./${DEFAULT-VALUE}).")
    Path out;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** Creates the command. */
    public OltpCommand() {
    }

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        OltpSettings base;
        List<Integer> ns;
        long cacheBytes;
        try {
            base = settings();
            ns = sweepCleaners != null && !sweepCleaners.isEmpty() ? sweepCleaners
                    : quick ? List.of(1, 4, 16) : List.of(1, 2, 4, 8, 16, 32, 55);
            if (sweep) {
                for (int n : ns) {
                    if (n < 1 || n > 1024) {
                        throw new InvalidOptionException("--sweep-cleaners " + n + ": each N in [1, 1024]");
                    }
                    base.withCleaners(new CleanerSpec(CleanerSpec.Kind.SYNC, n)).frames(); // the budget leaves a pool
                }
                checkOut();
            }
            try {
                if (OltpVerify.isForeign(base)) {
                    throw new InvalidOptionException((file != null ? "--file " : "--dir: ") + base.dbFile()
                            + " exists and is not a jaio oltp database: name another file, or delete it");
                }
            } catch (IOException e) {
                throw new InvalidOptionException("--file " + base.dbFile() + ": " + describe(e));
            }
            if (repeat < 1 || repeat > 100) {
                throw new InvalidOptionException("--repeat " + repeat + ": in [1, 100]");
            }
            cacheBytes = cacheSize != null ? Sizes.parseSize("--cache-size", cacheSize, Sizes.MIB) : base.poolBytes();
            if (cacheBytes < PageCacheConfig.MIN_BUDGET) {
                throw new InvalidOptionException("--cache-size " + cacheSize + ": at least " + PageCacheConfig.MIN_BUDGET + " bytes");
            }
        } catch (IllegalArgumentException e) {
            err.println("jaio oltp: " + e.getMessage());
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        System.setProperty("java.awt.headless", "true");
        EngineConfig config = EngineConfig.defaults().withPageCache(PageCacheConfig.defaults().withBudget(cacheBytes));
        if (engine != null) {
            config = config.withEngine(engine);
        }
        List<OltpResult> results = new ArrayList<>();
        boolean failed = false;
        try (IoEngine eng = IoEngine.open(config)) {
            err.printf(Locale.ROOT, "jaio oltp: database %s (%s, %d pages), pool %d pages, engine %s%n", base.dbFile(),
                    Sizes.describe(base.dbBytes()), base.pages(), base.poolBytes() / 8192, eng.name());
            err.flush();
            long t0 = System.nanoTime();
            if (OltpVerify.prepare(base, bytes -> {
                err.printf(Locale.ROOT, "formatting: %d of %d MiB%n", bytes >> 20, base.dbBytes() >> 20);
                err.flush();
            })) {
                err.printf(Locale.ROOT, "formatted in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            }
            List<OltpSettings> configs = new ArrayList<>();
            if (sweep) {
                for (int n : ns) {
                    configs.add(base.withIo(IoMode.DIRECT).withCleaners(new CleanerSpec(CleanerSpec.Kind.SYNC, n)));
                }
                configs.add(base.withIo(IoMode.DIRECT).withCleaners(new CleanerSpec(CleanerSpec.Kind.AIO, 1)));
            } else {
                configs.add(base);
            }
            OltpRun.Progress progress = line -> {
                err.println(line);
                err.flush();
            };
            String table = sweep ? "raw" : "run";
            runTable(table, configs, eng, progress, results);
            if (sweep && !noFsTable) {
                // the file-system table's synchronous row has the raw table's best N (median turns)
                int bestN = OltpReport.bestSyncThreads(results, "raw", 8);
                runTable("fs", List.of(
                        base.withIo(IoMode.BUFFERED).withCleaners(new CleanerSpec(CleanerSpec.Kind.SYNC, bestN)),
                        base.withIo(IoMode.CACHED).withCleaners(new CleanerSpec(CleanerSpec.Kind.AIO, 1)),
                        base.withIo(IoMode.DIRECT).withCleaners(new CleanerSpec(CleanerSpec.Kind.AIO, 1))),
                        eng, progress, results);
            }
            failed = results.stream().anyMatch(r -> r.error() != null);
            stdout.println();
            stdout.print(OltpReport.table(results));
            if (sweep) {
                List<Path> written = OltpReport.write(out, settingsMap(base, eng.name()), results);
                stdout.println("wrote " + String.join(", ", written.stream().map(Path::toString).toList()));
            }
            if (verify) {
                OltpVerify.Outcome v = OltpVerify.verify(base);
                stdout.println(v.text());
                failed |= !v.ok();
            }
            stdout.flush();
        } catch (IOException | RuntimeException e) {
            stdout.flush();
            err.println("jaio oltp: " + describe(e));
            err.flush();
            return 1;
        }
        return failed ? 1 : 0;
    }

    /** Runs {@code configs} {@link #repeat} times, all in turn, adding each result as a turn of {@code table}. */
    private void runTable(String table, List<OltpSettings> configs, IoEngine eng, OltpRun.Progress progress,
            List<OltpResult> results) {
        for (int round = 1; round <= repeat; round++) {
            for (OltpSettings s : configs) {
                if (repeat > 1) {
                    progress.line(String.format(Locale.ROOT, "%s, turn %d of %d", s.label(), round, repeat));
                }
                results.add(runOne(s, eng, progress, verify).in(table, round));
            }
        }
    }

    private static OltpResult runOne(OltpSettings s, IoEngine eng, OltpRun.Progress progress, boolean keepLog) {
        try {
            return OltpRun.run(s, eng, progress, null, keepLog);
        } catch (IOException | RuntimeException e) {
            progress.line(s.label() + " failed: " + describe(e));
            return OltpResult.failed(s, describe(e));
        }
    }

    /** The exception's message, with what kind of failure it is when the message is only a path. */
    static String describe(Exception e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() == null) {
            return switch (f) {
                case java.nio.file.NoSuchFileException n -> "no such file or directory: " + f.getFile();
                case java.nio.file.AccessDeniedException a -> "permission denied: " + f.getFile();
                default -> f.getClass().getSimpleName() + ": " + f.getMessage();
            };
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private Map<String, Object> settingsMap(OltpSettings s, String engineName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("db_file", s.dbFile().toString());
        m.put("db_bytes", s.dbBytes());
        m.put("pool_bytes", s.poolBytes());
        m.put("memory_budget", s.memoryBudget());
        m.put("agents", s.agents());
        m.put("virtual_agents", s.virtualAgents());
        m.put("reads_per_txn", s.readsPerTxn());
        m.put("update_pct", s.updatePercent());
        m.put("pattern", s.zipf() ? "zipf:0.99" : "special:1/75");
        m.put("page_dsync", s.pageDsync());
        m.put("cleaner_depth", s.cleanerDepth());
        m.put("clean_ahead", s.cleanAhead().label());
        m.put("log_sync", s.logSync().name().toLowerCase(Locale.ROOT));
        m.put("engine", engineName);
        m.put("warmup_s", s.warmup().toMillis() / 1000.0);
        m.put("duration_s", s.duration().toMillis() / 1000.0);
        m.put("seed", s.seed());
        m.put("repeat", repeat);
        m.put("processors", Runtime.getRuntime().availableProcessors());
        return m;
    }

    /** Checks that --out is, or can become, a writable directory: before the sweep runs, not after. */
    private void checkOut() {
        try {
            java.nio.file.Files.createDirectories(out);
        } catch (IOException e) {
            throw new InvalidOptionException("--out " + out + ": cannot be made a directory: " + describe(e));
        }
        if (!java.nio.file.Files.isWritable(out)) {
            throw new InvalidOptionException("--out " + out + ": not writable");
        }
    }

    /** The settings from the options; throws naming a bad one. */
    OltpSettings settings() {
        long db = dbSize != null ? Sizes.parseSize("--db-size", dbSize, Sizes.MIB)
                : quick ? OltpSettings.QUICK_DB : OltpSettings.DEFAULT_DB;
        long poolBytes = pool != null ? Sizes.parseSize("--pool", pool, Sizes.MIB)
                : db / OltpSettings.DEFAULT_POOL_DIVISOR / 8192 * 8192;
        long budget = memoryBudget != null ? Sizes.parseSize("--memory-budget", memoryBudget, Sizes.MIB) : 0;
        IoMode mode = switch (io.toLowerCase(Locale.ROOT)) {
            case "direct" -> IoMode.DIRECT;
            case "buffered" -> IoMode.BUFFERED;
            case "cached" -> IoMode.CACHED;
            default -> throw new InvalidOptionException("--io=" + io + ": direct, buffered or cached");
        };
        LogSync sync = switch (logSync.toLowerCase(Locale.ROOT)) {
            case "dsync" -> LogSync.DSYNC;
            case "fdatasync" -> LogSync.FDATASYNC;
            case "lazy" -> LogSync.LAZY;
            default -> throw new InvalidOptionException("--log-sync=" + logSync + ": dsync, fdatasync or lazy");
        };
        Path db0 = file != null ? file
                : (dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"))).resolve("jaio-oltp.db");
        Path log = db0.resolveSibling(db0.getFileName() + ".log");
        double w = warmup != null ? warmup : quick ? 3 : 15;
        double d = duration != null ? duration : quick ? 8 : 30;
        if (!(w >= 0) || !(d > 0) || w > 86_400 || d > 86_400) {
            throw new InvalidOptionException("--warmup " + w + " / --duration " + d + ": seconds, warm-up >= 0, duration > 0,"
                    + " at most a day");
        }
        OltpSettings s = new OltpSettings(db0, log, db, poolBytes, budget, agents != null ? agents : quick ? 16 : 32,
                virtualAgents, reads, updatePct, zipf, mode, pageDsync, CleanerSpec.parse(cleaners), cleanerDepth, OltpSettings.CleanAhead.parse(cleanAhead),
                dirtyTarget, sync,
                engine, Duration.ofMillis((long) (w * 1000)), Duration.ofMillis((long) (d * 1000)), seed);
        if (!anyShape) {
            long frames = s.frames();
            if (s.pages() < 4 * frames || updatePct < 20) {
                throw new InvalidOptionException(String.format(Locale.ROOT,
                        "the database (%d pages) must be at least 4x the pool (%d pages) and updates at least 20%% (%d%%):"
                                + " the experiment's shape; --any-shape allows others", s.pages(), frames, updatePct));
            }
        }
        return s;
    }
}
