package dev.jaio.internal.linux;

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

    @Test
    void errnoValuesAndNames() {
        assertAll(
                () -> assertEquals(1, Errno.EPERM),
                () -> assertEquals(2, Errno.ENOENT),
                () -> assertEquals(4, Errno.EINTR),
                () -> assertEquals(5, Errno.EIO),
                () -> assertEquals(6, Errno.ENXIO),
                () -> assertEquals(9, Errno.EBADF),
                () -> assertEquals(11, Errno.EAGAIN),
                () -> assertEquals(11, Errno.EWOULDBLOCK),
                () -> assertEquals(12, Errno.ENOMEM),
                () -> assertEquals(13, Errno.EACCES),
                () -> assertEquals(14, Errno.EFAULT),
                () -> assertEquals(16, Errno.EBUSY),
                () -> assertEquals(17, Errno.EEXIST),
                () -> assertEquals(20, Errno.ENOTDIR),
                () -> assertEquals(21, Errno.EISDIR),
                () -> assertEquals(22, Errno.EINVAL),
                () -> assertEquals(23, Errno.ENFILE),
                () -> assertEquals(24, Errno.EMFILE),
                () -> assertEquals(27, Errno.EFBIG),
                () -> assertEquals(28, Errno.ENOSPC),
                () -> assertEquals(29, Errno.ESPIPE),
                () -> assertEquals(30, Errno.EROFS),
                () -> assertEquals(38, Errno.ENOSYS),
                () -> assertEquals(62, Errno.ETIME),
                () -> assertEquals(75, Errno.EOVERFLOW),
                () -> assertEquals(95, Errno.EOPNOTSUPP),
                () -> assertEquals(110, Errno.ETIMEDOUT),
                () -> assertEquals(114, Errno.EALREADY),
                () -> assertEquals(115, Errno.EINPROGRESS),
                () -> assertEquals(122, Errno.EDQUOT),
                () -> assertEquals(125, Errno.ECANCELED),
                () -> assertEquals("EINVAL", Errno.name(Errno.EINVAL)),
                () -> assertEquals("EAGAIN", Errno.name(Errno.EWOULDBLOCK)),
                () -> assertEquals("EBADF", Errno.name(-Errno.EBADF)),
                () -> assertEquals("errno 123", Errno.name(123)));
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
