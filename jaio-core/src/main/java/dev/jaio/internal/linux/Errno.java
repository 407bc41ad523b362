package dev.jaio.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * errno values and their names: every errno the kernel defines for user space, and the
 * kernel-internal ones that sometimes leak out of it.
 *
 * <p>Values 1 to 133 are those of {@code include/uapi/asm-generic/errno-base.h} and
 * {@code include/uapi/asm-generic/errno.h}, generated from the Linux 6.1 headers (the last one added
 * was EHWPOISON, 133, in 2.6.32). x86_64 and aarch64 both use this generic numbering:
 * {@code arch/x86/include/uapi/asm/errno.h} only includes it and arm64 has no header of its own
 * (alpha, mips, parisc and sparc number differently; jaio runs on none of them). 41 and 58 are
 * unused. Values 512 to 531 are from
 * {@code include/linux/errno.h}: codes the kernel means to keep to itself, but some escape to user
 * space (ENOTSUPP from NFS and some drivers, ERESTARTSYS from buggy ones, EIOCBQUEUED). The C
 * library has no message for those, so {@link #describe} gives the kernel header's comment.
 * Wrappers in this package return errnos negated.
 */
public final class Errno {

    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** No such process. */
    public static final int ESRCH = 3;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** I/O error. */
    public static final int EIO = 5;
    /** No such device or address. */
    public static final int ENXIO = 6;
    /** Argument list too long. */
    public static final int E2BIG = 7;
    /** Exec format error. */
    public static final int ENOEXEC = 8;
    /** Bad file number. */
    public static final int EBADF = 9;
    /** No child processes. */
    public static final int ECHILD = 10;
    /** Try again. */
    public static final int EAGAIN = 11;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** Block device required. */
    public static final int ENOTBLK = 15;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** File exists. */
    public static final int EEXIST = 17;
    /** Cross-device link. */
    public static final int EXDEV = 18;
    /** No such device. */
    public static final int ENODEV = 19;
    /** Not a directory. */
    public static final int ENOTDIR = 20;
    /** Is a directory. */
    public static final int EISDIR = 21;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** File table overflow. */
    public static final int ENFILE = 23;
    /** Too many open files. */
    public static final int EMFILE = 24;
    /** Not a typewriter. */
    public static final int ENOTTY = 25;
    /** Text file busy. */
    public static final int ETXTBSY = 26;
    /** File too large. */
    public static final int EFBIG = 27;
    /** No space left on device. */
    public static final int ENOSPC = 28;
    /** Illegal seek. */
    public static final int ESPIPE = 29;
    /** Read-only file system. */
    public static final int EROFS = 30;
    /** Too many links. */
    public static final int EMLINK = 31;
    /** Broken pipe. */
    public static final int EPIPE = 32;
    /** Math argument out of domain of func. */
    public static final int EDOM = 33;
    /** Math result not representable. */
    public static final int ERANGE = 34;
    /** Resource deadlock would occur. */
    public static final int EDEADLK = 35;
    /** File name too long. */
    public static final int ENAMETOOLONG = 36;
    /** No record locks available. */
    public static final int ENOLCK = 37;
    /** Invalid system call number. */
    public static final int ENOSYS = 38;
    /** Directory not empty. */
    public static final int ENOTEMPTY = 39;
    /** Too many symbolic links encountered. */
    public static final int ELOOP = 40;
    /** Operation would block; the same number as {@link #EAGAIN}. */
    public static final int EWOULDBLOCK = EAGAIN;
    /** No message of desired type. */
    public static final int ENOMSG = 42;
    /** Identifier removed. */
    public static final int EIDRM = 43;
    /** Channel number out of range. */
    public static final int ECHRNG = 44;
    /** Level 2 not synchronized. */
    public static final int EL2NSYNC = 45;
    /** Level 3 halted. */
    public static final int EL3HLT = 46;
    /** Level 3 reset. */
    public static final int EL3RST = 47;
    /** Link number out of range. */
    public static final int ELNRNG = 48;
    /** Protocol driver not attached. */
    public static final int EUNATCH = 49;
    /** No CSI structure available. */
    public static final int ENOCSI = 50;
    /** Level 2 halted. */
    public static final int EL2HLT = 51;
    /** Invalid exchange. */
    public static final int EBADE = 52;
    /** Invalid request descriptor. */
    public static final int EBADR = 53;
    /** Exchange full. */
    public static final int EXFULL = 54;
    /** No anode. */
    public static final int ENOANO = 55;
    /** Invalid request code. */
    public static final int EBADRQC = 56;
    /** Invalid slot. */
    public static final int EBADSLT = 57;
    /** The same number as {@link #EDEADLK}. */
    public static final int EDEADLOCK = EDEADLK;
    /** Bad font file format. */
    public static final int EBFONT = 59;
    /** Device not a stream. */
    public static final int ENOSTR = 60;
    /** No data available. */
    public static final int ENODATA = 61;
    /** Timer expired. */
    public static final int ETIME = 62;
    /** Out of streams resources. */
    public static final int ENOSR = 63;
    /** Machine is not on the network. */
    public static final int ENONET = 64;
    /** Package not installed. */
    public static final int ENOPKG = 65;
    /** Object is remote. */
    public static final int EREMOTE = 66;
    /** Link has been severed. */
    public static final int ENOLINK = 67;
    /** Advertise error. */
    public static final int EADV = 68;
    /** Srmount error. */
    public static final int ESRMNT = 69;
    /** Communication error on send. */
    public static final int ECOMM = 70;
    /** Protocol error. */
    public static final int EPROTO = 71;
    /** Multihop attempted. */
    public static final int EMULTIHOP = 72;
    /** RFS specific error. */
    public static final int EDOTDOT = 73;
    /** Not a data message. */
    public static final int EBADMSG = 74;
    /** Value too large for defined data type. */
    public static final int EOVERFLOW = 75;
    /** Name not unique on network. */
    public static final int ENOTUNIQ = 76;
    /** File descriptor in bad state. */
    public static final int EBADFD = 77;
    /** Remote address changed. */
    public static final int EREMCHG = 78;
    /** Can not access a needed shared library. */
    public static final int ELIBACC = 79;
    /** Accessing a corrupted shared library. */
    public static final int ELIBBAD = 80;
    /** .lib section in a.out corrupted. */
    public static final int ELIBSCN = 81;
    /** Attempting to link in too many shared libraries. */
    public static final int ELIBMAX = 82;
    /** Cannot exec a shared library directly. */
    public static final int ELIBEXEC = 83;
    /** Illegal byte sequence. */
    public static final int EILSEQ = 84;
    /** Interrupted system call should be restarted. */
    public static final int ERESTART = 85;
    /** Streams pipe error. */
    public static final int ESTRPIPE = 86;
    /** Too many users. */
    public static final int EUSERS = 87;
    /** Socket operation on non-socket. */
    public static final int ENOTSOCK = 88;
    /** Destination address required. */
    public static final int EDESTADDRREQ = 89;
    /** Message too long. */
    public static final int EMSGSIZE = 90;
    /** Protocol wrong type for socket. */
    public static final int EPROTOTYPE = 91;
    /** Protocol not available. */
    public static final int ENOPROTOOPT = 92;
    /** Protocol not supported. */
    public static final int EPROTONOSUPPORT = 93;
    /** Socket type not supported. */
    public static final int ESOCKTNOSUPPORT = 94;
    /** Operation not supported on transport endpoint. */
    public static final int EOPNOTSUPP = 95;
    /** Protocol family not supported. */
    public static final int EPFNOSUPPORT = 96;
    /** Address family not supported by protocol. */
    public static final int EAFNOSUPPORT = 97;
    /** Address already in use. */
    public static final int EADDRINUSE = 98;
    /** Cannot assign requested address. */
    public static final int EADDRNOTAVAIL = 99;
    /** Network is down. */
    public static final int ENETDOWN = 100;
    /** Network is unreachable. */
    public static final int ENETUNREACH = 101;
    /** Network dropped connection because of reset. */
    public static final int ENETRESET = 102;
    /** Software caused connection abort. */
    public static final int ECONNABORTED = 103;
    /** Connection reset by peer. */
    public static final int ECONNRESET = 104;
    /** No buffer space available. */
    public static final int ENOBUFS = 105;
    /** Transport endpoint is already connected. */
    public static final int EISCONN = 106;
    /** Transport endpoint is not connected. */
    public static final int ENOTCONN = 107;
    /** Cannot send after transport endpoint shutdown. */
    public static final int ESHUTDOWN = 108;
    /** Too many references: cannot splice. */
    public static final int ETOOMANYREFS = 109;
    /** Connection timed out. */
    public static final int ETIMEDOUT = 110;
    /** Connection refused. */
    public static final int ECONNREFUSED = 111;
    /** Host is down. */
    public static final int EHOSTDOWN = 112;
    /** No route to host. */
    public static final int EHOSTUNREACH = 113;
    /** Operation already in progress. */
    public static final int EALREADY = 114;
    /** Operation now in progress. */
    public static final int EINPROGRESS = 115;
    /** Stale file handle. */
    public static final int ESTALE = 116;
    /** Structure needs cleaning. */
    public static final int EUCLEAN = 117;
    /** Not a XENIX named type file. */
    public static final int ENOTNAM = 118;
    /** No XENIX semaphores available. */
    public static final int ENAVAIL = 119;
    /** Is a named type file. */
    public static final int EISNAM = 120;
    /** Remote I/O error. */
    public static final int EREMOTEIO = 121;
    /** Quota exceeded. */
    public static final int EDQUOT = 122;
    /** No medium found. */
    public static final int ENOMEDIUM = 123;
    /** Wrong medium type. */
    public static final int EMEDIUMTYPE = 124;
    /** Operation Canceled. */
    public static final int ECANCELED = 125;
    /** Required key not available. */
    public static final int ENOKEY = 126;
    /** Key has expired. */
    public static final int EKEYEXPIRED = 127;
    /** Key has been revoked. */
    public static final int EKEYREVOKED = 128;
    /** Key was rejected by service. */
    public static final int EKEYREJECTED = 129;
    /** Owner died. */
    public static final int EOWNERDEAD = 130;
    /** State not recoverable. */
    public static final int ENOTRECOVERABLE = 131;
    /** Operation not possible due to RF-kill. */
    public static final int ERFKILL = 132;
    /** Memory page has hardware error. */
    public static final int EHWPOISON = 133;

    // Kernel-internal (include/linux/errno.h): not for user space, but seen there now and then.

    /** Restart the system call (a signal interrupted it). */
    public static final int ERESTARTSYS = 512;
    /** Restart the system call, whatever the signal handler. */
    public static final int ERESTARTNOINTR = 513;
    /** Restart if no handler. */
    public static final int ERESTARTNOHAND = 514;
    /** No ioctl command. */
    public static final int ENOIOCTLCMD = 515;
    /** Restart by calling sys_restart_syscall. */
    public static final int ERESTART_RESTARTBLOCK = 516;
    /** Driver requests probe retry. */
    public static final int EPROBE_DEFER = 517;
    /** open found a stale dentry. */
    public static final int EOPENSTALE = 518;
    /** Parameter not supported. */
    public static final int ENOPARAM = 519;
    /** Illegal NFS file handle. */
    public static final int EBADHANDLE = 521;
    /** Update synchronization mismatch. */
    public static final int ENOTSYNC = 522;
    /** Cookie is stale. */
    public static final int EBADCOOKIE = 523;
    /** Operation is not supported. */
    public static final int ENOTSUPP = 524;
    /** Buffer or request is too small. */
    public static final int ETOOSMALL = 525;
    /** An untranslatable error occurred. */
    public static final int ESERVERFAULT = 526;
    /** Type not supported by server. */
    public static final int EBADTYPE = 527;
    /** Request initiated, but will not complete before timeout. */
    public static final int EJUKEBOX = 528;
    /** iocb queued, will get completion event. */
    public static final int EIOCBQUEUED = 529;
    /** Conflict with recalled state. */
    public static final int ERECALLCONFLICT = 530;
    /** NFS file lock reclaim refused. */
    public static final int ENOGRACE = 531;

    /** errno values below this bound have their description cached; Linux defines none above 531. */
    private static final int CACHED = 1024;

    /** Symbolic names by value; null where the value is no errno (41, 58, 134..511, 520). */
    private static final String[] NAMES = new String[CACHED];

    /** Messages of the kernel-internal errnos, which the C library does not know. */
    private static final String[] INTERNAL_MESSAGES = new String[CACHED];

    // Generated with the constants above from the headers; where two names share a number (EAGAIN
    // and EWOULDBLOCK, EDEADLK and EDEADLOCK) the first defined is the name.
    static {
        name(EPERM, "EPERM");
        name(ENOENT, "ENOENT");
        name(ESRCH, "ESRCH");
        name(EINTR, "EINTR");
        name(EIO, "EIO");
        name(ENXIO, "ENXIO");
        name(E2BIG, "E2BIG");
        name(ENOEXEC, "ENOEXEC");
        name(EBADF, "EBADF");
        name(ECHILD, "ECHILD");
        name(EAGAIN, "EAGAIN");
        name(ENOMEM, "ENOMEM");
        name(EACCES, "EACCES");
        name(EFAULT, "EFAULT");
        name(ENOTBLK, "ENOTBLK");
        name(EBUSY, "EBUSY");
        name(EEXIST, "EEXIST");
        name(EXDEV, "EXDEV");
        name(ENODEV, "ENODEV");
        name(ENOTDIR, "ENOTDIR");
        name(EISDIR, "EISDIR");
        name(EINVAL, "EINVAL");
        name(ENFILE, "ENFILE");
        name(EMFILE, "EMFILE");
        name(ENOTTY, "ENOTTY");
        name(ETXTBSY, "ETXTBSY");
        name(EFBIG, "EFBIG");
        name(ENOSPC, "ENOSPC");
        name(ESPIPE, "ESPIPE");
        name(EROFS, "EROFS");
        name(EMLINK, "EMLINK");
        name(EPIPE, "EPIPE");
        name(EDOM, "EDOM");
        name(ERANGE, "ERANGE");
        name(EDEADLK, "EDEADLK");
        name(ENAMETOOLONG, "ENAMETOOLONG");
        name(ENOLCK, "ENOLCK");
        name(ENOSYS, "ENOSYS");
        name(ENOTEMPTY, "ENOTEMPTY");
        name(ELOOP, "ELOOP");
        name(ENOMSG, "ENOMSG");
        name(EIDRM, "EIDRM");
        name(ECHRNG, "ECHRNG");
        name(EL2NSYNC, "EL2NSYNC");
        name(EL3HLT, "EL3HLT");
        name(EL3RST, "EL3RST");
        name(ELNRNG, "ELNRNG");
        name(EUNATCH, "EUNATCH");
        name(ENOCSI, "ENOCSI");
        name(EL2HLT, "EL2HLT");
        name(EBADE, "EBADE");
        name(EBADR, "EBADR");
        name(EXFULL, "EXFULL");
        name(ENOANO, "ENOANO");
        name(EBADRQC, "EBADRQC");
        name(EBADSLT, "EBADSLT");
        name(EBFONT, "EBFONT");
        name(ENOSTR, "ENOSTR");
        name(ENODATA, "ENODATA");
        name(ETIME, "ETIME");
        name(ENOSR, "ENOSR");
        name(ENONET, "ENONET");
        name(ENOPKG, "ENOPKG");
        name(EREMOTE, "EREMOTE");
        name(ENOLINK, "ENOLINK");
        name(EADV, "EADV");
        name(ESRMNT, "ESRMNT");
        name(ECOMM, "ECOMM");
        name(EPROTO, "EPROTO");
        name(EMULTIHOP, "EMULTIHOP");
        name(EDOTDOT, "EDOTDOT");
        name(EBADMSG, "EBADMSG");
        name(EOVERFLOW, "EOVERFLOW");
        name(ENOTUNIQ, "ENOTUNIQ");
        name(EBADFD, "EBADFD");
        name(EREMCHG, "EREMCHG");
        name(ELIBACC, "ELIBACC");
        name(ELIBBAD, "ELIBBAD");
        name(ELIBSCN, "ELIBSCN");
        name(ELIBMAX, "ELIBMAX");
        name(ELIBEXEC, "ELIBEXEC");
        name(EILSEQ, "EILSEQ");
        name(ERESTART, "ERESTART");
        name(ESTRPIPE, "ESTRPIPE");
        name(EUSERS, "EUSERS");
        name(ENOTSOCK, "ENOTSOCK");
        name(EDESTADDRREQ, "EDESTADDRREQ");
        name(EMSGSIZE, "EMSGSIZE");
        name(EPROTOTYPE, "EPROTOTYPE");
        name(ENOPROTOOPT, "ENOPROTOOPT");
        name(EPROTONOSUPPORT, "EPROTONOSUPPORT");
        name(ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT");
        name(EOPNOTSUPP, "EOPNOTSUPP");
        name(EPFNOSUPPORT, "EPFNOSUPPORT");
        name(EAFNOSUPPORT, "EAFNOSUPPORT");
        name(EADDRINUSE, "EADDRINUSE");
        name(EADDRNOTAVAIL, "EADDRNOTAVAIL");
        name(ENETDOWN, "ENETDOWN");
        name(ENETUNREACH, "ENETUNREACH");
        name(ENETRESET, "ENETRESET");
        name(ECONNABORTED, "ECONNABORTED");
        name(ECONNRESET, "ECONNRESET");
        name(ENOBUFS, "ENOBUFS");
        name(EISCONN, "EISCONN");
        name(ENOTCONN, "ENOTCONN");
        name(ESHUTDOWN, "ESHUTDOWN");
        name(ETOOMANYREFS, "ETOOMANYREFS");
        name(ETIMEDOUT, "ETIMEDOUT");
        name(ECONNREFUSED, "ECONNREFUSED");
        name(EHOSTDOWN, "EHOSTDOWN");
        name(EHOSTUNREACH, "EHOSTUNREACH");
        name(EALREADY, "EALREADY");
        name(EINPROGRESS, "EINPROGRESS");
        name(ESTALE, "ESTALE");
        name(EUCLEAN, "EUCLEAN");
        name(ENOTNAM, "ENOTNAM");
        name(ENAVAIL, "ENAVAIL");
        name(EISNAM, "EISNAM");
        name(EREMOTEIO, "EREMOTEIO");
        name(EDQUOT, "EDQUOT");
        name(ENOMEDIUM, "ENOMEDIUM");
        name(EMEDIUMTYPE, "EMEDIUMTYPE");
        name(ECANCELED, "ECANCELED");
        name(ENOKEY, "ENOKEY");
        name(EKEYEXPIRED, "EKEYEXPIRED");
        name(EKEYREVOKED, "EKEYREVOKED");
        name(EKEYREJECTED, "EKEYREJECTED");
        name(EOWNERDEAD, "EOWNERDEAD");
        name(ENOTRECOVERABLE, "ENOTRECOVERABLE");
        name(ERFKILL, "ERFKILL");
        name(EHWPOISON, "EHWPOISON");
        name(ERESTARTSYS, "ERESTARTSYS");
        name(ERESTARTNOINTR, "ERESTARTNOINTR");
        name(ERESTARTNOHAND, "ERESTARTNOHAND");
        name(ENOIOCTLCMD, "ENOIOCTLCMD");
        name(ERESTART_RESTARTBLOCK, "ERESTART_RESTARTBLOCK");
        name(EPROBE_DEFER, "EPROBE_DEFER");
        name(EOPENSTALE, "EOPENSTALE");
        name(ENOPARAM, "ENOPARAM");
        name(EBADHANDLE, "EBADHANDLE");
        name(ENOTSYNC, "ENOTSYNC");
        name(EBADCOOKIE, "EBADCOOKIE");
        name(ENOTSUPP, "ENOTSUPP");
        name(ETOOSMALL, "ETOOSMALL");
        name(ESERVERFAULT, "ESERVERFAULT");
        name(EBADTYPE, "EBADTYPE");
        name(EJUKEBOX, "EJUKEBOX");
        name(EIOCBQUEUED, "EIOCBQUEUED");
        name(ERECALLCONFLICT, "ERECALLCONFLICT");
        name(ENOGRACE, "ENOGRACE");
        message(ERESTARTSYS, "Restart the system call (a signal interrupted it)");
        message(ERESTARTNOINTR, "Restart the system call, whatever the signal handler");
        message(ERESTARTNOHAND, "Restart if no handler");
        message(ENOIOCTLCMD, "No ioctl command");
        message(ERESTART_RESTARTBLOCK, "Restart by calling sys_restart_syscall");
        message(EPROBE_DEFER, "Driver requests probe retry");
        message(EOPENSTALE, "open found a stale dentry");
        message(ENOPARAM, "Parameter not supported");
        message(EBADHANDLE, "Illegal NFS file handle");
        message(ENOTSYNC, "Update synchronization mismatch");
        message(EBADCOOKIE, "Cookie is stale");
        message(ENOTSUPP, "Operation is not supported");
        message(ETOOSMALL, "Buffer or request is too small");
        message(ESERVERFAULT, "An untranslatable error occurred");
        message(EBADTYPE, "Type not supported by server");
        message(EJUKEBOX, "Request initiated, but will not complete before timeout");
        message(EIOCBQUEUED, "iocb queued, will get completion event");
        message(ERECALLCONFLICT, "Conflict with recalled state");
        message(ENOGRACE, "NFS file lock reclaim refused");
    }

    /*
     * Descriptions, filled lazily. Racing writers store equal strings, and a String is safely
     * published through its final fields, so a plain array needs no synchronisation.
     */
    private static final String[] DESCRIPTIONS = new String[CACHED];

    /** Bound for reading a C message; messages are short, reading stops at the terminating NUL. */
    private static final long MAX_MESSAGE = 1024;

    private Errno() {
    }

    private static void name(int errno, String name) {
        NAMES[errno] = name;
    }

    private static void message(int errno, String message) {
        INTERNAL_MESSAGES[errno] = message;
    }

    /**
     * The symbolic name of an errno, such as {@code "EINVAL"}, or {@code "errno 1234"} for a number
     * that is no Linux errno. A negated errno, as the wrappers return it, is accepted too. Where two
     * names share a number, the first the kernel header defines is given: {@code "EAGAIN"}, not
     * EWOULDBLOCK; {@code "EDEADLK"}, not EDEADLOCK.
     */
    public static String name(int errno) {
        int e = Math.abs(errno);
        String n = e >= 0 && e < CACHED ? NAMES[e] : null;
        return n != null ? n : "errno " + e;
    }

    /**
     * The name and the C library's message, such as {@code "EINVAL (Invalid argument)"}; for a
     * kernel-internal errno, the kernel header's comment instead, which the C library does not know
     * ({@code "ENOTSUPP (Operation is not supported; a kernel-internal errno)"}). A negated errno is
     * accepted too. Messages are cached, so only the first call per errno enters native code.
     */
    public static String describe(int errno) {
        int e = Math.abs(errno);
        if (e >= 0 && e < CACHED) {
            String cached = DESCRIPTIONS[e];
            if (cached == null) {
                String internal = INTERNAL_MESSAGES[e];
                cached = name(e) + " (" + (internal != null ? internal + "; a kernel-internal errno" : message(e)) + ")";
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
