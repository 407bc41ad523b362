package dev.jaio.internal.linux;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pins opcodes, flags and syscall numbers to the kernel's values for the running architecture. */
class ConstantsTest {

    @Test
    void aioOpcodesAndFlags() {
        assertAll(
                () -> assertEquals(0, AioAbi.IOCB_CMD_PREAD),
                () -> assertEquals(1, AioAbi.IOCB_CMD_PWRITE),
                () -> assertEquals(2, AioAbi.IOCB_CMD_FSYNC),
                () -> assertEquals(3, AioAbi.IOCB_CMD_FDSYNC),
                () -> assertEquals(5, AioAbi.IOCB_CMD_POLL),
                () -> assertEquals(6, AioAbi.IOCB_CMD_NOOP),
                () -> assertEquals(7, AioAbi.IOCB_CMD_PREADV),
                () -> assertEquals(8, AioAbi.IOCB_CMD_PWRITEV),
                () -> assertEquals(1, AioAbi.IOCB_FLAG_RESFD),
                () -> assertEquals(2, AioAbi.IOCB_FLAG_IOPRIO),
                () -> assertEquals(0xa10a10a1, AioAbi.AIO_RING_MAGIC_VALUE),
                () -> assertEquals(1, AioAbi.AIO_RING_COMPAT_FEATURES_VALUE),
                () -> assertEquals(0, AioAbi.AIO_RING_INCOMPAT_FEATURES_VALUE),
                () -> assertEquals(32, AioAbi.AIO_RING_HEADER_LENGTH_VALUE));
    }

    @Test
    void syscallNumbers() {
        assertAll(
                () -> assertEquals(206, AioCalls.NR_IO_SETUP_X86_64),
                () -> assertEquals(207, AioCalls.NR_IO_DESTROY_X86_64),
                () -> assertEquals(208, AioCalls.NR_IO_GETEVENTS_X86_64),
                () -> assertEquals(209, AioCalls.NR_IO_SUBMIT_X86_64),
                () -> assertEquals(210, AioCalls.NR_IO_CANCEL_X86_64),
                () -> assertEquals(333, AioCalls.NR_IO_PGETEVENTS_X86_64),
                () -> assertEquals(0, AioCalls.NR_IO_SETUP_AARCH64),
                () -> assertEquals(1, AioCalls.NR_IO_DESTROY_AARCH64),
                () -> assertEquals(2, AioCalls.NR_IO_SUBMIT_AARCH64),
                () -> assertEquals(3, AioCalls.NR_IO_CANCEL_AARCH64),
                () -> assertEquals(4, AioCalls.NR_IO_GETEVENTS_AARCH64),
                () -> assertEquals(292, AioCalls.NR_IO_PGETEVENTS_AARCH64),
                () -> assertEquals(425, AioCalls.NR_IO_URING_SETUP_X86_64),
                () -> assertEquals(426, AioCalls.NR_IO_URING_ENTER_X86_64),
                () -> assertEquals(427, AioCalls.NR_IO_URING_REGISTER_X86_64),
                () -> assertEquals(425, AioCalls.NR_IO_URING_SETUP_AARCH64),
                () -> assertEquals(426, AioCalls.NR_IO_URING_ENTER_AARCH64),
                () -> assertEquals(427, AioCalls.NR_IO_URING_REGISTER_AARCH64));
    }

    @Test
    void syscallNumbersForRunningArch() {
        if (Arch.LINUX && Arch.X86_64) {
            assertAll(
                    () -> assertEquals(206, AioCalls.NR_IO_SETUP),
                    () -> assertEquals(207, AioCalls.NR_IO_DESTROY),
                    () -> assertEquals(208, AioCalls.NR_IO_GETEVENTS),
                    () -> assertEquals(209, AioCalls.NR_IO_SUBMIT),
                    () -> assertEquals(210, AioCalls.NR_IO_CANCEL),
                    () -> assertEquals(333, AioCalls.NR_IO_PGETEVENTS),
                    () -> assertTrue(AioCalls.SUPPORTED));
        } else if (Arch.LINUX && Arch.AARCH64) {
            assertAll(
                    () -> assertEquals(0, AioCalls.NR_IO_SETUP),
                    () -> assertEquals(1, AioCalls.NR_IO_DESTROY),
                    () -> assertEquals(4, AioCalls.NR_IO_GETEVENTS),
                    () -> assertEquals(2, AioCalls.NR_IO_SUBMIT),
                    () -> assertEquals(3, AioCalls.NR_IO_CANCEL),
                    () -> assertEquals(292, AioCalls.NR_IO_PGETEVENTS),
                    () -> assertTrue(AioCalls.SUPPORTED));
        } else {
            assertAll(
                    () -> assertEquals(-1, AioCalls.NR_IO_SETUP),
                    () -> assertFalse(AioCalls.SUPPORTED));
        }
        if (AioCalls.SUPPORTED) {
            assertAll(
                    () -> assertEquals(425, AioCalls.NR_IO_URING_SETUP),
                    () -> assertEquals(426, AioCalls.NR_IO_URING_ENTER),
                    () -> assertEquals(427, AioCalls.NR_IO_URING_REGISTER));
        }
    }

    @Test
    void openFlagsCommonToBothArches() {
        assertAll(
                () -> assertEquals(0, Fcntl.O_RDONLY),
                () -> assertEquals(01, Fcntl.O_WRONLY),
                () -> assertEquals(02, Fcntl.O_RDWR),
                () -> assertEquals(03, Fcntl.O_ACCMODE),
                () -> assertEquals(3, Fcntl.F_GETFL),
                () -> assertEquals(4, Fcntl.F_SETFL),
                () -> assertEquals(1031, Fcntl.F_SETPIPE_SZ),
                () -> assertEquals(1032, Fcntl.F_GETPIPE_SZ),
                () -> assertEquals(21, Capability.CAP_SYS_ADMIN),
                () -> assertEquals(24, Capability.CAP_SYS_RESOURCE),
                () -> assertEquals(0100, Fcntl.O_CREAT),
                () -> assertEquals(0200, Fcntl.O_EXCL),
                () -> assertEquals(01000, Fcntl.O_TRUNC),
                () -> assertEquals(02000, Fcntl.O_APPEND),
                () -> assertEquals(04000, Fcntl.O_NONBLOCK),
                () -> assertEquals(010000, Fcntl.O_DSYNC),
                () -> assertEquals(04010000, Fcntl.O_SYNC),
                () -> assertEquals(01000000, Fcntl.O_NOATIME),
                () -> assertEquals(02000000, Fcntl.O_CLOEXEC),
                () -> assertEquals(-100, Fcntl.AT_FDCWD),
                () -> assertEquals(0x100, Fcntl.AT_SYMLINK_NOFOLLOW),
                () -> assertEquals(0x1000, Fcntl.AT_EMPTY_PATH),
                () -> assertEquals(0, Fcntl.AT_STATX_SYNC_AS_STAT),
                () -> assertEquals(0x2000, Fcntl.AT_STATX_FORCE_SYNC),
                () -> assertEquals(0x4000, Fcntl.AT_STATX_DONT_SYNC));
    }

    @Test
    void openFlagsOfRunningArch() {
        if (Arch.AARCH64) {
            assertAll(
                    () -> assertEquals(040000, Fcntl.O_DIRECTORY),
                    () -> assertEquals(0100000, Fcntl.O_NOFOLLOW),
                    () -> assertEquals(0200000, Fcntl.O_DIRECT),
                    () -> assertEquals(0400000, Fcntl.O_LARGEFILE));
        } else {
            assertAll(
                    () -> assertEquals(040000, Fcntl.O_DIRECT),
                    () -> assertEquals(0100000, Fcntl.O_LARGEFILE),
                    () -> assertEquals(0200000, Fcntl.O_DIRECTORY),
                    () -> assertEquals(0400000, Fcntl.O_NOFOLLOW));
        }
    }

    @Test
    void rwfFlags() {
        assertAll(
                () -> assertEquals(0x01, Rwf.RWF_HIPRI),
                () -> assertEquals(0x02, Rwf.RWF_DSYNC),
                () -> assertEquals(0x04, Rwf.RWF_SYNC),
                () -> assertEquals(0x08, Rwf.RWF_NOWAIT),
                () -> assertEquals(0x10, Rwf.RWF_APPEND),
                () -> assertEquals(0x20, Rwf.RWF_NOAPPEND),
                () -> assertEquals(0x40, Rwf.RWF_ATOMIC),
                () -> assertEquals(0x80, Rwf.RWF_DONTCACHE));
    }

    @Test
    void fallocateFadviseEventfdPoll() {
        assertAll(
                () -> assertEquals(0x00, Falloc.FALLOC_FL_ALLOCATE_RANGE),
                () -> assertEquals(0x01, Falloc.FALLOC_FL_KEEP_SIZE),
                () -> assertEquals(0x02, Falloc.FALLOC_FL_PUNCH_HOLE),
                () -> assertEquals(0x04, Falloc.FALLOC_FL_NO_HIDE_STALE),
                () -> assertEquals(0x08, Falloc.FALLOC_FL_COLLAPSE_RANGE),
                () -> assertEquals(0x10, Falloc.FALLOC_FL_ZERO_RANGE),
                () -> assertEquals(0x20, Falloc.FALLOC_FL_INSERT_RANGE),
                () -> assertEquals(0x40, Falloc.FALLOC_FL_UNSHARE_RANGE),
                () -> assertEquals(0x80, Falloc.FALLOC_FL_WRITE_ZEROES),
                () -> assertEquals(0, Fadvise.POSIX_FADV_NORMAL),
                () -> assertEquals(1, Fadvise.POSIX_FADV_RANDOM),
                () -> assertEquals(2, Fadvise.POSIX_FADV_SEQUENTIAL),
                () -> assertEquals(3, Fadvise.POSIX_FADV_WILLNEED),
                () -> assertEquals(4, Fadvise.POSIX_FADV_DONTNEED),
                () -> assertEquals(5, Fadvise.POSIX_FADV_NOREUSE),
                () -> assertEquals(1, EventFd.EFD_SEMAPHORE),
                () -> assertEquals(0x80000, EventFd.EFD_CLOEXEC),
                () -> assertEquals(0x800, EventFd.EFD_NONBLOCK),
                () -> assertEquals(0x01, Poll.POLLIN),
                () -> assertEquals(0x02, Poll.POLLPRI),
                () -> assertEquals(0x04, Poll.POLLOUT),
                () -> assertEquals(0x08, Poll.POLLERR),
                () -> assertEquals(0x10, Poll.POLLHUP),
                () -> assertEquals(0x20, Poll.POLLNVAL));
    }

    @Test
    void statxMasks() {
        assertAll(
                () -> assertEquals(0x1, Statx.STATX_TYPE),
                () -> assertEquals(0x2, Statx.STATX_MODE),
                () -> assertEquals(0x4, Statx.STATX_NLINK),
                () -> assertEquals(0x8, Statx.STATX_UID),
                () -> assertEquals(0x10, Statx.STATX_GID),
                () -> assertEquals(0x20, Statx.STATX_ATIME),
                () -> assertEquals(0x40, Statx.STATX_MTIME),
                () -> assertEquals(0x80, Statx.STATX_CTIME),
                () -> assertEquals(0x100, Statx.STATX_INO),
                () -> assertEquals(0x200, Statx.STATX_SIZE),
                () -> assertEquals(0x400, Statx.STATX_BLOCKS),
                () -> assertEquals(0x7ff, Statx.STATX_BASIC_STATS),
                () -> assertEquals(0x800, Statx.STATX_BTIME),
                () -> assertEquals(0x1000, Statx.STATX_MNT_ID),
                () -> assertEquals(0x2000, Statx.STATX_DIOALIGN),
                () -> assertEquals(0x4000, Statx.STATX_MNT_ID_UNIQUE),
                () -> assertEquals(0x8000, Statx.STATX_SUBVOL),
                () -> assertEquals(0x10000, Statx.STATX_WRITE_ATOMIC),
                () -> assertEquals(0x20000, Statx.STATX_DIO_READ_ALIGN));
    }

    /**
     * Every errno of include/uapi/asm-generic/errno-base.h and errno.h (which x86_64 and aarch64
     * both use), as the headers define them, in their order.
     */
    private static final String UAPI_ERRNOS = """
            EPERM 1 ENOENT 2 ESRCH 3 EINTR 4 EIO 5 ENXIO 6 E2BIG 7 ENOEXEC 8 EBADF 9 ECHILD 10
            EAGAIN 11 ENOMEM 12 EACCES 13 EFAULT 14 ENOTBLK 15 EBUSY 16 EEXIST 17 EXDEV 18 ENODEV 19
            ENOTDIR 20 EISDIR 21 EINVAL 22 ENFILE 23 EMFILE 24 ENOTTY 25 ETXTBSY 26 EFBIG 27 ENOSPC 28
            ESPIPE 29 EROFS 30 EMLINK 31 EPIPE 32 EDOM 33 ERANGE 34 EDEADLK 35 ENAMETOOLONG 36
            ENOLCK 37 ENOSYS 38 ENOTEMPTY 39 ELOOP 40 EWOULDBLOCK 11 ENOMSG 42 EIDRM 43 ECHRNG 44
            EL2NSYNC 45 EL3HLT 46 EL3RST 47 ELNRNG 48 EUNATCH 49 ENOCSI 50 EL2HLT 51 EBADE 52
            EBADR 53 EXFULL 54 ENOANO 55 EBADRQC 56 EBADSLT 57 EDEADLOCK 35 EBFONT 59 ENOSTR 60
            ENODATA 61 ETIME 62 ENOSR 63 ENONET 64 ENOPKG 65 EREMOTE 66 ENOLINK 67 EADV 68 ESRMNT 69
            ECOMM 70 EPROTO 71 EMULTIHOP 72 EDOTDOT 73 EBADMSG 74 EOVERFLOW 75 ENOTUNIQ 76 EBADFD 77
            EREMCHG 78 ELIBACC 79 ELIBBAD 80 ELIBSCN 81 ELIBMAX 82 ELIBEXEC 83 EILSEQ 84 ERESTART 85
            ESTRPIPE 86 EUSERS 87 ENOTSOCK 88 EDESTADDRREQ 89 EMSGSIZE 90 EPROTOTYPE 91 ENOPROTOOPT 92
            EPROTONOSUPPORT 93 ESOCKTNOSUPPORT 94 EOPNOTSUPP 95 EPFNOSUPPORT 96 EAFNOSUPPORT 97
            EADDRINUSE 98 EADDRNOTAVAIL 99 ENETDOWN 100 ENETUNREACH 101 ENETRESET 102 ECONNABORTED 103
            ECONNRESET 104 ENOBUFS 105 EISCONN 106 ENOTCONN 107 ESHUTDOWN 108 ETOOMANYREFS 109
            ETIMEDOUT 110 ECONNREFUSED 111 EHOSTDOWN 112 EHOSTUNREACH 113 EALREADY 114 EINPROGRESS 115
            ESTALE 116 EUCLEAN 117 ENOTNAM 118 ENAVAIL 119 EISNAM 120 EREMOTEIO 121 EDQUOT 122
            ENOMEDIUM 123 EMEDIUMTYPE 124 ECANCELED 125 ENOKEY 126 EKEYEXPIRED 127 EKEYREVOKED 128
            EKEYREJECTED 129 EOWNERDEAD 130 ENOTRECOVERABLE 131 ERFKILL 132 EHWPOISON 133
            """;

    /** include/linux/errno.h: kernel-internal codes that still reach user space now and then. */
    private static final String INTERNAL_ERRNOS = """
            ERESTARTSYS 512 ERESTARTNOINTR 513 ERESTARTNOHAND 514 ENOIOCTLCMD 515
            ERESTART_RESTARTBLOCK 516 EPROBE_DEFER 517 EOPENSTALE 518 ENOPARAM 519 EBADHANDLE 521
            ENOTSYNC 522 EBADCOOKIE 523 ENOTSUPP 524 ETOOSMALL 525 ESERVERFAULT 526 EBADTYPE 527
            EJUKEBOX 528 EIOCBQUEUED 529 ERECALLCONFLICT 530 ENOGRACE 531
            """;

    private static Map<String, Integer> table(String text) {
        String[] t = text.trim().split("\\s+");
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < t.length; i += 2) {
            m.put(t[i], Integer.parseInt(t[i + 1]));
        }
        return m;
    }

    /** Each errno constant has the kernel's value, and Errno has a constant for each. */
    @Test
    void errnoValuesAreTheKernels() throws ReflectiveOperationException {
        Map<String, Integer> all = new LinkedHashMap<>(table(UAPI_ERRNOS));
        all.putAll(table(INTERNAL_ERRNOS));
        assertEquals(131 + 2, table(UAPI_ERRNOS).size(), "131 numbers, 2 aliases (EWOULDBLOCK, EDEADLOCK)");
        for (var e : all.entrySet()) {
            assertEquals(e.getValue(), Errno.class.getField(e.getKey()).getInt(null), e.getKey());
        }
        Set<String> constants = new TreeSet<>();
        for (Field f : Errno.class.getFields()) {
            if (f.getType() == int.class && Modifier.isStatic(f.getModifiers())) {
                constants.add(f.getName());
            }
        }
        assertEquals(new TreeSet<>(all.keySet()), constants, "no errno constant the headers do not define");
    }

    /** Every errno has its name: 1 to 133 but the unused 41 and 58, and the kernel-internal 512 to 531 but 520. */
    @Test
    void everyErrnoHasItsName() {
        Map<Integer, String> byValue = new HashMap<>();
        table(UAPI_ERRNOS).forEach((n, v) -> byValue.putIfAbsent(v, n)); // the first name of a number
        table(INTERNAL_ERRNOS).forEach((n, v) -> byValue.putIfAbsent(v, n));
        for (int e = 1; e <= 133; e++) {
            if (e == 41 || e == 58) {
                assertEquals("errno " + e, Errno.name(e), "no errno has number " + e);
            } else {
                assertEquals(byValue.get(e), Errno.name(e), "errno " + e);
                assertEquals(byValue.get(e), Errno.name(-e), "negated errno " + e);
            }
        }
        for (int e = 512; e <= 531; e++) {
            assertEquals(e == 520 ? "errno 520" : byValue.get(e), Errno.name(e), "errno " + e);
        }
        assertAll(
                () -> assertEquals("ENAMETOOLONG", Errno.name(36)),
                () -> assertEquals("ELOOP", Errno.name(40)),
                () -> assertEquals("EAGAIN", Errno.name(Errno.EWOULDBLOCK)),
                () -> assertEquals("EDEADLK", Errno.name(Errno.EDEADLOCK)),
                () -> assertEquals("ENOTSUPP", Errno.name(524)),
                () -> assertEquals("errno 134", Errno.name(134)),
                () -> assertEquals("errno 4000", Errno.name(4000)));
    }

    /**
     * The names agree with the C library: it has a message for exactly the errnos that have a name
     * in 1..511 (glibc and musl say "Unknown error" otherwise); the kernel-internal ones, which it
     * does not know, are described from the kernel header.
     */
    @Test
    void errnoNamesCoverWhatTheCLibraryKnows() {
        for (int e = 1; e < 512; e++) {
            String d = Errno.describe(e);
            boolean named = !Errno.name(e).startsWith("errno ");
            boolean known = !d.contains("Unknown error") && !d.contains("No error information");
            assertEquals(known, named, d);
        }
        assertEquals("ENOTSUPP (Operation is not supported; a kernel-internal errno)", Errno.describe(-524));
        assertEquals("ENAMETOOLONG (File name too long)", Errno.describe(36));
        assertEquals("ELOOP (Too many levels of symbolic links)", Errno.describe(40));
    }

    @Test
    void arch() {
        String osArch = System.getProperty("os.arch");
        assertEquals(osArch.equals("amd64") || osArch.equals("x86_64"), Arch.X86_64);
        assertEquals(osArch.equals("aarch64"), Arch.AARCH64);
        assertEquals(System.getProperty("os.name").startsWith("Linux"), Arch.LINUX);
        assertEquals(Arch.X86_64 ? "x86_64" : Arch.AARCH64 ? "aarch64" : osArch, Arch.name());
    }
}
