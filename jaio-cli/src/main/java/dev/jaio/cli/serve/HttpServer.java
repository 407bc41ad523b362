package dev.jaio.cli.serve;

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

    private HttpServer(ServeConfig config, Consumer<String> log) throws IOException {
        this.config = config;
        PathResolver resolver = new PathResolver(config.root());
        InetSocketAddress at = config.address();
        try {
            for (int i = 0; i < config.loops(); i++) {
                LoopServer s = new LoopServer(config, resolver, log, this::home);
                loops.add(s);
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
        return new HttpServer(config, log);
    }

    /** The engine of the loop whose page cache holds {@code file} (CACHED files). */
    private dev.jaio.IoEngine home(java.nio.file.Path file) {
        return loops.get(Math.floorMod(file.hashCode(), loops.size())).loop().engine();
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

    /** Stops: closes listeners, connections and loops. */
    @Override
    public void close() {
        for (LoopServer l : loops) {
            l.close();
        }
    }
}
