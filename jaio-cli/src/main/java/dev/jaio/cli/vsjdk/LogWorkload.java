package dev.jaio.cli.vsjdk;

import dev.jaio.AsyncFile;
import dev.jaio.EngineConfig;
import dev.jaio.FileAdvice;
import dev.jaio.FileOption;
import dev.jaio.IoEngine;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * {@code log}: a group-commit write-ahead log as a database keeps one. {@code --producers} virtual
 * threads each append a record of 100 to 4000 bytes (uniform, seeded), wait until it is durable,
 * and append the next; one committer thread writes what was appended since the last batch as one
 * batch at the log's end and makes it durable ({@link GroupCommitLog}). The contenders differ only
 * in how a batch is written and made durable ({@link LogWriter}).
 *
 * <p>The log is a new file next to FILE ({@code FILE.vsjdk-log}), preallocated once by writing
 * zeros to it (as databases initialise their log segments, so that a durable write does not also
 * have to commit the allocation of its blocks), reused by every contender from offset 0 with its
 * page cache dropped first, read back and checked after each contender, and deleted at the end.
 */
final class LogWorkload implements Workload {

    static final List<String> CONTENDERS = List.of("jdk-dsync", "jdk-direct-dsync", "jdk-write-fdatasync",
            "jaio-direct-dsync", "jaio-direct-flusher", "jaio-buffered-dsync");

    /** The mean record size: the middle of 100 to 4000. */
    private static final long MEAN_RECORD = (LogRecords.MIN + LogRecords.MAX) / 2;
    private static final long MIB = 1 << 20;

    private final VsJdkSettings settings;
    private final Path log;
    private long capacity;
    private boolean created;
    private int runs;

    LogWorkload(VsJdkSettings settings) {
        this.settings = settings;
        this.log = logFile(settings.file());
    }

    /** {@return the log file for {@code file}: next to it, its name plus .vsjdk-log} */
    static Path logFile(Path file) {
        Path abs = file.toAbsolutePath();
        return abs.resolveSibling(abs.getFileName() + ".vsjdk-log");
    }

    /**
     * The log file's size: twice the expected bytes of {@code --records} records (the ramp writes
     * too), and a batch per producer more, in whole MiB.
     */
    static long capacity(long records, int producers) {
        long bytes = records * MEAN_RECORD * 2 + (long) producers * LogRecords.MAX * 2;
        return (bytes + MIB - 1) / MIB * MIB;
    }

    @Override
    public String name() {
        return "log";
    }

    @Override
    public String title() {
        return "group-commit log: " + settings.producers() + " producers append records of " + LogRecords.MIN + "-"
                + LogRecords.MAX + " B and wait until durable; up to " + settings.records() + " records, log "
                + VsJdk.size(capacity);
    }

    @Override
    public List<String> contenders() {
        return CONTENDERS;
    }

    @Override
    public void prepare() throws IOException {
        capacity = capacity(settings.records(), settings.producers());
        if (Files.exists(log)) {
            throw new IOException(log + " exists (left by an interrupted run?): remove it");
        }
        Files.createFile(log);
        created = true;
        zeroFill(log, capacity);
    }

    /** Writes {@code bytes} zeros to the file (O_DIRECT if it can) and makes them durable. */
    private static void zeroFill(Path file, long bytes) throws IOException {
        int chunk = (int) MIB;
        ByteBuffer zeros = ByteBuffer.allocateDirect(chunk + 4096).alignedSlice(4096);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.WRITE, JdkDirect.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            ch = FileChannel.open(file, StandardOpenOption.WRITE);
        }
        try (FileChannel c = ch) {
            for (long pos = 0; pos < bytes; ) {
                zeros.clear().limit((int) Math.min(chunk, bytes - pos));
                while (zeros.hasRemaining()) {
                    pos += c.write(zeros, pos);
                }
            }
            c.force(true);
        }
    }

    @Override
    public void beforeRound() {
    }

    @Override
    public RunResult run(int index, Timing timing) {
        String name = CONTENDERS.get(index);
        String threads = settings.producers() + " virtual + 1 committer";
        String engine = null;
        try {
            dropPageCache();
            try (LogWriter writer = open(name)) {
                engine = writer.engine();
                LogRun r = runWith(writer, timing, ++runs);
                return r.result(name, settings.producers());
            }
        } catch (Exception e) {
            return RunResult.failed(name, threads, engine, e instanceof ContenderException ? e.getCause() : e);
        }
    }

    /** Opens contender {@code name}'s writer on the log. */
    LogWriter open(String name) throws IOException {
        return switch (name) {
            case "jdk-dsync" -> new JdkLogWriter(log, JdkLogWriter.Mode.DSYNC);
            case "jdk-direct-dsync" -> new JdkLogWriter(log, JdkLogWriter.Mode.DIRECT_DSYNC);
            case "jdk-write-fdatasync" -> new JdkLogWriter(log, JdkLogWriter.Mode.FDATASYNC);
            case "jaio-direct-dsync" -> new JaioLogWriter(log, settings.engine(), true, settings.commitDepth(),
                    JaioLogWriter.Durability.DSYNC);
            case "jaio-direct-flusher" -> new JaioLogWriter(log, settings.engine(), true, settings.commitDepth(),
                    JaioLogWriter.Durability.FLUSHER);
            case "jaio-buffered-dsync" -> new JaioLogWriter(log, settings.engine(), false, settings.commitDepth(),
                    JaioLogWriter.Durability.DSYNC);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Makes the log's cached pages durable and drops them (posix_fadvise DONTNEED, which the JDK
     * cannot do: through a jaio handle on a one-worker threads engine, closed before the run), so
     * that every contender starts alike.
     */
    private void dropPageCache() throws IOException {
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try (IoEngine e = IoEngine.open(EngineConfig.defaults().withEngine("threads").withThreads(1).withQueueDepth(4));
             AsyncFile f = AsyncFile.open(e, log, FileOption.READ)) {
            f.advise(0, 0, FileAdvice.DONTNEED);
        }
    }

    /**
     * Runs the producers and the committer over {@code writer} for the ramp and the measured
     * interval, stops them, and reads the log back.
     *
     * @param run distinguishes this run's records from earlier runs' in the same file
     */
    LogRun runWith(LogWriter writer, Timing timing, int run) throws Exception {
        long nonce = new SplittableRandom(settings.seed() * 1_000_003L + run).nextLong();
        Gate gate = new Gate();
        GroupCommitLog group = new GroupCommitLog(writer, gate, capacity, settings.producers(), settings.records());
        Producer[] producers = new Producer[settings.producers()];
        for (int i = 0; i < producers.length; i++) {
            producers[i] = new Producer(group, gate, i, nonce, new SplittableRandom(settings.seed() * 7919L + i));
        }
        Thread committer = Thread.ofPlatform().daemon().name("vsjdk-committer").start(group::runCommitter);
        List<Thread> started = new ArrayList<>();
        Interval interval;
        try {
            for (Producer p : producers) {
                started.add(Thread.ofVirtual().name("vsjdk-producer-" + p.id).start(p));
            }
            interval = Interval.measure(gate, timing, null);
        } finally {
            gate.stop = true;
            for (Thread t : started) {
                t.join();
            }
            group.close();
            committer.join();
        }
        if (gate.failure() != null) {
            throw new ContenderException(gate.failure());
        }
        Histogram latency = Latency.newTotal();
        for (Producer p : producers) {
            latency.add(p.latency);
        }
        long end = group.end();
        long verified;
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            MemorySegment mapped = end == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, end, arena);
            verified = LogRecords.verify(mapped, end, nonce, producers.length, group.paddingAlignment());
        }
        LogStats stats = group.stats(verified);
        if (verified != stats.recordsDurable()) {
            throw new IOException("log: the producers were told " + stats.recordsDurable()
                    + " records were durable, the read-back found " + verified);
        }
        return new LogRun(group, writer.engine(), interval, Latency.of(latency), stats, nonce, gate.endReason());
    }

    @Override
    public void close() throws IOException {
        if (created) {
            Files.deleteIfExists(log);
            created = false;
        }
    }

    /** {@return the log file} */
    Path log() {
        return log;
    }

    /**
     * One run of a contender, before its writer closed.
     *
     * @param group the log, for its counters and sampled positions
     * @param nonce the run's nonce, in every record
     * @param endReason why the measured interval ended early, or null
     */
    record LogRun(GroupCommitLog group, String engine, Interval interval, Latency latency, LogStats stats, long nonce,
            String endReason) {

        RunResult result(String name, int producers) {
            if (group.full() && group.measuredRecords() == 0) {
                return RunResult.failed(name, ThreadsLabel.of(producers, "1 committer", interval), engine,
                        new IOException("the log file filled up during the ramp, before the measured interval began:"
                                + " raise --records (the log holds twice --records records of the mean size) or"
                                + " shorten --ramp"));
            }
            List<String> notes = new ArrayList<>();
            if (group.full()) {
                notes.add(name + ": the log file filled up, which ended the measured interval after "
                        + String.format("%.2f", interval.seconds()) + " s");
            }
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("endedBy", endReason == null ? "runtime" : endReason);
            return new RunResult(name, ThreadsLabel.of(producers, "1 committer", interval), engine,
                    group.measuredRecords(), group.measuredBytes(), interval.seconds(), interval.cpuSeconds(), latency,
                    stats, null, notes, Extras.withInterval(extra, interval));
        }
    }

    /** A producer: appends a record, waits until it is durable, appends the next. */
    private static final class Producer implements Runnable {
        final GroupCommitLog group;
        final Gate gate;
        final int id;
        final long nonce;
        final SplittableRandom sizes;
        final MemorySegment record = MemorySegment.ofArray(new byte[LogRecords.MAX]);
        final IntCountsHistogram latency = Latency.newRecorder();

        Producer(GroupCommitLog group, Gate gate, int id, long nonce, SplittableRandom sizes) {
            this.group = group;
            this.gate = gate;
            this.id = id;
            this.nonce = nonce;
            this.sizes = sizes;
        }

        @Override
        public void run() {
            try {
                for (int seq = 0; !gate.stop; seq++) {
                    int length = sizes.nextInt(LogRecords.MIN, LogRecords.MAX + 1);
                    LogRecords.write(record, nonce, id, seq, length);
                    long t0 = System.nanoTime();
                    if (!group.append(record, length, id, seq)) {
                        return;
                    }
                    long t1 = System.nanoTime();
                    if (gate.measuring) {
                        Latency.record(latency, t1 - t0);
                    }
                }
            } catch (Throwable t) {
                gate.fail(t);
            }
        }
    }
}
