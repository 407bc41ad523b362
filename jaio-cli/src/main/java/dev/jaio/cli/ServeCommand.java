package dev.jaio.cli;

import dev.jaio.cli.serve.HttpServer;
import dev.jaio.cli.serve.ServeConfig;
import dev.jaio.cli.serve.ServeStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jaio serve DIR}: a static HTTP/1.1 file server on jaio's event loops (the paper's section 9). */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = JaioCommand.Version.class,
        header = "Serve DIR over HTTP/1.1 from jaio event loops, one per core, files read through jaio.",
        description = {
            "A static file server on --loops event loops (default: one per core), each a thread with one"
                    + " kernel queue that runs both the sockets and the file reads (--loop: uring, aio-poll,"
                    + " epoll+aio, threads, or auto; see jaio info). Every loop listens on the same port"
                    + " (SO_REUSEPORT) and serves its own connections.",
            "HTTP: GET and HEAD (other methods 405); keep-alive (HTTP/1.1 by default, HTTP/1.0 with"
                    + " Connection: keep-alive) and pipelining; Content-Length, Content-Type by extension,"
                    + " Last-Modified and If-Modified-Since, ETag and If-None-Match (304), If-Range; single byte"
                    + " ranges (206, 416 with"
                    + " Content-Range: bytes */LENGTH; several ranges get the whole file); index.html for"
                    + " a directory path ending in /, no listings; 400/404/403 for bad, missing or"
                    + " forbidden paths (no '..' out of DIR, no symlinks out of it); 431 for heads over 8"
                    + " KiB, 408 for a head not finished within --header-timeout; bad requests are"
                    + " answered and the connection closed after reading what the client still sends.",
            "Files (--io): cached reads through jaio's own page cache (--cache-size per loop); direct"
                    + " reads O_DIRECT blocks; buffered reads through the kernel's page cache; sendfile sends"
                    + " bodies over 32 KiB without a copy through Java memory, the head held back to go out"
                    + " with the body's first bytes: on uring, when cachestat(2) says they are in the page"
                    + " cache and fit --chunk, read into a staging buffer of the loop's and sent with the"
                    + " head by one SENDMSG the ring runs inline, otherwise by the ring's SPLICE through a"
                    + " pipe; elsewhere by"
                    + " sendfile(2) when cachestat(2) says they are in the page cache and no read of the file"
                    + " went through the loops' engines in the last 250 ms (whose readahead may still be filling"
                    + " pages that cachestat counts), read as buffered otherwise. Open files"
                    + " are kept per loop (like nginx's open_file_cache) and checked again after"
                    + " --file-cache-valid.",
            "While it runs, a progress line (connections, requests/s, MiB/s, status classes) is redrawn on"
                    + " stderr each second when stderr is a terminal (or with --progress); on SIGINT or"
                    + " SIGTERM, or after --duration, it stops and prints the totals.",
        })
public final class ServeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "The directory to serve.")
    Path root;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port; 0 lets the kernel choose (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String bind;

    @Option(names = "--loops", description = "Event loops (threads), default: one per core.")
    Integer loops;

    @Option(names = "--loop", defaultValue = "auto", description = "Loop backend: auto, uring, aio-poll, epoll+aio, threads (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--io", defaultValue = "cached", description = "How files are read: cached, direct, buffered,"
            + " sendfile (default: ${DEFAULT-VALUE}). On aio-poll and epoll+aio, buffered and sendfile reads that"
            + " miss the kernel's page cache run on each loop's thread pool: native AIO would run them inside"
            + " io_submit, on the loop thread.")
    String io;

    @Option(names = "--cache-size", defaultValue = "256m", converter = BenchCommand.SizeConverter.class,
            description = "jaio page cache per loop for --io=cached (default: ${DEFAULT-VALUE}).")
    long cacheSize;

    @Option(names = "--queue-depth", defaultValue = "4096", description = "Each loop's queue size (default: ${DEFAULT-VALUE}).")
    int queueDepth;

    @Option(names = "--chunk", defaultValue = "256k", converter = BenchCommand.SizeConverter.class,
            description = "Bytes read and sent per step of a response body; a connection serving a body over 32k"
                    + " gets two such buffers, one read from the file while the other is sent; also the most a"
                    + " connection sends in one turn of its loop (with --io=sendfile too, as nginx's sendfile_max_chunk;"
                    + " on --loop=uring, the most one SEND carries) (default: ${DEFAULT-VALUE}).")
    long chunk;

    @Option(names = "--header-timeout", defaultValue = "10", description = "Seconds to finish a request head (408) (default: ${DEFAULT-VALUE}).")
    long headerTimeout;

    @Option(names = "--idle-timeout", defaultValue = "60", description = "Seconds a keep-alive connection may wait for its next request (default: ${DEFAULT-VALUE}).")
    long idleTimeout;

    @Option(names = "--send-timeout", defaultValue = "60", description = "Seconds a client may take none of a response (default: ${DEFAULT-VALUE}).")
    long sendTimeout;

    @Option(names = "--file-cache-valid", defaultValue = "60",
            description = "Seconds an open file's size and time are trusted at most before a request checks them again"
                    + " (nginx's open_file_cache_valid, whose default is also 60; each file a random 75-100%% of it, so"
                    + " that files opened together are not all checked again together) (default: ${DEFAULT-VALUE}).")
    long fileCacheValid;

    @Option(names = "--open-threads", description = "Threads that resolve, open and stat files the open-file cache"
            + " does not hold, off the loops (for a cold directory entry or inode those calls wait for the disk);"
            + " 0: on the loop thread, as nginx does (default: one per loop).")
    Integer openThreads;

    @Option(names = "--open-files", description = "Files kept open, all loops together (default: three quarters of the"
            + " descriptor limit, RLIMIT_NOFILE, one descriptor per file;"
            + " the rest is for connections).")
    Integer openFiles;

    @Option(names = "--fast-paths", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Try each file read on the loop's own thread first (RWF_NOWAIT preadv2, or a hit in jaio's"
                    + " cache), before its queue; --no-fast-paths sends every read through the queue (on uring:"
                    + " only io_uring_enter on the loop threads) (default: on).")
    boolean fastPaths;

    @Option(names = "--send-zc", defaultValue = "0", converter = BenchCommand.SizeConverter.class,
            description = "With --loop=uring, response writes of at least this many bytes go as zero-copy sends"
                    + " (IORING_OP_SEND_ZC): it pays through a NIC, over loopback the kernel copies anyway;"
                    + " 0: off (default: ${DEFAULT-VALUE}).")
    long sendZeroCopyFrom;

    @Option(names = "--receive", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Take requests with StreamChannel.receive: on --loop=uring one multishot RECV per connection"
                    + " picking buffers from the loop's provided buffer ring (IORING_REGISTER_PBUF_RING), elsewhere"
                    + " reads into the loop's one buffer; off: one read per request head into the connection's"
                    + " buffer (default: off).")
    boolean receive;

    @Option(names = "--duration", description = "Stop after this many seconds (default: until SIGINT or SIGTERM).")
    Double duration;

    @Option(names = "--progress", negatable = true, description = "Redraw a progress line each second (default: when stderr is a terminal).")
    Boolean progress;

    @Spec
    CommandSpec spec;

    /** Creates the command. */
    public ServeCommand() {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ServeConfig config = config();
        HttpServer server;
        try {
            server = HttpServer.start(config, line -> {
                synchronized (err) {
                    err.println("jaio serve: " + line);
                    err.flush();
                }
            });
        } catch (IOException e) {
            err.println("jaio serve: " + e.getMessage());
            err.flush();
            return 1;
        }
        InetSocketAddress at = server.address();
        err.printf(Locale.ROOT, "jaio serve: %s on http://%s:%d/ (%d loops, backend %s%s, io %s, up to %d open files)%n",
                config.root(), at.getAddress().getHostAddress(), at.getPort(), config.loops(), server.backend(),
                server.selectionReason() == null ? "" : " [auto: " + server.selectionReason() + "]", config.io().id(),
                config.openFiles());
        err.printf(Locale.ROOT, "jaio serve: files are read on %s%n", server.fileReads());
        err.flush();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(30, TimeUnit.SECONDS); // let the main thread print the totals
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jaio-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean showProgress = progress != null ? progress : System.console() != null;
        long start = System.nanoTime();
        long deadline = duration == null ? Long.MAX_VALUE : start + (long) (duration * 1e9);
        ServeStats.Totals last = server.totals();
        long lastAt = start;
        try {
            while (true) {
                long wait = Math.min(1_000_000_000L, deadline - System.nanoTime());
                if (wait <= 0 || stop.await(wait, TimeUnit.NANOSECONDS)) {
                    break;
                }
                if (showProgress) {
                    long now = System.nanoTime();
                    ServeStats.Totals t = server.totals();
                    double s = (now - lastAt) / 1e9;
                    err.printf(Locale.ROOT, "\r%d open, %.0f req/s, %.1f MiB/s, 2xx %d 304 %d 4xx %d 5xx %d   ", t.open(),
                            (t.requests() - last.requests()) / s, (t.bytesSent() - last.bytesSent()) / s / (1 << 20),
                            t.status2xx(), t.status304(), t.status4xx(), t.status5xx());
                    err.flush();
                    last = t;
                    lastAt = now;
                }
            }
        } finally {
            long[] cache = server.pageCache();
            server.close();
            ServeStats.Totals t = server.totals();
            double s = (System.nanoTime() - start) / 1e9;
            err.printf(Locale.ROOT, "%sjaio serve: %.1f s: %d connections, %d requests (%.0f/s), %.1f MiB sent; 2xx %d, 304 %d,"
                    + " 4xx %d, 5xx %d; %d aborted, %d timed out%n", showProgress ? "\n" : "", s, t.accepted(), t.requests(),
                    t.requests() / s, t.bytesSent() / (double) (1 << 20), t.status2xx(), t.status304(), t.status4xx(),
                    t.status5xx(), t.aborted(), t.timedOut());
            if (config.sendZeroCopyFrom() > 0) {
                long[] z = server.zeroCopySends();
                err.printf(Locale.ROOT, "jaio serve: %d zero-copy sends (SEND_ZC), %d of them copied by the kernel after all"
                        + " (loopback always copies)%n", z[0], z[1]);
            }
            if (config.receive()) {
                err.printf(Locale.ROOT, "jaio serve: receive: %s%n", server.receiveStats());
            }
            if (config.io() == ServeConfig.Io.CACHED) {
                err.printf(Locale.ROOT, "jaio serve: page cache: %d pages resident, %d hits, %d misses, %d pages read, %d evicted%n",
                        cache[0], cache[1], cache[2], cache[3], cache[4]);
            }
            err.flush();
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already: the hook is running
            }
        }
        return 0;
    }

    /** The server's open-file cache: its loops share the process's descriptor limit; a quarter is left for connections. */
    private int openFileLimit(ServeConfig.Io mode) {
        if (openFiles != null) {
            return openFiles;
        }
        // One descriptor per file in every mode: serve opens files read-only, and a read-only CACHED
        // handle reads its pages through its one O_DIRECT descriptor.
        return (int) Math.max(16, descriptorLimit() * 3 / 4);
    }

    /** The soft RLIMIT_NOFILE, from /proc/self/limits; 1024 when unreadable. */
    static long descriptorLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).strip().split("\\s+")[0];
                    return soft.equals("unlimited") ? 1 << 20 : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 1024;
    }

    private ServeConfig config() {
        CommandLine cmd = spec.commandLine();
        if (!Files.isDirectory(root)) {
            throw new CommandLine.ParameterException(cmd, "DIR is not a directory: " + root);
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(cmd, "--port must be in [0, 65535]: " + port);
        }
        ServeConfig.Io mode = switch (io.toLowerCase(Locale.ROOT)) {
            case "cached" -> ServeConfig.Io.CACHED;
            case "direct" -> ServeConfig.Io.DIRECT;
            case "buffered" -> ServeConfig.Io.BUFFERED;
            case "sendfile" -> ServeConfig.Io.SENDFILE;
            default -> throw new CommandLine.ParameterException(cmd, "--io must be cached, direct, buffered or sendfile: " + io);
        };
        if (!java.util.List.of("auto", "uring", "aio-poll", "epoll+aio", "threads").contains(backend)) {
            throw new CommandLine.ParameterException(cmd, "--loop must be auto, uring, aio-poll, epoll+aio or threads: " + backend);
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new CommandLine.ParameterException(cmd, "--bind: unknown address " + bind);
        }
        int n = loops == null ? Runtime.getRuntime().availableProcessors() : loops;
        try {
            return new ServeConfig(root.toAbsolutePath().normalize(), new InetSocketAddress(address, port), n, backend, mode,
                    cacheSize, queueDepth, (int) Math.min(Integer.MAX_VALUE, chunk), TimeUnit.SECONDS.toMillis(headerTimeout),
                    TimeUnit.SECONDS.toMillis(idleTimeout), TimeUnit.SECONDS.toMillis(sendTimeout),
                    TimeUnit.SECONDS.toMillis(fileCacheValid), openFileLimit(mode), fastPaths, sendZeroCopyFrom, receive,
                    openThreads == null ? n : openThreads);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }
}
