package dev.jaio.cli.vsjdk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The JDK's ways to make a batch durable, one batch at a time on the committer's thread: a
 * {@link FileChannel} opened with DSYNC (kernel-buffered, or O_DIRECT with
 * {@code ExtendedOpenOption.DIRECT} and 4 KiB-aligned batches), or a plain one with
 * {@code write} then {@code force(false)} (fdatasync(2)).
 */
final class JdkLogWriter implements LogWriter {

    /** How the batch is made durable. */
    enum Mode {
        /** {@code jdk-dsync}: O_DSYNC, buffered. */
        DSYNC,
        /** {@code jdk-direct-dsync}: O_DSYNC and O_DIRECT. */
        DIRECT_DSYNC,
        /** {@code jdk-write-fdatasync}: write, then force(false). */
        FDATASYNC
    }

    private static final int ALIGNMENT = 4096;

    private final Mode mode;
    private final FileChannel ch;
    /** The batches' buffers, kept reachable while their segments are in use. */
    private final List<ByteBuffer> buffers = new ArrayList<>();

    JdkLogWriter(Path log, Mode mode) throws IOException {
        this.mode = mode;
        OpenOption[] options = switch (mode) {
            case DSYNC -> new OpenOption[] {StandardOpenOption.WRITE, StandardOpenOption.DSYNC};
            case DIRECT_DSYNC -> new OpenOption[] {StandardOpenOption.WRITE, StandardOpenOption.DSYNC,
                JdkDirect.DIRECT};
            case FDATASYNC -> new OpenOption[] {StandardOpenOption.WRITE};
        };
        this.ch = FileChannel.open(log, options);
    }

    @Override
    public int maxInFlight() {
        return 1;
    }

    @Override
    public int alignment() {
        return mode == Mode.DIRECT_DSYNC ? ALIGNMENT : 1;
    }

    @Override
    public MemorySegment allocate(long bytes) {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(bytes + ALIGNMENT)).alignedSlice(ALIGNMENT);
        buffers.add(b);
        return MemorySegment.ofBuffer(b);
    }

    @Override
    public void write(MemorySegment bytes, long position, Consumer<Throwable> done) {
        try {
            ByteBuffer b = bytes.asByteBuffer();
            long pos = position;
            while (b.hasRemaining()) {
                pos += ch.write(b, pos);
            }
            if (mode == Mode.FDATASYNC) {
                ch.force(false);
            }
        } catch (IOException | RuntimeException e) {
            done.accept(e);
            return;
        }
        done.accept(null);
    }

    @Override
    public String engine() {
        return null;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
