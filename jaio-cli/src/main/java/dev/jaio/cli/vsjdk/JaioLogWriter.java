package dev.jaio.cli.vsjdk;

import dev.jaio.AsyncFile;
import dev.jaio.FileOption;
import dev.jaio.IoBuffer;
import dev.jaio.IoEngine;
import dev.jaio.IoFlags;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * jaio's way: each batch one {@code AsyncFile.write(segment, position, IoFlags.DSYNC)} (RWF_DSYNC:
 * the write completes once its data is durable), kernel-buffered or O_DIRECT, with up to
 * {@code --commit-depth} batches in flight: the committer starts batch N+1 without waiting for batch N.
 */
final class JaioLogWriter implements LogWriter {

    private static final int ALIGNMENT = 4096;

    private final IoEngine engine;
    private final AsyncFile file;
    private final boolean direct;
    private final int inFlight;
    private final List<IoBuffer> buffers = new ArrayList<>();

    JaioLogWriter(Path log, String engineName, boolean direct, int inFlight) throws IOException {
        this.engine = IoEngine.open(ReadContenders.engineConfig(engineName, inFlight));
        try {
            this.file = direct ? AsyncFile.open(engine, log, FileOption.WRITE, FileOption.DIRECT)
                    : AsyncFile.open(engine, log, FileOption.WRITE);
        } catch (IOException | RuntimeException e) {
            engine.close();
            throw e;
        }
        this.direct = direct;
        this.inFlight = inFlight;
        if (direct && ALIGNMENT % file.alignment().offsetAlignment() != 0) {
            close();
            throw new IOException("the O_DIRECT alignment of " + log + ", " + file.alignment().offsetAlignment()
                    + ", does not divide " + ALIGNMENT);
        }
    }

    @Override
    public int maxInFlight() {
        return inFlight;
    }

    @Override
    public int alignment() {
        return direct ? ALIGNMENT : 1;
    }

    @Override
    public MemorySegment allocate(long bytes) {
        IoBuffer b = file.allocateBuffer(bytes);
        buffers.add(b);
        return b.segment();
    }

    @Override
    public void write(MemorySegment bytes, long position, Consumer<Throwable> done) {
        file.write(bytes, position, IoFlags.DSYNC).whenComplete((n, e) -> done.accept(e));
    }

    @Override
    public String engine() {
        return engine.name();
    }

    @Override
    public void close() {
        try {
            file.close();
        } finally {
            try {
                buffers.forEach(IoBuffer::close);
            } finally {
                engine.close();
            }
        }
    }
}
