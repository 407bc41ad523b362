package dev.jaio.cli.serve;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How {@code jaio serve} runs.
 *
 * @param root the directory served
 * @param address where to listen (port 0: the kernel picks one)
 * @param loops event loops, one thread each, sharing the port with SO_REUSEPORT
 * @param backend the loop backend ({@code auto}, {@code uring}, {@code aio-poll}, {@code epoll+aio}, {@code threads})
 * @param io how file bytes are read
 * @param cacheBytes jaio's page cache budget per loop, for {@link Io#CACHED}
 * @param queueDepth each loop's queue size
 * @param chunkBytes bytes read and sent per step of a response body: a connection serving a body
 *     larger than 32 KiB gets two slots of this size, one read from the file while the other is sent;
 *     also each loop's {@link dev.jaio.loop.LoopConfig#sendBytesPerTurn()} (sendfile's bodies too)
 * @param headerTimeoutMillis a client that started a request head must finish it within this (408)
 * @param idleTimeoutMillis a keep-alive connection without a new request is closed after this
 * @param sendTimeoutMillis a client that takes none of a response for this long is dropped
 * @param fileCacheValidMillis how long an open file's size and modification time are trusted
 *     before they are checked again (nginx's {@code open_file_cache_valid})
 * @param fastPaths whether a loop tries a file read on its own thread first (RWF_NOWAIT, or a
 *     CACHED hit) before handing it to its queue
 * @param openFiles files the server keeps open at most, all loops together (nginx's
 *     {@code open_file_cache max}): the loops share one cache and the process's descriptor limit
 * @param sendZeroCopyFrom on uring, response writes of at least this many bytes go as zero-copy
 *     sends ({@link dev.jaio.loop.LoopConfig#sendZeroCopyFrom()}); 0: never
 * @param receive requests arrive through {@link dev.jaio.loop.StreamChannel#receive} (on uring one
 *     multishot RECV per connection, picking buffers from the loop's provided buffer ring) instead
 *     of one read per request head into the connection's buffer
 * @param openThreads threads that resolve, open and stat the files the open-file cache does not
 *     hold, off the loops (those calls may wait for the disk); 0: on the asking loop's thread, as
 *     nginx does
 */
public record ServeConfig(Path root, InetSocketAddress address, int loops, String backend, Io io, long cacheBytes,
        int queueDepth, int chunkBytes, long headerTimeoutMillis, long idleTimeoutMillis, long sendTimeoutMillis,
        long fileCacheValidMillis, int openFiles, boolean fastPaths, long sendZeroCopyFrom, boolean receive,
        int openThreads) {

    /** {@link #openThreads()} of the constructors that do not take it (the command line gives one per loop). */
    public static final int DEFAULT_OPEN_THREADS = 2;

    /** How file bytes reach the response. */
    public enum Io {
        /** Through jaio's own page cache (FileOption.CACHED) on each loop's engine. */
        CACHED,
        /** O_DIRECT reads of aligned blocks (FileOption.DIRECT): no page cache at all. */
        DIRECT,
        /**
         * Kernel-buffered reads: RWF_NOWAIT tries on the loop thread first, then the loop's engine,
         * or on aio-poll and epoll+aio a thread pool (native AIO reads buffered files inside
         * io_submit, which would hold the loop thread until the disk answers).
         */
        BUFFERED,
        /**
         * Bodies over 32 KiB go from the file to the socket without a copy through Java memory:
         * on uring from a staging buffer of the loop's when cachestat(2) says they are in the page
         * cache and fit the per-turn allowance, else by the ring's SPLICE (through a pipe);
         * elsewhere by sendfile(2) when cachestat(2)
         * says they are in the page cache and no read of the file through the engines may still be
         * filling some of them ({@link dev.jaio.loop.StreamChannel#sendFile}), else as BUFFERED;
         * smaller ones as BUFFERED (one write for head and body).
         */
        SENDFILE;

        /** The name on the command line. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A configuration without zero-copy sends. */
    public ServeConfig(Path root, InetSocketAddress address, int loops, String backend, Io io, long cacheBytes,
            int queueDepth, int chunkBytes, long headerTimeoutMillis, long idleTimeoutMillis, long sendTimeoutMillis,
            long fileCacheValidMillis, int openFiles, boolean fastPaths) {
        this(root, address, loops, backend, io, cacheBytes, queueDepth, chunkBytes, headerTimeoutMillis,
                idleTimeoutMillis, sendTimeoutMillis, fileCacheValidMillis, openFiles, fastPaths, 0);
    }

    /** {@return the fast paths of the engines that read the files: all, or none ({@link #fastPaths()})} */
    public dev.jaio.FastPaths fastPathPolicy() {
        return fastPaths ? dev.jaio.FastPaths.ALL : dev.jaio.FastPaths.NONE;
    }

    /** A configuration with {@link #DEFAULT_OPEN_THREADS} opener threads. */
    public ServeConfig(Path root, InetSocketAddress address, int loops, String backend, Io io, long cacheBytes,
            int queueDepth, int chunkBytes, long headerTimeoutMillis, long idleTimeoutMillis, long sendTimeoutMillis,
            long fileCacheValidMillis, int openFiles, boolean fastPaths, long sendZeroCopyFrom, boolean receive) {
        this(root, address, loops, backend, io, cacheBytes, queueDepth, chunkBytes, headerTimeoutMillis,
                idleTimeoutMillis, sendTimeoutMillis, fileCacheValidMillis, openFiles, fastPaths, sendZeroCopyFrom,
                receive, DEFAULT_OPEN_THREADS);
    }

    /** A configuration that reads request heads (no {@link #receive()}). */
    public ServeConfig(Path root, InetSocketAddress address, int loops, String backend, Io io, long cacheBytes,
            int queueDepth, int chunkBytes, long headerTimeoutMillis, long idleTimeoutMillis, long sendTimeoutMillis,
            long fileCacheValidMillis, int openFiles, boolean fastPaths, long sendZeroCopyFrom) {
        this(root, address, loops, backend, io, cacheBytes, queueDepth, chunkBytes, headerTimeoutMillis,
                idleTimeoutMillis, sendTimeoutMillis, fileCacheValidMillis, openFiles, fastPaths, sendZeroCopyFrom, false);
    }

    public ServeConfig {
        if (sendZeroCopyFrom < 0) {
            throw new IllegalArgumentException("--send-zc must be >= 0 (0: off): " + sendZeroCopyFrom);
        }
        if (loops < 1 || loops > 1024) {
            throw new IllegalArgumentException("--loops must be in [1, 1024]: " + loops);
        }
        if (openThreads < 0 || openThreads > 256) {
            throw new IllegalArgumentException("--open-threads must be in [0, 256]: " + openThreads);
        }
        if (openFiles < 1) {
            throw new IllegalArgumentException("--open-files must be at least 1: " + openFiles);
        }
        if (chunkBytes < 4096 || chunkBytes > (16 << 20) || Integer.bitCount(chunkBytes) != 1) {
            throw new IllegalArgumentException("--chunk must be a power of two in [4k, 16m]: " + chunkBytes);
        }
    }
}
