package dev.jaio.cli.sweep;

import dev.jaio.AsyncFile;
import dev.jaio.EngineConfig;
import dev.jaio.EngineStatus;
import dev.jaio.FileOption;
import dev.jaio.IoBuffer;
import dev.jaio.IoEngine;
import dev.jaio.cli.aiostress.AioStress;
import dev.jaio.cli.aiostress.AioStressOptions;
import dev.jaio.cli.aiostress.AioStressResult;
import dev.jaio.cli.aiostress.Defaults;
import dev.jaio.cli.aiostress.Output;
import dev.jaio.cli.aiostress.PageCacheOptions;
import dev.jaio.cli.aiostress.Stage;
import dev.jaio.cli.aiostress.StageResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The paper's Figure 1 and 2 sweeps: for each figure, configuration and record size, one
 * aio-stress run through {@link AioStress#run} (quiet), and, when fio is on the PATH, one fio job
 * on the same file with the same shape.
 */
public final class Sweep {

    /** Bytes of each sequential write that lays out the test file. */
    static final int LAYOUT_CHUNK = 1 << 20;

    private final SweepSettings settings;
    private final PrintWriter progress;
    private final List<String> notes = new ArrayList<>();

    private Sweep(SweepSettings settings, PrintWriter progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * The outcome of a sweep.
     *
     * @param settings what ran
     * @param configs every configuration measured, in legend order
     * @param points every point
     * @param notes what was skipped and why
     * @param fioVersion fio's version, or null when fio did not run
     * @param seconds wall-clock time of the whole sweep
     */
    public record Result(SweepSettings settings, List<SweepConfig> configs, List<SweepPoint> points, List<String> notes,
            String fioVersion, double seconds) {
        public Result {
            configs = List.copyOf(configs);
            points = List.copyOf(points);
            notes = List.copyOf(notes);
        }
    }

    /**
     * Runs the sweep, printing notes and one line per point to {@code progress}.
     *
     * @throws IOException when the test file cannot be created
     */
    public static Result run(SweepSettings settings, PrintWriter progress) throws IOException {
        return new Sweep(settings, progress).run();
    }

    private Result run() throws IOException {
        long start = System.nanoTime();
        List<SweepConfig> configs = new ArrayList<>();
        Map<String, EngineStatus> status = new LinkedHashMap<>();
        for (EngineStatus s : IoEngine.probeAll()) {
            status.put(s.name(), s);
        }
        for (String e : settings.engines()) {
            EngineStatus s = status.get(e);
            if (s == null || !s.available()) {
                note("engine " + e + " is not available here, skipped" + (s == null ? "" : ": " + s.detail()));
                continue;
            }
            configs.add(new SweepConfig(SweepConfig.JAIO, e, false));
            configs.add(new SweepConfig(SweepConfig.JAIO, e, true));
            configs.add(new SweepConfig(SweepConfig.JAIO, e, false, "upfront"));
            configs.add(new SweepConfig(SweepConfig.JAIO, e, false, "legacy"));
        }
        String fioVersion = null;
        if (settings.fio()) {
            Path fio = Fio.find();
            if (fio == null) {
                note("fio is not on the PATH: the sweep runs without fio points");
            } else {
                fioVersion = Fio.version(fio);
                for (String e : settings.fioEngines()) {
                    configs.add(new SweepConfig(SweepConfig.FIO, e, false));
                    configs.add(new SweepConfig(SweepConfig.FIO, e, true));
                }
            }
        }
        layOut(settings.file(), settings.fileSize());
        List<SweepPoint> points = new ArrayList<>();
        // Configurations side by side at each record size: this machine's throughput drifts over
        // minutes, and neighbouring points compare best. Repeats go round all configurations in
        // turn, so that no configuration always runs first or last (the host's cache of the disk
        // favours whatever read the same blocks just before).
        for (Figure figure : settings.figures()) {
            for (long rec : settings.recordSizes()) {
                for (int run = 1; run <= settings.repeat(); run++) {
                    for (SweepConfig config : configs) {
                        if (config.cached() && !figure.isRead() && !"upfront".equals(config.cache())) {
                            continue; // readahead plays no part in writes: one cached line in figure2
                        }
                        SweepPoint p = (config.isFio() ? Fio.run(settings, figure, config, rec)
                                : runJaio(figure, config, rec)).asRun(run);
                        points.add(p);
                        progress.println(progressLine(p, settings.repeat()));
                        progress.flush();
                    }
                }
            }
        }
        return new Result(settings, configs, points, notes, fioVersion, (System.nanoTime() - start) / 1e9);
    }

    private void note(String line) {
        notes.add(line);
        progress.println("jaio sweep: " + line);
        progress.flush();
    }

    /** {@code figure1  jaio-uring-direct       16 KiB    294.6 MB/s}, and {@code  (run 2/3)} when repeating. */
    static String progressLine(SweepPoint p, int repeat) {
        String value = p.ok() ? String.format(Locale.ROOT, "%9.1f MB/s", p.mibPerSecond()) : "failed: " + p.error();
        return String.format(Locale.ROOT, "%s  %-26s %4d KiB  %s%s", p.figure().id(), p.config().name(),
                p.recordSize() / 1024, value, repeat > 1 ? " (run " + p.run() + "/" + repeat + ")" : "");
    }

    /** The aio-stress options of one jaio point: {@code -s FILE -r REC -d 64} and the figure's stage flags. */
    static AioStressOptions aioStressOptions(SweepSettings settings, Figure figure, SweepConfig config, long rec) {
        AioStressOptions.Builder b = AioStressOptions.builder()
                .file(settings.file())
                .fileSize(settings.fileSize())
                .recordSize(rec)
                .depth(settings.depth())
                .engine(config.engine())
                .direct(config.direct());
        if (config.cached()) {
            b.pageCache(PageCacheOptions.jaio(settings.cacheBytes(), PageCacheOptions.Readahead.ofFlag(config.cache()),
                    PageCacheOptions.DEFAULT_MAX_READAHEAD));
        }
        if (figure.isRead()) {
            b.stage(Stage.RANDOM_READ).dropCache(true); // -o 3 --drop-cache
        } else {
            b.stage(Stage.RANDOM_WRITE).sync(true); // -o 2 -S
        }
        if (settings.capBytes() > 0 && settings.capBytes() < settings.fileSize()) {
            // -I: each pass of the submit loop builds io_iter requests
            long perPass = rec * Defaults.IOS_PER_ITERATION;
            b.iterations((int) Math.max(1, Math.min(Integer.MAX_VALUE, (settings.capBytes() + perPass - 1) / perPass)));
        }
        return b.build();
    }

    private SweepPoint runJaio(Figure figure, SweepConfig config, long rec) {
        AioStressResult r;
        try {
            r = AioStress.run(aioStressOptions(settings, figure, config, rec), Output.quiet());
        } catch (IllegalArgumentException e) {
            return SweepPoint.failed(figure, config, rec, e.getMessage());
        }
        if (r.failure() != null) {
            return SweepPoint.failed(figure, config, rec, r.failure());
        }
        if (r.stages().isEmpty()) {
            return SweepPoint.failed(figure, config, rec, "no stage ran");
        }
        if (r.errors() > 0) {
            return SweepPoint.failed(figure, config, rec, r.errors() + " I/O errors");
        }
        StageResult s = r.stages().getFirst();
        return new SweepPoint(figure, config, rec, s.bytes(), s.seconds(), s.mbPerSecond(), s.iops(),
                s.latency().p50Us(), s.latency().p99Us(), s.cpu().userSeconds() + s.cpu().systemSeconds(), null);
    }

    /**
     * Makes {@code file} at least {@code size} bytes: sequential 1 MiB O_DIRECT writes through jaio
     * (buffered, then fsync, where the filesystem has no O_DIRECT). A file long enough is kept.
     */
    void layOut(Path file, long size) throws IOException {
        if (Files.isRegularFile(file) && Files.size(file) >= size) {
            return;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        progress.println("jaio sweep: writing " + (size >> 20) + " MiB test file " + file + " (O_DIRECT, 1 MiB writes)");
        progress.flush();
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults())) {
            AsyncFile f;
            try {
                f = AsyncFile.open(engine, file, FileOption.READ, FileOption.WRITE, FileOption.CREATE, FileOption.DIRECT);
                if (!f.alignment().supported() || size % f.alignment().offsetAlignment() != 0) {
                    f.close();
                    f = null;
                }
            } catch (IOException e) {
                f = null;
            }
            boolean direct = f != null;
            if (!direct) {
                note(file + ": no usable O_DIRECT here, the test file is written buffered");
                f = AsyncFile.open(engine, file, FileOption.READ, FileOption.WRITE, FileOption.CREATE);
            }
            try (AsyncFile out = f; IoBuffer buf = out.allocateBuffer(LAYOUT_CHUNK)) {
                SplittableRandom random = new SplittableRandom(42);
                for (long i = 0; i < LAYOUT_CHUNK; i += 8) {
                    buf.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
                }
                for (long pos = 0; pos < size; pos += LAYOUT_CHUNK) {
                    int n = (int) Math.min(LAYOUT_CHUNK, size - pos);
                    int written = out.write(buf.segment().asSlice(0, n), pos).join();
                    if (written != n) {
                        throw new IOException("short write laying out " + file + " at " + pos);
                    }
                }
                out.fsync().join();
            }
        } catch (java.util.concurrent.CompletionException e) {
            throw new IOException("cannot write " + file + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
