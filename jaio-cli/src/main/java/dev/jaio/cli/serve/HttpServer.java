package dev.jaio.cli.serve;

import dev.jaio.FileOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code jaio serve}'s server: {@link ServeConfig#loops()} event loops, each accepting on the same
 * port (SO_REUSEPORT) and answering its own connections with files read through jaio.
 */
public final class HttpServer implements AutoCloseable {

    private final ServeConfig config;
    private final List<LoopServer> loops = new ArrayList<>();
    private final InetSocketAddress address;
    private OpenFiles files;
    /** The threads that open files the open-file cache misses ({@link ServeConfig#openThreads()}), or null. */
    private java.util.concurrent.ExecutorService opener;

    private HttpServer(ServeConfig config, Consumer<String> log, java.util.concurrent.ThreadPoolExecutor givenOpener)
            throws IOException {
        this.config = config;
        PathResolver resolver = new PathResolver(config.root());
        InetSocketAddress at = config.address();
        FileOption[] options = switch (config.io()) {
            case CACHED -> new FileOption[] {FileOption.READ, FileOption.CACHED};
            case DIRECT -> new FileOption[] {FileOption.READ, FileOption.DIRECT};
            case BUFFERED, SENDFILE -> new FileOption[] {FileOption.READ};
        };
        try {
            for (int i = 0; i < config.loops(); i++) {
                loops.add(new LoopServer(config, log));
            }
            files = new OpenFiles(resolver, this::home, options, config.fileCacheValidMillis(), config.openFiles());
            if (givenOpener != null) {
                opener = givenOpener;
            } else if (config.openThreads() > 0) {
                java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
                opener = java.util.concurrent.Executors.newFixedThreadPool(config.openThreads(), r -> {
                    Thread t = new Thread(r, "jaio-serve-open-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
            }
            for (LoopServer s : loops) {
                s.files(files);
                s.opener(opener);
                at = s.listen(at); // the first loop's port (maybe chosen by the kernel) for the others
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        this.address = at;
    }

    /**
     * Starts serving.
     *
     * @param log where the server's own problems go (a file that fails to read), one line each
     * @throws IOException when a loop cannot open or listen (the message names the backend or address)
     */
    public static HttpServer start(ServeConfig config, Consumer<String> log) throws IOException {
        return new HttpServer(config, log, null);
    }

    /** Tests: starts with {@code opener} as the opener threads (a test may hold its tasks back). */
    static HttpServer start(ServeConfig config, Consumer<String> log, java.util.concurrent.ThreadPoolExecutor opener)
            throws IOException {
        return new HttpServer(config, log, opener);
    }

    /** {@return the server's open-file cache} */
    OpenFiles files() {
        return files;
    }

    /**
     * The engine a file is opened on: its home loop's (by path hash, to spread the work). One handle
     * of a file serves every loop (the loops share one descriptor limit), and for CACHED files jaio
     * keeps one page cache per file in the JVM anyway: a read another loop makes is copied on that
     * loop's thread when the cache (or, buffered, the kernel's page cache) has it, and otherwise
     * completes on the home loop's thread and hops back.
     */
    private dev.jaio.IoEngine home(java.nio.file.Path file) {
        return loops.get(homeIndex(file)).loop().engine();
    }

    /** {@return the index of the loop whose engine reads {@code file}} */
    int homeIndex(java.nio.file.Path file) {
        return Math.floorMod(file.hashCode(), loops.size());
    }

    /** Tests: the loops' servers. */
    List<LoopServer> loopServers() {
        return loops;
    }

    /**
     * Whether files read with {@code io} on an engine named {@code engine} go to the loops' thread
     * pools when the page cache misses them: kernel-buffered reads on native AIO, which Linux would
     * run inside io_submit, on the loop thread (see {@link dev.jaio.loop.EventLoop}).
     */
    static boolean readsGoToThreads(ServeConfig.Io io, String engine) {
        return (io == ServeConfig.Io.BUFFERED || io == ServeConfig.Io.SENDFILE) && engine.equals("aio");
    }

    /**
     * {@return where files are read: "the loops' engines (NAME)", and for kernel-buffered files on
     * native AIO "... a pool of N threads per loop for the rest ..." (what RWF_NOWAIT could not copy)}
     */
    public String fileReads() {
        dev.jaio.IoEngine engine = loops.getFirst().loop().engine();
        if (readsGoToThreads(config.io(), engine.name())) {
            return "the loops' engines (" + engine.name() + ") for what the page cache holds (RWF_NOWAIT), a pool"
                    + " of " + engine.config().threads() + " threads per loop (" + loops.size() + " loops) for the rest"
                    + " (native AIO would read those inside io_submit, on the loop thread)";
        }
        return "the loops' engines (" + engine.name() + ")";
    }

    /** {@return the kernel-buffered file reads the loops handed to their thread pools so far (0 but on native AIO)} */
    public long readsOnThreads() {
        long n = 0;
        for (LoopServer l : loops) {
            n += l.loop().bufferedFileRequestsOnThreads();
        }
        return n;
    }

    /** {@return the opens handed to the opener threads so far (misses of the open-file cache), or -1 without them} */
    public long opensOffLoop() {
        return opener == null ? -1 : ((java.util.concurrent.ThreadPoolExecutor) opener).getTaskCount();
    }

    /** {@return the address every loop listens on} */
    public InetSocketAddress address() {
        return address;
    }

    /** {@return the loops' backend} */
    public String backend() {
        return loops.getFirst().loop().backend();
    }

    /** {@return why the backend, for auto} */
    public String selectionReason() {
        return loops.getFirst().loop().selectionReason();
    }

    /** {@return the configuration} */
    public ServeConfig config() {
        return config;
    }

    /** {@return the counters summed over loops, now} */
    public ServeStats.Totals totals() {
        List<ServeStats> s = new ArrayList<>();
        for (LoopServer l : loops) {
            s.add(l.stats());
        }
        return ServeStats.Totals.of(s);
    }

    /**
     * {@return what receives did on every loop: the buffers in words (the first loop's), chunks and
     * times a ring ran dry, summed} (after the server stopped: the loops' last counts)
     */
    public String receiveStats() {
        String buffers = null;
        long chunks = 0;
        long dry = 0;
        for (LoopServer l : loops) {
            dev.jaio.loop.EventLoop.ReceiveStats r = l.receiveStats();
            if (r == null) {
                continue;
            }
            buffers = buffers == null ? r.buffers() : buffers;
            chunks += r.chunks();
            dry += r.ringDry();
        }
        return (buffers == null ? "no loop" : buffers) + ", " + chunks + " chunks, the ring ran dry " + dry + " times";
    }

    /** {@return the zero-copy sends of every loop, and how many of them the kernel copied: {sends, copied}} */
    public long[] zeroCopySends() {
        long[] t = new long[2];
        for (LoopServer l : loops) {
            dev.jaio.loop.EventLoop.ZeroCopySends z = l.loop().zeroCopySends();
            t[0] += z.sends();
            t[1] += z.copied();
        }
        return t;
    }

    /**
     * {@return jaio's page cache counters summed over the loops (CACHED files): resident pages,
     * hits, misses, pages read from the device, evictions}
     */
    public long[] pageCache() {
        long[] t = new long[5];
        for (LoopServer l : loops) {
            dev.jaio.PageCacheStats s = l.loop().engine().pageCacheStats();
            t[0] += s.residentPages();
            t[1] += s.hits();
            t[2] += s.misses();
            t[3] += s.demandPages() + s.readaheadPages();
            t[4] += s.evictions();
        }
        return t;
    }

    /** Stops: closes listeners, connections, open files and loops. */
    @Override
    public void close() {
        if (files != null) {
            files.stop(); // opens not yet begun are refused, and one under way drops its file
        }
        for (LoopServer l : loops) {
            l.stopServing();
        }
        if (opener != null) {
            opener.shutdown();
            try {
                if (!opener.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    opener.shutdownNow(); // a file an open still under way opens is dropped by it (stop)
                }
            } catch (InterruptedException e) {
                opener.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (files != null) {
            files.closeAll();
        }
        for (LoopServer l : loops) {
            l.close();
        }
    }
}
