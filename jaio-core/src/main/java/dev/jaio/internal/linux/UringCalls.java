package dev.jaio.internal.linux;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The io_uring system calls: io_uring_setup, io_uring_enter and io_uring_register, with the
 * structs and constants of {@link UringAbi}.
 *
 * <p>glibc has no wrappers for these, so, like {@link AioCalls}, each is made through libc's
 * variadic {@code long syscall(long number, ...)} with errno captured, using the numbers
 * {@link AioCalls#NR_IO_URING_SETUP}, {@link AioCalls#NR_IO_URING_ENTER} and
 * {@link AioCalls#NR_IO_URING_REGISTER} (425, 426, 427 on both x86_64 and aarch64). Unsigned
 * {@code int} arguments are widened with {@code (long)}: the kernel's syscall wrappers truncate
 * each argument to its declared 32-bit type, so the sign-extended upper half is ignored. Each
 * call returns its non-negative result or {@code -errno}, and {@code -ENOSYS} when there is no
 * syscall number for the running OS and architecture.
 *
 * <p>A ring is shared memory: after setup, map it with {@link Mman#mmap} at the
 * {@code IORING_OFF_*} offsets, then fill SQEs and reap CQEs there; io_uring_enter only submits
 * and waits. io_uring_setup fails with EPERM when {@code /proc/sys/kernel/io_uring_disabled}
 * forbids it (Linux 6.6), or a seccomp filter (container runtimes) does.
 */
public final class UringCalls {

    /** Whether the running OS and architecture have known io_uring syscall numbers. */
    public static final boolean SUPPORTED = AioCalls.NR_IO_URING_SETUP >= 0;

    private UringCalls() {
    }

    /**
     * {@code io_uring_setup(u32 entries, struct io_uring_params *p)}: a new ring's file
     * descriptor. {@code params} is an {@link UringAbi#IO_URING_PARAMS}: zeroed except for the
     * inputs (flags, and cq_entries with IORING_SETUP_CQSIZE, ...); resv must be 0, else EINVAL.
     * The kernel rounds {@code entries} up to a power of two and writes back sq_entries,
     * cq_entries, features, sq_off and cq_off. EINVAL also for 0 or more than 32768 entries
     * (without IORING_SETUP_CLAMP) and unknown flags; EPERM when io_uring is disabled; ENOMEM or
     * EMFILE when out of locked memory or descriptors.
     */
    public static long ioUringSetup(int entries, MemorySegment params) {
        Objects.checkFromIndexSize(0, UringAbi.IO_URING_PARAMS.byteSize(), params.byteSize());
        if (!SUPPORTED) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) io_uring_setup.HANDLE.invokeExact(state, AioCalls.NR_IO_URING_SETUP, (long) entries, params);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code io_uring_enter(unsigned fd, unsigned to_submit, unsigned min_complete, unsigned flags,
     * const void *arg, size_t argsz)}: submits up to {@code toSubmit} SQEs from the SQ ring and,
     * with IORING_ENTER_GETEVENTS, waits until {@code minComplete} CQEs are in the CQ ring.
     * Returns the number of SQEs consumed (a bad SQE is consumed too, and fails through its CQE);
     * if that is fewer than {@code toSubmit} it returns without waiting. A failed wait (EINTR, or
     * ETIME when an EXT_ARG timeout expires) is returned only when no SQE was consumed, so a
     * caller that both submits and waits must check the CQ ring itself. {@code arg} is a sigset
     * ({@code argSize} 8) or NULL, or with IORING_ENTER_EXT_ARG an
     * {@link UringAbi#IO_URING_GETEVENTS_ARG} with {@code argSize} 24; {@code arg} must hold at
     * least {@code argSize} bytes.
     *
     * <p>This call blocks, so its handle is not linked critical. A downcall pins the carrier of a
     * virtual thread for as long as it waits: wait on rings from platform threads.
     */
    public static long ioUringEnter(int fd, int toSubmit, int minComplete, int flags, MemorySegment arg, long argSize) {
        Downcalls.checkNullableSize(arg, argSize);
        if (!SUPPORTED) {
            return -Errno.ENOSYS;
        }
        long r;
        try {
            if ((flags & UringAbi.IORING_ENTER_EXT_ARG) == 0) {
                // No timeout: the hot case. Without errno capture first, because the JDK slices the
                // capture segment per call and C2 does not always remove that allocation. A call
                // that fails (-1) submitted nothing and reaped nothing (io_uring_enter returns the
                // submitted count as soon as it is non-zero), so repeating it on the capturing
                // handle is safe: at worst an interrupted wait waits again.
                r = (long) io_uring_enter.FAST.invokeExact(AioCalls.NR_IO_URING_ENTER,
                        (long) fd, (long) toSubmit, (long) minComplete, (long) flags, arg, argSize);
                if (r >= 0) {
                    return r;
                }
            }
            // With a timeout a repeat would wait the whole timeout again: capture on the first call.
            MemorySegment state = Downcalls.callState();
            r = (long) io_uring_enter.HANDLE.invokeExact(state, AioCalls.NR_IO_URING_ENTER,
                    (long) fd, (long) toSubmit, (long) minComplete, (long) flags, arg, argSize);
            return r >= 0 ? r : -Downcalls.errno(state);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
    }

    /**
     * {@code io_uring_register(unsigned fd, unsigned opcode, void *arg, unsigned nr_args)}: the
     * {@code IORING_REGISTER_*} / {@code IORING_UNREGISTER_*} operation {@code opcode} (optionally
     * OR-ed with IORING_REGISTER_USE_REGISTERED_RING). What {@code arg} and {@code nrArgs} mean
     * depends on the opcode (see the constants of {@link UringAbi}); for the opcodes defined there,
     * a segment smaller than what the kernel reads or writes back throws
     * {@link IndexOutOfBoundsException} before the call. Returns 0 or an opcode-specific count.
     * Registering waits for the ring's requests on kernels before 5.13.
     */
    public static long ioUringRegister(int fd, int opcode, MemorySegment arg, int nrArgs) {
        Downcalls.checkNullableSize(arg, argBytes(opcode, nrArgs));
        if (!SUPPORTED) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) io_uring_register.HANDLE.invokeExact(state, AioCalls.NR_IO_URING_REGISTER,
                    (long) fd, (long) opcode, arg, (long) nrArgs);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * The bytes at {@code arg} that the kernel reads or writes for {@code opcode} and
     * {@code nrArgs} (the handlers in {@code io_uring/register.c}, {@code rsrc.c}, {@code tctx.c}),
     * or 0 for an opcode this class does not know. For the *2 and UPDATE2 opcodes nr_args is the
     * struct size, which the kernel requires to be exact.
     */
    private static long argBytes(int opcode, int nrArgs) {
        long n = Integer.toUnsignedLong(nrArgs);
        return switch (opcode & ~UringAbi.IORING_REGISTER_USE_REGISTERED_RING) {
            case UringAbi.IORING_REGISTER_BUFFERS -> n * Iovec.IOVEC.byteSize();
            case UringAbi.IORING_REGISTER_FILES -> n * Integer.BYTES;
            case UringAbi.IORING_REGISTER_EVENTFD, UringAbi.IORING_REGISTER_EVENTFD_ASYNC -> Integer.BYTES;
            case UringAbi.IORING_REGISTER_FILES_UPDATE -> UringAbi.IO_URING_RSRC_UPDATE.byteSize();
            case UringAbi.IORING_REGISTER_PROBE ->
                    UringAbi.PROBE_OPS + n * UringAbi.IO_URING_PROBE_OP.byteSize();
            case UringAbi.IORING_REGISTER_FILES2, UringAbi.IORING_REGISTER_BUFFERS2,
                 UringAbi.IORING_REGISTER_FILES_UPDATE2, UringAbi.IORING_REGISTER_BUFFERS_UPDATE -> n;
            case UringAbi.IORING_REGISTER_IOWQ_MAX_WORKERS -> 2L * Integer.BYTES;
            case UringAbi.IORING_REGISTER_RING_FDS, UringAbi.IORING_UNREGISTER_RING_FDS ->
                    n * UringAbi.IO_URING_RSRC_UPDATE.byteSize();
            default -> 0L;
        };
    }

    // One holder per call, linked on first use; the layouts are the variadic arguments that follow
    // the syscall number, in the kernel's parameter order. None is linked critical: enter and
    // register may block for as long as the kernel waits.

    private static final class io_uring_setup {
        static final MethodHandle HANDLE = Downcalls.syscall(JAVA_LONG, ADDRESS);
    }

    private static final class io_uring_enter {
        static final MethodHandle HANDLE =
                Downcalls.syscall(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
        static final MethodHandle FAST =
                Downcalls.syscallNoErrno(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
    }

    private static final class io_uring_register {
        static final MethodHandle HANDLE = Downcalls.syscall(JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
    }
}
