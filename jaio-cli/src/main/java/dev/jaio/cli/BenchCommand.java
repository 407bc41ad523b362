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
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
 * {@code iodepth_batch_complete_max}) and replaced by a new request at once.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = JaioCommand.Version.class,
        header = "Run one fio-shaped job on FILE through jaio's batch interface.",
        description = {
            "Keeps --iodepth requests of --bs bytes in flight on FILE for --runtime after --ramp, through an"
                    + " IoContext of the chosen engine, and prints IOPS, bandwidth (MiB/s), completion latency"
                    + " percentiles and process CPU time per I/O. The fio job with the same shape is:",
            "  fio --name=j --filename=FILE --ioengine=io_uring|libaio --direct=1 --rw=RW --bs=BS"
                    + " --iodepth=D --norandommap --time_based --runtime=T --ramp_time=R",
            "FILE must exist and be at least one block long (random offsets cover the whole file). CPU time is"
                    + " the whole process's, from " + CpuTimes.SOURCE + ".",
        })
public final class BenchCommand implements Callable<Integer> {

    /** The access pattern, fio's {@code rw}. */
    enum Rw {
        randread, randwrite, read, write
    }

    @Parameters(paramLabel = "FILE", description = "The file to read or write.")
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

    @Option(names = "--runtime", defaultValue = "10", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    double runtimeSeconds;

    @Option(names = "--ramp", defaultValue = "3", description = "Unmeasured warm-up seconds first (default: ${DEFAULT-VALUE}).")
    double rampSeconds;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** Creates the command. */
    public BenchCommand() {
    }

    /** What one run measured. */
    record Result(String engine, String rw, long blockSize, int depth, boolean direct, long ios, double seconds,
            double cpuSeconds, Histogram latencyNanos) {

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
        if (depth < 1 || completeMax < 1 || blockSize < 1 || runtimeSeconds <= 0 || rampSeconds < 0) {
            err.println("jaio bench: --iodepth, --complete-max, --bs and --runtime must be positive, --ramp >= 0");
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        try {
            Result r = run();
            PrintWriter out = spec.commandLine().getOut();
            out.println(json ? Json.write(toJson(r)) : toText(r));
            out.flush();
            return CommandLine.ExitCode.OK;
        } catch (IOException | RuntimeException e) {
            err.println("jaio bench: " + e.getMessage());
            err.flush();
            return 1;
        }
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
            loop.runFor(rampSeconds);
            loop.measuring = true;
            CpuTimes cpu0 = CpuTimes.now();
            long t0 = System.nanoTime();
            loop.runFor(runtimeSeconds);
            double seconds = (System.nanoTime() - t0) / 1e9;
            CpuTimes used = CpuTimes.now().minus(cpu0);
            double cpu = used.userSeconds() + used.systemSeconds();
            loop.measuring = false;
            loop.drain();
            return new Result(e.name(), rw.name(), blockSize, depth, direct, loop.measuredIos, seconds, cpu,
                    loop.latency);
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
        return m;
    }

    /** Parses sizes such as 4096, 4k, 1m, 2g (powers of 1024) with aio-stress's parser; bytes without suffix. */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Sizes.parseSize("--bs", value, 1);
            } catch (InvalidOptionException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
