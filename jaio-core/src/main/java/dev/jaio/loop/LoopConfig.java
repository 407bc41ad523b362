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
 *     decides it; its {@link EngineConfig#threads()} sizes the pool of each {@code aio-poll} and
 *     {@code epoll+aio} loop for kernel-buffered files (and the workers of a {@code threads} loop),
 *     so N such loops start up to N times that many threads
 * @param sendZeroCopyFrom on {@code uring}, writes to a TCP socket of at least this many bytes go
 *     as zero-copy sends (IORING_OP_SEND_ZC, Linux 6.0): the kernel sends from the caller's memory
 *     and the write completes once it no longer reads it; 0 (the default): never. It pays where the
 *     bytes leave through a NIC that takes scatter-gather from user pages; over loopback (and to a
 *     device that cannot) the kernel copies anyway and the extra notification only costs. Ignored
 *     by the other backends; a kernel without SEND_ZC gets plain sends.
 * @param receiveBufferCount how many buffers {@link StreamChannel#receive} uses on {@code uring}:
 *     a ring of them is registered with the kernel (IORING_REGISTER_PBUF_RING, Linux 5.19) at the
 *     loop's first receive, and the kernel picks one for each chunk it receives on any connection
 *     of the loop, so an idle connection holds no buffer. A power of two from 1 to 32768; the
 *     default is {@value #DEFAULT_RECEIVE_BUFFER_COUNT}. The other backends receive into one buffer
 *     of the loop (a chunk is handed over before the next is read).
 * @param receiveBufferSize the size of each receive buffer in bytes, the most one chunk holds:
 *     from 1 to 1 GiB, and count x size at most 1 GiB; the default is
 *     {@value #DEFAULT_RECEIVE_BUFFER_SIZE}
 * @param sendBytesPerTurn the most bytes one channel hands to the kernel in one turn of the loop.
 *     On {@code aio-poll}, {@code epoll+aio} and {@code threads}, by its
 *     {@link StreamChannel#sendFile sendFile}s (sendfile(2) on the loop thread) and, on
 *     {@code threads} and for pipes, by its writes, together (a handler that makes its next write
 *     from the last one's completion shares the turn's allowance); the rest goes on next turn,
 *     after the loop's other channels, timers and tasks had theirs (as nginx's
 *     {@code sendfile_max_chunk}). A write that goes to the loop's kernel queue (a plain SEND or
 *     WRITE on {@code uring}, a socket's IOCB_CMD_PWRITE on {@code aio-poll} and {@code epoll+aio}) carries at
 *     most this many bytes (a zero-copy SEND is not cut: its next part could only follow its
 *     notification, a round trip): the kernel runs it inside io_uring_enter or io_submit, on the
 *     loop thread, and the rest goes in the next request, which the completion submits with the
 *     loop's next call (a sendFile's SPLICEs on {@code uring} run in io-wq workers, not on the loop
 *     thread, and are not cut). On {@code uring} a sendFile of a range in the page cache of at
 *     most this many bytes (and at most 1 MiB) is read into a staging buffer of the loop's and
 *     sent from it by one request run on the loop thread: the loop keeps up to 16 MiB of such
 *     buffers of this size (at most 1 MiB each: 64 buffers at the default, 16 with no limit), made
 *     as sends need them and freed when the loop ends. A socket that takes a whole large send at once
 *     (loopback, or a fast peer that keeps its window open) would otherwise hold the loop for the
 *     copy or sendfile(2) of all of it. Bytes, at least 4096, or 0 for no limit (uring: SENDs of up
 *     to 2 GiB); the default is {@value #DEFAULT_SEND_BYTES_PER_TURN}.
 */
public record LoopConfig(String backend, EngineConfig files, long sendZeroCopyFrom, int receiveBufferCount,
        int receiveBufferSize, long sendBytesPerTurn) {

    /** The default {@link #sendBytesPerTurn()}: 256 KiB. */
    public static final long DEFAULT_SEND_BYTES_PER_TURN = 256 * 1024;

    /** The default {@link #receiveBufferCount()}. */
    public static final int DEFAULT_RECEIVE_BUFFER_COUNT = 256;
    /** The default {@link #receiveBufferSize()}: 16 KiB. */
    public static final int DEFAULT_RECEIVE_BUFFER_SIZE = 16 * 1024;

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
        if (receiveBufferCount < 1 || receiveBufferCount > 32768 || Integer.bitCount(receiveBufferCount) != 1) {
            throw new IllegalArgumentException("receiveBufferCount must be a power of two from 1 to 32768: "
                    + receiveBufferCount);
        }
        if (receiveBufferSize < 1 || receiveBufferSize > 1 << 30) {
            throw new IllegalArgumentException("receiveBufferSize must be from 1 byte to 1 GiB: " + receiveBufferSize);
        }
        if ((long) receiveBufferCount * receiveBufferSize > 1L << 30) {
            throw new IllegalArgumentException("receive buffers: " + receiveBufferCount + " x " + receiveBufferSize
                    + " bytes is more than 1 GiB per loop");
        }
        if (sendBytesPerTurn != 0 && sendBytesPerTurn < 4096) {
            throw new IllegalArgumentException("sendBytesPerTurn must be at least 4096 bytes, or 0 for no limit: "
                    + sendBytesPerTurn);
        }
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

    /**
     * A configuration with the default receive buffers.
     *
     * @param backend the backend's name, case-insensitive
     * @param files the configuration of the loop's engine
     * @param sendZeroCopyFrom see {@link #sendZeroCopyFrom()}
     */
    public LoopConfig(String backend, EngineConfig files, long sendZeroCopyFrom) {
        this(backend, files, sendZeroCopyFrom, DEFAULT_RECEIVE_BUFFER_COUNT, DEFAULT_RECEIVE_BUFFER_SIZE);
    }

    /**
     * A configuration with the default {@link #sendBytesPerTurn()}.
     *
     * @param backend the backend's name, case-insensitive
     * @param files the configuration of the loop's engine
     * @param sendZeroCopyFrom see {@link #sendZeroCopyFrom()}
     * @param receiveBufferCount see {@link #receiveBufferCount()}
     * @param receiveBufferSize see {@link #receiveBufferSize()}
     */
    public LoopConfig(String backend, EngineConfig files, long sendZeroCopyFrom, int receiveBufferCount,
            int receiveBufferSize) {
        this(backend, files, sendZeroCopyFrom, receiveBufferCount, receiveBufferSize, DEFAULT_SEND_BYTES_PER_TURN);
    }

    /**
     * {@return this configuration with another limit on the bytes a channel sends per turn}
     *
     * @param bytes see {@link #sendBytesPerTurn()}: at least 4096, or 0 for no limit
     */
    public LoopConfig withSendBytesPerTurn(long bytes) {
        return new LoopConfig(backend, files, sendZeroCopyFrom, receiveBufferCount, receiveBufferSize, bytes);
    }

    /**
     * {@return this configuration with other receive buffers}
     *
     * @param count see {@link #receiveBufferCount()}
     * @param size see {@link #receiveBufferSize()}
     */
    public LoopConfig withReceiveBuffers(int count, int size) {
        return new LoopConfig(backend, files, sendZeroCopyFrom, count, size, sendBytesPerTurn);
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
        return new LoopConfig(backend, files, bytes, receiveBufferCount, receiveBufferSize, sendBytesPerTurn);
    }

    /**
     * {@return this configuration with another backend}
     *
     * @param name the backend's name
     */
    public LoopConfig withBackend(String name) {
        return new LoopConfig(name, files, sendZeroCopyFrom, receiveBufferCount, receiveBufferSize, sendBytesPerTurn);
    }

    /**
     * {@return this configuration with another engine configuration}
     *
     * @param config the engine configuration of the loop's files
     */
    public LoopConfig withFiles(EngineConfig config) {
        return new LoopConfig(backend, config, sendZeroCopyFrom, receiveBufferCount, receiveBufferSize,
                sendBytesPerTurn);
    }
}
