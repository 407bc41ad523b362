package dev.jaio.cli;

import dev.jaio.AsyncFile;
import dev.jaio.CompletionHandler;
import dev.jaio.EngineConfig;
import dev.jaio.FileOption;
import dev.jaio.IoBuffer;
import dev.jaio.IoContext;
import dev.jaio.IoEngine;
import dev.jaio.cli.aiostress.CpuTimes;
import dev.jaio.cli.aiostress.InvalidOptionException;
import dev.jaio.cli.aiostress.Sizes;
import dev.jaio.cli.vsjdk.Timing;
import dev.jaio.cli.vsjdk.VsJdk;
import dev.jaio.cli.vsjdk.VsJdkReport;
import dev.jaio.cli.vsjdk.VsJdkSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jaio bench}: one job in the shape of fio's, so that jaio's engines can be set beside
 * {@code fio --ioengine=io_uring|libaio} on the same file: a fixed number of requests in flight,
 * each completion reaped (up to {@code --complete-max} per call, fio's
 * {@code iodepth_batch_complete_max}) and replaced by a new request at once. With
 * {@code --vs=jdk}, instead, jaio against the JDK's own file I/O in one run on the same file
 * ({@link VsJdk}).
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = JaioCommand.Version.class,
        header = "Run one fio-shaped job on FILE through jaio's batch interface, or (--vs=jdk) jaio against the JDK.",
        description = {
            "Keeps --iodepth requests of --bs bytes in flight on FILE for --runtime after --ramp, through an"
                    + " IoContext of the chosen engine, and prints IOPS, bandwidth (MiB/s), completion latency"
                    + " percentiles and process CPU time per I/O. The fio job with the same shape is:",
            "  fio --name=j --filename=FILE --ioengine=io_uring|libaio --direct=1 --rw=RW --bs=BS"
                    + " --iodepth=D --norandommap --time_based --runtime=T --ramp_time=R",
            "FILE must exist and be at least one block long (random offsets cover the whole file). CPU time is"
                    + " the whole process's, from " + CpuTimes.SOURCE + ".",
            "",
            "With --vs=jdk: jaio against the JDK on the same FILE in one process. Each workload is a set of"
                    + " contenders that do the same work one after another, each for --runtime (default 5 s)"
                    + " after --ramp (default 1 s), and prints a table: ops/s, MiB/s, p50/p99/p99.9 latency (us,"
                    + " from the call to its result), process CPU us per op, the threads used, and 'vs JDK best',"
                    + " the row's ops/s over the best jdk-* row's of the workload. Workloads (--workloads):",
            "  warm  random --bs reads, --iodepth in flight, of FILE read into the kernel's page cache first:"
                    + " FileChannel on virtual and on platform threads, AsynchronousFileChannel; jaio AsyncFile"
                    + " on virtual threads (kernel-buffered, and CACHED in jaio's own page cache warmed first), each"
                    + " with its fast paths and without (-nofast: every read through the engine),"
                    + " one thread on an IoContext, and jaio's AsynchronousFileChannel and FileChannel"
                    + " (dev.jaio.nio).",
            "  log   a group-commit write-ahead log in FILE.vsjdk-log (made, filled with zeros and deleted):"
                    + " --producers virtual threads append records of 100-4000 B and wait until durable; one"
                    + " committer writes each batch: FileChannel with DSYNC, DIRECT+DSYNC or write+force;"
                    + " jaio with RWF_DSYNC writes (O_DIRECT or buffered), or O_DIRECT writes with one fdatasync"
                    + " at a time covering every completed write (a log writer and a log flusher), --commit-depth"
                    + " batches in flight."
                    + " Every log is read back and checked.",
            "  cold  random O_DIRECT --bs reads, --iodepth in flight: FileChannel with"
                    + " ExtendedOpenOption.DIRECT on virtual threads and AsynchronousFileChannel; jaio on an"
                    + " IoContext, on virtual threads, and through its AsynchronousFileChannel and FileChannel.",
            "  vthreads, vthreads-cold, vthreads-direct  (only when named) --threads virtual threads (default"
                    + " 10000), each reading random --bs blocks through one FileChannel: the JDK's against jaio's"
                    + " (what the default-provider switch gives unchanged code), of FILE in the kernel's page"
                    + " cache, dropped from it before each contender (fsync + POSIX_FADV_DONTNEED; use a file"
                    + " much larger than a run reads), or with O_DIRECT; the kernel-buffered ones add jaio's"
                    + " channel without fast paths (-nofast); the threads column shows the carriers each needed.",
            "  transfer  (only when named) --iodepth threads each copy random 1 MiB blocks of FILE (warm) with"
                    + " FileChannel.transferTo into a slot of FILE.vsjdk-transfer: the JDK's channel on platform"
                    + " and virtual threads, jaio's (copy_file_range, made by the calling virtual thread since the"
                    + " source is resident), and jaio's with the bytes through a buffer (--bs does not apply).",
            "--rw, --direct, --complete-max and --fixed-buffers do not apply to --vs=jdk; --workloads,"
                    + " --repeat, --threads, --producers, --records, --commit-depth and --size apply only to it.",
        })
public final class BenchCommand implements Callable<Integer> {

    /** The access pattern, fio's {@code rw}. */
    enum Rw {
        randread, randwrite, read, write
    }

    @Parameters(paramLabel = "FILE", description = "The file to read or write; with --vs=jdk, the file to read, next to"
            + " which the log workload writes its log.")
    Path file;

    @Option(names = "--engine", defaultValue = "auto", description = "auto, uring, aio or threads (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--rw", defaultValue = "randread", description = "randread, randwrite, read or write (default: ${DEFAULT-VALUE}).")
    Rw rw;

    @Option(names = "--bs", defaultValue = "4k", converter = SizeConverter.class,
            description = "Block size, with an optional k/m/g suffix (default: ${DEFAULT-VALUE}).")
    long blockSize;

    @Option(names = "--iodepth", defaultValue = "64", description = "Requests in flight (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--complete-max", defaultValue = "1",
            description = "Completions reaped per call before resubmitting, like fio's iodepth_batch_complete_max"
                    + " (default: ${DEFAULT-VALUE}, fio's default).")
    int completeMax;

    @Option(names = "--direct", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "O_DIRECT (default: on; --no-direct for buffered I/O).")
    boolean direct;

    @Option(names = "--fixed-buffers", description = "Register the buffers with io_uring (fio's fixedbufs).")
    boolean fixedBuffers;

    @Option(names = "--runtime", paramLabel = "SECONDS",
            description = "Measured seconds (default: 10; with --vs=jdk, 5 per contender).")
    Double runtimeSeconds;

    @Option(names = "--ramp", paramLabel = "SECONDS",
            description = "Unmeasured warm-up seconds first (default: 3; with --vs=jdk, 1 per contender).")
    Double rampSeconds;

    @Option(names = "--json", paramLabel = "FILE", arity = "0..1",
            preprocessor = AioStressCommand.JsonFileArgument.class,
            description = "Print the result as one JSON object instead of text (with the engine's own counters,"
                    + " engineStats and pageCacheStats, ramp-up included); with =FILE, print the text and write the"
                    + " JSON to FILE.")
    String json;

    @Option(names = "--vs", paramLabel = "jdk",
            description = "Compare jaio against the JDK's file I/O on FILE instead of running one job (see above).")
    String vs;

    @Option(names = "--workloads", paramLabel = "LIST", split = ",",
            description = "With --vs=jdk: which workloads to run, in this order: warm, log, cold, vthreads,"
                    + " vthreads-cold, vthreads-direct, transfer (default: warm, log and cold).")
    List<String> workloads;

    @Option(names = "--repeat", paramLabel = "N",
            description = "With --vs=jdk: N rounds, the contenders of a workload taking turns; the table shows"
                    + " medians, the JSON every run (default: 1).")
    Integer repeat;

    @Option(names = "--threads", paramLabel = "N",
            description = "With --vs=jdk: the virtual threads of the vthreads workloads (default: 10000).")
    Integer threads;

    @Option(names = "--producers", paramLabel = "N",
            description = "With --vs=jdk: producer threads of the log workload (default: 64).")
    Integer producers;

    @Option(names = "--records", paramLabel = "N",
            description = "With --vs=jdk: a log contender's measured interval ends once N records were made durable"
                    + " in it, if --runtime has not ended it before (default: 200000).")
    Long records;

    @Option(names = "--commit-depth", paramLabel = "N",
            description = "With --vs=jdk: batches jaio's log contenders keep in flight (default: 2); the JDK's"
                    + " write one at a time.")
    Integer commitDepth;

    @Option(names = "--size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "With --vs=jdk: how much of FILE, from its start, the reads and transfers cover (k/m/g"
                    + " suffix; default: all of it).")
    Long regionBytes;

    @Spec
    CommandSpec spec;

    /** Creates the command. */
    public BenchCommand() {
    }

    /** What one run measured. */
    record Result(String engine, String rw, long blockSize, int depth, boolean direct, long ios, double seconds,
            double cpuSeconds, Histogram latencyNanos, Map<String, Object> engineCounters) {

        double iops() {
            return ios / seconds;
        }

        double mibPerSecond() {
            return ios * (double) blockSize / seconds / (1 << 20);
        }

        double cpuMicrosPerIo() {
            return cpuSeconds * 1e6 / ios;
        }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        String usage = vs != null ? checkVsJdkOptions() : checkJobOptions();
        if (usage != null) {
            err.println("jaio bench: " + usage);
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        if (vs != null) {
            return callVsJdk();
        }
        try {
            Result r = run();
            String doc = json == null ? null : Json.write(toJson(r));
            return print(json == null || !json.equals(AioStressCommand.JsonFileArgument.STDOUT) ? toText(r) : null,
                    doc, 0);
        } catch (IOException | RuntimeException e) {
            err.println("jaio bench: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    /** The options given on the command line, of those in {@code names}. */
    private List<String> given(String... names) {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        List<String> out = new ArrayList<>();
        for (String n : names) {
            CommandLine.Model.OptionSpec o = spec.findOption(n);
            if (parsed != null && o != null && parsed.hasMatchedOption(o)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The usage error of the single job's options, or null. */
    private String checkJobOptions() {
        List<String> vsOnly = given("--workloads", "--repeat", "--threads", "--producers", "--records", "--commit-depth",
                "--size");
        if (!vsOnly.isEmpty()) {
            return String.join(", ", vsOnly) + (vsOnly.size() == 1 ? " applies" : " apply") + " only with --vs=jdk";
        }
        double runtime = runtimeSeconds == null ? 10 : runtimeSeconds;
        double ramp = rampSeconds == null ? 3 : rampSeconds;
        if (depth < 1 || completeMax < 1 || blockSize < 1 || !(runtime > 0) || !(ramp >= 0)) {
            return "--iodepth, --complete-max, --bs and --runtime must be positive, --ramp >= 0";
        }
        return null;
    }

    /** The usage error of --vs=jdk's options, or null. */
    private String checkVsJdkOptions() {
        if (!vs.equals("jdk")) {
            return "--vs=" + vs + ": the only comparison is --vs=jdk";
        }
        List<String> jobOnly = given("--rw", "--direct", "--complete-max", "--fixed-buffers").stream()
                .map(o -> o.equals("--direct") ? "--[no-]direct" : o).toList();
        if (!jobOnly.isEmpty()) {
            return String.join(", ", jobOnly) + " cannot be used with --vs=jdk: each contender has its own access"
                    + " pattern and I/O mode (see jaio bench --help)";
        }
        if (blockSize > Integer.MAX_VALUE / 2) {
            return "--bs=" + blockSize + " is too large";
        }
        try {
            vsJdkSettings();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (regionBytes != null) {
            try {
                long size = Files.size(file);
                if (regionBytes > size) {
                    return "--size=" + regionBytes + " is larger than " + file + " (" + size + " bytes)";
                }
            } catch (IOException e) {
                return null; // the run reports the file's own problem
            }
        }
        return null;
    }

    VsJdkSettings vsJdkSettings() {
        VsJdkSettings d = VsJdkSettings.defaults(file);
        double runtime = runtimeSeconds == null ? d.timing().runtimeSeconds() : runtimeSeconds;
        double ramp = rampSeconds == null ? d.timing().rampSeconds() : rampSeconds;
        if (!(runtime > 0) || !(ramp >= 0)) {
            throw new IllegalArgumentException("--runtime must be positive and --ramp >= 0");
        }
        return new VsJdkSettings(file, engine, workloads == null ? d.workloads() : workloads, new Timing(ramp, runtime),
                depth, (int) blockSize, regionBytes == null ? d.regionBytes() : regionBytes,
                threads == null ? d.threads() : threads,
                producers == null ? d.producers() : producers, records == null ? d.records() : records,
                commitDepth == null ? d.commitDepth() : commitDepth, repeat == null ? d.repeat() : repeat, d.seed());
    }

    private int callVsJdk() {
        PrintWriter err = spec.commandLine().getErr();
        VsJdkReport report;
        try {
            report = VsJdk.run(vsJdkSettings(), err);
        } catch (IOException | RuntimeException e) {
            err.println("jaio bench: " + e.getMessage());
            err.flush();
            return 1;
        }
        String doc = json == null ? null : Json.write(report.toJson());
        boolean jsonOnly = json != null && json.equals(AioStressCommand.JsonFileArgument.STDOUT);
        return print(jsonOnly ? null : report.toText(), doc, report.allOk() ? 0 : 1);
    }

    /**
     * Prints {@code text} (unless null) to stdout, and {@code doc} to stdout or the --json file.
     *
     * @return {@code status}, or 1 when the JSON file cannot be written
     */
    private int print(String text, String doc, int status) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (text != null) {
            out.println(text);
        }
        if (doc != null) {
            if (json.equals(AioStressCommand.JsonFileArgument.STDOUT)) {
                out.println(doc);
            } else {
                try {
                    Files.writeString(Path.of(json), doc + "\n");
                } catch (IOException | InvalidPathException e) {
                    err.println("jaio bench: cannot write --json=" + json + ": " + e.getMessage());
                    status = 1;
                }
            }
        }
        out.flush();
        err.flush();
        return status;
    }

    Result run() throws IOException {
        boolean write = rw == Rw.randwrite || rw == Rw.write;
        boolean random = rw == Rw.randread || rw == Rw.randwrite;
        long size = Files.size(file);
        long blocks = size / blockSize;
        if (blocks < 1) {
            throw new IOException(file + " is smaller than one block of " + blockSize + " bytes");
        }
        FileOption[] options = direct
                ? new FileOption[] {write ? FileOption.WRITE : FileOption.READ, FileOption.DIRECT}
                : new FileOption[] {write ? FileOption.WRITE : FileOption.READ};
        try (IoEngine e = IoEngine.open(EngineConfig.defaults().withEngine(engine).withQueueDepth(Math.max(1, depth)));
             AsyncFile f = AsyncFile.open(e, file, options);
             IoBuffer buffers = f.allocateBuffer(blockSize * depth);
             IoContext ctx = e.newContext(depth)) {
            if (fixedBuffers) {
                ctx.registerBuffers(buffers);
            }
            MemorySegment[] slices = new MemorySegment[depth];
            for (int i = 0; i < depth; i++) {
                slices[i] = buffers.segment().asSlice(blockSize * i, blockSize);
            }
            Loop loop = new Loop(ctx, f, slices, blocks, blockSize, random, write);
            loop.start();
            loop.runFor(rampSeconds == null ? 3 : rampSeconds);
            loop.measuring = true;
            CpuTimes cpu0 = CpuTimes.now();
            long t0 = System.nanoTime();
            loop.runFor(runtimeSeconds == null ? 10 : runtimeSeconds);
            double seconds = (System.nanoTime() - t0) / 1e9;
            CpuTimes used = CpuTimes.now().minus(cpu0);
            double cpu = used.userSeconds() + used.systemSeconds();
            loop.measuring = false;
            loop.drain();
            return new Result(e.name(), rw.name(), blockSize, depth, direct, loop.measuredIos, seconds, cpu,
                    loop.latency, StatsJson.of(e)); // the engine's own counters: ramp, run and drain
        }
    }

    /** The request loop: every completion is recorded and replaced by a new request at once. */
    private final class Loop implements CompletionHandler {
        final IoContext ctx;
        final AsyncFile f;
        final MemorySegment[] slices;
        final long blocks;
        final long bs;
        final boolean random;
        final boolean write;
        final SplittableRandom rnd = new SplittableRandom(1);
        final long[] sentAt;
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long nextBlock;
        boolean measuring;
        boolean refill = true;
        long measuredIos;
        long errors;
        long lastError;

        Loop(IoContext ctx, AsyncFile f, MemorySegment[] slices, long blocks, long bs, boolean random, boolean write) {
            this.ctx = ctx;
            this.f = f;
            this.slices = slices;
            this.blocks = blocks;
            this.bs = bs;
            this.random = random;
            this.write = write;
            this.sentAt = new long[slices.length];
        }

        void start() {
            for (int i = 0; i < slices.length; i++) {
                prepare(i);
            }
            ctx.submit();
        }

        private void prepare(int cookie) {
            long block = random ? rnd.nextLong(blocks) : nextBlock++ % blocks;
            sentAt[cookie] = System.nanoTime();
            if (write) {
                ctx.prepareWrite(f, slices[cookie], block * bs, cookie);
            } else {
                ctx.prepareRead(f, slices[cookie], block * bs, cookie);
            }
        }

        @Override
        public void onCompletion(long cookie, long result) {
            long now = System.nanoTime();
            if (result != bs) {
                errors++;
                lastError = result;
            }
            if (measuring) {
                measuredIos++;
                latency.recordValue(Math.min(latency.getHighestTrackableValue(), now - sentAt[(int) cookie]));
            }
            if (refill) {
                prepare((int) cookie);
            }
        }

        void runFor(double seconds) throws IOException {
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() - end < 0) {
                ctx.getEvents(1, completeMax, -1, TimeUnit.NANOSECONDS, this);
                ctx.submit();
                if (errors > 0) {
                    throw new IOException(errors + " requests failed on " + f.path() + ", last result "
                            + IoContext.errorName(lastError));
                }
            }
        }

        void drain() {
            refill = false;
            while (ctx.outstanding() > 0) {
                ctx.getEvents(1, slices.length, -1, TimeUnit.NANOSECONDS, this);
            }
        }
    }

    private static String toText(Result r) {
        Histogram h = r.latencyNanos();
        return String.format(
                "jaio bench: engine %s, %s, bs %d, iodepth %d, %s, %.1f s%n"
                        + "  IOPS %.0f, BW %.1f MiB/s, CPU %.2f us/IO (%.2f s)%n"
                        + "  lat (us): avg %.1f, p50 %.1f, p90 %.1f, p99 %.1f, p99.9 %.1f, max %.1f",
                r.engine(), r.rw(), r.blockSize(), r.depth(), r.direct() ? "direct" : "buffered", r.seconds(),
                r.iops(), r.mibPerSecond(), r.cpuMicrosPerIo(), r.cpuSeconds(),
                h.getMean() / 1e3, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
    }

    private static Map<String, Object> toJson(Result r) {
        Histogram h = r.latencyNanos();
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("mean", h.getMean() / 1e3);
        lat.put("p50", h.getValueAtPercentile(50) / 1e3);
        lat.put("p90", h.getValueAtPercentile(90) / 1e3);
        lat.put("p99", h.getValueAtPercentile(99) / 1e3);
        lat.put("p99.9", h.getValueAtPercentile(99.9) / 1e3);
        lat.put("p99.99", h.getValueAtPercentile(99.99) / 1e3);
        lat.put("max", h.getMaxValue() / 1e3);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine", r.engine());
        m.put("rw", r.rw());
        m.put("bs", r.blockSize());
        m.put("iodepth", r.depth());
        m.put("direct", r.direct());
        m.put("seconds", r.seconds());
        m.put("ios", r.ios());
        m.put("iops", r.iops());
        m.put("mibPerSecond", r.mibPerSecond());
        m.put("cpuSeconds", r.cpuSeconds());
        m.put("cpuMicrosPerIo", r.cpuMicrosPerIo());
        m.put("latencyMicros", lat);
        m.putAll(r.engineCounters());
        return m;
    }

    /** Parses sizes such as 4096, 4k, 1m, 2g (powers of 1024) with aio-stress's parser; bytes without suffix. */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Sizes.parseSize("SIZE", value, 1);
            } catch (InvalidOptionException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
