package dev.jaio.internal.linux;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The native AIO system calls (io_setup, io_submit, io_getevents, ...) and the syscall numbers of
 * the AIO and io_uring families.
 *
 * <p>glibc has no wrappers for these, so each is made through libc's variadic
 * {@code long syscall(long number, ...)}, with errno captured. Scalar arguments are passed as
 * {@code JAVA_LONG}; pointer arguments as {@code ADDRESS} (the same 8-byte register class), so the
 * segments stay alive during the call. Each returns its non-negative result or {@code -errno}, and
 * {@code -ENOSYS} when there is no syscall number for the running OS and architecture.
 *
 * <p>Numbers are from {@code arch/x86/entry/syscalls/syscall_64.tbl} for x86_64 and
 * {@code include/uapi/asm-generic/unistd.h} for aarch64.
 */
public final class AioCalls {

    /** io_setup on x86_64. */
    public static final long NR_IO_SETUP_X86_64 = 206;
    /** io_destroy on x86_64. */
    public static final long NR_IO_DESTROY_X86_64 = 207;
    /** io_getevents on x86_64. */
    public static final long NR_IO_GETEVENTS_X86_64 = 208;
    /** io_submit on x86_64. */
    public static final long NR_IO_SUBMIT_X86_64 = 209;
    /** io_cancel on x86_64. */
    public static final long NR_IO_CANCEL_X86_64 = 210;
    /** io_pgetevents on x86_64. */
    public static final long NR_IO_PGETEVENTS_X86_64 = 333;

    /** io_setup on aarch64. */
    public static final long NR_IO_SETUP_AARCH64 = 0;
    /** io_destroy on aarch64. */
    public static final long NR_IO_DESTROY_AARCH64 = 1;
    /** io_submit on aarch64. */
    public static final long NR_IO_SUBMIT_AARCH64 = 2;
    /** io_cancel on aarch64. */
    public static final long NR_IO_CANCEL_AARCH64 = 3;
    /** io_getevents on aarch64. */
    public static final long NR_IO_GETEVENTS_AARCH64 = 4;
    /** io_pgetevents on aarch64. */
    public static final long NR_IO_PGETEVENTS_AARCH64 = 292;

    /** io_uring_setup on x86_64 (the same number on aarch64). */
    public static final long NR_IO_URING_SETUP_X86_64 = 425;
    /** io_uring_enter on x86_64 (the same number on aarch64). */
    public static final long NR_IO_URING_ENTER_X86_64 = 426;
    /** io_uring_register on x86_64 (the same number on aarch64). */
    public static final long NR_IO_URING_REGISTER_X86_64 = 427;
    /** io_uring_setup on aarch64. */
    public static final long NR_IO_URING_SETUP_AARCH64 = 425;
    /** io_uring_enter on aarch64. */
    public static final long NR_IO_URING_ENTER_AARCH64 = 426;
    /** io_uring_register on aarch64. */
    public static final long NR_IO_URING_REGISTER_AARCH64 = 427;

    /** io_setup on the running system, or -1 if unknown. */
    public static final long NR_IO_SETUP = pick(NR_IO_SETUP_X86_64, NR_IO_SETUP_AARCH64);
    /** io_destroy on the running system, or -1 if unknown. */
    public static final long NR_IO_DESTROY = pick(NR_IO_DESTROY_X86_64, NR_IO_DESTROY_AARCH64);
    /** io_submit on the running system, or -1 if unknown. */
    public static final long NR_IO_SUBMIT = pick(NR_IO_SUBMIT_X86_64, NR_IO_SUBMIT_AARCH64);
    /** io_cancel on the running system, or -1 if unknown. */
    public static final long NR_IO_CANCEL = pick(NR_IO_CANCEL_X86_64, NR_IO_CANCEL_AARCH64);
    /** io_getevents on the running system, or -1 if unknown. */
    public static final long NR_IO_GETEVENTS = pick(NR_IO_GETEVENTS_X86_64, NR_IO_GETEVENTS_AARCH64);
    /** io_pgetevents on the running system, or -1 if unknown. */
    public static final long NR_IO_PGETEVENTS = pick(NR_IO_PGETEVENTS_X86_64, NR_IO_PGETEVENTS_AARCH64);
    /** io_uring_setup on the running system, or -1 if unknown. */
    public static final long NR_IO_URING_SETUP = pick(NR_IO_URING_SETUP_X86_64, NR_IO_URING_SETUP_AARCH64);
    /** io_uring_enter on the running system, or -1 if unknown. */
    public static final long NR_IO_URING_ENTER = pick(NR_IO_URING_ENTER_X86_64, NR_IO_URING_ENTER_AARCH64);
    /** io_uring_register on the running system, or -1 if unknown. */
    public static final long NR_IO_URING_REGISTER = pick(NR_IO_URING_REGISTER_X86_64, NR_IO_URING_REGISTER_AARCH64);

    /** Whether the running OS and architecture have known AIO syscall numbers. */
    public static final boolean SUPPORTED = NR_IO_SETUP >= 0;

    private static final long IOCB_POINTER_SIZE = ADDRESS.byteSize();

    private AioCalls() {
    }

    private static long pick(long x86_64, long aarch64) {
        if (!Arch.LINUX) {
            return -1;
        }
        return Arch.X86_64 ? x86_64 : Arch.AARCH64 ? aarch64 : -1;
    }

    /**
     * {@code io_setup(unsigned nr_events, aio_context_t *ctxp)}: creates a context able to hold
     * {@code nrEvents} requests in flight and stores its handle (the user address of its
     * {@link AioAbi#AIO_RING}) in the 8 bytes at {@code ctxp}, which must be zero on entry
     * (else EINVAL). EAGAIN means fs.aio-max-nr would be exceeded.
     */
    public static long ioSetup(int nrEvents, MemorySegment ctxp) {
        Objects.checkFromIndexSize(0, JAVA_LONG.byteSize(), ctxp.byteSize());
        if (!SUPPORTED) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) io_setup.HANDLE.invokeExact(state, NR_IO_SETUP, (long) nrEvents, ctxp);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code io_destroy(aio_context_t ctx)}: unmaps the ring, then waits for requests in flight.
     * Stop reading the ring before, and free no I/O buffer until this returns.
     */
    public static long ioDestroy(long ctx) {
        if (!SUPPORTED) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) io_destroy.HANDLE.invokeExact(state, NR_IO_DESTROY, ctx);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code io_submit(aio_context_t ctx, long nr, struct iocb **iocbpp)}: the number of iocbs
     * accepted, from the front of the array. Only a failure of the first one is returned as
     * {@code -errno} (EBADF, EINVAL, EAGAIN when no slot is free); later failures arrive as
     * completions with a negative {@code res}. {@code iocbpp} holds {@code nr} iocb addresses.
     */
    public static long ioSubmit(long ctx, long nr, MemorySegment iocbpp) {
        Objects.checkFromIndexSize(0, nr * IOCB_POINTER_SIZE, iocbpp.byteSize());
        if (!SUPPORTED) {
            return -Errno.ENOSYS;
        }
        long r;
        try {
            r = (long) io_submit.FAST.invokeExact(NR_IO_SUBMIT, ctx, nr, iocbpp);
            if (r >= 0) {
                return r;
            }
            // A failed io_submit accepted nothing (fs/aio.c returns the count once one iocb is
            // accepted), so submitting again is safe and tells the errno.
            MemorySegment state = Downcalls.callState();
            r = (long) io_submit.HANDLE.invokeExact(state, NR_IO_SUBMIT, ctx, nr, iocbpp);
            return r >= 0 ? r : -Downcalls.errno(state);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
    }

    /**
     * {@code io_getevents(ctx, long min_nr, long nr, struct io_event *events, struct __kernel_timespec *timeout)}:
     * waits for at least {@code minNr} completions and copies up to {@code nr} into {@code events}
     * ({@code nr} {@link AioAbi#IO_EVENT}s); returns how many. A NULL timeout waits forever, a zero
     * one polls ({@link Timespec#KERNEL_TIMESPEC}). EINTR when a signal arrived before any event.
     * Never call it while a user-space reaper consumes the same ring.
     */
    public static long ioGetevents(long ctx, long minNr, long nr, MemorySegment events, MemorySegment timeoutOrNull) {
        Objects.checkFromIndexSize(0, nr * AioAbi.IO_EVENT.byteSize(), events.byteSize());
        Downcalls.checkNullableSize(timeoutOrNull, Timespec.KERNEL_TIMESPEC.byteSize());
        if (!SUPPORTED) {
            return -Errno.ENOSYS;
        }
        long r;
        try {
            r = (long) io_getevents.FAST.invokeExact(NR_IO_GETEVENTS, ctx, minNr, nr, events, timeoutOrNull);
            if (r >= 0) {
                return r;
            }
            // A failed io_getevents consumed no event (EINTR comes only with none), so asking
            // again is safe and tells the errno.
            MemorySegment state = Downcalls.callState();
            r = (long) io_getevents.HANDLE.invokeExact(state, NR_IO_GETEVENTS, ctx, minNr, nr, events, timeoutOrNull);
            return r >= 0 ? r : -Downcalls.errno(state);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
    }

    /**
     * {@code io_pgetevents}: {@link #ioGetevents} with the signal mask of an
     * {@link AioAbi#AIO_SIGSET} (or NULL, which leaves the mask alone) installed while waiting
     * (Linux 4.18).
     */
    public static long ioPgetevents(long ctx, long minNr, long nr, MemorySegment events,
                                    MemorySegment timeoutOrNull, MemorySegment aioSigsetOrNull) {
        Objects.checkFromIndexSize(0, nr * AioAbi.IO_EVENT.byteSize(), events.byteSize());
        Downcalls.checkNullableSize(timeoutOrNull, Timespec.KERNEL_TIMESPEC.byteSize());
        Downcalls.checkNullableSize(aioSigsetOrNull, AioAbi.AIO_SIGSET.byteSize());
        if (!SUPPORTED) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) io_pgetevents.HANDLE.invokeExact(state, NR_IO_PGETEVENTS, ctx, minNr, nr, events,
                    timeoutOrNull, aioSigsetOrNull);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code io_cancel(aio_context_t ctx, struct iocb *iocb, struct io_event *result)}: only
     * requests with a cancel callback (IOCB_CMD_POLL, a few drivers) can be cancelled; the kernel
     * then returns EINPROGRESS and delivers the cancelled event through the ring, leaving
     * {@code result} (which may be NULL) untouched. Ordinary reads and writes give EINVAL.
     */
    public static long ioCancel(long ctx, MemorySegment iocb, MemorySegment result) {
        Objects.checkFromIndexSize(0, AioAbi.IOCB.byteSize(), iocb.byteSize());
        Downcalls.checkNullableSize(result, AioAbi.IO_EVENT.byteSize());
        if (!SUPPORTED) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) io_cancel.HANDLE.invokeExact(state, NR_IO_CANCEL, ctx, iocb, result);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    // One holder per call, linked on first use; the layouts are the variadic arguments that follow
    // the syscall number, in the kernel's parameter order.

    private static final class io_setup {
        static final MethodHandle HANDLE = Downcalls.syscall(JAVA_LONG, ADDRESS);
    }

    private static final class io_destroy {
        static final MethodHandle HANDLE = Downcalls.syscall(JAVA_LONG);
    }

    private static final class io_submit {
        static final MethodHandle HANDLE = Downcalls.syscall(JAVA_LONG, JAVA_LONG, ADDRESS);
        static final MethodHandle FAST = Downcalls.syscallNoErrno(JAVA_LONG, JAVA_LONG, ADDRESS);
    }

    private static final class io_getevents {
        static final MethodHandle HANDLE = Downcalls.syscall(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
        static final MethodHandle FAST = Downcalls.syscallNoErrno(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
    }

    private static final class io_pgetevents {
        static final MethodHandle HANDLE =
                Downcalls.syscall(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS);
    }

    private static final class io_cancel {
        static final MethodHandle HANDLE = Downcalls.syscall(JAVA_LONG, ADDRESS, ADDRESS);
    }
}
