package dev.jaio.nio;

import dev.jaio.FileOption;
import dev.jaio.IoEngine;
import java.nio.file.OpenOption;
import java.util.Objects;

/**
 * jaio's own options for {@link JaioAsynchronousFileChannel#open}, beside the JDK's
 * {@link java.nio.file.StandardOpenOption}s: {@link #CACHED} (jaio's page cache) and
 * {@link #engine(IoEngine)} (the engine that runs the channel's requests; without it, the
 * {@linkplain IoEngine#shared() shared engine}).
 */
public final class JaioOpenOption implements OpenOption {

    /**
     * Buffered I/O through jaio's own page cache ({@link FileOption#CACHED}): reads that miss are
     * truly asynchronous (no thread blocks in the kernel), and the channel's bytes need no
     * alignment. Excludes {@code ExtendedOpenOption.DIRECT}.
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
