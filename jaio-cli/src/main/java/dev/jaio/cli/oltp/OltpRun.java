package dev.jaio.cli.oltp;

import dev.jaio.IoEngine;
import dev.jaio.cli.aiostress.CpuTimes;
import dev.jaio.cli.aiostress.ThreadCensus;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Runs one {@code jaio oltp} configuration on a prepared database: recovers the log if a run did
 * not end cleanly, starts the log, the pool, the cleaners and the agents, lets them warm up,
 * measures, stops them, writes every dirty page and syncs (a checkpoint), and empties the log.
 *
 * <p>A transaction reads {@code readsPerTxn} pages drawn from the access pattern, updating each
 * with probability {@code updatePercent}% (one row, chosen at random, set to the transaction's
 * LSN); a transaction that updated anything appends its log record, applies its changes to the
 * pinned pages and waits until the record is durable (group commit), then unpins its pages.
 */
public final class OltpRun {

    private OltpRun() {
    }

    /** What the run says while it runs: a line now and then. */
    @FunctionalInterface
    public interface Progress {
        /** A line of progress. */
        void line(String text);
    }

    /**
     * Runs {@code s} on {@code engine}.
     *
     * @param acked if not null, gets the highest LSN known durable about every 100 ms (for the
     *     kill-and-recover test: every transaction up to it was acknowledged)
     */
    public static OltpResult run(OltpSettings s, IoEngine engine, Progress progress, Consumer<Long> acked)
            throws IOException {
        return run(s, engine, progress, acked, false);
    }

    /**
     * Runs {@code s} on {@code engine}; with {@code keepLog} the log is not emptied at the checkpoint
     * but goes on across runs, so that {@link OltpVerify#verify} can check every change made since it
     * began ({@code --verify}).
     */
    public static OltpResult run(OltpSettings s, IoEngine engine, Progress progress, Consumer<Long> acked,
            boolean keepLog) throws IOException {
        RedoLog.Scan scan = RedoLog.scan(s.logFile()); // read once: for the replay, and to go on after it
        Database.Recovery rec = Database.recover(s.dbFile(), s.logFile(), scan);
        if (rec.records() > 0) {
            progress.line(String.format("recovery: %d log records replayed, %d pages rewritten%s", rec.records(),
                    rec.pagesRewritten(), rec.tornTailBytes() > 0 ? ", " + rec.tornTailBytes() + " bytes of torn tail dropped" : ""));
        }
        int frames = s.frames();
        int inFlight = switch (s.cleaners().kind()) {
            case NONE -> 1;
            case SYNC -> s.cleaners().threads();
            case AIO -> s.cleanerDepth();
        };
        // Never fewer frames than twice the writes the cleaners can have in flight, nor than an agent scans.
        int minWindow = Math.max(BufferPool.SCAN_DEPTH, 2 * inFlight);
        int maxWindow = Math.max(minWindow, (int) ((long) frames * s.cleanAhead().percent() / 100));
        long lastLsn;
        OltpResult result;
        try (RedoLog log = keepLog ? RedoLog.reopen(s.logFile(), s.logSync(), scan, s.agents())
                : new RedoLog(s.logFile(), s.logSync(), rec.lastLsn(), s.agents());
                PageStore store = new PageStore(engine, s.dbFile(), s.io(), s.pageDsync());
                BufferPool pool = new BufferPool(frames, s.pages(),
                        s.cleanAhead().adaptive() ? minWindow : maxWindow, maxWindow,
                        (int) ((long) frames * s.dirtyTarget() / 100), store, log);
                Arena arena = Arena.ofShared()) {
            Cleaner cleaner = Cleaner.start(s.cleaners(), s.cleanerDepth(), pool, store, engine);
            try {
                Agents agents = new Agents(s, pool, log, arena);
                try {
                    result = measure(s, pool, log, cleaner, agents, frames, progress, acked);
                } finally {
                    agents.stop(); // before the cleaners, the pool and the log go
                }
            } finally {
                cleaner.close();
            }
            String broken = pool.checkInvariants(); // agents and cleaners stopped: cheap, once a run
            if (broken != null) {
                throw new IllegalStateException("the buffer pool's state is broken after the run: " + broken);
            }
            if (result.error() == null) {
                pool.flushAll(arena.allocate(PageFormat.PAGE_SIZE, 4096));
            }
            lastLsn = log.lastLsn();
        }
        if (result.error() == null && !keepLog) {
            Database.resetLog(s.logFile(), lastLsn); // the checkpoint: every page is on disk and synced
        }
        return result;
    }

    private static OltpResult measure(OltpSettings s, BufferPool pool, RedoLog log, Cleaner cleaner, Agents agents,
            int frames, Progress progress, Consumer<Long> acked) {
        long warmupEnd = System.nanoTime() + s.warmup().toNanos();
        long lastLine = 0;
        while (System.nanoTime() < warmupEnd && agents.failure.get() == null) {
            sleep(acked, log);
            if (System.nanoTime() - lastLine > 500_000_000L) {
                lastLine = System.nanoTime();
                progress.line(String.format("%-16s warm-up  %5.1f s left, %d transactions, %d dirty frames of %d",
                        s.label(), (warmupEnd - System.nanoTime()) / 1e9, agents.transactions.sum(), pool.dirtyFrames(), frames));
            }
        }
        BufferPool.Counters c0 = pool.counters();
        long[] l0 = log.stats();
        CpuTimes cpu0 = CpuTimes.now();
        long cleanerCpu0 = cleaner.cpuNanos();
        long t0 = System.nanoTime();
        agents.measuring = true;
        long txn0 = agents.transactions.sum();
        long end = t0 + s.duration().toNanos();
        while (System.nanoTime() < end && agents.failure.get() == null) {
            sleep(acked, log);
            if (System.nanoTime() - lastLine > 500_000_000L) {
                lastLine = System.nanoTime();
                BufferPool.Counters c = pool.counters().minus(c0);
                double secs = (System.nanoTime() - t0) / 1e9;
                progress.line(String.format("%-16s measure  %5.1f s: %8.0f tps, writes: cleaners %d, agents %d",
                        s.label(), secs, (agents.transactions.sum() - txn0) / secs, c.cleanerWrites(), c.agentWrites()));
            }
        }
        agents.measuring = false;
        long t1 = System.nanoTime();
        long txns = agents.transactions.sum() - txn0;
        BufferPool.Counters c = pool.counters().minus(c0);
        long[] l1 = log.stats();
        CpuTimes cpu = CpuTimes.now().minus(cpu0);
        long cleanerCpu = cleaner.cpuNanos() - cleanerCpu0;
        int threads = ThreadCensus.now().total();
        long rss = rssMiB();
        agents.stop();
        Throwable failure = agents.failure.get();
        double secs = (t1 - t0) / 1e9;
        Histogram h = agents.latency();
        long writes = c.cleanerWrites() + c.agentWrites();
        long batches = l1[0] - l0[0];
        return new OltpResult(s.label(), s.io().flag(), s.cleaners().label(), s.cleaners().threads(), frames, secs, txns,
                txns / secs, h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(95) / 1e6,
                h.getValueAtPercentile(99) / 1e6, c.hits(), c.misses(), c.cleanerWrites(), c.agentWrites(),
                writes == 0 ? 0 : 100.0 * c.agentWrites() / writes,
                c.agentWrites() == 0 ? Double.NaN : c.agentWriteNanos() / 1e3 / c.agentWrites(),
                100.0 * c.agentWriteNanos() / ((double) s.agents() * (t1 - t0)), c.frameWaits(), c.meanWindow(),
                txns == 0 ? Double.NaN : (cpu.userSeconds() + cpu.systemSeconds()) * 1e6 / txns,
                100.0 * cleanerCpu / (t1 - t0), threads, rss, batches,
                batches == 0 ? 0 : (double) (l1[1] - l0[1]) / batches,
                failure == null ? null : String.valueOf(failure.getMessage()), "run", 1);
    }

    private static void sleep(Consumer<Long> acked, RedoLog log) {
        try {
            TimeUnit.MILLISECONDS.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (acked != null) {
            acked.accept(log.committedLsn());
        }
    }

    /** VmRSS of /proc/self/status, MiB; 0 if it cannot be read. */
    static long rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux's /proc: unknown
        }
        return 0;
    }

    /** The agent threads and what they count. */
    static final class Agents {
        final LongAdder transactions = new LongAdder();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean measuring;
        private volatile boolean running = true;
        private final List<Thread> threads = new ArrayList<>();
        private final Histogram[] latencies;

        Agents(OltpSettings s, BufferPool pool, RedoLog log, Arena arena) {
            latencies = new Histogram[s.agents()];
            AccessPattern pattern = s.pattern();
            Thread.Builder builder = s.virtualAgents() ? Thread.ofVirtual().name("oltp-agent-", 0)
                    : Thread.ofPlatform().name("oltp-agent-", 0).daemon();
            for (int i = 0; i < s.agents(); i++) {
                Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                latencies[i] = h;
                MemorySegment buffer = arena.allocate(PageFormat.PAGE_SIZE, 4096);
                UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(s.seed() * 1_000_003L + i);
                threads.add(builder.start(() -> runAgent(s, pool, log, pattern, rng, buffer, h)));
            }
        }

        private void runAgent(OltpSettings s, BufferPool pool, RedoLog log, AccessPattern pattern,
                UniformRandomProvider rng, MemorySegment buffer, Histogram h) {
            AccessPattern.PageSampler pages = pattern.pages(rng);
            int reads = s.readsPerTxn();
            int[] fixed = new int[reads];
            long[] updPages = new long[reads];
            int[] updRows = new int[reads];
            int[] updFrames = new int[reads];
            long sink = 0;
            try {
                while (running) {
                    long start = System.nanoTime();
                    int pinned = 0;
                    int updates = 0;
                    try {
                        for (int i = 0; i < reads; i++) {
                            long page = pages.nextPage();
                            int f = pool.fix(page, buffer);
                            fixed[pinned++] = f;
                            int row = rng.nextInt(Database.ROWS);
                            sink += pool.readRow(f, row);
                            if (rng.nextInt(100) < s.updatePercent()) {
                                updPages[updates] = page;
                                updRows[updates] = row;
                                updFrames[updates] = f;
                                updates++;
                            }
                        }
                        if (updates > 0) {
                            long lsn = log.append(updPages, updRows, updates);
                            for (int i = 0; i < updates; i++) {
                                pool.update(updFrames[i], updRows[i], lsn);
                            }
                            log.awaitCommitted(lsn);
                        }
                    } finally {
                        for (int i = 0; i < pinned; i++) {
                            pool.unfix(fixed[i]);
                        }
                    }
                    transactions.increment();
                    if (measuring) {
                        h.recordValue(Math.min(System.nanoTime() - start, h.getHighestTrackableValue()));
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
            if (sink == 42) {
                Thread.onSpinWait(); // keeps the row reads
            }
        }

        /** Stops the agents after their current transaction. */
        void stop() {
            running = false;
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** The agents' latencies, merged; call after {@link #stop}. */
        Histogram latency() {
            Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            for (Histogram h : latencies) {
                all.add(h);
            }
            return all;
        }
    }
}
