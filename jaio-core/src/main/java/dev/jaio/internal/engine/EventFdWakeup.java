package dev.jaio.internal.engine;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The eventfd a kernel queue's owner waits on, and that other threads signal to wake it.
 *
 * <p>{@link #signal()} runs on any thread, possibly while the owner closes the queue; the lock
 * makes sure it never writes to a descriptor number that was closed (and maybe reused for a file
 * since), and it writes from global memory that no queue's arena close can free under it.
 */
public final class EventFdWakeup implements AutoCloseable {

    private static final MemorySegment ONE = Arena.global().allocate(JAVA_LONG);

    static {
        ONE.set(JAVA_LONG, 0, 1L);
    }

    private final int fd;
    private boolean closed;

    private EventFdWakeup(int fd) {
        this.fd = fd;
    }

    /**
     * @param flags EFD_* flags, e.g. EFD_CLOEXEC | EFD_NONBLOCK
     */
    public static EventFdWakeup open(int flags) throws IOException {
        long fd = Libc.eventfd(0, flags);
        if (fd < 0) {
            throw new IOException("eventfd failed: " + Errno.describe((int) -fd));
        }
        return new EventFdWakeup((int) fd);
    }

    /** The descriptor, for the owner's waits and for IOCB_FLAG_RESFD. */
    public int fd() {
        return fd;
    }

    /** Adds 1 to the counter, making the descriptor readable; does nothing once closed. */
    public synchronized void signal() {
        if (!closed) {
            Libc.write(fd, ONE, 8);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
