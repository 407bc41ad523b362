package dev.jaio.internal.linux;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * Byte-range locks through fcntl(2): {@code struct flock} and the lock commands, from
 * {@code include/uapi/asm-generic/fcntl.h} (x86_64 and arm64 use it unchanged; LP64, so
 * {@code __kernel_off_t} is 64 bits and there is no separate flock64).
 *
 * <p>jaio takes open file description locks ({@code F_OFD_*}, Linux 3.15): they belong to the open
 * file (the channel), not to the process, so two channels of one file in one process conflict as
 * two processes would, and closing another descriptor of the file does not drop them (the trap of
 * classic POSIX record locks). They conflict with classic record locks ({@code F_SETLK}, which the
 * JDK's {@code FileChannel.lock} takes) of other processes and of this one.
 */
public final class Flock {

    /** Get the first lock that would block the one described ({@code l_type} F_UNLCK if none). */
    public static final int F_OFD_GETLK = 36;
    /** Take or release a lock; fails with EAGAIN (or EACCES) at once if it conflicts. */
    public static final int F_OFD_SETLK = 37;
    /** Take a lock, waiting while it conflicts (interruptible by signals: EINTR). */
    public static final int F_OFD_SETLKW = 38;

    /** A shared (read) lock. */
    public static final short F_RDLCK = 0;
    /** An exclusive (write) lock. */
    public static final short F_WRLCK = 1;
    /** Unlock. */
    public static final short F_UNLCK = 2;

    /** {@code l_whence}: offsets from the start of the file. */
    public static final short SEEK_SET = 0;

    /**
     * {@code struct flock}, 32 bytes.
     * <pre>
     * struct flock {
     *     short l_type; short l_whence;  // 0, 2
     *     __kernel_off_t l_start;        // 8
     *     __kernel_off_t l_len;          // 16: 0 means to the end of the file, however far it grows
     *     __kernel_pid_t l_pid;          // 24: must be 0 for the F_OFD_* commands
     * };
     * </pre>
     */
    public static final StructLayout FLOCK = MemoryLayout.structLayout(
            JAVA_SHORT.withName("l_type"),
            JAVA_SHORT.withName("l_whence"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("l_start"),
            JAVA_LONG.withName("l_len"),
            JAVA_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4)).withName("flock");

    /** Offset of {@code l_type} (short). */
    public static final long L_TYPE = offset(FLOCK, "l_type");
    /** Offset of {@code l_whence} (short). */
    public static final long L_WHENCE = offset(FLOCK, "l_whence");
    /** Offset of {@code l_start} (off_t). */
    public static final long L_START = offset(FLOCK, "l_start");
    /** Offset of {@code l_len} (off_t). */
    public static final long L_LEN = offset(FLOCK, "l_len");
    /** Offset of {@code l_pid} (pid_t). */
    public static final long L_PID = offset(FLOCK, "l_pid");

    private Flock() {
    }
}
