package dev.jaio.loop;

import dev.jaio.EngineConfig;
import java.util.Locale;

/**
 * How to build an {@link EventLoop}.
 *
 * @param backend {@code "auto"}, {@code "uring"}, {@code "aio-poll"}, {@code "epoll+aio"} or
 *     {@code "threads"} (see {@link EventLoop})
 * @param files the configuration of the loop's engine, whose {@link EngineConfig#queueDepth()} is
 *     the size of the loop's one queue: file requests, and on {@code uring} and {@code aio-poll}
 *     also each socket's and pipe's pending read, write or poll, take a place in it (requests
 *     beyond it wait in the loop until one completes); its engine name is ignored, the backend
 *     decides it
 */
public record LoopConfig(String backend, EngineConfig files) {

    /** Names {@link #backend()} accepts. */
    public static final String BACKENDS = "auto, uring, aio-poll, epoll+aio, threads";
    /** The default queue size of a loop: room for thousands of connections. */
    public static final int DEFAULT_QUEUE_DEPTH = 4096;

    /**
     * Checks the values; see the record's components.
     *
     * @param backend the backend's name, case-insensitive
     * @param files the configuration of the loop's engine
     * @throws IllegalArgumentException when the backend name is unknown or {@code files} is null
     */
    public LoopConfig {
        if (backend == null) {
            throw new IllegalArgumentException("backend is null; use one of " + BACKENDS);
        }
        backend = backend.toLowerCase(Locale.ROOT);
        if (!("auto".equals(backend) || dev.jaio.internal.loop.Backend.byId(backend) != null)) {
            throw new IllegalArgumentException("unknown loop backend '" + backend + "'; use one of " + BACKENDS);
        }
        if (files == null) {
            throw new IllegalArgumentException("files is null; use EngineConfig.defaults()");
        }
    }

    /** {@return {@code auto}, a queue of {@value #DEFAULT_QUEUE_DEPTH}, and the defaults of {@link EngineConfig}} */
    public static LoopConfig defaults() {
        return new LoopConfig("auto", EngineConfig.defaults().withQueueDepth(DEFAULT_QUEUE_DEPTH));
    }

    /**
     * {@return this configuration with another backend}
     *
     * @param name the backend's name
     */
    public LoopConfig withBackend(String name) {
        return new LoopConfig(name, files);
    }

    /**
     * {@return this configuration with another engine configuration}
     *
     * @param config the engine configuration of the loop's files
     */
    public LoopConfig withFiles(EngineConfig config) {
        return new LoopConfig(backend, config);
    }
}
