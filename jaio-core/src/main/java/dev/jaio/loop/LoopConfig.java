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
 * @param sendZeroCopyFrom on {@code uring}, writes to a TCP socket of at least this many bytes go
 *     as zero-copy sends (IORING_OP_SEND_ZC, Linux 6.0): the kernel sends from the caller's memory
 *     and the write completes once it no longer reads it; 0 (the default): never. It pays where the
 *     bytes leave through a NIC that takes scatter-gather from user pages; over loopback (and to a
 *     device that cannot) the kernel copies anyway and the extra notification only costs. Ignored
 *     by the other backends; a kernel without SEND_ZC gets plain sends.
 */
public record LoopConfig(String backend, EngineConfig files, long sendZeroCopyFrom) {

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
        if (sendZeroCopyFrom < 0) {
            throw new IllegalArgumentException("sendZeroCopyFrom must be >= 0 (0: never): " + sendZeroCopyFrom);
        }
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

    /**
     * A configuration without zero-copy sends.
     *
     * @param backend the backend's name, case-insensitive
     * @param files the configuration of the loop's engine
     */
    public LoopConfig(String backend, EngineConfig files) {
        this(backend, files, 0);
    }

    /** {@return {@code auto}, a queue of {@value #DEFAULT_QUEUE_DEPTH}, and the defaults of {@link EngineConfig}} */
    public static LoopConfig defaults() {
        return new LoopConfig("auto", EngineConfig.defaults().withQueueDepth(DEFAULT_QUEUE_DEPTH));
    }

    /**
     * {@return this configuration with zero-copy sends from {@code bytes} on (0: off)}
     *
     * @param bytes the smallest write sent without a copy (see {@link #sendZeroCopyFrom()})
     */
    public LoopConfig withSendZeroCopyFrom(long bytes) {
        return new LoopConfig(backend, files, bytes);
    }

    /**
     * {@return this configuration with another backend}
     *
     * @param name the backend's name
     */
    public LoopConfig withBackend(String name) {
        return new LoopConfig(name, files, sendZeroCopyFrom);
    }

    /**
     * {@return this configuration with another engine configuration}
     *
     * @param config the engine configuration of the loop's files
     */
    public LoopConfig withFiles(EngineConfig config) {
        return new LoopConfig(backend, config, sendZeroCopyFrom);
    }
}
