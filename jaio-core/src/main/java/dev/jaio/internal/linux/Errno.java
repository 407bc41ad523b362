package dev.jaio.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * errno values and their names.
 *
 * <p>Values are from {@code include/uapi/asm-generic/errno-base.h} and {@code errno.h}; x86_64 and
 * aarch64 both use the generic numbering. Wrappers in this package return them negated.
 */
public final class Errno {

    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** I/O error. */
    public static final int EIO = 5;
    /** No such device or address. */
    public static final int ENXIO = 6;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Try again; also {@link #EWOULDBLOCK}. */
    public static final int EAGAIN = 11;
    /** Operation would block; the same number as {@link #EAGAIN}. */
    public static final int EWOULDBLOCK = EAGAIN;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** File exists. */
    public static final int EEXIST = 17;
    /** Not a directory. */
    public static final int ENOTDIR = 20;
    /** Is a directory. */
    public static final int EISDIR = 21;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** File table overflow (system-wide). */
    public static final int ENFILE = 23;
    /** Too many open files (per process). */
    public static final int EMFILE = 24;
    /** File too large. */
    public static final int EFBIG = 27;
    /** No space left on device. */
    public static final int ENOSPC = 28;
    /** Illegal seek. */
    public static final int ESPIPE = 29;
    /** Read-only file system. */
    public static final int EROFS = 30;
    /** Function not implemented. */
    public static final int ENOSYS = 38;
    /** Timer expired. */
    public static final int ETIME = 62;
    /** Value too large for defined data type. */
    public static final int EOVERFLOW = 75;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** Connection timed out. */
    public static final int ETIMEDOUT = 110;
    /** Operation already in progress. */
    public static final int EALREADY = 114;
    /** Operation now in progress. */
    public static final int EINPROGRESS = 115;
    /** Quota exceeded. */
    public static final int EDQUOT = 122;
    /** Operation canceled. */
    public static final int ECANCELED = 125;

    /** errno values below this bound have their description cached; Linux defines fewer than 140. */
    private static final int CACHED = 256;

    /*
     * Descriptions, filled lazily. Racing writers store equal strings, and a String is safely
     * published through its final fields, so a plain array needs no synchronisation.
     */
    private static final String[] DESCRIPTIONS = new String[CACHED];

    /** Bound for reading a C message; messages are short, reading stops at the terminating NUL. */
    private static final long MAX_MESSAGE = 1024;

    private Errno() {
    }

    /**
     * The symbolic name of an errno, such as {@code "EINVAL"}, or {@code "errno 123"} for one not
     * listed here. A negated errno, as the wrappers return it, is accepted too.
     */
    public static String name(int errno) {
        int e = Math.abs(errno);
        return switch (e) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENOTDIR -> "ENOTDIR";
            case EISDIR -> "EISDIR";
            case EINVAL -> "EINVAL";
            case ENFILE -> "ENFILE";
            case EMFILE -> "EMFILE";
            case EFBIG -> "EFBIG";
            case ENOSPC -> "ENOSPC";
            case ESPIPE -> "ESPIPE";
            case EROFS -> "EROFS";
            case ENOSYS -> "ENOSYS";
            case ETIME -> "ETIME";
            case EOVERFLOW -> "EOVERFLOW";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case ETIMEDOUT -> "ETIMEDOUT";
            case EALREADY -> "EALREADY";
            case EINPROGRESS -> "EINPROGRESS";
            case EDQUOT -> "EDQUOT";
            case ECANCELED -> "ECANCELED";
            default -> "errno " + e;
        };
    }

    /**
     * The name and the C library's message, such as {@code "EINVAL (Invalid argument)"}. A negated
     * errno is accepted too. Messages are cached, so only the first call per errno enters native code.
     */
    public static String describe(int errno) {
        int e = Math.abs(errno);
        if (e >= 0 && e < CACHED) {
            String cached = DESCRIPTIONS[e];
            if (cached == null) {
                cached = name(e) + " (" + message(e) + ")";
                DESCRIPTIONS[e] = cached;
            }
            return cached;
        }
        return name(e) + " (" + message(e) + ")";
    }

    /*
     * strerror, not strerror_r: glibc exports the GNU strerror_r (returns char *) while musl exports
     * the XSI one (returns int) under the same symbol, and calling the wrong one would dereference an
     * int. strerror's string is copied at once, under a lock so two threads of ours never share a
     * libc buffer; glibc returns a static string for every known errno anyway.
     */
    @SuppressWarnings("restricted") // the returned char * is sized by MAX_MESSAGE, read up to its NUL
    private static synchronized String message(int errno) {
        if (strerror.HANDLE == null) {
            return "no strerror in this C library";
        }
        MemorySegment text;
        try {
            text = (MemorySegment) strerror.HANDLE.invokeExact(errno);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        if (text.address() == 0L) {
            return "Unknown error " + errno;
        }
        return text.reinterpret(MAX_MESSAGE).getString(0);
    }

    /** {@code char *strerror(int errnum)}: reports through its return value, not errno. */
    private static final class strerror {
        static final MethodHandle HANDLE =
                Downcalls.libcNoErrno("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }
}
