package dev.jaio.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The libc wrappers against the real kernel, on real files in a temporary directory. */
class LibcTest {

    @TempDir
    Path dir;

    private Arena arena;
    private int fd = -1;

    @BeforeEach
    void setUp() {
        assumeTrue(Arch.LINUX, "Linux only");
        arena = Arena.ofConfined();
    }

    @AfterEach
    void tearDown() {
        if (fd >= 0) {
            Libc.close(fd);
        }
        if (arena != null) {
            arena.close();
        }
    }

    private MemorySegment path(String name) {
        return arena.allocateFrom(dir.resolve(name).toString());
    }

    private int openTemp(String name, int extraFlags) {
        long r = Libc.open(path(name), Fcntl.O_CREAT | Fcntl.O_RDWR | Fcntl.O_CLOEXEC | extraFlags, 0600);
        assertTrue(r >= 0, () -> "open: " + Errno.describe((int) r));
        fd = (int) r;
        return fd;
    }

    private MemorySegment pattern(long size, int seed) {
        MemorySegment buf = arena.allocate(size, 4096);
        for (long i = 0; i < size; i++) {
            buf.set(JAVA_BYTE, i, (byte) (i * 31 + seed));
        }
        return buf;
    }

    private long statxSize(int fd, MemorySegment stx) {
        assertEquals(0, Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH, Statx.STATX_SIZE, stx));
        assertTrue((stx.get(JAVA_INT, Statx.STX_MASK) & Statx.STATX_SIZE) != 0);
        return stx.get(JAVA_LONG, Statx.STX_SIZE);
    }

    @Test
    void pwriteThenPreadRoundTrip() {
        int fd = openTemp("rw", 0);
        MemorySegment out = pattern(10_000, 7);
        assertEquals(10_000, Libc.pwrite(fd, out, out.byteSize(), 123));
        MemorySegment in = arena.allocate(10_000);
        assertEquals(10_000, Libc.pread(fd, in, in.byteSize(), 123));
        assertArrayEquals(out.toArray(JAVA_BYTE), in.toArray(JAVA_BYTE));
        assertEquals(0, Libc.pread(fd, in, in.byteSize(), 1_000_000), "pread past EOF reads 0 bytes");
    }

    @Test
    void readAndWriteUseTheFilePosition() {
        int fd = openTemp("seq", 0);
        MemorySegment out = pattern(100, 3);
        assertEquals(100, Libc.write(fd, out, 100));
        MemorySegment in = arena.allocate(100);
        assertEquals(100, Libc.pread(fd, in, 100, 0));
        assertArrayEquals(out.toArray(JAVA_BYTE), in.toArray(JAVA_BYTE));
        assertEquals(0, Libc.read(fd, in, 100), "position is at EOF after write");
    }

    @Test
    void pwritevThenPreadvWithTwoIovecs() {
        int fd = openTemp("vec", 0);
        MemorySegment a = pattern(3000, 1);
        MemorySegment b = pattern(5000, 2);
        MemorySegment iov = arena.allocate(Iovec.IOVEC, 2);
        setIovec(iov, 0, a);
        setIovec(iov, 1, b);
        assertEquals(8000, Libc.pwritev(fd, iov, 2, 4096));

        MemorySegment whole = arena.allocate(8000);
        assertEquals(8000, Libc.pread(fd, whole, 8000, 4096));
        assertArrayEquals(a.toArray(JAVA_BYTE), whole.asSlice(0, 3000).toArray(JAVA_BYTE));
        assertArrayEquals(b.toArray(JAVA_BYTE), whole.asSlice(3000, 5000).toArray(JAVA_BYTE));

        MemorySegment c = arena.allocate(5000);
        MemorySegment d = arena.allocate(3000);
        setIovec(iov, 0, c);
        setIovec(iov, 1, d);
        assertEquals(8000, Libc.preadv(fd, iov, 2, 4096));
        assertArrayEquals(whole.asSlice(0, 5000).toArray(JAVA_BYTE), c.toArray(JAVA_BYTE));
        assertArrayEquals(whole.asSlice(5000, 3000).toArray(JAVA_BYTE), d.toArray(JAVA_BYTE));
    }

    @Test
    void preadv2AndPwritev2WithRwfFlags() {
        int fd = openTemp("vec2", 0);
        MemorySegment out = pattern(4096, 9);
        MemorySegment iov = arena.allocate(Iovec.IOVEC);
        setIovec(iov, 0, out);
        assertEquals(4096, Libc.pwritev2(fd, iov, 1, 0, Rwf.RWF_DSYNC));
        MemorySegment in = arena.allocate(4096);
        setIovec(iov, 0, in);
        assertEquals(4096, Libc.preadv2(fd, iov, 1, 0, 0));
        assertArrayEquals(out.toArray(JAVA_BYTE), in.toArray(JAVA_BYTE));
        assertEquals(-Errno.EOPNOTSUPP, Libc.preadv2(fd, iov, 1, 0, 0x4000_0000), "unknown RWF flag");
    }

    private static void setIovec(MemorySegment iov, long index, MemorySegment buf) {
        long base = index * Iovec.IOVEC.byteSize();
        iov.set(ADDRESS, base + Iovec.IOVEC_IOV_BASE, buf);
        iov.set(JAVA_LONG, base + Iovec.IOVEC_IOV_LEN, buf.byteSize());
    }

    @Test
    void fsyncAndFdatasync() {
        int fd = openTemp("sync", 0);
        MemorySegment out = pattern(512, 0);
        assertEquals(512, Libc.pwrite(fd, out, 512, 0));
        assertEquals(0, Libc.fsync(fd));
        assertEquals(0, Libc.fdatasync(fd));
        assertEquals(-Errno.EBADF, Libc.fsync(-1));
    }

    @Test
    void ftruncateIsVisibleThroughStatx() {
        int fd = openTemp("trunc", 0);
        MemorySegment stx = arena.allocate(Statx.STATX);
        assertEquals(0, Libc.ftruncate(fd, 123_456));
        assertEquals(123_456, statxSize(fd, stx));
        assertEquals(0, Libc.ftruncate(fd, 7));
        assertEquals(7, statxSize(fd, stx));
        assertEquals(-Errno.EINVAL, Libc.ftruncate(fd, -1));
    }

    @Test
    void fallocateExtendsOrKeepsSize() {
        int fd = openTemp("falloc", 0);
        MemorySegment stx = arena.allocate(Statx.STATX);
        long r = Libc.fallocate(fd, Falloc.FALLOC_FL_ALLOCATE_RANGE, 0, 1 << 20);
        assumeTrue(r != -Errno.EOPNOTSUPP, "file system without fallocate");
        assertEquals(0, r);
        assertEquals(1 << 20, statxSize(fd, stx));
        assertEquals(0, Libc.fallocate(fd, Falloc.FALLOC_FL_KEEP_SIZE, 1 << 20, 1 << 20));
        assertEquals(1 << 20, statxSize(fd, stx));
        assertEquals(-Errno.EINVAL, Libc.fallocate(fd, 0, 0, 0), "zero length");
    }

    @Test
    void posixFadviseConvertsTheReturnedErrorNumber() {
        int fd = openTemp("fadvise", 0);
        MemorySegment out = pattern(8192, 4);
        assertEquals(8192, Libc.pwrite(fd, out, 8192, 0));
        assertEquals(0, Libc.posixFadvise(fd, 0, 0, Fadvise.POSIX_FADV_DONTNEED));
        assertEquals(0, Libc.posixFadvise(fd, 0, 8192, Fadvise.POSIX_FADV_WILLNEED));
        assertEquals(-Errno.EINVAL, Libc.posixFadvise(fd, 0, 0, 99));
        assertEquals(-Errno.EBADF, Libc.posixFadvise(-1, 0, 0, Fadvise.POSIX_FADV_NORMAL));
    }

    @Test
    void cachestatCountsTheResidentPagesOfARange() {
        int fd = openTemp("cachestat", 0);
        MemorySegment out = pattern(8 * 4096, 5);
        assertEquals(8 * 4096, Libc.pwrite(fd, out, 8 * 4096, 0));
        long resident = Cachestat.residentPages(fd, 0, 8 * 4096);
        assumeTrue(resident != -Errno.ENOSYS, "cachestat(2) needs Linux 6.5");
        assertEquals(8, resident, "pages just written are in the page cache");
        assertEquals(3, Cachestat.residentPages(fd, 4096, 3 * 4096), "a range counts its own pages");
        assertEquals(8, Cachestat.residentPages(fd, 0, 0), "length 0: to the end of the file");
        assertEquals(0, Cachestat.residentPages(fd, 1 << 20, 4096), "past the end nothing is cached");
        assertEquals(-Errno.EBADF, Cachestat.residentPages(-1, 0, 4096));
        long size = 8 * 4096;
        assertTrue(Cachestat.allResident(fd, 0, size, size));
        assertTrue(Cachestat.allResident(fd, 100, 5000, size), "a range inside pages");
        assertTrue(Cachestat.allResident(fd, 4096, Long.MAX_VALUE, size), "a count to the end, without overflow");
        assertTrue(Cachestat.allResident(fd, size, 10, size), "nothing before the size: nothing to wait for");
        assertFalse(Cachestat.allResident(-1, 0, size, size), "a failure (EBADF): cannot say, so not resident");
        assertEquals(0, Libc.posixFadvise(fd, 0, 0, Fadvise.POSIX_FADV_DONTNEED)); // clean: the pwrite went
        assertEquals(0, Libc.fsync(fd));
        assertEquals(0, Libc.posixFadvise(fd, 0, 0, Fadvise.POSIX_FADV_DONTNEED));
        assertFalse(Cachestat.allResident(fd, 0, size, size), "dropped");
    }

    @Test
    void statxReportsSizeModeAndDirectIoAlignment() {
        int fd = openTemp("stx", 0);
        MemorySegment out = pattern(5000, 5);
        assertEquals(5000, Libc.pwrite(fd, out, 5000, 0));
        MemorySegment stx = arena.allocate(Statx.STATX);
        int want = Statx.STATX_BASIC_STATS | Statx.STATX_DIOALIGN | Statx.STATX_DIO_READ_ALIGN;
        assertEquals(0, Libc.statx(Fcntl.AT_FDCWD, path("stx"), Fcntl.AT_STATX_SYNC_AS_STAT, want, stx));

        int mask = stx.get(JAVA_INT, Statx.STX_MASK);
        assertEquals(Statx.STATX_BASIC_STATS, mask & Statx.STATX_BASIC_STATS, "local file systems fill all basic stats");
        assertEquals(5000, stx.get(JAVA_LONG, Statx.STX_SIZE));
        assertEquals(0100000, Short.toUnsignedInt(stx.get(JAVA_SHORT, Statx.STX_MODE)) & 0170000, "S_IFREG");
        assertTrue(stx.get(JAVA_INT, Statx.STX_BLKSIZE) > 0);
        assertTrue(stx.get(JAVA_LONG, Statx.STX_BLOCKS) > 0);

        int memAlign = stx.get(JAVA_INT, Statx.STX_DIO_MEM_ALIGN);
        int offsetAlign = stx.get(JAVA_INT, Statx.STX_DIO_OFFSET_ALIGN);
        if ((mask & Statx.STATX_DIOALIGN) != 0) {
            // Both zero means the file system answered but does not support O_DIRECT for this file.
            assertEquals(memAlign == 0, offsetAlign == 0);
            assertTrue(memAlign == 0 || Integer.bitCount(memAlign) == 1, "power of two: " + memAlign);
            assertTrue(offsetAlign == 0 || Integer.bitCount(offsetAlign) == 1, "power of two: " + offsetAlign);
        } else {
            assertEquals(0, memAlign, "a field whose bit is clear is zeroed");
            assertEquals(0, offsetAlign);
        }
        int readAlign = stx.get(JAVA_INT, Statx.STX_DIO_READ_OFFSET_ALIGN);
        if ((mask & Statx.STATX_DIO_READ_ALIGN) == 0) {
            assertEquals(0, readAlign);
        } else {
            assertTrue(readAlign == 0 || Integer.bitCount(readAlign) == 1, "power of two: " + readAlign);
        }
        // The device of the file, as the JDK sees it, is nonzero; mnt_id comes with basic stats since 5.8.
        assertTrue(stx.get(JAVA_INT, Statx.STX_DEV_MAJOR) != 0 || stx.get(JAVA_INT, Statx.STX_DEV_MINOR) != 0);
    }

    @Test
    void statxDirectIoAlignmentOnExt4IsNonzero() throws Exception {
        assumeTrue("ext4".equals(Files.getFileStore(dir).type()), "ext4 reports STATX_DIOALIGN since 6.1");
        openTemp("ext4", 0);
        MemorySegment stx = arena.allocate(Statx.STATX);
        assertEquals(0, Libc.statx(Fcntl.AT_FDCWD, path("ext4"), 0, Statx.STATX_DIOALIGN, stx));
        assumeTrue((stx.get(JAVA_INT, Statx.STX_MASK) & Statx.STATX_DIOALIGN) != 0, "kernel before 6.1");
        assertTrue(stx.get(JAVA_INT, Statx.STX_DIO_MEM_ALIGN) > 0);
        assertTrue(stx.get(JAVA_INT, Statx.STX_DIO_OFFSET_ALIGN) > 0);
    }

    @Test
    void openOfMissingPathReturnsMinusEnoent() throws Exception {
        assertEquals(-Errno.ENOENT, Libc.open(path("missing/nothing"), Fcntl.O_RDONLY, 0));
        Files.createFile(dir.resolve("exists"));
        assertEquals(-Errno.EEXIST, Libc.open(path("exists"), Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_RDWR, 0600));
        assertEquals(-Errno.ENOENT, Libc.statx(Fcntl.AT_FDCWD, path("missing"), 0, Statx.STATX_SIZE,
                arena.allocate(Statx.STATX)));
    }

    @Test
    void closeTwiceReturnsMinusEbadf() {
        int fd = openTemp("close", 0);
        this.fd = -1;
        assertEquals(0, Libc.close(fd));
        assertEquals(-Errno.EBADF, Libc.close(fd));
    }

    @Test
    void eventfdCounterRoundTrip() {
        long efd = Libc.eventfd(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        assertTrue(efd >= 0, () -> Errno.describe((int) efd));
        fd = (int) efd;
        MemorySegment counter = arena.allocate(JAVA_LONG);
        assertEquals(-Errno.EAGAIN, Libc.read(fd, counter, 8), "a zero counter does not block");
        counter.set(JAVA_LONG, 0, 5);
        assertEquals(8, Libc.write(fd, counter, 8));
        counter.set(JAVA_LONG, 0, 37);
        assertEquals(8, Libc.write(fd, counter, 8));
        counter.set(JAVA_LONG, 0, 0);
        assertEquals(8, Libc.read(fd, counter, 8));
        assertEquals(42, counter.get(JAVA_LONG, 0), "a read returns the sum and resets it");
        assertEquals(-Errno.EINVAL, Libc.read(fd, counter, 4), "eventfd reads are 8 bytes");
        // The loops' drain of the counter: the same read without errno capture.
        counter.set(JAVA_LONG, 0, 3);
        assertEquals(8, Libc.write(fd, counter, 8));
        counter.set(JAVA_LONG, 0, 0);
        assertEquals(8, Libc.readTry(fd, counter, 8));
        assertEquals(3, counter.get(JAVA_LONG, 0));
        assertEquals(-1, Libc.readTry(fd, counter, 8), "a failure (EAGAIN: the counter is 0) is -1");
    }

    @Test
    void pollSeesAReadableEventfd() {
        long efd = Libc.eventfd(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        assertTrue(efd >= 0);
        fd = (int) efd;
        MemorySegment pfd = arena.allocate(Poll.POLLFD);
        pfd.set(JAVA_INT, Poll.POLLFD_FD, fd);
        pfd.set(JAVA_SHORT, Poll.POLLFD_EVENTS, Poll.POLLIN);
        assertEquals(0, Libc.poll(pfd, 1, 0), "nothing to read yet");

        MemorySegment one = arena.allocate(JAVA_LONG);
        one.set(JAVA_LONG, 0, 1);
        assertEquals(8, Libc.write(fd, one, 8));
        assertEquals(1, Libc.poll(pfd, 1, 1000));
        assertEquals(Poll.POLLIN, pfd.get(JAVA_SHORT, Poll.POLLFD_REVENTS) & Poll.POLLIN);
    }

    @Test
    void errnoDescriptionComesFromLibc() {
        String d = Errno.describe(Errno.EINVAL);
        assertTrue(d.startsWith("EINVAL ("), d);
        assertTrue(d.contains("Invalid argument"), d);
        assertEquals(d, Errno.describe(-Errno.EINVAL));
        assertTrue(Errno.describe(Errno.ENOENT).contains("No such file or directory"));
        assertTrue(Errno.describe(4000).startsWith("errno 4000 ("));
    }

    @Test
    void kernelReleaseMatchesUname() {
        String release = Libc.kernelRelease();
        assertTrue(release.matches("\\d+\\.\\d+.*"), release);
        assertEquals(System.getProperty("os.version"), release, "the JDK reads os.version from uname too");
        MemorySegment uts = arena.allocate(Utsname.UTSNAME);
        assertEquals(0, Libc.uname(uts));
        assertEquals("Linux", uts.getString(Utsname.UTSNAME_SYSNAME));
        assertEquals(Arch.name(), uts.getString(Utsname.UTSNAME_MACHINE));
    }

    @Test
    void shortSegmentsAreRejectedBeforeTheCall() {
        int fd = openTemp("bounds", 0);
        MemorySegment small = arena.allocate(16);
        assertThrows(IndexOutOfBoundsException.class, () -> Libc.pread(fd, small, 17, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Libc.write(fd, small, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> Libc.preadv(fd, small, 2, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Libc.poll(small, 3, 0));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Libc.statx(fd, arena.allocateFrom(""), Fcntl.AT_EMPTY_PATH, 0, small));
    }

    /**
     * The hot calls allocate nothing per call: the errno capture segment is per thread and the
     * downcalls box nothing. See {@link AllocationProbe} for why this is a steady-state check.
     */
    @Test
    void hotCallsDoNotAllocate() {
        int fd = openTemp("alloc", 0);
        long efd = Libc.eventfd(0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        assertTrue(efd >= 0);
        MemorySegment buf = pattern(512, 1);
        MemorySegment counter = arena.allocate(JAVA_LONG);
        counter.set(JAVA_LONG, 0, 1);
        MemorySegment pfd = arena.allocate(Poll.POLLFD);
        pfd.set(JAVA_INT, Poll.POLLFD_FD, (int) efd);
        pfd.set(JAVA_SHORT, Poll.POLLFD_EVENTS, Poll.POLLIN);
        try {
            AllocationProbe.assertSteadyStateAllocationFree(() -> {
                for (int i = 0; i < 5_000; i++) {
                    hotCalls(fd, (int) efd, buf, counter, pfd);
                }
            });
        } finally {
            Libc.close((int) efd);
        }
    }

    private static void hotCalls(int fd, int efd, MemorySegment buf, MemorySegment counter, MemorySegment pfd) {
        assertEquals(512, Libc.pwrite(fd, buf, 512, 0));
        assertEquals(512, Libc.pread(fd, buf, 512, 0));
        assertEquals(8, Libc.write(efd, counter, 8));
        assertEquals(1, Libc.poll(pfd, 1, 0));
        assertEquals(8, Libc.read(efd, counter, 8));
        assertNotEquals(0, Libc.read(-1, counter, 8)); // the errno path
    }
}
