package dev.jaio.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The native AIO syscalls against the real kernel: a context, O_DIRECT I/O on a temp file, errors. */
class AioCallsTest {

    private static final int BLOCK = 4096;
    private static final long TIMEOUT_SECONDS = 10;

    @TempDir
    Path dir;

    private Arena arena;
    private long ctx;
    private int fd = -1;
    private MemorySegment iocb;
    private MemorySegment iocbpp;
    private MemorySegment events;
    private MemorySegment timeout;

    @BeforeEach
    void setUp() {
        assumeTrue(AioCalls.SUPPORTED, "no AIO syscall numbers for " + Arch.name());
        arena = Arena.ofConfined();
        MemorySegment ctxp = arena.allocate(JAVA_LONG); // zeroed, as io_setup requires
        long r = AioCalls.ioSetup(32, ctxp);
        assumeTrue(r != -Errno.ENOSYS, "kernel without CONFIG_AIO");
        assertEquals(0, r, () -> "io_setup: " + Errno.describe((int) -r));
        ctx = ctxp.get(JAVA_LONG, 0);
        assertNotEquals(0, ctx);

        iocb = arena.allocate(AioAbi.IOCB);
        iocbpp = arena.allocate(ADDRESS);
        iocbpp.set(ADDRESS, 0, iocb);
        events = arena.allocate(AioAbi.IO_EVENT, 4);
        timeout = arena.allocate(Timespec.KERNEL_TIMESPEC);
        timeout.set(JAVA_LONG, Timespec.KERNEL_TIMESPEC_TV_SEC, TIMEOUT_SECONDS);
    }

    @AfterEach
    void tearDown() {
        if (ctx != 0) {
            assertEquals(0, AioCalls.ioDestroy(ctx));
        }
        if (fd >= 0) {
            Libc.close(fd);
        }
        if (arena != null) {
            arena.close();
        }
    }

    private int openDirect(String name) {
        long r = Libc.open(arena.allocateFrom(dir.resolve(name).toString()),
                Fcntl.O_CREAT | Fcntl.O_RDWR | Fcntl.O_CLOEXEC | Fcntl.O_DIRECT, 0600);
        assumeTrue(r != -Errno.EINVAL, "file system of " + dir + " does not support O_DIRECT");
        assertTrue(r >= 0, () -> "open: " + Errno.describe((int) r));
        fd = (int) r;
        return fd;
    }

    /** Fills the iocb as libaio's io_prep_pread/io_prep_pwrite do: zero, then the used fields. */
    private void prepare(short opcode, int fd, MemorySegment buf, long offset, long cookie) {
        iocb.fill((byte) 0);
        iocb.set(JAVA_LONG, AioAbi.IOCB_AIO_DATA, cookie);
        iocb.set(JAVA_SHORT, AioAbi.IOCB_AIO_LIO_OPCODE, opcode);
        iocb.set(JAVA_INT, AioAbi.IOCB_AIO_FILDES, fd);
        iocb.set(JAVA_LONG, AioAbi.IOCB_AIO_BUF, buf.address());
        iocb.set(JAVA_LONG, AioAbi.IOCB_AIO_NBYTES, buf.byteSize());
        iocb.set(JAVA_LONG, AioAbi.IOCB_AIO_OFFSET, offset);
    }

    /** Submits the one prepared iocb and waits for its completion; returns io_event.res. */
    private long submitAndWait(long cookie) {
        assertEquals(1, AioCalls.ioSubmit(ctx, 1, iocbpp));
        assertEquals(1, AioCalls.ioGetevents(ctx, 1, 1, events, timeout));
        assertEquals(cookie, events.get(JAVA_LONG, AioAbi.IO_EVENT_DATA));
        assertEquals(iocb.address(), events.get(JAVA_LONG, AioAbi.IO_EVENT_OBJ));
        return events.get(JAVA_LONG, AioAbi.IO_EVENT_RES);
    }

    private MemorySegment pattern(int seed) {
        MemorySegment buf = arena.allocate(BLOCK, BLOCK);
        for (int i = 0; i < BLOCK; i++) {
            buf.set(JAVA_BYTE, i, (byte) (i * 13 + seed));
        }
        return buf;
    }

    @Test
    void ringHeaderIsMappedAtTheContextAddress() {
        MemorySegment ring = MemorySegment.ofAddress(ctx).reinterpret(AioAbi.AIO_RING.byteSize());
        assertEquals(AioAbi.AIO_RING_MAGIC_VALUE, ring.get(JAVA_INT, AioAbi.AIO_RING_MAGIC));
        assertEquals(AioAbi.AIO_RING_HEADER_LENGTH_VALUE, ring.get(JAVA_INT, AioAbi.AIO_RING_HEADER_LENGTH));
        assertEquals(32, ring.get(JAVA_INT, AioAbi.AIO_RING_HEADER_LENGTH));
        assertEquals(AioAbi.AIO_RING_INCOMPAT_FEATURES_VALUE, ring.get(JAVA_INT, AioAbi.AIO_RING_INCOMPAT_FEATURES));
        assertEquals(AioAbi.AIO_RING_COMPAT_FEATURES_VALUE, ring.get(JAVA_INT, AioAbi.AIO_RING_COMPAT_FEATURES));
        assertTrue(ring.get(JAVA_INT, AioAbi.AIO_RING_NR) >= 32, "io_setup rounds the capacity up");
        assertEquals(ring.get(JAVA_INT, AioAbi.AIO_RING_HEAD), ring.get(JAVA_INT, AioAbi.AIO_RING_TAIL), "empty");
    }

    @Test
    void directWriteThenReadBack() {
        int fd = openDirect("direct");
        MemorySegment out = pattern(3);
        prepare(AioAbi.IOCB_CMD_PWRITE, fd, out, 0, 0xC0FFEE_0001L);
        assertEquals(BLOCK, submitAndWait(0xC0FFEE_0001L));
        assertEquals(0, events.get(JAVA_LONG, AioAbi.IO_EVENT_RES2));

        MemorySegment in = arena.allocate(BLOCK, BLOCK);
        prepare(AioAbi.IOCB_CMD_PREAD, fd, in, 0, 0xC0FFEE_0002L);
        assertEquals(BLOCK, submitAndWait(0xC0FFEE_0002L));
        assertArrayEquals(out.toArray(JAVA_BYTE), in.toArray(JAVA_BYTE));
    }

    @Test
    void vectoredWriteAndFdsync() {
        int fd = openDirect("vectored");
        MemorySegment a = pattern(1);
        MemorySegment b = pattern(2);
        MemorySegment iov = arena.allocate(Iovec.IOVEC, 2);
        iov.set(ADDRESS, Iovec.IOVEC_IOV_BASE, a);
        iov.set(JAVA_LONG, Iovec.IOVEC_IOV_LEN, BLOCK);
        iov.set(ADDRESS, Iovec.IOVEC.byteSize() + Iovec.IOVEC_IOV_BASE, b);
        iov.set(JAVA_LONG, Iovec.IOVEC.byteSize() + Iovec.IOVEC_IOV_LEN, BLOCK);
        prepare(AioAbi.IOCB_CMD_PWRITEV, fd, iov, 0, 7);
        iocb.set(JAVA_LONG, AioAbi.IOCB_AIO_NBYTES, 2); // the iovec count, not bytes
        assertEquals(2 * BLOCK, submitAndWait(7));

        prepare(AioAbi.IOCB_CMD_FDSYNC, fd, MemorySegment.NULL, 0, 8);
        assertEquals(0, submitAndWait(8));

        MemorySegment in = arena.allocate(2 * BLOCK, BLOCK);
        assertEquals(2 * BLOCK, Libc.pread(fd, in, 2 * BLOCK, 0));
        assertArrayEquals(a.toArray(JAVA_BYTE), in.asSlice(0, BLOCK).toArray(JAVA_BYTE));
        assertArrayEquals(b.toArray(JAVA_BYTE), in.asSlice(BLOCK, BLOCK).toArray(JAVA_BYTE));
    }

    @Test
    void completionCanBeReapedFromTheRing() throws InterruptedException {
        int fd = openDirect("ring");
        MemorySegment out = pattern(5);
        prepare(AioAbi.IOCB_CMD_PWRITE, fd, out, 0, 0xABCDL);
        assertEquals(1, AioCalls.ioSubmit(ctx, 1, iocbpp));

        MemorySegment header = MemorySegment.ofAddress(ctx).reinterpret(AioAbi.AIO_RING.byteSize());
        int nr = header.get(JAVA_INT, AioAbi.AIO_RING_NR);
        MemorySegment ring = MemorySegment.ofAddress(ctx)
                .reinterpret(AioAbi.AIO_RING_IO_EVENTS + nr * AioAbi.IO_EVENT.byteSize());
        int head = ring.get(JAVA_INT, AioAbi.AIO_RING_HEAD);
        long deadline = System.nanoTime() + TIMEOUT_SECONDS * 1_000_000_000L;
        while ((int) JAVA_INT.varHandle().getAcquire(ring, AioAbi.AIO_RING_TAIL) == head) {
            assertTrue(System.nanoTime() < deadline, "no completion in the ring");
            Thread.sleep(1);
        }
        long event = AioAbi.AIO_RING_IO_EVENTS + head * AioAbi.IO_EVENT.byteSize();
        assertEquals(0xABCDL, ring.get(JAVA_LONG, event + AioAbi.IO_EVENT_DATA));
        assertEquals(BLOCK, ring.get(JAVA_LONG, event + AioAbi.IO_EVENT_RES));
        JAVA_INT.varHandle().setRelease(ring, AioAbi.AIO_RING_HEAD, (head + 1) % nr);

        MemorySegment zero = arena.allocate(Timespec.KERNEL_TIMESPEC);
        assertEquals(0, AioCalls.ioGetevents(ctx, 0, 1, events, zero), "the event was consumed from user space");
    }

    @Test
    void resfdSignalsTheEventfdOnCompletion() {
        int fd = openDirect("resfd");
        long efd = Libc.eventfd(0, EventFd.EFD_CLOEXEC);
        assertTrue(efd >= 0);
        try {
            MemorySegment out = pattern(6);
            prepare(AioAbi.IOCB_CMD_PWRITE, fd, out, 0, 11);
            iocb.set(JAVA_INT, AioAbi.IOCB_AIO_FLAGS, AioAbi.IOCB_FLAG_RESFD);
            iocb.set(JAVA_INT, AioAbi.IOCB_AIO_RESFD, (int) efd);
            assertEquals(BLOCK, submitAndWait(11));
            MemorySegment counter = arena.allocate(JAVA_LONG);
            assertEquals(8, Libc.read((int) efd, counter, 8));
            assertEquals(1, counter.get(JAVA_LONG, 0));
        } finally {
            Libc.close((int) efd);
        }
    }

    @Test
    void badFdIsRefusedAtSubmit() {
        MemorySegment buf = arena.allocate(BLOCK, BLOCK);
        prepare(AioAbi.IOCB_CMD_PREAD, Integer.MAX_VALUE, buf, 0, 1);
        assertEquals(-Errno.EBADF, AioCalls.ioSubmit(ctx, 1, iocbpp));
    }

    @Test
    void nonzeroReservedFieldIsRefusedAtSubmit() {
        int fd = openDirect("reserved");
        MemorySegment buf = arena.allocate(BLOCK, BLOCK);
        prepare(AioAbi.IOCB_CMD_PREAD, fd, buf, 0, 1);
        iocb.set(JAVA_LONG, AioAbi.IOCB_AIO_RESERVED2, 1);
        assertEquals(-Errno.EINVAL, AioCalls.ioSubmit(ctx, 1, iocbpp));
        prepare(AioAbi.IOCB_CMD_NOOP, fd, buf, 0, 1);
        assertEquals(-Errno.EINVAL, AioCalls.ioSubmit(ctx, 1, iocbpp), "NOOP is defined but not implemented");
    }

    @Test
    void getEventsPollsWithZeroTimeoutAndPgeteventsAcceptsNullSigset() {
        MemorySegment zero = arena.allocate(Timespec.KERNEL_TIMESPEC);
        assertEquals(0, AioCalls.ioGetevents(ctx, 0, 4, events, zero));
        assertEquals(0, AioCalls.ioGetevents(ctx, 1, 4, events, zero), "a zero timeout returns at once");
        long r = AioCalls.ioPgetevents(ctx, 0, 4, events, zero, MemorySegment.NULL);
        assumeTrue(r != -Errno.ENOSYS, "io_pgetevents needs Linux 4.18");
        assertEquals(0, r);
        assertEquals(-Errno.EINVAL, AioCalls.ioGetevents(ctx, 2, 1, events, zero), "min_nr > nr");
    }

    @Test
    void cancelOfACompletedReadIsEinval() {
        int fd = openDirect("cancel");
        MemorySegment buf = arena.allocate(BLOCK, BLOCK);
        prepare(AioAbi.IOCB_CMD_PREAD, fd, buf, 0, 3);
        assertEquals(0, submitAndWait(3), "read of an empty file");
        MemorySegment result = arena.allocate(AioAbi.IO_EVENT);
        assertEquals(-Errno.EINVAL, AioCalls.ioCancel(ctx, iocb, result));
    }

    @Test
    void contextHandleErrors() {
        MemorySegment ctxp = arena.allocate(JAVA_LONG);
        ctxp.set(JAVA_LONG, 0, 1);
        assertEquals(-Errno.EINVAL, AioCalls.ioSetup(1, ctxp), "*ctxp must be zero on entry");
        ctxp.set(JAVA_LONG, 0, 0);
        assertEquals(-Errno.EINVAL, AioCalls.ioSetup(0, ctxp), "nr_events must be positive");
        assertEquals(-Errno.EINVAL, AioCalls.ioDestroy(0x1000));
    }

    /** io_submit and io_getevents, on their success and error paths, allocate nothing per call. */
    @Test
    void submitAndGeteventsDoNotAllocate() {
        int fd = openDirect("alloc");
        MemorySegment buf = arena.allocate(BLOCK, BLOCK);
        MemorySegment zero = arena.allocate(Timespec.KERNEL_TIMESPEC);
        MemorySegment badIocb = arena.allocate(AioAbi.IOCB);
        badIocb.set(JAVA_SHORT, AioAbi.IOCB_AIO_LIO_OPCODE, AioAbi.IOCB_CMD_PREAD);
        badIocb.set(JAVA_INT, AioAbi.IOCB_AIO_FILDES, Integer.MAX_VALUE);
        MemorySegment badpp = arena.allocate(ADDRESS);
        badpp.set(ADDRESS, 0, badIocb);
        prepare(AioAbi.IOCB_CMD_PREAD, fd, buf, 0, 42); // reads 0 bytes of the empty file
        long ctx = this.ctx;
        // The success paths go through handles without errno capture and allocate nothing. A failed
        // call is repeated on the capturing handle, whose capture-segment slice only C2's escape
        // analysis removes; errors are not the hot path, so they are checked for their result only.
        assertEquals(-Errno.EBADF, AioCalls.ioSubmit(ctx, 1, badpp));
        AllocationProbe.assertSteadyStateAllocationFree(() -> {
            for (int i = 0; i < 2_000; i++) {
                assertEquals(1, AioCalls.ioSubmit(ctx, 1, iocbpp));
                assertEquals(1, AioCalls.ioGetevents(ctx, 1, 4, events, timeout));
                assertEquals(0, AioCalls.ioGetevents(ctx, 0, 4, events, zero));
            }
        });
        assertEquals(-Errno.EBADF, AioCalls.ioSubmit(ctx, 1, badpp));
    }

    @Test
    void shortSegmentsAreRejectedBeforeTheCall() {
        assertThrows(IndexOutOfBoundsException.class, () -> AioCalls.ioSubmit(ctx, 2, iocbpp));
        assertThrows(IndexOutOfBoundsException.class, () -> AioCalls.ioGetevents(ctx, 1, 5, events, timeout));
        assertThrows(IndexOutOfBoundsException.class,
                () -> AioCalls.ioGetevents(ctx, 1, 1, events, arena.allocate(8)));
        assertThrows(IndexOutOfBoundsException.class, () -> AioCalls.ioSetup(1, arena.allocate(4)));
    }
}
