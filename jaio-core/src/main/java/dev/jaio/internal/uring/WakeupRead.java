package dev.jaio.internal.uring;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jaio.internal.engine.EventFdWakeup;
import dev.jaio.internal.linux.EventFd;
import dev.jaio.internal.linux.UringAbi;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The wakeup of a {@link UringQueue}: an 8-byte READ of an eventfd kept armed in the ring, which
 * {@link #signal()} (an eventfd write, from any thread) completes, so that an io_uring_enter
 * blocked in a reap returns.
 *
 * <p>Invariant: at most one such READ is in the ring ({@link #armed()}), carrying
 * {@link UserData#WAKEUP}; it leaves the ring by its CQE ({@link #completed()}) or, unread by the
 * kernel, by being taken back or cancelled ({@link #disarmed()}). Apart from {@link #signal()},
 * only the queue's owner calls this class.
 */
final class WakeupRead implements AutoCloseable {

    private final EventFdWakeup eventFd;
    /** Where the READ puts the eventfd's counter, which nobody looks at. */
    private final MemorySegment buffer;
    /** The READ is in the ring. */
    private boolean armed;
    /** The READ completed since {@link #takeWoken()} last said so. */
    private boolean woken;

    /**
     * @param arena where the READ's buffer lives: it must outlive the ring
     */
    WakeupRead(Arena arena) throws IOException {
        this.buffer = arena.allocate(JAVA_LONG);
        this.eventFd = EventFdWakeup.open(EventFd.EFD_CLOEXEC);
    }

    /** Whether the READ is in the ring. */
    boolean armed() {
        return armed;
    }

    /** Writes the READ into {@code sq} (not armed yet: the caller checks) with IOSQE flags {@code sqeFlags}. */
    void arm(SubmissionQueue sq, int sqeFlags) {
        sq.enqueue(UringAbi.IORING_OP_READ, sqeFlags, eventFd.fd(), 0, buffer.address(), 8, 0, 0, UserData.WAKEUP);
        armed = true;
    }

    /** The READ's CQE came: the eventfd was signalled. */
    void completed() {
        armed = false;
        woken = true;
    }

    /** The READ left the ring without a signal: taken back before the kernel read it, or cancelled. */
    void disarmed() {
        armed = false;
    }

    /** Whether the READ completed since the last call; clears that. */
    boolean takeWoken() {
        boolean w = woken;
        woken = false;
        return w;
    }

    /** Completes the armed READ, or the next one armed; from any thread. */
    void signal() {
        eventFd.signal();
    }

    @Override
    public void close() {
        eventFd.close();
    }
}
