package dev.jaio.internal.threads;

import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import java.io.IOException;

/** The thread-pool engine: blocking positional I/O on a bounded set of worker threads. */
public final class ThreadsEngine implements EngineProvider {

    /** Selection name. */
    public static final String NAME = "threads";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "blocking pread/pwrite on a pool of worker threads (the synchronous-I/O baseline)";
    }

    @Override
    public String unavailabilityCause() {
        return null;
    }

    @Override
    public IoQueue openQueue(QueueOptions options) throws IOException {
        return new ThreadPoolQueue(options);
    }
}
