package dev.jaio.cli.aiostress;

import dev.jaio.IoEngine;
import dev.jaio.PageCacheStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * What the threads of one run share: the options, the output, the engine, glibc's rand() state,
 * and the stage barrier. At a stage start the last thread to arrive starts the clock (the
 * original's global_stage_start_time); at a stage end the last one to arrive prints the
 * throughput line and records the {@link StageResult}.
 */
final class Run {

    /** Thrown in a thread waiting at the barrier when another thread failed. */
    static final class Aborted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Aborted() {
            super(null, null, false, false);
        }
    }

    final AioStressOptions options;
    final Settings settings;
    final Output output;
    final IoEngine engine;
    final List<Worker> workers = new ArrayList<>();
    final List<StageResult> results = new ArrayList<>();
    /** Threads that finished the current stage: any other thread then stonewalls. */
    final AtomicInteger threadsEnding = new AtomicInteger();
    volatile boolean stopAfterStage;
    volatile Stage currentStage;
    volatile long stageStartNanos;
    volatile boolean inStage;

    private final GlibcRandom random = new GlibcRandom();
    private final Object randomLock = new Object();
    private volatile Throwable failure;
    private int arrived;
    private long generation;
    private CpuTimes cpuAtStart;
    private PageCacheStats cacheAtStart;

    Run(AioStressOptions options, Settings settings, Output output, IoEngine engine) {
        this.options = options;
        this.settings = settings;
        this.output = output;
        this.engine = engine;
    }

    /** glibc's rand(), shared by all threads as in the C program. */
    int rand() {
        synchronized (randomLock) {
            return random.next();
        }
    }

    Throwable failure() {
        return failure;
    }

    /** Records the first failure and releases every thread waiting at the barrier. */
    void fail(Throwable t) {
        synchronized (this) {
            if (failure == null) {
                failure = t;
            }
            notifyAll();
        }
    }

    void checkAborted() {
        if (failure != null) {
            throw new Aborted();
        }
    }

    void awaitStageStart(Stage stage) {
        await(() -> {
            currentStage = stage;
            threadsEnding.set(0);
            for (Worker w : workers) {
                w.startedBytes = 0;
            }
            cpuAtStart = CpuTimes.now();
            cacheAtStart = engine.pageCacheStats();
            stageStartNanos = System.nanoTime();
            inStage = true;
        });
    }

    void awaitStageEnd() {
        threadsEnding.incrementAndGet();
        await(this::endStage);
    }

    private void endStage() {
        double seconds = (System.nanoTime() - stageStartNanos) / 1e9;
        CpuTimes cpu = CpuTimes.now().minus(cpuAtStart);
        PageCacheStats cache = options.pageCache().enabled() ? minus(engine.pageCacheStats(), cacheAtStart) : null;
        ThreadCensus census = ThreadCensus.now();
        inStage = false;
        output.clearProgress();
        Histogram latency = new Histogram(3);
        List<ThreadStageResult> perThread = new ArrayList<>();
        double totalMb = 0;
        double minMb = Double.NaN;
        long ios = 0;
        long completed = 0;
        long errors = 0;
        long verifyErrors = 0;
        boolean capped = false;
        for (Worker w : workers) {
            ThreadStageResult t = w.stageResult;
            perThread.add(t);
            totalMb += t.mb();
            // The original takes the minimum of the calling thread only; this is over all threads.
            minMb = Double.isNaN(minMb) ? t.mb() : Math.min(minMb, t.mb());
            ios += t.ios();
            completed += w.stageBytesCompleted;
            errors += w.stageErrors;
            verifyErrors += w.stageVerifyErrors;
            capped |= w.stageCapped;
            latency.add(w.histogram);
        }
        boolean multi = workers.size() > 1;
        if (multi && totalMb != 0) {
            output.err(Lines.global(currentStage, totalMb, seconds, options.stonewall(), minMb));
        }
        results.add(new StageResult(currentStage, engine.name(), options.recordSize(), ios, completed, seconds,
                multi && options.stonewall() ? minMb : Double.NaN, LatencySummary.of(latency), cpu, errors,
                verifyErrors, perThread, capped, cache, census));
        if (cache != null) {
            output.err(Lines.cacheCounters(cache));
            output.err(Lines.threadCensus(census));
        }
        if (capped) {
            stopAfterStage = true;
        }
    }

    /** The counters of {@code end} minus those of {@code start}; the page and file counts are {@code end}'s. */
    static PageCacheStats minus(PageCacheStats end, PageCacheStats start) {
        return new PageCacheStats(end.capacityPages(), end.residentPages(), end.hits() - start.hits(),
                end.misses() - start.misses(), end.readaheadPages() - start.readaheadPages(),
                end.demandPages() - start.demandPages(), end.deviceReads() - start.deviceReads(),
                end.readErrors() - start.readErrors(), end.evictions() - start.evictions(),
                end.retries() - start.retries(), end.idleRetries() - start.idleRetries(),
                end.spuriousWakeups() - start.spuriousWakeups(), end.collisionsSkipped() - start.collisionsSkipped(),
                end.frameWaits() - start.frameWaits(), end.bypassReads() - start.bypassReads(), end.dirtyPages(), end.writebackPages(),
                end.pagesDirtied() - start.pagesDirtied(), end.pagesWritten() - start.pagesWritten(),
                end.deviceWrites() - start.deviceWrites(), end.writeErrors() - start.writeErrors(),
                end.flushes() - start.flushes(), end.throttled() - start.throttled(), end.keptFiles());
    }

    /** A barrier for all workers; the last to arrive runs {@code action} before any is released. */
    private synchronized void await(Runnable action) {
        checkAborted();
        long gen = generation;
        if (++arrived == workers.size()) {
            arrived = 0;
            try {
                action.run();
            } catch (RuntimeException | Error e) {
                fail(e);
                throw e;
            }
            generation++;
            notifyAll();
            return;
        }
        boolean interrupted = false;
        while (gen == generation && failure == null) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (gen == generation) {
            throw new Aborted();
        }
    }
}
