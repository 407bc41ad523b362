package dev.jaio.nio;

import dev.jaio.FileOption;
import dev.jaio.IoEngine;
import java.nio.file.OpenOption;
import java.util.Objects;

/**
 * jaio's own options for {@link JaioAsynchronousFileChannel#open} and {@link JaioFileChannel#open}, beside the JDK's
 * {@link java.nio.file.StandardOpenOption}s: {@link #CACHED} (jaio's page cache) and
 * {@link #engine(IoEngine)} (the engine that runs the channel's requests; without it, the
 * {@linkplain IoEngine#shared() shared engine}).
 */
public final class JaioOpenOption implements OpenOption {

    /**
     * Buffered I/O through jaio's own page cache ({@link FileOption#CACHED}): reads that miss are
     * truly asynchronous (no thread blocks in the kernel), and the channel's bytes need no
     * alignment. Excludes {@code ExtendedOpenOption.DIRECT}. A file has one jaio cache in the JVM:
     * while it is open CACHED on one engine, a CACHED open on another fails with a
     * {@link java.nio.file.FileSystemException} (open it on the same engine, or without CACHED, which
     * is coherent with that cache, or close the other engine's CACHED handles first).
     */
    public static final JaioOpenOption CACHED = new JaioOpenOption("CACHED", null);

    private final String name;
    private final IoEngine engine;

    private JaioOpenOption(String name, IoEngine engine) {
        this.name = name;
        this.engine = engine;
    }

    /**
     * The channel's requests run on {@code engine} (which must stay open while the channel is; the
     * channel does not close it).
     *
     * @param engine an open engine
     * @return the option
     */
    public static JaioOpenOption engine(IoEngine engine) {
        return new JaioOpenOption("ENGINE", Objects.requireNonNull(engine, "engine"));
    }

    /** The engine of an {@link #engine(IoEngine)} option, else null. */
    IoEngine engineOrNull() {
        return engine;
    }

    @Override
    public String toString() {
        return engine == null ? name : name + "(" + engine.name() + ")";
    }
}
