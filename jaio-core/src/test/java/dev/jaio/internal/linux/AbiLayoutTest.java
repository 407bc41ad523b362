package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden values: every size and offset below is a literal from the kernel ABI (aio_abi.h, fs/aio.c,
 * time_types.h, stat.h, uio.h, poll.h, glibc's utsname), checked with offsetof/sizeof on x86_64.
 * They are never recomputed from the layouts under test. Each layout is checked both through its exported
 * constant and through the named path, so a renamed field fails too.
 */
class AbiLayoutTest {

    private static void field(MemoryLayout layout, String name, long expectedOffset, long constant) {
        assertEquals(expectedOffset, constant, () -> layout.name().orElseThrow() + "." + name + " constant");
        assertEquals(expectedOffset, layout.byteOffset(PathElement.groupElement(name)),
                () -> layout.name().orElseThrow() + "." + name + " layout");
    }

    @Test
    void iocb() {
        var l = AioAbi.IOCB;
        assertAll(
                () -> assertEquals(64, l.byteSize()),
                () -> field(l, "aio_data", 0, AioAbi.IOCB_AIO_DATA),
                () -> field(l, "aio_key", 8, AioAbi.IOCB_AIO_KEY),
                () -> field(l, "aio_rw_flags", 12, AioAbi.IOCB_AIO_RW_FLAGS),
                () -> field(l, "aio_lio_opcode", 16, AioAbi.IOCB_AIO_LIO_OPCODE),
                () -> field(l, "aio_reqprio", 18, AioAbi.IOCB_AIO_REQPRIO),
                () -> field(l, "aio_fildes", 20, AioAbi.IOCB_AIO_FILDES),
                () -> field(l, "aio_buf", 24, AioAbi.IOCB_AIO_BUF),
                () -> field(l, "aio_nbytes", 32, AioAbi.IOCB_AIO_NBYTES),
                () -> field(l, "aio_offset", 40, AioAbi.IOCB_AIO_OFFSET),
                () -> field(l, "aio_reserved2", 48, AioAbi.IOCB_AIO_RESERVED2),
                () -> field(l, "aio_flags", 56, AioAbi.IOCB_AIO_FLAGS),
                () -> field(l, "aio_resfd", 60, AioAbi.IOCB_AIO_RESFD));
    }

    @Test
    void ioEvent() {
        var l = AioAbi.IO_EVENT;
        assertAll(
                () -> assertEquals(32, l.byteSize()),
                () -> field(l, "data", 0, AioAbi.IO_EVENT_DATA),
                () -> field(l, "obj", 8, AioAbi.IO_EVENT_OBJ),
                () -> field(l, "res", 16, AioAbi.IO_EVENT_RES),
                () -> field(l, "res2", 24, AioAbi.IO_EVENT_RES2));
    }

    @Test
    void aioRing() {
        var l = AioAbi.AIO_RING;
        assertAll(
                () -> assertEquals(32, l.byteSize()),
                () -> field(l, "id", 0, AioAbi.AIO_RING_ID),
                () -> field(l, "nr", 4, AioAbi.AIO_RING_NR),
                () -> field(l, "head", 8, AioAbi.AIO_RING_HEAD),
                () -> field(l, "tail", 12, AioAbi.AIO_RING_TAIL),
                () -> field(l, "magic", 16, AioAbi.AIO_RING_MAGIC),
                () -> field(l, "compat_features", 20, AioAbi.AIO_RING_COMPAT_FEATURES),
                () -> field(l, "incompat_features", 24, AioAbi.AIO_RING_INCOMPAT_FEATURES),
                () -> field(l, "header_length", 28, AioAbi.AIO_RING_HEADER_LENGTH),
                () -> field(l, "io_events", 32, AioAbi.AIO_RING_IO_EVENTS));
    }

    @Test
    void kernelTimespec() {
        assertAll(
                () -> assertEquals(16, Timespec.KERNEL_TIMESPEC.byteSize()),
                () -> field(Timespec.KERNEL_TIMESPEC, "tv_sec", 0, Timespec.KERNEL_TIMESPEC_TV_SEC),
                () -> field(Timespec.KERNEL_TIMESPEC, "tv_nsec", 8, Timespec.KERNEL_TIMESPEC_TV_NSEC));
    }

    @Test
    void aioSigset() {
        assertAll(
                () -> assertEquals(16, AioAbi.AIO_SIGSET.byteSize()),
                () -> field(AioAbi.AIO_SIGSET, "sigmask", 0, AioAbi.AIO_SIGSET_SIGMASK),
                () -> field(AioAbi.AIO_SIGSET, "sigsetsize", 8, AioAbi.AIO_SIGSET_SIGSETSIZE),
                () -> assertEquals(8, AioAbi.KERNEL_SIGSET_SIZE));
    }

    @Test
    void iovec() {
        assertAll(
                () -> assertEquals(16, Iovec.IOVEC.byteSize()),
                () -> field(Iovec.IOVEC, "iov_base", 0, Iovec.IOVEC_IOV_BASE),
                () -> field(Iovec.IOVEC, "iov_len", 8, Iovec.IOVEC_IOV_LEN));
    }

    @Test
    void pollfd() {
        assertAll(
                () -> assertEquals(8, Poll.POLLFD.byteSize()),
                () -> field(Poll.POLLFD, "fd", 0, Poll.POLLFD_FD),
                () -> field(Poll.POLLFD, "events", 4, Poll.POLLFD_EVENTS),
                () -> field(Poll.POLLFD, "revents", 6, Poll.POLLFD_REVENTS));
    }

    @Test
    void utsname() {
        var l = Utsname.UTSNAME;
        assertAll(
                () -> assertEquals(390, l.byteSize()),
                () -> assertEquals(65, Utsname.UTSNAME_LENGTH),
                () -> field(l, "sysname", 0, Utsname.UTSNAME_SYSNAME),
                () -> field(l, "nodename", 65, Utsname.UTSNAME_NODENAME),
                () -> field(l, "release", 130, Utsname.UTSNAME_RELEASE),
                () -> field(l, "version", 195, Utsname.UTSNAME_VERSION),
                () -> field(l, "machine", 260, Utsname.UTSNAME_MACHINE),
                () -> field(l, "domainname", 325, Utsname.UTSNAME_DOMAINNAME));
    }

    @Test
    void statxTimestamp() {
        var l = Statx.STATX_TIMESTAMP;
        assertAll(
                () -> assertEquals(16, l.byteSize()),
                () -> field(l, "tv_sec", 0, Statx.STATX_TIMESTAMP_TV_SEC),
                () -> field(l, "tv_nsec", 8, Statx.STATX_TIMESTAMP_TV_NSEC),
                () -> assertEquals(12, l.byteOffset(PathElement.groupElement("__reserved"))));
    }

    @Test
    void statx() {
        var l = Statx.STATX;
        assertAll(
                () -> assertEquals(256, l.byteSize()),
                () -> field(l, "stx_mask", 0x00, Statx.STX_MASK),
                () -> field(l, "stx_blksize", 0x04, Statx.STX_BLKSIZE),
                () -> field(l, "stx_attributes", 0x08, Statx.STX_ATTRIBUTES),
                () -> field(l, "stx_nlink", 0x10, Statx.STX_NLINK),
                () -> field(l, "stx_uid", 0x14, Statx.STX_UID),
                () -> field(l, "stx_gid", 0x18, Statx.STX_GID),
                () -> field(l, "stx_mode", 0x1c, Statx.STX_MODE),
                () -> field(l, "stx_ino", 0x20, Statx.STX_INO),
                () -> field(l, "stx_size", 0x28, Statx.STX_SIZE),
                () -> field(l, "stx_blocks", 0x30, Statx.STX_BLOCKS),
                () -> field(l, "stx_attributes_mask", 0x38, Statx.STX_ATTRIBUTES_MASK),
                () -> field(l, "stx_atime", 0x40, Statx.STX_ATIME),
                () -> field(l, "stx_btime", 0x50, Statx.STX_BTIME),
                () -> field(l, "stx_ctime", 0x60, Statx.STX_CTIME),
                () -> field(l, "stx_mtime", 0x70, Statx.STX_MTIME),
                () -> field(l, "stx_rdev_major", 0x80, Statx.STX_RDEV_MAJOR),
                () -> field(l, "stx_rdev_minor", 0x84, Statx.STX_RDEV_MINOR),
                () -> field(l, "stx_dev_major", 0x88, Statx.STX_DEV_MAJOR),
                () -> field(l, "stx_dev_minor", 0x8c, Statx.STX_DEV_MINOR),
                () -> field(l, "stx_mnt_id", 0x90, Statx.STX_MNT_ID),
                () -> field(l, "stx_dio_mem_align", 0x98, Statx.STX_DIO_MEM_ALIGN),
                () -> field(l, "stx_dio_offset_align", 0x9c, Statx.STX_DIO_OFFSET_ALIGN),
                () -> field(l, "stx_subvol", 0xa0, Statx.STX_SUBVOL),
                () -> field(l, "stx_atomic_write_unit_min", 0xa8, Statx.STX_ATOMIC_WRITE_UNIT_MIN),
                () -> field(l, "stx_atomic_write_unit_max", 0xac, Statx.STX_ATOMIC_WRITE_UNIT_MAX),
                () -> field(l, "stx_atomic_write_segments_max", 0xb0, Statx.STX_ATOMIC_WRITE_SEGMENTS_MAX),
                () -> field(l, "stx_dio_read_offset_align", 0xb4, Statx.STX_DIO_READ_OFFSET_ALIGN),
                () -> field(l, "stx_atomic_write_unit_max_opt", 0xb8, Statx.STX_ATOMIC_WRITE_UNIT_MAX_OPT),
                () -> assertEquals(0xc0, l.byteOffset(PathElement.groupElement("__spare3"))),
                () -> assertEquals(0x68, l.byteOffset(PathElement.groupElement("stx_ctime"),
                        PathElement.groupElement("tv_nsec"))));
    }

    /** struct flock of include/uapi/asm-generic/fcntl.h on LP64, and the F_OFD_* commands. */
    @Test
    void flock() {
        var l = Flock.FLOCK;
        assertAll(
                () -> assertEquals(32, l.byteSize()),
                () -> field(l, "l_type", 0, Flock.L_TYPE),
                () -> field(l, "l_whence", 2, Flock.L_WHENCE),
                () -> field(l, "l_start", 8, Flock.L_START),
                () -> field(l, "l_len", 16, Flock.L_LEN),
                () -> field(l, "l_pid", 24, Flock.L_PID),
                () -> assertEquals(36, Flock.F_OFD_GETLK),
                () -> assertEquals(37, Flock.F_OFD_SETLK),
                () -> assertEquals(38, Flock.F_OFD_SETLKW),
                () -> assertEquals(0, Flock.F_RDLCK),
                () -> assertEquals(1, Flock.F_WRLCK),
                () -> assertEquals(2, Flock.F_UNLCK));
    }

    /** struct cachestat_range and struct cachestat of include/uapi/linux/mman.h; cachestat is 451. */
    @Test
    void cachestat() {
        var r = Cachestat.CACHESTAT_RANGE;
        var c = Cachestat.CACHESTAT;
        assertAll(
                () -> assertEquals(16, r.byteSize()),
                () -> field(r, "off", 0, Cachestat.RANGE_OFF),
                () -> field(r, "len", 8, Cachestat.RANGE_LEN),
                () -> assertEquals(40, c.byteSize()),
                () -> field(c, "nr_cache", 0, Cachestat.NR_CACHE),
                () -> assertEquals(8, c.byteOffset(PathElement.groupElement("nr_dirty"))),
                () -> assertEquals(32, c.byteOffset(PathElement.groupElement("nr_recently_evicted"))),
                () -> assertEquals(451, Cachestat.NR_CACHESTAT));
    }
}
