package dev.jaio.internal.linux;

/**
 * eventfd(2) flags ({@code include/uapi/linux/eventfd.h}, defined as the open(2) bits of the same
 * name, which x86_64 and aarch64 share). An eventfd is read and written 8 bytes at a time: a
 * native-endian u64 counter.
 */
public final class EventFd {

    /** Each read returns 1 and decrements the counter, instead of returning and zeroing it. */
    public static final int EFD_SEMAPHORE = 0x1;
    /** Close on exec ({@link Fcntl#O_CLOEXEC}). */
    public static final int EFD_CLOEXEC = 0x8_0000;
    /** Reads of a zero counter fail with EAGAIN instead of blocking ({@link Fcntl#O_NONBLOCK}). */
    public static final int EFD_NONBLOCK = 0x800;

    private EventFd() {
    }
}
