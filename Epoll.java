package dev.jaio.internal.linux;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * epoll(7): {@code struct epoll_event} and the constants of {@code include/uapi/linux/eventpoll.h}.
 *
 * <p>The structure is {@code __attribute__((packed))} on x86_64 (12 bytes: the u64 follows the u32
 * at offset 4, as the i386 ABI laid it out) and naturally aligned elsewhere (16 bytes on aarch64,
 * the u64 at offset 8); {@link #EPOLL_EVENT} is the layout of the running architecture.
 */
public final class Epoll {

    /** epoll_create1(2) flag: close on exec. */
    public static final int EPOLL_CLOEXEC = Fcntl.O_CLOEXEC;

    /** epoll_ctl(2): add a descriptor. */
    public static final int EPOLL_CTL_ADD = 1;
    /** epoll_ctl(2): remove a descriptor. */
    public static final int EPOLL_CTL_DEL = 2;
    /** epoll_ctl(2): change a descriptor's events (and re-arm a one-shot one). */
    public static final int EPOLL_CTL_MOD = 3;

    /** Readable (same bit as POLLIN). */
    public static final int EPOLLIN = 0x001;
    /** Writable (POLLOUT). */
    public static final int EPOLLOUT = 0x004;
    /** Error (POLLERR; always reported). */
    public static final int EPOLLERR = 0x008;
    /** Hang-up (POLLHUP; always reported). */
    public static final int EPOLLHUP = 0x010;
    /** The peer shut down its writing half. */
    public static final int EPOLLRDHUP = 0x2000;
    /** Report once, then disarm until EPOLL_CTL_MOD. */
    public static final int EPOLLONESHOT = 1 << 30;
    /** Edge triggered. */
    public static final int EPOLLET = 1 << 31;

    /** The x86_64 layout: packed, 12 bytes. */
    static final StructLayout EPOLL_EVENT_PACKED = MemoryLayout.structLayout(
            JAVA_INT.withName("events"),
            JAVA_LONG.withByteAlignment(4).withName("data")).withName("epoll_event");

    /** The aarch64 (and generic) layout: 16 bytes. */
    static final StructLayout EPOLL_EVENT_ALIGNED = MemoryLayout.structLayout(
            JAVA_INT.withName("events"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("data")).withName("epoll_event");

    /**
     * {@code struct epoll_event} of this architecture.
     * <pre>
     * struct epoll_event { __poll_t events; __u64 data; } EPOLL_PACKED;
     * </pre>
     */
    public static final StructLayout EPOLL_EVENT = Arch.X86_64 ? EPOLL_EVENT_PACKED : EPOLL_EVENT_ALIGNED;

    /** Offset of {@code events} (u32). */
    public static final long EVENTS = offset(EPOLL_EVENT, "events");
    /** Offset of {@code data} (u64: jaio stores its own token there). */
    public static final long DATA = offset(EPOLL_EVENT, "data");

    private Epoll() {
    }
}
