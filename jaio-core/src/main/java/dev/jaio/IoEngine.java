package dev.jaio;

import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.cache.PageCache;
import dev.jaio.internal.context.Kioctx;
import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.EventLoop;
import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.engine.IoStats;
import dev.jaio.internal.engine.IoStatsGroup;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.engine.Uninterruptibly;
import dev.jaio.internal.file.Admission;
import dev.jaio.internal.file.FastPathCounters;
import dev.jaio.internal.file.FileEngine;
import dev.jaio.internal.file.OpenFile;
import dev.jaio.internal.jfr.Jfr;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.provider.Engines;
import dev.jaio.internal.provider.LoopEngines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An I/O engine instance: one io_uring instance, kernel AIO context or worker pool, and the completion thread
 * that drives it for every {@link AsyncFile} opened on it.
 *
 * <p>Engines are chosen by name: {@code uring} (io_uring), {@code aio} (native kernel AIO),
 * {@code threads} (blocking I/O on a thread pool, the paper's synchronous baseline) or {@code auto},
 * which picks the first available of those in that order; {@link #probeAll()} and {@link #autoChoice()} say what is available and why.
 *
 * <p>Futures of requests on files of this engine complete on its completion thread, named
 * {@code jaio-ENGINE-N}: dependent stages added with non-async methods run there and should be short.
 *
 * <p>{@link #close()} stops accepting requests, waits until every request already accepted has
 * completed, writes back the dirty pages of {@link FileOption#CACHED} files still open (not
 * synced); only then is the engine's native memory freed. Requests made after {@code close()}
 * fail with {@link EngineClosedException}, an {@link java.nio.channels.AsynchronousCloseException}
 * that names the operation, path and offset.
 */
public final class IoEngine implements AutoCloseable {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    static {
        LoopEngines.register(new LoopEngines.Factory() {
            @Override
            public IoEngine engineOver(EngineConfig config, EngineProvider provider, EventLoop loop, String reason) {
                return new IoEngine(config, provider, loop, reason);
            }

            @Override
            public void close(IoEngine engine) {
                engine.closeOwned();
            }
        });
    }

    /**
     * The shared engine, opened on first use. Not a holder class: a failed open (say the kernel
     * refused every engine for now) must leave the next call free to try again and fail with an
     * IOException of its own, not an ExceptionInInitializerError and then NoClassDefFoundError forever.
     */
    private static volatile IoEngine sharedInstance;

    private final EngineConfig config;
    private final EngineProvider provider;
    /** For {@code auto}: which engines were skipped and why; null when the engine was named. */
    private final String selectionReason;
    private final EventLoop loop;
    private final boolean shared;
    /** The engine of an event loop ({@code dev.jaio.loop.EventLoop}): it closes with the loop, not by itself. */
    private final boolean loopOwned;
    /** Files open on this engine: {@link #close()} waits for their requests. */
    private final Set<OpenFile> files = ConcurrentHashMap.newKeySet();
    /** What the files opened on this engine see of it. */
    private final FileEngine fileEngine = new FileHost();
    /** {@link #close()} began: files refuse new requests. */
    private volatile boolean closing;
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    /** Counted down when the close's steps are done. */
    private final CountDownLatch closed = new CountDownLatch(1);
    /** At most queueDepth callers' requests in the engine at once; more wait in their calls. */
    private final Admission admission;
    /** The counters of the loop's requests and of every context's: {@link #stats()}. */
    private final IoStatsGroup stats = new IoStatsGroup();
    /** The files' fast paths: the policy of {@link EngineConfig#fastPaths()} and its counters. */
    private final FastPathCounters fastPaths;
    /** Made by the first {@link FileOption#CACHED} open; guarded by this. */
    private volatile PageCache pageCache;

    private IoEngine(EngineConfig config, Engines.Opened opened, boolean shared) throws IOException {
        this.config = config;
        this.provider = opened.provider();
        this.selectionReason = opened.reason();
        this.shared = shared;
        this.loopOwned = false;
        this.fastPaths = new FastPathCounters(config.fastPaths());
        this.admission = new Admission(config.queueDepth());
        String thread = "jaio-" + provider.name() + "-" + SEQUENCE.incrementAndGet();
        try {
            this.loop = new EventLoop(opened.queue(), thread);
        } catch (OutOfMemoryError | RuntimeException e) {
            opened.queue().close(); // nobody else will: the kernel queue must not outlive the failure
            if (e instanceof OutOfMemoryError) {
                // pthread_create refused (RLIMIT_NPROC, pids cgroup, memory): a limit, reported as a setup failure.
                throw new IOException("cannot start the completion thread " + thread + ": " + e.getMessage(), e);
            }
            throw e;
        }
        stats.register(loop.stats());
        Jfr.engineOpened(provider.name(), config.engine(), config.queueDepth(), selectionReason);
    }

    /** An event loop's engine: files run on {@code loop}'s thread and queue, and close with the loop. */
    private IoEngine(EngineConfig config, EngineProvider provider, EventLoop loop, String selectionReason) {
        this.config = config;
        this.provider = provider;
        this.selectionReason = selectionReason;
        this.shared = false;
        this.loopOwned = true;
        this.fastPaths = new FastPathCounters(config.fastPaths());
        this.admission = new Admission(config.queueDepth());
        this.loop = loop;
        stats.register(loop.stats());
        Jfr.engineOpened(provider.name(), config.engine(), config.queueDepth(), selectionReason);
    }

    /** The engine's own queue: driven only by its event loop's platform thread, so an io_uring ring may be bound to it. */
    private static QueueOptions queueOptions(EngineConfig config) {
        return new QueueOptions(config.queueDepth(), true, config.threads(), config.sqPollIdleMillis(), true);
    }

    /**
     * Opens an engine with {@link EngineConfig#defaults()}: {@code auto}, the first available of
     * {@code uring}, {@code aio} and {@code threads} that sets up (see {@link #open(EngineConfig)}).
     *
     * @return a new engine with its completion thread started; the caller closes it
     * @throws IOException when no engine could set up its queue (io_uring_setup(2), io_setup(2));
     *     the message says which call failed and why
     */
    public static IoEngine open() throws IOException {
        return open(EngineConfig.defaults());
    }

    /**
     * Opens an engine: sets up its kernel queue (io_uring_setup(2), io_setup(2), or the worker pool
     * of {@code threads}) and starts its completion thread. With {@code auto}, the engines are tried
     * in preference order (uring, aio, threads) and the first whose kernel queue of
     * {@link EngineConfig#queueDepth()} really sets up is used: io_uring refused for the
     * locked-memory limit falls back to aio, which needs none ({@link #selectionReason()} says why;
     * the first fallback in a JVM is logged at WARNING to System.Logger {@code dev.jaio.engine}).
     *
     * @param config the engine name, queue depth, threads and page cache to use
     * @return a new engine; the caller closes it
     * @throws IllegalArgumentException for an unknown engine name, or a queue depth above what the
     *     named engine can hold (io_uring: 32767)
     * @throws IOException when the named engine is unavailable here, or the kernel refuses the
     *     queue (e.g. fs.aio-max-nr exhausted, or the locked-memory limit for io_uring); the message
     *     says which and why
     * @throws IllegalCallerException when the JVM denies jaio native access
     *     ({@code --illegal-native-access=deny}); the message names the {@code --enable-native-access}
     *     option to add
     */
    public static IoEngine open(EngineConfig config) throws IOException {
        return new IoEngine(config, Engines.open(config.engine(), queueOptions(config)), false);
    }

    /** An engine over {@code provider}'s queues (tests: a provider that injects faults or records I/O). */
    static IoEngine openWith(EngineConfig config, EngineProvider provider) throws IOException {
        return new IoEngine(config, new Engines.Opened(provider, provider.openQueue(queueOptions(config)), null), false);
    }

    /**
     * The engine {@link AsyncFile#open(java.nio.file.Path, FileOption...)} uses: opened on first
     * use with {@link EngineConfig#defaults()}, alive for the life of the JVM, never closed.
     *
     * @return the shared engine
     * @throws IOException when it cannot be opened (no engine could set up its queue); a later call
     *     tries again
     * @throws IllegalCallerException when the JVM denies jaio native access, as {@link #open(EngineConfig)}
     */
    public static IoEngine shared() throws IOException {
        IoEngine e = sharedInstance;
        if (e != null) {
            return e;
        }
        synchronized (IoEngine.class) {
            e = sharedInstance;
            if (e == null) {
                EngineConfig config = EngineConfig.defaults();
                try {
                    e = new IoEngine(config, Engines.open(config.engine(), queueOptions(config)), true);
                } catch (IOException x) {
                    throw new IOException("cannot open jaio's shared engine: " + x.getMessage(), x);
                }
                sharedInstance = e;
            }
            return e;
        }
    }

    /**
     * Every engine this build knows, in the order {@code auto} prefers them, with availability: an
     * engine is available when a queue of {@link EngineConfig#defaults()} really sets up (and is
     * closed again), which is what {@link #open()} will ask of the kernel. Runs on the calling
     * thread; opens no engine.
     *
     * @return an unmodifiable list, one entry per engine ({@code uring}, {@code aio}, {@code threads})
     */
    public static List<EngineStatus> probeAll() {
        QueueOptions options = queueOptions(EngineConfig.defaults());
        List<EngineStatus> out = new ArrayList<>();
        for (EngineProvider p : Engines.all()) {
            String cause;
            try {
                Engines.Opened opened = Engines.open(p.name(), options);
                opened.queue().close();
                cause = null;
            } catch (IOException | RuntimeException e) {
                cause = e.getMessage();
            }
            out.add(new EngineStatus(p.name(), cause == null, cause == null ? p.description() : cause));
        }
        return List.copyOf(out);
    }

    /**
     * What {@code auto} picks here for {@link EngineConfig#defaults()}, found by really setting up
     * each engine's queue in preference order; the detail names every engine it skipped and why.
     *
     * @return the chosen engine, available; or, when no engine could set up its queue, an
     *     unavailable status named {@code auto} whose detail says why
     */
    public static EngineStatus autoChoice() {
        try {
            Engines.Opened opened = Engines.open(Engines.AUTO, queueOptions(EngineConfig.defaults()));
            opened.queue().close();
            return new EngineStatus(opened.provider().name(), true, opened.reason());
        } catch (IOException | IllegalCallerException e) {
            return new EngineStatus(Engines.AUTO, false, e.getMessage()); // no engine, and why (native access denied too)
        }
    }

    /**
     * Why this engine runs on the engine it does.
     *
     * @return for an engine opened as {@code auto}, which engines were skipped and why, and which
     *     was picked; null when the engine was named
     */
    public String selectionReason() {
        return selectionReason;
    }

    /**
     * The engine's name.
     *
     * @return {@code uring}, {@code aio} or {@code threads} (never {@code auto})
     */
    public String name() {
        return provider.name();
    }

    /**
     * The configuration it was opened with.
     *
     * @return the configuration, with the engine name as given (possibly {@code auto})
     */
    public EngineConfig config() {
        return config;
    }

    /**
     * Opens a batch context of this engine's kind: a separate io_uring, kernel AIO context or pool that the
     * calling thread drives itself with {@link IoContext#submit()} and {@link IoContext#getEvents}.
     * Its kernel queue is its own: it shares nothing with this engine but the engine kind, the
     * thread count and the page cache of {@link FileOption#CACHED} files.
     *
     * @param depth requests the context may hold at once, 1 to {@link #maxContextDepth()}
     * @return a new context, confined to the first thread that uses it; the caller closes it
     * @throws IllegalArgumentException when {@code depth} is out of range; the message names the
     *     range and the engine's limit
     * @throws IOException when the kernel refuses the queue (io_uring_setup(2) or io_setup(2), e.g.
     *     EAGAIN when fs.aio-max-nr is exhausted); the message names the depth, the engine and why
     */
    public IoContext newContext(int depth) throws IOException {
        // The context's kernel queue holds twice its depth (room for the page reads of cached
        // requests): check the caller's number against the limit before deriving another from it.
        int max = maxContextDepth();
        if (depth < 1 || depth > max) {
            throw new IllegalArgumentException("newContext(" + depth + "): depth must be in [1, " + max + "] on the "
                    + provider.name() + " engine (a context's kernel queue holds twice its depth, and "
                    + provider.capacityLimit(false) + ": " + provider.maxCapacity(false) + ")");
        }
        try {
            return new IoContext(provider, new QueueOptions(depth, false, config.threads(), config.sqPollIdleMillis()),
                    stats);
        } catch (IOException e) {
            throw new IOException("newContext(" + depth + ") on the " + provider.name() + " engine (a kernel queue of "
                    + 2 * depth + " requests): " + e.getMessage(), e);
        }
    }

    /**
     * The largest depth {@link #newContext} accepts on this engine.
     *
     * @return half of the largest kernel queue this engine sets up, since a context's kernel queue
     *     holds twice its depth (see {@link IoContext}): 16384 on io_uring (IORING_MAX_ENTRIES is
     *     32768), 32768 on the others
     */
    public int maxContextDepth() {
        return provider.maxCapacity(false) / 2;
    }

    /** The engine as its open files see it. */
    FileEngine files() {
        return fileEngine;
    }

    /** The page cache of this engine's {@link FileOption#CACHED} files, made on first use. */
    synchronized PageCache pageCache() {
        if (pageCache == null) {
            if (closing) {
                // close() has taken (or will take) the cache away: a new one would never be closed.
                throw new IllegalStateException("the " + name() + " engine is closed");
            }
            PageCacheConfig c = config.pageCache();
            pageCache = new PageCache(c.budgetBytes(), c.maxReadaheadBytes(), true, loop);
            pageCache.setDirtyLimits(c.dirty().backgroundPercent(), c.dirty().limitPercent(), c.dirty().expireMillis());
            if (c.preTouch()) {
                pageCache.frames().preTouch();
            }
        }
        return pageCache;
    }

    /**
     * Counters of the engine's page cache (hits, misses, readahead, evictions, retries, spurious
     * wakeups, dirty pages and writeback).
     *
     * @return a snapshot of the counters since the cache was made; {@link PageCacheStats#NONE} when
     *     no {@link FileOption#CACHED} file was opened
     */
    public PageCacheStats pageCacheStats() {
        PageCache c;
        synchronized (this) {
            c = pageCache;
        }
        if (c == null) {
            return PageCacheStats.NONE;
        }
        PageCache.Stats s = c.stats();
        return new PageCacheStats(s.capacityPages(), s.residentPages(), s.hits(), s.misses(), s.readaheadPages(),
                s.demandPages(), s.deviceReads(), s.readErrors(), s.evictions(), s.retries(), s.idleRetries(),
                s.spuriousWakeups(), s.collisionsSkipped(), s.frameWaits(), s.bypassReads(), s.dirtyPages(), s.writebackPages(),
                s.pagesDirtied(), s.pagesWritten(), s.deviceWrites(), s.writeErrors(), s.flushes(), s.throttled(),
                s.keptFiles());
    }

    /**
     * A snapshot of this engine's requests: submitted, completed, in flight, waits for a place in
     * its queue, bytes, failures by errno, and completion latency percentiles; those of its own
     * queue (every {@link AsyncFile} and channel on it, and its page cache's device I/O) and of its
     * {@link IoContext}s, open and closed. The counters are kept by the threads that complete the
     * requests (the engine's completion thread, each context's owner) without locks or
     * allocation; this call sums them, so it costs a few microseconds: call it to report, not per
     * request. Requests served by a {@link FastPaths fast path} on the calling thread never reach
     * the engine and are counted in {@link #fastPathStats()} instead.
     *
     * @return the counters since the engine was opened
     */
    public EngineStats stats() {
        long[] totals = new long[3];
        long[] errors = IoStats.newErrors();
        long[] latency = IoStats.newHistogram();
        stats.addTo(totals, errors, latency);
        java.util.Map<String, Long> byErrno = new java.util.LinkedHashMap<>();
        for (int e = 1; e < errors.length; e++) {
            if (errors[e] > 0) {
                byErrno.put(Errno.name(e), errors[e]);
            }
        }
        return new EngineStats(provider.name(), totals[0], totals[1], Math.max(0, totals[0] - totals[1]),
                admission.waits(), totals[2], byErrno, IoStats.percentile(latency, 50), IoStats.percentile(latency, 90),
                IoStats.percentile(latency, 99), IoStats.percentile(latency, 99.9), IoStats.percentile(latency, 100));
    }

    /**
     * What the {@link FastPaths} of this engine's files did: requests served on the calling
     * thread, and those that went to the engine after a try.
     *
     * @return a snapshot of the counters since the engine was opened
     */
    public FastPathStats fastPathStats() {
        return fastPaths.snapshot();
    }

    /**
     * How often a caller of this engine's files waited for room in its queue: requests of
     * {@link AsyncFile} callers (reads, writes, syncs that reach the engine) take one of
     * {@link EngineConfig#queueDepth()} places, and a caller that finds none waits in its call,
     * uninterruptibly, until a request completes. Requests made on the engine's completion thread
     * (from callbacks) never wait and are not counted; requests served by a {@link FastPaths fast
     * path} and the page I/O of jaio's cache take no place.
     *
     * @return waits since the engine was opened
     */
    public long queueWaits() {
        return admission.waits();
    }

    /** The engine as an open file sees it: its loop, its page cache, its state. */
    private final class FileHost implements FileEngine {
        @Override
        public FastPathCounters fastPaths() {
            return fastPaths;
        }

        @Override
        public Admission admission() {
            return admission;
        }

        @Override
        public String name() {
            return IoEngine.this.name();
        }

        @Override
        public boolean refusesRequests() {
            return closing || loop.isTerminated();
        }

        @Override
        public boolean isClosed() {
            return loop.isTerminated();
        }

        @Override
        public boolean inCompletionThread() {
            return loop.inLoop();
        }

        @Override
        public void execute(IoOp<?> op) {
            loop.execute(op);
        }

        /** Asks the kernel to stop {@code op}, which already reached the completion thread's queue. */
        @Override
        public void cancel(IoOp<?> op) {
            loop.cancel(op);
        }

        @Override
        public PageCache pageCache() {
            return IoEngine.this.pageCache();
        }

        @Override
        public boolean legacyReadahead() {
            return config.pageCache().readahead() == ReadaheadPolicy.LEGACY;
        }

        @Override
        public void fileOpened(OpenFile f) {
            files.add(f);
            if (closing) {
                f.markDraining(); // opened as the engine closes: its requests are refused too
            }
        }

        @Override
        public void fileClosed(OpenFile f) {
            files.remove(f);
        }

        @Override
        public boolean thisThreadOwesPageIo(FileCache file, long first, long last, boolean writesOnly) {
            return Kioctx.thisThreadOwesPageIo(file, first, last, writesOnly);
        }

        @Override
        public void closeAbandonedContexts() {
            Kioctx.closeAbandoned();
        }
    }

    /** Whether {@link #close()} has begun. */
    boolean isClosing() {
        return closing;
    }

    /**
     * Whether {@link #close()} has finished.
     *
     * @return true once the engine takes no more requests and every accepted one has completed
     */
    public boolean isClosed() {
        return loop.isTerminated();
    }

    /**
     * Stops accepting requests and waits until every accepted request has completed, with its real
     * result: the requests of open files are waited for first (a CACHED write, fsync or O_DSYNC write
     * runs all its steps: copy, writeback, flush), then the dirty pages of {@link FileOption#CACHED}
     * files still open are written back (not synced: that is fsync's job), then the engine's own queue
     * is closed and its native memory freed. Requests made after {@code close()} began fail with
     * {@link EngineClosedException} (an {@link java.nio.channels.AsynchronousCloseException}). The
     * shared engine ignores this. Called from this engine's own completion thread, it cannot wait for
     * requests that complete on that thread: it starts the same close on a thread of its own
     * ({@code jaio-ENGINE-N-close}) and returns. A second call waits for the first to finish.
     * The engine of an event loop ({@code dev.jaio.loop.EventLoop#engine()}) ignores this too: it
     * closes, in the same steps, when its loop closes.
     */
    @Override
    public void close() {
        if (shared || loopOwned) {
            return;
        }
        closeOwned();
    }

    /** The close of {@link #close()}, also for a loop's engine (its loop calls it). */
    private void closeOwned() {
        closing = true;
        if (closeStarted.compareAndSet(false, true)) {
            if (loop.inLoop()) {
                // The steps below wait for requests that complete on this very thread: they run on
                // a thread of their own, and this returns.
                Thread.ofPlatform().daemon(false).name(Thread.currentThread().getName() + "-close").start(this::closeNow);
                return;
            }
            closeNow();
        } else if (!loop.inLoop()) {
            Uninterruptibly.await(closed);
        }
    }

    private void closeNow() {
        try {
            // A context whose owner died may hold requests of this engine's files and pages of its
            // cache forever: close such contexts (the file drain below also does while it waits).
            Kioctx.closeAbandoned();
            // Until a whole pass finds every file idle: a file closed meanwhile runs a close sync.
            boolean waited = true;
            while (waited) {
                waited = false;
                for (OpenFile f : files) {
                    waited |= f.drainForEngineClose();
                }
            }
            PageCache cache = pageCache;
            if (cache != null) {
                // Dirty pages of files still open would be lost with the cache: write them back
                // while the engine still takes I/O.
                cache.writeBackAll();
                cache.detachFromJvm(); // other engines' handles stop finding it before its loop goes
            }
            loop.close();
            PageCache c;
            synchronized (this) {
                c = pageCache;
                pageCache = null;
            }
            if (c != null) {
                c.close(); // every page read has completed: the loop waited for them
            }
        } finally {
            closed.countDown();
        }
    }

    @Override
    public String toString() {
        return "IoEngine[" + provider.name() + ", depth " + config.queueDepth() + "]";
    }
}
