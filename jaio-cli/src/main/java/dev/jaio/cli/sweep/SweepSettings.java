package dev.jaio.cli.sweep;

import java.nio.file.Path;
import java.util.List;

/**
 * What a sweep runs.
 *
 * @param file the test file (created or extended to {@code fileSize} if shorter)
 * @param out the output directory
 * @param fileSize bytes of the test file, aio-stress {@code -s} and fio {@code size=}
 * @param recordSizes bytes per request, one point each
 * @param engines jaio engines to try ({@code uring}, {@code aio}, {@code threads}); unavailable ones are skipped
 * @param fio whether to also run fio when it is on the PATH
 * @param fioEngines fio ioengines to run
 * @param capBytes most bytes one point transfers (0: the whole file)
 * @param fioRuntimeSeconds the time limit of one fio point ({@code --runtime}, not time based)
 * @param depth requests in flight
 * @param cacheBytes the budget of jaio's page cache in the cached configurations
 * @param repeat how many times each point is measured (the table and figures show the median)
 * @param figures which experiments run, in order
 */
public record SweepSettings(Path file, Path out, long fileSize, List<Long> recordSizes, List<String> engines,
        boolean fio, List<String> fioEngines, long capBytes, int fioRuntimeSeconds, int depth, long cacheBytes,
        int repeat, List<Figure> figures) {

    /** Settings that run both figures. */
    public SweepSettings(Path file, Path out, long fileSize, List<Long> recordSizes, List<String> engines,
            boolean fio, List<String> fioEngines, long capBytes, int fioRuntimeSeconds, int depth, long cacheBytes,
            int repeat) {
        this(file, out, fileSize, recordSizes, engines, fio, fioEngines, capBytes, fioRuntimeSeconds, depth,
                cacheBytes, repeat, List.of(Figure.values()));
    }

    /** Default {@link #cacheBytes()}: 256 MiB, a quarter of the paper-sized 1 GiB file. */
    public static final long DEFAULT_CACHE_BYTES = 256L << 20;

    /** Settings with the default cache budget. */
    public SweepSettings(Path file, Path out, long fileSize, List<Long> recordSizes, List<String> engines,
            boolean fio, List<String> fioEngines, long capBytes, int fioRuntimeSeconds, int depth) {
        this(file, out, fileSize, recordSizes, engines, fio, fioEngines, capBytes, fioRuntimeSeconds, depth,
                DEFAULT_CACHE_BYTES, 1);
    }

    /** Settings that measure each point once. */
    public SweepSettings(Path file, Path out, long fileSize, List<Long> recordSizes, List<String> engines,
            boolean fio, List<String> fioEngines, long capBytes, int fioRuntimeSeconds, int depth, long cacheBytes) {
        this(file, out, fileSize, recordSizes, engines, fio, fioEngines, capBytes, fioRuntimeSeconds, depth,
                cacheBytes, 1);
    }

    /** The paper's record sizes, KiB. */
    public static final List<Long> PAPER_RECORDS_KIB = List.of(4L, 8L, 16L, 32L, 64L);
    /** {@code --quick} record sizes, KiB. */
    public static final List<Long> QUICK_RECORDS_KIB = List.of(4L, 16L, 64L);
    /** jaio's engines, in the order of the figures' legends. */
    public static final List<String> ALL_ENGINES = List.of("uring", "aio", "threads");
    /** fio's engines compared. */
    public static final List<String> FIO_ENGINES = List.of("libaio", "io_uring");

    public SweepSettings {
        recordSizes = List.copyOf(recordSizes);
        engines = List.copyOf(engines);
        fioEngines = List.copyOf(fioEngines);
        figures = List.copyOf(figures);
        if (figures.isEmpty()) {
            throw new IllegalArgumentException("no figure to run");
        }
        if (fileSize <= 0) {
            throw new IllegalArgumentException("the file size must be positive");
        }
        if (recordSizes.isEmpty()) {
            throw new IllegalArgumentException("no record size given");
        }
        for (long r : recordSizes) {
            if (r <= 0 || r > fileSize) {
                throw new IllegalArgumentException("record size " + r + " bytes: must be positive and at most the file size");
            }
        }
        for (String e : engines) {
            if (!ALL_ENGINES.contains(e)) {
                throw new IllegalArgumentException("unknown engine '" + e + "': use " + String.join(", ", ALL_ENGINES));
            }
        }
        if (cacheBytes < 16 * 4096) {
            throw new IllegalArgumentException("jaio's page cache needs at least 64 KiB: " + cacheBytes);
        }
        if (repeat < 1 || repeat > 100) {
            throw new IllegalArgumentException("repeat must be between 1 and 100: " + repeat);
        }
        if (capBytes < 0 || fioRuntimeSeconds < 1 || depth < 1) {
            throw new IllegalArgumentException("bad cap, fio runtime or depth");
        }
    }
}
