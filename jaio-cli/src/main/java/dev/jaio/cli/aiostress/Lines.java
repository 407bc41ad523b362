package dev.jaio.cli.aiostress;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Every line aio-stress prints, in the original's exact format (xfstests ltp/aio-stress.c 0.21),
 * so that scripts that parse aio-stress parse jaio's. "MB" is MiB of submitted I/O and MB/s is that
 * over wall-clock seconds. All lines go to stderr except {@link #running} and {@link #cleaningUp},
 * which the original prints on stdout. Lines are returned without the newline.
 */
public final class Lines {

    private Lines() {
    }

    /** {@code "adding stage random read"}. */
    public static String addingStage(Stage s) {
        return "adding stage " + s.displayName();
    }

    /** {@code "starting with write"}: only when {@code -o} was given. */
    public static String startingWith(Stage s) {
        return "starting with " + s.displayName();
    }

    /** {@code "dropping io_iter to 8"}. */
    public static String droppingIoIter(int ioIter) {
        return "dropping io_iter to " + ioIter;
    }

    /** {@code "dropping thread count to the number of contexts 4"}. */
    public static String droppingThreads(int threads) {
        return "dropping thread count to the number of contexts " + threads;
    }

    /** {@code "file size 1048576 too small for 1 contexts"} (bytes). */
    public static String fileTooSmall(long fileSize, int contexts) {
        return "file size " + fileSize + " too small for " + contexts + " contexts";
    }

    /** Header line 1: {@code "file size 1024MB, record size 64KB, depth 64, ios per iteration 8"}. */
    public static String headerSizes(long fileSize, long recordSize, int depth, int ioIter) {
        return "file size " + fileSize / Sizes.MIB + "MB, record size " + recordSize / Sizes.KIB + "KB, depth " + depth
                + ", ios per iteration " + ioIter;
    }

    /** Header line 2: {@code "max io_submit 8, buffer alignment set to 4KB"}. */
    public static String headerSubmit(int maxIoSubmit, long alignment) {
        return "max io_submit " + maxIoSubmit + ", buffer alignment set to " + alignment / Sizes.KIB + "KB";
    }

    /** Header line 3: {@code "threads 1 files 1 contexts 1 context offset 2MB verification off"}. */
    public static String headerThreads(int threads, int files, int contexts, long contextOffset, boolean verify) {
        return "threads " + threads + " files " + files + " contexts " + contexts + " context offset "
                + contextOffset / Sizes.MIB + "MB verification " + (verify ? "on" : "off");
    }

    /** jaio's addition to the header: {@code "engine uring"}, or {@code "engine uring (auto)"}. */
    public static String headerEngine(String engine, boolean auto) {
        return "engine " + engine + (auto ? " (auto)" : "");
    }

    /** stderr, jaio's addition with {@code --cache}: jaio's page cache and its readahead. */
    public static String headerCache(PageCacheOptions c) {
        return "jaio page cache " + Sizes.describe(c.cacheBytes().getAsLong()) + ", readahead " + c.readahead().flagValue()
                + " (max " + Sizes.describe(c.maxReadaheadBytes()) + "), pre-touched";
    }

    /** stdout: {@code "Running single thread version "} or {@code "Running multi thread version num_threads:4"}. */
    public static String running(int threads) {
        return threads > 1 ? "Running multi thread version num_threads:" + threads : "Running single thread version ";
    }

    /** stdout, with {@code -u}: {@code "Cleaning up file /x "}. */
    public static String cleaningUp(Path file) {
        return "Cleaning up file " + file + " ";
    }

    /** Per file and context: {@code "write on /x (512.30 MB/s) 1024.00 MB in 2.00s"}. */
    public static String oper(Stage s, Path file, double mb, double seconds) {
        return s.displayName() + " on " + file + " (" + f2(mb / seconds) + " MB/s) " + f2(mb) + " MB in " + f2(seconds)
                + "s";
    }

    /** Per thread: {@code "thread 0 write totals (512.30 MB/s) 1024.00 MB in 2.00s"}. */
    public static String thread(int index, Stage s, double mb, double seconds) {
        return "thread " + index + " " + s.displayName() + " totals (" + f2(mb / seconds) + " MB/s) " + f2(mb)
                + " MB in " + f2(seconds) + "s";
    }

    /**
     * All threads (with {@code -t} > 1): {@code "write throughput (512.30 MB/s) 1024.00 MB in 2.00s min transfer 256.00MB"};
     * the min transfer part only with stonewalling.
     */
    public static String global(Stage s, double mb, double seconds, boolean stonewall, double minTransferMb) {
        return s.displayName() + " throughput (" + f2(mb / seconds) + " MB/s) " + f2(mb) + " MB in " + f2(seconds) + "s"
                + (stonewall ? " min transfer " + f2(minTransferMb) + "MB" : "");
    }

    /** {@code -l} / {@code -L}, first line: {@code "latency min 0.01 avg 0.02 max 1.50"} (ms). */
    static String latency(String what, Latency lat) {
        return what + " min " + f2(lat.min) + " avg " + f2(lat.total / lat.count) + " max " + f2(lat.max);
    }

    /** {@code -l} / {@code -L}, second line: {@code "\t 1000 < 100 0 < 250 0 < 500 0 < 1000 0 < 5000 0 < 10000"}. */
    static String latencyBuckets(Latency lat) {
        StringBuilder b = new StringBuilder("\t");
        long counted = 0;
        for (int i = 0; i < Latency.BOUNDS.length; i++) {
            b.append(' ').append(lat.buckets[i]).append(" < ").append(Latency.BOUNDS[i]);
            counted += lat.buckets[i];
        }
        if (counted != 0 && lat.count - counted != 0) {
            b.append(" < ").append(lat.count - counted);
        }
        return b.toString();
    }

    /**
     * A failed or short request: {@code "io err 18446744073709551611 (Input/output error) op 0, off 4096 size 4096"};
     * the result as C's {@code %lu}, the text of strerror(-result), op 0 for a read and 1 for a write
     * (libaio's IO_CMD_PREAD and IO_CMD_PWRITE).
     */
    public static String ioErr(long result, String strerror, boolean read, long offset, long size) {
        return "io err " + Long.toUnsignedString(result) + " (" + strerror + ") op " + (read ? 0 : 1) + ", off " + offset
                + " size " + size;
    }

    /** After a stage, for a context that hit errors: {@code "3 errors on oper, last 4294967291"} (C's %u). */
    public static String operErrors(int count, long lastError) {
        return Integer.toUnsignedString(count) + " errors on oper, last " + Integer.toUnsignedString((int) lastError);
    }

    /**
     * jaio's addition, when the first stage reads a file shorter than {@code -s}:
     * {@code "warning: /x is 0 bytes, less than -s 268435456: reads past its end transfer nothing"}.
     */
    public static String shortFileWarning(Path file, long size, long fileSize) {
        return "warning: " + file + " is " + size + " bytes, less than -s " + fileSize
                + ": reads past its end transfer nothing";
    }

    /** jaio's addition: an fsync that failed, {@code "fsync on /x failed: EIO (Input/output error)"}. */
    public static String fsyncFailed(Path file, String error) {
        return "fsync on " + file + " failed: " + error;
    }

    /** {@code -v}: {@code "verify error, file /x offset 4096 contents (offset:bad:good):"}, then {@link #verifyDiff}. */
    public static String verifyError(Path file, long offset) {
        return "verify error, file " + file + " offset " + offset + " contents (offset:bad:good):";
    }

    /** {@code "%d:%c:%c "} for one differing byte. */
    static void verifyDiff(StringBuilder line, int index, byte bad, byte good) {
        line.append(index).append(':').append((char) (bad & 0xff)).append(':').append((char) (good & 0xff)).append(' ');
    }

    /** C's {@code %.2f}: two decimals, and inf / -nan where C prints them. */
    public static String f2(double v) {
        if (Double.isNaN(v)) {
            return "-nan"; // what glibc prints for 0.0 / 0.0 on x86-64 and aarch64
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** strerror(3)'s text for {@code -result}, from jaio's errno name ("EIO (Input/output error)"). */
    static String strerror(long result, String errnoDescription) {
        if (result == 0) {
            return "Success";
        }
        if (result > 0) {
            return "Unknown error " + -result; // glibc's text for a negative errno
        }
        int open = errnoDescription.indexOf(" (");
        if (open > 0 && errnoDescription.endsWith(")")) {
            return errnoDescription.substring(open + 2, errnoDescription.length() - 1);
        }
        return errnoDescription;
    }

    /** stderr, jaio's addition after a stage with {@code --cache}: what jaio's page cache did. */
    public static String cacheCounters(dev.jaio.PageCacheStats c) {
        return String.format(java.util.Locale.ROOT, "jaio cache: %d hits, %d misses, %d readahead + %d demand pages"
                + " in %d device reads, %d evictions, %d retries (%d idle), %d spurious wakeups, %d frame waits,"
                + " %d read errors; %d pages dirtied, %d written back in %d device writes, %d flushes,"
                + " %d throttled writes, %d write errors", c.hits(), c.misses(), c.readaheadPages(), c.demandPages(),
                c.deviceReads(), c.evictions(), c.retries(), c.idleRetries(), c.spuriousWakeups(), c.frameWaits(),
                c.readErrors(), c.pagesDirtied(), c.pagesWritten(), c.deviceWrites(), c.flushes(), c.throttled(),
                c.writeErrors());
    }

    /** stderr, jaio's addition after each stage: the threads the process had at its end. */
    public static String threadCensus(ThreadCensus t) {
        return "threads: " + t.total() + " in the process (" + t.workers() + " aio-stress, " + t.jaio() + " jaio (engine, cache writeback), "
                + t.ioUringWorkers() + " io_uring workers, " + (t.total() - t.workers() - t.jaio() - t.ioUringWorkers())
                + " JVM)";
    }
}
