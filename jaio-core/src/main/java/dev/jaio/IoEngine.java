package dev.jaio;

import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.Engines;
import dev.jaio.internal.engine.EventLoop;
import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.cache.PageCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
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

    private static final class Shared {
        static final IoEngine INSTANCE = openShared();

        private static IoEngine openShared() {
            try {
                EngineConfig config = EngineConfig.defaults();
                return new IoEngine(config, Engines.byName(config.engine()), true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open jaio's shared engine", e);
            }
        }
    }

    private final EngineConfig config;
    private final EngineProvider provider;
    private final EventLoop loop;
    private final boolean shared;
    /** Files open on this engine: {@link #close()} waits for their requests. */
    private final java.util.Set<AsyncFile> files = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** {@link #close()} began: files refuse new requests. */
    private volatile boolean closing;
    /** Made by the first {@link FileOption#CACHED} open; guarded by this. */
    private volatile PageCache pageCache;

    private IoEngine(EngineConfig config, EngineProvider provider, boolean shared) throws IOException {
        this.config = config;
        this.provider = provider;
        this.shared = shared;
        var queue = provider.openQueue(new QueueOptions(config.queueDepth(), true, config.threads(),
                config.sqPollIdleMillis()));
        this.loop = new EventLoop(queue, "jaio-" + provider.name() + "-" + SEQUENCE.incrementAndGet());
    }

    /** Opens an engine with {@link EngineConfig#defaults()}. */
    public static IoEngine open() throws IOException {
        return open(EngineConfig.defaults());
    }

    /**
     * Opens an engine.
     *
     * @throws IllegalArgumentException for an unknown engine name
     * @throws IOException when the named engine is unavailable here, or the kernel refuses the
     *     context (e.g. fs.aio-max-nr exhausted); the message says which and why
     */
    public static IoEngine open(EngineConfig config) throws IOException {
        EngineProvider provider = Engines.byName(config.engine());
        String cause = provider.unavailabilityCause();
        if (cause != null) {
            throw new IOException("engine " + provider.name() + " is not available: " + cause);
        }
        return new IoEngine(config, provider, false);
    }

    /** An engine over {@code provider}'s queues (tests: a provider that injects faults or records I/O). */
    static IoEngine openWith(EngineConfig config, EngineProvider provider) throws IOException {
        return new IoEngine(config, provider, false);
    }

    /**
     * The engine {@link AsyncFile#open(java.nio.file.Path, FileOption...)} uses: opened on first
     * use with {@link EngineConfig#defaults()}, alive for the life of the JVM, never closed.
     */
    public static IoEngine shared() {
        return Shared.INSTANCE;
    }

    /** Every engine this build knows, in the order {@code auto} prefers them, with availability. */
    public static List<EngineStatus> probeAll() {
        List<EngineStatus> out = new ArrayList<>();
        for (EngineProvider p : Engines.all()) {
            String cause = p.unavailabilityCause();
            out.add(new EngineStatus(p.name(), cause == null, cause == null ? p.description() : cause));
        }
        return List.copyOf(out);
    }

    /** What {@code auto} picks here; the detail names every engine it skipped and why. */
    public static EngineStatus autoChoice() {
        EngineProvider p = Engines.auto();
        return new EngineStatus(p.name(), true, Engines.autoReason());
    }

    /** The engine's name: {@code uring}, {@code aio} or {@code threads} (never {@code auto}). */
    public String name() {
        return provider.name();
    }

    /** The configuration it was opened with. */
    public EngineConfig config() {
        return config;
    }

    /**
     * Opens a batch context of this engine's kind: a separate io_uring, kernel AIO context or pool that the
     * calling thread drives itself with {@link IoContext#submit()} and {@link IoContext#getEvents}.
     *
     * @param depth requests the context may hold at once
     */
    public IoContext newContext(int depth) throws IOException {
        return new IoContext(provider, new QueueOptions(depth, false, config.threads(), config.sqPollIdleMillis()));
    }

    /** The page cache of this engine's {@link FileOption#CACHED} files, made on first use. */
    /** The page cache if a CACHED file made it, else null (no allocation: for the O_DIRECT hot path). */
    PageCache existingPageCache() {
        return pageCache;
    }

    synchronized PageCache pageCache() {
        if (pageCache == null) {
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
     * wakeups); {@link PageCacheStats#NONE} when no {@link FileOption#CACHED} file was opened.
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
                s.pagesDirtied(), s.pagesWritten(), s.deviceWrites(), s.writeErrors(), s.flushes(), s.throttled());
    }

    void execute(IoOp<?> op) {
        loop.execute(op);
    }

    /** Asks the kernel to stop {@code op}, which already reached the completion thread's queue. */
    void cancel(IoOp<?> op) {
        loop.cancel(op);
    }

    boolean inCompletionThread() {
        return loop.inLoop();
    }

    void fileOpened(AsyncFile f) {
        files.add(f);
    }

    void fileClosed(AsyncFile f) {
        files.remove(f);
    }

    /** Whether {@link #close()} has begun. */
    boolean isClosing() {
        return closing;
    }

    /** Whether {@link #close()} has finished. */
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
     * requests that complete on that thread: it starts the close and returns, and requests still
     * in the page cache's steps then may fail with ECANCELED.
     */
    @Override
    public void close() {
        if (shared) {
            return;
        }
        closing = true;
        if (!loop.inLoop()) {
            // Until a whole pass finds every file idle: a file closed meanwhile runs a close sync.
            boolean waited = true;
            while (waited) {
                waited = false;
                for (AsyncFile f : files) {
                    waited |= f.drainForEngineClose();
                }
            }
            PageCache cache = pageCache;
            if (cache != null) {
                // Dirty pages of files still open would be lost with the cache: write them back
                // while the engine still takes I/O.
                cache.writeBackAll();
            }
        }
        loop.close();
        if (!loop.inLoop() && loop.isTerminated()) {
            PageCache c;
            synchronized (this) {
                c = pageCache;
                pageCache = null;
            }
            if (c != null) {
                c.close(); // every page read has completed: the loop waited for them
            }
        }
    }

    @Override
    public String toString() {
        return "IoEngine[" + provider.name() + ", depth " + config.queueDepth() + "]";
    }
}
