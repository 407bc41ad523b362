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
 * jaio's ways, with up to {@code --commit-depth} batches in flight (the committer starts batch N+1
 * without waiting for batch N), kernel-buffered or O_DIRECT:
 *
 * <ul>
 *   <li>{@link Durability#DSYNC}: each batch one {@code AsyncFile.write(segment, position,
 *       IoFlags.DSYNC)} (RWF_DSYNC: the write completes once its data is durable);
 *   <li>{@link Durability#FLUSHER}: a log writer and a log flusher, as InnoDB's log_writer and
 *       log_flusher threads: each batch is a plain write (no flush: it completes once the device
 *       has the bytes, here about a third of a DSYNC write's time), and one {@code fdatasync()} at
 *       a time covers every write that completed before it was called. While it runs, the next
 *       batches are written; when it ends, the next starts at once for all of them. A batch is
 *       durable when the fdatasync issued after its write completed has completed, so a cycle
 *       costs max(write, flush) instead of write + flush.
 * </ul>
 */
final class JaioLogWriter implements LogWriter {

    private static final int ALIGNMENT = 4096;

    private final IoEngine engine;
    private final AsyncFile file;
    private final boolean direct;
    private final int inFlight;
    private final Durability durability;
    /** FLUSHER: batches whose write completed and that no fdatasync in flight covers; guarded by this. */
    private final List<Consumer<Throwable>> written = new ArrayList<>();
    /** FLUSHER: an fdatasync is in flight; guarded by this. */
    private boolean flushing;
    private final List<IoBuffer> buffers = new ArrayList<>();

    /** How a batch is made durable. */
    enum Durability {
        DSYNC, FLUSHER
    }

    JaioLogWriter(Path log, String engineName, boolean direct, int inFlight, Durability durability)
            throws IOException {
        this.durability = durability;
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
        if (durability == Durability.DSYNC) {
            file.write(bytes, position, IoFlags.DSYNC).whenComplete((n, e) -> done.accept(e));
            return;
        }
        file.write(bytes, position).whenComplete((n, e) -> {
            if (e != null) {
                done.accept(e);
                return;
            }
            List<Consumer<Throwable>> cover = null;
            synchronized (this) {
                written.add(done);
                if (!flushing) {
                    flushing = true;
                    cover = takeWritten();
                }
            }
            if (cover != null) {
                flush(cover);
            }
        });
    }

    /**
     * One fdatasync for the batches in {@code cover}, all written before it is called; when it
     * ends, they are durable (or failed with it), and the next one starts for what was written
     * meanwhile. Runs on the caller's thread or the engine's completion thread, whose requests
     * never wait for a place in the queue.
     */
    private void flush(List<Consumer<Throwable>> cover) {
        file.fdatasync().whenComplete((v, f) -> {
            for (Consumer<Throwable> d : cover) {
                d.accept(f);
            }
            List<Consumer<Throwable>> next = null;
            synchronized (this) {
                if (written.isEmpty()) {
                    flushing = false;
                } else {
                    next = takeWritten();
                }
            }
            if (next != null) {
                flush(next);
            }
        });
    }

    /** The batches written and not yet covered by a flush; guarded by this. */
    private List<Consumer<Throwable>> takeWritten() {
        List<Consumer<Throwable>> all = new ArrayList<>(written);
        written.clear();
        return all;
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
