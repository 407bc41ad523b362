package dev.jaio.cli.serve;

import dev.jaio.EngineConfig;
import dev.jaio.PageCacheConfig;
import dev.jaio.loop.EventLoop;
import dev.jaio.loop.ListenOptions;
import dev.jaio.loop.LoopConfig;
import dev.jaio.loop.LoopTimer;
import dev.jaio.loop.StreamChannel;
import dev.jaio.loop.TcpListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One loop of {@code jaio serve}: an {@link EventLoop} with its listener (SO_REUSEPORT, so every
 * loop accepts on the same port), its connections, its open-file cache and its counters. A
 * once-a-second timer on the loop enforces the timeouts, so a request costs no timer of its own.
 */
final class LoopServer {

    private final ServeConfig config;
    private final EventLoop loop;
    private OpenFiles files;
    private java.util.concurrent.Executor opener;
    private final ServeStats stats = new ServeStats();
    private final DateCache dates = new DateCache();
    private final Set<HttpConnection> connections = Collections.newSetFromMap(new IdentityHashMap<>());
    private final int readAlignment;
    private final Consumer<String> log;
    private TcpListener listener;
    private LoopTimer sweep;

    /** Threads of each loop's pool: max(8, 2 x CPUs) over all loops, at least 2 per loop. */
    static int threadsPerLoop(int loops) {
        return Math.max(2, (EngineConfig.DEFAULT_THREADS + loops - 1) / loops);
    }

    LoopServer(ServeConfig config, Consumer<String> log) throws IOException {
        this.config = config;
        this.log = log;
        // One pool's threads shared out (each aio-poll or epoll+aio loop has its own pool for
        // kernel-buffered reads that miss the page cache), not that many per loop.
        EngineConfig files = EngineConfig.defaults().withQueueDepth(config.queueDepth())
                .withThreads(threadsPerLoop(config.loops()))
                .withPageCache(PageCacheConfig.defaults().withBudget(config.cacheBytes()))
                .withFastPaths(config.fastPathPolicy());
        LoopConfig lc = LoopConfig.defaults().withBackend(config.backend()).withFiles(files)
                .withSendZeroCopyFrom(config.sendZeroCopyFrom()).withSendBytesPerTurn(config.chunkBytes());
        if (config.receive()) {
            lc = lc.withReceiveBuffers(HttpConnection.RECEIVE_BUFFERS, HttpConnection.RECEIVE_CHUNK);
        }
        this.loop = EventLoop.open(lc);
        this.readAlignment = config.io() == ServeConfig.Io.DIRECT ? 4096 : 1;
    }

    /** The server's opener threads ({@link ServeConfig#openThreads()}), or null; set once before the loop listens. */
    void opener(java.util.concurrent.Executor opener) {
        this.opener = opener;
    }

    /** {@return the server's opener threads, or null: misses of the open-file cache are opened on the loop} */
    java.util.concurrent.Executor opener() {
        return opener;
    }

    /** The server's open-file cache, shared by its loops; set once before the loop listens. */
    void files(OpenFiles shared) {
        this.files = shared;
    }

    /** Starts listening on {@code address} (for the second loop on, the port the first one got). */
    InetSocketAddress listen(InetSocketAddress address) throws IOException {
        listener = loop.listen(address, ListenOptions.defaults().withReusePort(true), this::accepted);
        sweep = loop.schedule(this::sweep, 1, TimeUnit.SECONDS);
        return listener.localAddress();
    }

    EventLoop loop() {
        return loop;
    }

    ServeConfig config() {
        return config;
    }

    OpenFiles files() {
        return files;
    }

    ServeStats stats() {
        return stats;
    }

    int readAlignment() {
        return readAlignment;
    }

    String date() {
        return dates.get(System.currentTimeMillis());
    }

    void log(String message) {
        log.accept(message);
    }

    private void accepted(StreamChannel ch) {
        ServeStats.add(stats.accepted, 1);
        ServeStats.add(stats.open, 1);
        HttpConnection c = new HttpConnection(this, ch);
        connections.add(c);
        c.start();
    }

    void connectionClosed(HttpConnection c) {
        if (connections.remove(c)) {
            ServeStats.add(stats.open, -1);
        }
    }

    /** Once a second: slow heads get 408, idle keep-alive connections and stalled clients are closed. */
    private void sweep() {
        long now = System.nanoTime();
        long header = TimeUnit.MILLISECONDS.toNanos(config.headerTimeoutMillis());
        long idle = TimeUnit.MILLISECONDS.toNanos(config.idleTimeoutMillis());
        long send = TimeUnit.MILLISECONDS.toNanos(config.sendTimeoutMillis());
        List<HttpConnection> expired = new ArrayList<>();
        List<Integer> codes = new ArrayList<>();
        for (HttpConnection c : connections) {
            long age = now - c.since;
            switch (c.state) {
                case READING -> {
                    if (c.headInProgress() ? now - c.headStartedAt > header : age > idle) {
                        expired.add(c);
                        codes.add(c.headInProgress() ? 408 : 0);
                    }
                }
                case RESPONDING, DRAINING -> {
                    if (age > (c.state == HttpConnection.State.DRAINING ? header : send)) {
                        expired.add(c);
                        codes.add(0);
                    }
                }
                case CLOSED -> { }
            }
        }
        for (int i = 0; i < expired.size(); i++) {
            expired.get(i).timeOut(codes.get(i));
        }
        sweep = loop.schedule(this::sweep, 1, TimeUnit.SECONDS);
    }

    /** Closes the listener and every connection, on the loop thread, and waits for it. */
    void stopServing() {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        try {
            loop.execute(() -> {
                try {
                    if (sweep != null) {
                        sweep.cancel();
                    }
                    if (listener != null) {
                        listener.close();
                    }
                    for (HttpConnection c : new ArrayList<>(connections)) {
                        c.close();
                    }
                } finally {
                    done.countDown();
                }
            });
            done.await();
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // already closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the loop (its files' requests end first). */
    void close() {
        try {
            lastReceive = loop.receiveStats(); // for the summary, which comes after the close
        } catch (RuntimeException e) {
            lastReceive = null; // the loop stopped already
        }
        loop.close();
    }

    private volatile EventLoop.ReceiveStats lastReceive;

    /** {@return the loop's receive counts as it closed; null before, or when it had stopped already} */
    EventLoop.ReceiveStats receiveStats() {
        return lastReceive;
    }
}
