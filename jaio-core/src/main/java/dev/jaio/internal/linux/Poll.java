package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * poll(2): {@code struct pollfd} and the event bits of {@code include/uapi/asm-generic/poll.h}
 * (x86_64 and aarch64 use the generic values). The bits are also IOCB_CMD_POLL's event mask.
 */
public final class Poll {

    /**
     * {@code struct pollfd}, 8 bytes.
     * <pre>
     * struct pollfd { int fd; short events; short revents; };
     * </pre>
     */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"),
            JAVA_SHORT.withName("events"),
            JAVA_SHORT.withName("revents")).withName("pollfd");

    /** Offset of {@code pollfd.fd} (int; negative entries are ignored). */
    public static final long POLLFD_FD = offset(POLLFD, "fd");
    /** Offset of {@code pollfd.events} (short, requested). */
    public static final long POLLFD_EVENTS = offset(POLLFD, "events");
    /** Offset of {@code pollfd.revents} (short, returned). */
    public static final long POLLFD_REVENTS = offset(POLLFD, "revents");

    /** Data to read. */
    public static final short POLLIN = 0x0001;
    /** Urgent data to read. */
    public static final short POLLPRI = 0x0002;
    /** Writing will not block. */
    public static final short POLLOUT = 0x0004;
    /** Error condition (returned only). */
    public static final short POLLERR = 0x0008;
    /** Hung up (returned only). */
    public static final short POLLHUP = 0x0010;
    /** Invalid fd (returned only). */
    public static final short POLLNVAL = 0x0020;
    /** The peer shut down its writing half (Linux; epoll's EPOLLRDHUP, IOCB_CMD_POLL's too). */
    public static final short POLLRDHUP = 0x2000;

    private Poll() {
    }
}
