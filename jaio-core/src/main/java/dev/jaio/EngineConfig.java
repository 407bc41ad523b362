package dev.jaio;

/**
 * How to build an {@link IoEngine}.
 *
 * @param engine {@code "auto"} (the best available engine), {@code "uring"}, {@code "aio"} or {@code "threads"}
 * @param queueDepth requests the engine keeps in flight at once; a caller with one more waits in its
 *     call until one completes ({@linkplain dev.jaio##backpressure back-pressure})
 * @param threads worker threads of the {@code threads} engine (ignored by the kernel engines); for
 *     an {@code aio-poll} or {@code epoll+aio} event loop ({@link dev.jaio.loop.LoopConfig#files()}),
 *     the threads of each loop's pool for kernel-buffered files
 * @param sqPollIdleMillis {@code uring} only: 0 (default) submits with io_uring_enter; a positive
 *     value sets up IORING_SETUP_SQPOLL, a kernel thread that takes submissions from the ring without
 *     a system call and sleeps after this many idle milliseconds (it costs a CPU while busy)
 * @param pageCache the page cache of the engine's {@link FileOption#CACHED} files, made when the
 *     first such file is opened
 * @param fastPaths which requests are tried on the calling thread first ({@link FastPaths#ALL} by default)
 */
public record EngineConfig(String engine, int queueDepth, int threads, int sqPollIdleMillis,
        PageCacheConfig pageCache, FastPaths fastPaths) {

    /** Default {@link #queueDepth()}. */
    public static final int DEFAULT_QUEUE_DEPTH = 256;
    /** Largest {@link #queueDepth()}. */
    public static final int MAX_QUEUE_DEPTH = 1 << 16;
    /** Default {@link #threads()}: enough to keep a disk queue busy on a small machine. */
    public static final int DEFAULT_THREADS = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());

    /**
     * Checks the values; see the record's components for their meaning.
     *
     * @param engine {@code "auto"}, {@code "uring"}, {@code "aio"} or {@code "threads"}; an unknown
     *     name is refused only by {@link IoEngine#open(EngineConfig)}
     * @param queueDepth requests in flight at once, 1 to {@link #MAX_QUEUE_DEPTH}
     * @param threads worker threads of the {@code threads} engine, 1 to 4096
     * @param sqPollIdleMillis io_uring SQPOLL idle time in milliseconds, 0 for no SQPOLL
     * @param pageCache the page cache of the engine's {@link FileOption#CACHED} files, not null
     * @param fastPaths which requests are tried on the calling thread first, not null
     * @throws IllegalArgumentException when a value is empty, null or out of range; the message
     *     names it and its range
     */
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
        if (fastPaths == null) {
            throw new IllegalArgumentException("fastPaths is null; use FastPaths.ALL or FastPaths.NONE");
        }
    }

    /**
     * A configuration with every fast path on ({@link FastPaths#ALL}).
     *
     * @param engine {@code "auto"}, {@code "uring"}, {@code "aio"} or {@code "threads"}
     * @param queueDepth requests in flight at once, 1 to {@link #MAX_QUEUE_DEPTH}
     * @param threads worker threads of the {@code threads} engine, 1 to 4096
     * @param sqPollIdleMillis io_uring SQPOLL idle time in milliseconds, 0 for no SQPOLL
     * @param pageCache the page cache of the engine's {@link FileOption#CACHED} files, not null
     * @throws IllegalArgumentException when a value is empty, null or out of range
     */
    public EngineConfig(String engine, int queueDepth, int threads, int sqPollIdleMillis, PageCacheConfig pageCache) {
        this(engine, queueDepth, threads, sqPollIdleMillis, pageCache, FastPaths.ALL);
    }

    /**
     * A configuration with the default page cache, {@link PageCacheConfig#defaults()}.
     *
     * @param engine {@code "auto"}, {@code "uring"}, {@code "aio"} or {@code "threads"}
     * @param queueDepth requests in flight at once, 1 to {@link #MAX_QUEUE_DEPTH}
     * @param threads worker threads of the {@code threads} engine, 1 to 4096
     * @param sqPollIdleMillis io_uring SQPOLL idle time in milliseconds, 0 for no SQPOLL
     * @throws IllegalArgumentException when a value is empty or out of range
     */
    public EngineConfig(String engine, int queueDepth, int threads, int sqPollIdleMillis) {
        this(engine, queueDepth, threads, sqPollIdleMillis, PageCacheConfig.defaults());
    }

    /**
     * A configuration without SQPOLL, with the default page cache.
     *
     * @param engine {@code "auto"}, {@code "uring"}, {@code "aio"} or {@code "threads"}
     * @param queueDepth requests in flight at once, 1 to {@link #MAX_QUEUE_DEPTH}
     * @param threads worker threads of the {@code threads} engine, 1 to 4096
     * @throws IllegalArgumentException when a value is empty or out of range
     */
    public EngineConfig(String engine, int queueDepth, int threads) {
        this(engine, queueDepth, threads, 0);
    }

    /**
     * The default configuration.
     *
     * @return {@code auto}, depth {@value #DEFAULT_QUEUE_DEPTH}, {@link #DEFAULT_THREADS} threads,
     *     no SQPOLL, {@link PageCacheConfig#defaults()}
     */
    public static EngineConfig defaults() {
        return new EngineConfig("auto", DEFAULT_QUEUE_DEPTH, DEFAULT_THREADS);
    }

    /**
     * The same configuration with another engine name.
     *
     * @param name {@code "auto"}, {@code "uring"}, {@code "aio"} or {@code "threads"}
     * @return a new configuration
     * @throws IllegalArgumentException when {@code name} is null or blank
     */
    public EngineConfig withEngine(String name) {
        return new EngineConfig(name, queueDepth, threads, sqPollIdleMillis, pageCache, fastPaths);
    }

    /**
     * The same configuration with another queue depth.
     *
     * @param depth requests in flight at once, 1 to {@link #MAX_QUEUE_DEPTH}
     * @return a new configuration
     * @throws IllegalArgumentException when {@code depth} is out of range
     */
    public EngineConfig withQueueDepth(int depth) {
        return new EngineConfig(engine, depth, threads, sqPollIdleMillis, pageCache, fastPaths);
    }

    /**
     * The same configuration with another thread count.
     *
     * @param count worker threads of the {@code threads} engine, 1 to 4096
     * @return a new configuration
     * @throws IllegalArgumentException when {@code count} is out of range
     */
    public EngineConfig withThreads(int count) {
        return new EngineConfig(engine, queueDepth, count, sqPollIdleMillis, pageCache, fastPaths);
    }

    /**
     * The same configuration with io_uring SQPOLL (IORING_SETUP_SQPOLL) idling after
     * {@code idleMillis}; ignored by the other engines.
     *
     * @param idleMillis milliseconds without submissions after which the kernel's polling thread
     *     sleeps; 0 turns SQPOLL off
     * @return a new configuration
     * @throws IllegalArgumentException when {@code idleMillis} is negative
     */
    public EngineConfig withSqPoll(int idleMillis) {
        return new EngineConfig(engine, queueDepth, threads, idleMillis, pageCache, fastPaths);
    }

    /**
     * The same configuration with another page cache.
     *
     * @param config the page cache of the engine's {@link FileOption#CACHED} files
     * @return a new configuration
     * @throws IllegalArgumentException when {@code config} is null
     */
    public EngineConfig withPageCache(PageCacheConfig config) {
        return new EngineConfig(engine, queueDepth, threads, sqPollIdleMillis, config, fastPaths);
    }

    /**
     * The same configuration with other fast paths.
     *
     * @param paths which requests are tried on the calling thread first; {@link FastPaths#NONE}
     *     sends every request through the engine
     * @return a new configuration
     * @throws IllegalArgumentException when {@code paths} is null
     */
    public EngineConfig withFastPaths(FastPaths paths) {
        return new EngineConfig(engine, queueDepth, threads, sqPollIdleMillis, pageCache, paths);
    }
}
