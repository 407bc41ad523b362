package dev.jaio.cli.aiostress;

import dev.jaio.PageCacheStats;
import java.util.List;

/**
 * One stage of a run, over all threads.
 *
 * @param stage which
 * @param engine the engine that ran it
 * @param recordSize bytes per I/O
 * @param ios I/Os submitted
 * @param bytesCompleted bytes the kernel reported transferred (submitted bytes minus short and failed I/O)
 * @param seconds wall-clock time from the stage start (all threads started) to its end (all threads
 *     done, fsyncs included): the time of the throughput line, or of the thread line with one thread
 * @param minTransferMb with several threads and stonewalling, the least MiB any thread submitted; else NaN
 * @param latency completion latency percentiles
 * @param cpu the process's user and system CPU time during the stage
 * @param errors failed or short I/Os and failed fsyncs
 * @param verifyErrors records that {@code -v} found wrong
 * @param threads per thread
 * @param cappedByIterations whether {@code -I} ended the stage early
 * @param cache what jaio's page cache did during the stage ({@code --cache}), else null
 * @param threadCensus the process's threads at the end of the stage, while all were still alive
 */
public record StageResult(Stage stage, String engine, long recordSize, long ios, long bytesCompleted, double seconds,
        double minTransferMb, LatencySummary latency, CpuTimes cpu, long errors, long verifyErrors,
        List<ThreadStageResult> threads, boolean cappedByIterations, PageCacheStats cache,
        ThreadCensus threadCensus) {

    public StageResult {
        threads = List.copyOf(threads);
    }

    /** Bytes submitted: ios x record size, what aio-stress's MB counts. */
    public long bytes() {
        return ios * recordSize;
    }

    /** MiB submitted. */
    public double mb() {
        return bytes() / (double) Sizes.MIB;
    }

    /** MiB per second. */
    public double mbPerSecond() {
        return mb() / seconds;
    }

    /** I/Os per second. */
    public double iops() {
        return ios / seconds;
    }
}
