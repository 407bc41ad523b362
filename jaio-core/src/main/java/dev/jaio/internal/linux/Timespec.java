package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct __kernel_timespec} ({@code include/uapi/linux/time_types.h}), the 64-bit timespec
 * of the y2038-safe system calls: io_getevents' and io_pgetevents' timeout, and the timeout an
 * io_uring TIMEOUT or LINK_TIMEOUT SQE and {@code io_uring_getevents_arg.ts} point to. The same on
 * every architecture (both members are 64-bit), so on x86_64 and aarch64 alike.
 */
public final class Timespec {

    /**
     * {@code struct __kernel_timespec}, 16 bytes.
     * <pre>
     * struct __kernel_timespec {
     *     __kernel_time64_t tv_sec;   // seconds
     *     long long         tv_nsec;  // nanoseconds, 0 to 999,999,999
     * };
     * </pre>
     * As a timeout: a NULL pointer waits forever; a zero timespec polls.
     */
    public static final StructLayout KERNEL_TIMESPEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_LONG.withName("tv_nsec")).withName("__kernel_timespec");

    /** Offset of {@code __kernel_timespec.tv_sec} (s64). */
    public static final long KERNEL_TIMESPEC_TV_SEC = offset(KERNEL_TIMESPEC, "tv_sec");
    /** Offset of {@code __kernel_timespec.tv_nsec} (s64). */
    public static final long KERNEL_TIMESPEC_TV_NSEC = offset(KERNEL_TIMESPEC, "tv_nsec");

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private Timespec() {
    }

    /**
     * Sets element {@code i} of the array of {@code __kernel_timespec} in {@code timespecs} to
     * {@code nanos} (not negative) and returns its address. Allocates nothing.
     *
     * @throws IndexOutOfBoundsException when element {@code i} lies outside {@code timespecs}
     */
    public static long set(MemorySegment timespecs, int i, long nanos) {
        long ts = KERNEL_TIMESPEC.byteSize() * i;
        timespecs.set(JAVA_LONG, ts + KERNEL_TIMESPEC_TV_SEC, nanos / NANOS_PER_SECOND);
        timespecs.set(JAVA_LONG, ts + KERNEL_TIMESPEC_TV_NSEC, nanos % NANOS_PER_SECOND);
        return timespecs.address() + ts;
    }
}
