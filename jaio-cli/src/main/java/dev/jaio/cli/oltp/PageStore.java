package dev.jaio.cli.oltp;

import dev.jaio.AsyncFile;
import dev.jaio.FileOption;
import dev.jaio.IoEngine;
import dev.jaio.cli.oltp.OltpSettings.IoMode;
import dev.jaio.cli.vsjdk.JdkDirect;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * How the buffer pool reaches the database file in one configuration ({@link IoMode}).
 *
 * <p>The blocking page I/O of agents (their reads, and the writes of dirty victims) and of the
 * synchronous cleaners ({@link #read}, {@link #write}) is the same in every configuration of a
 * mode, so that only the cleaners differ: a JDK {@link FileChannel}'s pread/pwrite, with the JDK's
 * O_DIRECT in {@link IoMode#DIRECT} (the paper's raw device; DB2's agents and synchronous cleaners
 * made blocking calls), the kernel's page cache in {@link IoMode#BUFFERED}, and in
 * {@link IoMode#CACHED} a jaio {@link AsyncFile} opened CACHED, waited on, since there the file's
 * pages live in jaio's cache. {@link #asyncFile} is the jaio handle of the same file that the AIO
 * cleaner writes through.
 */
final class PageStore implements AutoCloseable {

    private final Path path;
    private final IoMode mode;
    private final FileChannel channel;
    private final AsyncFile file;

    /**
     * @param dsync whether every page write is durable when it completes: the file is opened O_DSYNC
     *     through both handles
     */
    PageStore(IoEngine engine, Path path, IoMode mode, boolean dsync) throws IOException {
        this.path = path;
        this.mode = mode;
        List<OpenOption> jdk = new ArrayList<>(List.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
        FileOption[] jaio = switch (mode) {
            case DIRECT -> new FileOption[] {FileOption.READ, FileOption.WRITE, FileOption.DIRECT};
            case BUFFERED -> new FileOption[] {FileOption.READ, FileOption.WRITE};
            case CACHED -> new FileOption[] {FileOption.READ, FileOption.WRITE, FileOption.CACHED};
        };
        if (mode == IoMode.DIRECT) {
            jdk.add(JdkDirect.DIRECT);
        }
        if (dsync) {
            jdk.add(StandardOpenOption.DSYNC);
            jaio = java.util.Arrays.copyOf(jaio, jaio.length + 1);
            jaio[jaio.length - 1] = FileOption.DSYNC;
        }
        this.channel = mode == IoMode.CACHED ? null : FileChannel.open(path, jdk.toArray(OpenOption[]::new));
        try {
            this.file = AsyncFile.open(engine, path, jaio);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            throw e;
        }
    }

    /** {@return the mode} */
    IoMode mode() {
        return mode;
    }

    /** {@return the jaio handle the AIO cleaner writes through} */
    AsyncFile asyncFile() {
        return file;
    }

    /** Reads page {@code page} into {@code frame}, blocking. */
    void read(long page, MemorySegment frame) throws IOException {
        long position = page * PageFormat.PAGE_SIZE;
        if (channel != null) {
            ByteBuffer b = frame.asByteBuffer();
            while (b.hasRemaining()) {
                if (channel.read(b, position + b.position()) < 0) {
                    throw new IOException("read of page " + page + " (offset " + position + ") of " + path
                            + ": the file ends at " + channel.size());
                }
            }
            return;
        }
        int n = join(file.read(frame, position), "read", page);
        if (n != PageFormat.PAGE_SIZE) {
            throw new IOException("read of page " + page + " (offset " + position + ") of " + path + ": " + n
                    + " bytes, the file ends at " + file.size());
        }
    }

    /** Writes {@code page} from {@code buffer}, blocking until the write returned. */
    void write(long page, MemorySegment buffer) throws IOException {
        long position = page * PageFormat.PAGE_SIZE;
        if (channel != null) {
            ByteBuffer b = buffer.asByteBuffer();
            while (b.hasRemaining()) {
                channel.write(b, position + b.position());
            }
            return;
        }
        int n = join(file.write(buffer, position), "write", page);
        if (n != PageFormat.PAGE_SIZE) {
            throw new IOException("write of page " + page + " (offset " + position + ") of " + path + ": " + n
                    + " of " + PageFormat.PAGE_SIZE + " bytes");
        }
    }

    /** Makes every page written so far durable (fsync). */
    void sync() throws IOException {
        if (channel != null) {
            channel.force(true);
        }
        join(file.fsync(), "fsync", -1);
    }

    private <T> T join(java.util.concurrent.CompletableFuture<T> f, String op, long page) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(op + " of page " + page + " of " + path + " interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof IOException io ? io : new IOException(op + " of page " + page + " of " + path + ": " + c, c);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            file.close();
        } finally {
            if (channel != null) {
                channel.close();
            }
        }
    }
}
