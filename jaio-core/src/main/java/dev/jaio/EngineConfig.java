package dev.jaio;

/**
 * How to build an {@link IoEngine}.
 *
 * @param engine {@code "auto"} (the best available engine), {@code "uring"}, {@code "aio"} or {@code "threads"}
 * @param queueDepth requests the engine keeps in flight at once; more wait in a queue in jaio
 * @param threads worker threads of the {@code threads} engine (ignored by the kernel engines)
 * @param sqPollIdleMillis {@code uring} only: 0 (default) submits with io_uring_enter; a positive
 *     value sets up IORING_SETUP_SQPOLL, a kernel thread that takes submissions from the ring without
 *     a system call and sleeps after this many idle milliseconds (it costs a CPU while busy)
 * @param pageCache the page cache of the engine's {@link FileOption#CACHED} files, made when the
 *     first such file is opened
 */
public record EngineConfig(String engine, int queueDepth, int threads, int sqPollIdleMillis,
        PageCacheConfig pageCache) {

    /** Default {@link #queueDepth()}. */
    public static final int DEFAULT_QUEUE_DEPTH = 256;
    /** Largest {@link #queueDepth()}. */
    public static final int MAX_QUEUE_DEPTH = 1 << 16;
    /** Default {@link #threads()}: enough to keep a disk queue busy on a small machine. */
    public static final int DEFAULT_THREADS = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());

    public EngineConfig {
        if (engine == null || engine.isBlank()) {
            throw new IllegalArgumentException("engine name is empty; use auto, uring, aio or threads");
        }
        if (queueDepth < 1 || queueDepth > MAX_QUEUE_DEPTH) {
            throw new IllegalArgumentException("queueDepth must be in [1, " + MAX_QUEUE_DEPTH + "]: " + queueDepth);
        }
        if (threads < 1 || threads > 4096) {
            throw new IllegalArgumentException("threads must be in [1, 4096]: " + threads);
        }
        if (sqPollIdleMillis < 0) {
            throw new IllegalArgumentException("sqPollIdleMillis must be >= 0: " + sqPollIdleMillis);
        }
        if (pageCache == null) {
            throw new IllegalArgumentException("pageCache is null; use PageCacheConfig.defaults()");
        }
    }

    /** A configuration with the default page cache. */
    public EngineConfig(String engine, int queueDepth, int threads, int sqPollIdleMillis) {
        this(engine, queueDepth, threads, sqPollIdleMillis, PageCacheConfig.defaults());
    }

    /** A configuration without SQPOLL, with the default page cache. */
    public EngineConfig(String engine, int queueDepth, int threads) {
        this(engine, queueDepth, threads, 0);
    }

    /** {@code auto}, depth {@value #DEFAULT_QUEUE_DEPTH}, {@link #DEFAULT_THREADS} threads. */
    public static EngineConfig defaults() {
        return new EngineConfig("auto", DEFAULT_QUEUE_DEPTH, DEFAULT_THREADS);
    }

    /** The same configuration with another engine name. */
    public EngineConfig withEngine(String name) {
        return new EngineConfig(name, queueDepth, threads, sqPollIdleMillis, pageCache);
    }

    /** The same configuration with another queue depth. */
    public EngineConfig withQueueDepth(int depth) {
        return new EngineConfig(engine, depth, threads, sqPollIdleMillis, pageCache);
    }

    /** The same configuration with another thread count. */
    public EngineConfig withThreads(int count) {
        return new EngineConfig(engine, queueDepth, count, sqPollIdleMillis, pageCache);
    }

    /** The same configuration with io_uring SQPOLL idling after {@code idleMillis} (0: off). */
    public EngineConfig withSqPoll(int idleMillis) {
        return new EngineConfig(engine, queueDepth, threads, idleMillis, pageCache);
    }

    /** The same configuration with another page cache. */
    public EngineConfig withPageCache(PageCacheConfig config) {
        return new EngineConfig(engine, queueDepth, threads, sqPollIdleMillis, config);
    }
}
