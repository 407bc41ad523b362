package dev.jaio.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

/**
 * The io_uring syscalls against the real kernel: a ring set up and mapped the way liburing's
 * io_uring_queue_init does it (src/setup.c), SQEs submitted and CQEs reaped by hand with the
 * memory ordering of the kernel reference section 2.9, registration, and errors.
 *
 * <p>Skipped, never failed, where io_uring cannot be used: an architecture without syscall
 * numbers, {@code kernel.io_uring_disabled = 2}, or io_uring_setup refused with EPERM (the sysctl
 * at 1, a seccomp filter) or ENOSYS (a kernel built without it).
 */
class UringCallsTest {

    private static final int ENTRIES = 8;
    private static final int BLOCK = 4096;
    /** Acquire/release access to the u32 ring indices (4-byte aligned, so the modes are supported). */
    private static final VarHandle INT = JAVA_INT.varHandle();

    @TempDir
    Path dir;

    private Arena arena;
    private MemorySegment params;
    private int ringFd = -1;
    private int sqEntries;
    private int cqEntries;
    private long sqRingAddr;
    private long sqRingSize;
    private long cqRingAddr;
    private long cqRingSize;
    private long sqesAddr;
    private long sqesSize;
    private MemorySegment sq;
    private MemorySegment cq;
    private MemorySegment sqes;
    /** The tail value the next {@link #publish} stores: the kernel never writes the SQ tail. */
    private int pendingTail;
    /** user_data of the CQE last returned by {@link #reap}. */
    private long reapedUserData;

    @BeforeEach
    void setUp() {
        assumeTrue(UringCalls.SUPPORTED, "no io_uring syscall numbers for " + Arch.name());
        OptionalLong disabled = ProcFs.number(Path.of("/proc/sys/kernel/io_uring_disabled"));
        assumeTrue(disabled.orElse(0) != 2, "io_uring is disabled: /proc/sys/kernel/io_uring_disabled = 2");
        arena = Arena.ofConfined();
        params = arena.allocate(UringAbi.IO_URING_PARAMS); // zeroed: no flags, resv 0
        long r = UringCalls.ioUringSetup(ENTRIES, params);
        assumeTrue(r != -Errno.EPERM && r != -Errno.ENOSYS,
                () -> "io_uring unavailable: io_uring_setup failed with " + Errno.describe((int) r));
        assertTrue(r >= 0, () -> "io_uring_setup: " + Errno.describe((int) r));
        ringFd = (int) r;
        sqEntries = params.get(JAVA_INT, UringAbi.PARAMS_SQ_ENTRIES);
        cqEntries = params.get(JAVA_INT, UringAbi.PARAMS_CQ_ENTRIES);
        mapRings();
        pendingTail = sq.get(JAVA_INT, sqOff(UringAbi.SQ_OFF_TAIL));
    }

    /** Maps the rings as liburing's io_uring_mmap does: one mapping for both with SINGLE_MMAP. */
    private void mapRings() {
        int prot = Mman.PROT_READ | Mman.PROT_WRITE;
        int flags = Mman.MAP_SHARED | Mman.MAP_POPULATE;
        sqRingSize = sqOff(UringAbi.SQ_OFF_ARRAY) + sqEntries * (long) Integer.BYTES;
        cqRingSize = cqOff(UringAbi.CQ_OFF_CQES) + cqEntries * UringAbi.IO_URING_CQE.byteSize();
        boolean single = (features() & UringAbi.IORING_FEAT_SINGLE_MMAP) != 0;
        if (single) {
            sqRingSize = cqRingSize = Math.max(sqRingSize, cqRingSize);
        }
        sqRingAddr = mapped(Mman.mmap(0, sqRingSize, prot, flags, ringFd, UringAbi.IORING_OFF_SQ_RING), "SQ ring");
        cqRingAddr = single ? sqRingAddr
                : mapped(Mman.mmap(0, cqRingSize, prot, flags, ringFd, UringAbi.IORING_OFF_CQ_RING), "CQ ring");
        sqesSize = sqEntries * UringAbi.IO_URING_SQE.byteSize();
        sqesAddr = mapped(Mman.mmap(0, sqesSize, prot, flags, ringFd, UringAbi.IORING_OFF_SQES), "SQEs");
        sq = Mman.segment(sqRingAddr, sqRingSize);
        cq = Mman.segment(cqRingAddr, cqRingSize);
        sqes = Mman.segment(sqesAddr, sqesSize);
    }

    private static long mapped(long r, String what) {
        assertTrue(r > 0, () -> "mmap " + what + ": " + Errno.describe((int) r));
        return r;
    }

    @AfterEach
    void tearDown() {
        // The segments over the mappings must not be touched after this.
        if (sqesAddr != 0) {
            assertEquals(0, Mman.munmap(sqesAddr, sqesSize));
        }
        if (cqRingAddr != 0 && cqRingAddr != sqRingAddr) {
            assertEquals(0, Mman.munmap(cqRingAddr, cqRingSize));
        }
        if (sqRingAddr != 0) {
            assertEquals(0, Mman.munmap(sqRingAddr, sqRingSize));
        }
        if (ringFd >= 0) {
            assertEquals(0, Libc.close(ringFd));
        }
        if (arena != null) {
            arena.close();
        }
    }

    private int features() {
        return params.get(JAVA_INT, UringAbi.PARAMS_FEATURES);
    }

    /** The SQ ring offset of a field, from params.sq_off (a u32). */
    private long sqOff(long field) {
        return Integer.toUnsignedLong(params.get(JAVA_INT, UringAbi.PARAMS_SQ_OFF + field));
    }

    /** The CQ ring offset of a field, from params.cq_off (a u32). */
    private long cqOff(long field) {
        return Integer.toUnsignedLong(params.get(JAVA_INT, UringAbi.PARAMS_CQ_OFF + field));
    }

    /**
     * Claims the next SQE as liburing's io_uring_get_sqe does, zeroes it, points the SQ array
     * entry at it, and fills the fields every opcode has. Returns its offset in {@link #sqes}.
     */
    private long claim(int opcode, int fd, long userData) {
        int head = (int) INT.getAcquire(sq, sqOff(UringAbi.SQ_OFF_HEAD));
        assertTrue(pendingTail - head < sqEntries, "SQ full");
        int index = pendingTail & sq.get(JAVA_INT, sqOff(UringAbi.SQ_OFF_RING_MASK));
        long sqe = index * UringAbi.IO_URING_SQE.byteSize();
        sqes.asSlice(sqe, UringAbi.IO_URING_SQE.byteSize()).fill((byte) 0);
        sqes.set(JAVA_BYTE, sqe + UringAbi.SQE_OPCODE, (byte) opcode);
        sqes.set(JAVA_INT, sqe + UringAbi.SQE_FD, fd);
        sqes.set(JAVA_LONG, sqe + UringAbi.SQE_USER_DATA, userData);
        sq.set(JAVA_INT, sqOff(UringAbi.SQ_OFF_ARRAY) + index * (long) Integer.BYTES, index);
        pendingTail++;
        return sqe;
    }

    /** Makes the claimed SQEs visible: a release store of the tail orders every SQE store before it. */
    private void publish() {
        INT.setRelease(sq, sqOff(UringAbi.SQ_OFF_TAIL), pendingTail);
    }

    /** CQEs ready: acquire load of the kernel's tail, plain load of our own head. */
    private int ready() {
        int tail = (int) INT.getAcquire(cq, cqOff(UringAbi.CQ_OFF_TAIL));
        return tail - cq.get(JAVA_INT, cqOff(UringAbi.CQ_OFF_HEAD));
    }

    /** Pops one CQE: returns res and stores user_data in {@link #reapedUserData}. */
    private int reap() {
        int head = cq.get(JAVA_INT, cqOff(UringAbi.CQ_OFF_HEAD));
        int tail = (int) INT.getAcquire(cq, cqOff(UringAbi.CQ_OFF_TAIL));
        assertNotEquals(head, tail, "CQ empty");
        int mask = cq.get(JAVA_INT, cqOff(UringAbi.CQ_OFF_RING_MASK));
        long cqe = cqOff(UringAbi.CQ_OFF_CQES) + (head & mask) * UringAbi.IO_URING_CQE.byteSize();
        reapedUserData = cq.get(JAVA_LONG, cqe + UringAbi.CQE_USER_DATA);
        int res = cq.get(JAVA_INT, cqe + UringAbi.CQE_RES);
        INT.setRelease(cq, cqOff(UringAbi.CQ_OFF_HEAD), head + 1); // after the CQE loads
        return res;
    }

    private long submitAndWait(int n) {
        publish();
        return UringCalls.ioUringEnter(ringFd, n, n, UringAbi.IORING_ENTER_GETEVENTS, MemorySegment.NULL, 0);
    }

    @Test
    void setupFillsParamsAndTheRingsMatch() {
        assertEquals(8, sqEntries);
        assertEquals(16, cqEntries, "the CQ is twice the SQ by default");
        assertTrue((features() & UringAbi.IORING_FEAT_SINGLE_MMAP) != 0, "SINGLE_MMAP (5.4)");
        assertTrue((features() & UringAbi.IORING_FEAT_NODROP) != 0, "NODROP (5.5)");
        assertNotEquals(0, sqOff(UringAbi.SQ_OFF_ARRAY), "an SQ array without IORING_SETUP_NO_SQARRAY");
        assertEquals(8, sq.get(JAVA_INT, sqOff(UringAbi.SQ_OFF_RING_ENTRIES)));
        assertEquals(7, sq.get(JAVA_INT, sqOff(UringAbi.SQ_OFF_RING_MASK)));
        assertEquals(16, cq.get(JAVA_INT, cqOff(UringAbi.CQ_OFF_RING_ENTRIES)));
        assertEquals(15, cq.get(JAVA_INT, cqOff(UringAbi.CQ_OFF_RING_MASK)));
        assertEquals(0, sq.get(JAVA_INT, sqOff(UringAbi.SQ_OFF_HEAD)));
        assertEquals(0, sq.get(JAVA_INT, sqOff(UringAbi.SQ_OFF_TAIL)));
        assertEquals(0, ready());
        assertEquals(0, cqOff(UringAbi.CQ_OFF_CQES) % UringAbi.IO_URING_CQE.byteSize(), "CQEs are aligned");
    }

    @Test
    void nopRoundTrip() {
        claim(UringAbi.IORING_OP_NOP, -1, 77);
        assertEquals(1, submitAndWait(1));
        assertEquals(1, ready());
        assertEquals(0, reap());
        assertEquals(77, reapedUserData);
        assertEquals(0, ready());
        assertEquals(1, sq.get(JAVA_INT, sqOff(UringAbi.SQ_OFF_HEAD)), "the kernel consumed the SQE");
        assertEquals(0, sq.get(JAVA_INT, sqOff(UringAbi.SQ_OFF_DROPPED)));
    }

    @Test
    void linkedWriteAndFdatasyncThenReadBack() {
        long opened = Libc.open(arena.allocateFrom(dir.resolve("uring").toString()),
                Fcntl.O_CREAT | Fcntl.O_RDWR | Fcntl.O_CLOEXEC, 0600);
        assertTrue(opened >= 0, () -> "open: " + Errno.describe((int) opened));
        int fd = (int) opened;
        try {
            MemorySegment out = arena.allocate(BLOCK, BLOCK);
            for (int i = 0; i < BLOCK; i++) {
                out.set(JAVA_BYTE, i, (byte) (i * 31 + 7));
            }
            long write = claim(UringAbi.IORING_OP_WRITE, fd, 1);
            sqes.set(JAVA_LONG, write + UringAbi.SQE_ADDR, out.address());
            sqes.set(JAVA_INT, write + UringAbi.SQE_LEN, BLOCK);
            sqes.set(JAVA_LONG, write + UringAbi.SQE_OFF, BLOCK);
            sqes.set(JAVA_BYTE, write + UringAbi.SQE_FLAGS, (byte) UringAbi.IOSQE_IO_LINK);
            long fsync = claim(UringAbi.IORING_OP_FSYNC, fd, 2);
            sqes.set(JAVA_INT, fsync + UringAbi.SQE_FSYNC_FLAGS, UringAbi.IORING_FSYNC_DATASYNC);
            assertEquals(2, submitAndWait(2));
            assertEquals(BLOCK, reap());
            assertEquals(1, reapedUserData, "the link runs the write first");
            assertEquals(0, reap());
            assertEquals(2, reapedUserData);

            MemorySegment in = arena.allocate(BLOCK, BLOCK);
            long read = claim(UringAbi.IORING_OP_READ, fd, 3);
            sqes.set(JAVA_LONG, read + UringAbi.SQE_ADDR, in.address());
            sqes.set(JAVA_INT, read + UringAbi.SQE_LEN, BLOCK);
            sqes.set(JAVA_LONG, read + UringAbi.SQE_OFF, BLOCK);
            assertEquals(1, submitAndWait(1));
            assertEquals(BLOCK, reap());
            assertEquals(3, reapedUserData);
            assertArrayEquals(out.toArray(JAVA_BYTE), in.toArray(JAVA_BYTE));

            long eof = claim(UringAbi.IORING_OP_READ, fd, 4);
            sqes.set(JAVA_LONG, eof + UringAbi.SQE_ADDR, in.address());
            sqes.set(JAVA_INT, eof + UringAbi.SQE_LEN, BLOCK);
            sqes.set(JAVA_LONG, eof + UringAbi.SQE_OFF, 2 * BLOCK);
            assertEquals(1, submitAndWait(1));
            assertEquals(0, reap(), "a read at end of file returns 0");
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void badSqeIsConsumedAndFailsThroughItsCqe() {
        claim(UringAbi.IORING_OP_READ, Integer.MAX_VALUE, 9);
        assertEquals(1, submitAndWait(1));
        assertEquals(-Errno.EBADF, reap());
        assertEquals(9, reapedUserData);
    }

    @Test
    void probeReportsReadSupported() {
        int nr = 64;
        MemorySegment probe = arena.allocate(UringAbi.PROBE_OPS + nr * UringAbi.IO_URING_PROBE_OP.byteSize(), 8);
        assertEquals(0, UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_PROBE, probe, nr));
        int lastOp = Byte.toUnsignedInt(probe.get(JAVA_BYTE, UringAbi.PROBE_LAST_OP));
        int opsLen = Byte.toUnsignedInt(probe.get(JAVA_BYTE, UringAbi.PROBE_OPS_LEN));
        assertTrue(lastOp >= UringAbi.IORING_OP_READ, "last_op " + lastOp);
        assertEquals(Math.min(nr, lastOp + 1), opsLen);
        for (int op : new int[] {UringAbi.IORING_OP_NOP, UringAbi.IORING_OP_READ, UringAbi.IORING_OP_WRITE}) {
            long entry = UringAbi.PROBE_OPS + op * UringAbi.IO_URING_PROBE_OP.byteSize();
            assertEquals(op, Byte.toUnsignedInt(probe.get(JAVA_BYTE, entry + UringAbi.PROBE_OP_OP)));
            assertTrue((probe.get(JAVA_SHORT, entry + UringAbi.PROBE_OP_FLAGS) & UringAbi.IO_URING_OP_SUPPORTED) != 0,
                    "opcode " + op + " supported");
        }

        probe.set(JAVA_BYTE, UringAbi.PROBE_LAST_OP, (byte) 0);
        probe.set(JAVA_BYTE, UringAbi.PROBE_OPS_LEN, (byte) 1);
        assertEquals(-Errno.EINVAL, UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_PROBE, probe, nr),
                "the probe must be zeroed on entry");
    }

    @Test
    void setupRejectsNonzeroResvAndBadEntries() {
        MemorySegment p = arena.allocate(UringAbi.IO_URING_PARAMS);
        p.set(JAVA_INT, UringAbi.PARAMS_RESV, 1);
        long r = UringCalls.ioUringSetup(ENTRIES, p);
        if (r >= 0) {
            Libc.close((int) r);
        }
        assertEquals(-Errno.EINVAL, r, "resv must be zero");
        p.fill((byte) 0);
        assertEquals(-Errno.EINVAL, UringCalls.ioUringSetup(0, p), "zero entries");
        p.fill((byte) 0);
        assertEquals(-Errno.EINVAL, UringCalls.ioUringSetup(65536, p), "more than 32768 entries without CLAMP");
    }

    @Test
    void extArgTimeoutExpiresWithEtime() {
        assumeTrue((features() & UringAbi.IORING_FEAT_EXT_ARG) != 0, "IORING_FEAT_EXT_ARG needs Linux 5.11");
        MemorySegment ts = arena.allocate(Timespec.KERNEL_TIMESPEC);
        ts.set(JAVA_LONG, Timespec.KERNEL_TIMESPEC_TV_NSEC, 1_000_000L);
        MemorySegment arg = arena.allocate(UringAbi.IO_URING_GETEVENTS_ARG);
        arg.set(JAVA_LONG, UringAbi.GETEVENTS_ARG_TS, ts.address());
        long start = System.nanoTime();
        assertEquals(-Errno.ETIME, UringCalls.ioUringEnter(ringFd, 0, 1,
                UringAbi.IORING_ENTER_GETEVENTS | UringAbi.IORING_ENTER_EXT_ARG,
                arg, UringAbi.IO_URING_GETEVENTS_ARG.byteSize()));
        assertTrue(System.nanoTime() - start >= 900_000L, "waited about the 1 ms timeout");
        assertEquals(-Errno.EINVAL, UringCalls.ioUringEnter(ringFd, 0, 1,
                UringAbi.IORING_ENTER_GETEVENTS | UringAbi.IORING_ENTER_EXT_ARG, arg, 16), "argsz must be 24");
    }

    @Test
    void registeredFilesUpdatesAndFixedFileRead() {
        long efdr = Libc.eventfd(0, EventFd.EFD_CLOEXEC);
        assertTrue(efdr >= 0);
        int efd = (int) efdr;
        try {
            // REGISTER_FILES, then REGISTER_FILES_UPDATE whose only fd is SKIP: one slot "updated".
            MemorySegment fds = arena.allocate(JAVA_INT, 1);
            fds.set(JAVA_INT, 0, efd);
            assertEquals(0, UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_FILES, fds, 1));
            MemorySegment skip = arena.allocate(JAVA_INT, 1);
            skip.set(JAVA_INT, 0, UringAbi.IORING_REGISTER_FILES_SKIP);
            MemorySegment update = arena.allocate(UringAbi.IO_URING_RSRC_UPDATE);
            update.set(JAVA_INT, UringAbi.RSRC_UPDATE_OFFSET, 0);
            update.set(JAVA_LONG, UringAbi.RSRC_UPDATE_DATA, skip.address());
            assertEquals(1, UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_FILES_UPDATE, update, 1));
            assertEquals(0, UringCalls.ioUringRegister(ringFd, UringAbi.IORING_UNREGISTER_FILES, MemorySegment.NULL, 0));

            // FILES2 with 4 sparse slots, FILES_UPDATE2 puts the eventfd in slot 1.
            MemorySegment reg = arena.allocate(UringAbi.IO_URING_RSRC_REGISTER);
            reg.set(JAVA_INT, UringAbi.RSRC_REGISTER_NR, 4);
            reg.set(JAVA_INT, UringAbi.RSRC_REGISTER_FLAGS, UringAbi.IORING_RSRC_REGISTER_SPARSE);
            assertEquals(0, UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_FILES2, reg,
                    (int) UringAbi.IO_URING_RSRC_REGISTER.byteSize()));
            MemorySegment update2 = arena.allocate(UringAbi.IO_URING_RSRC_UPDATE2);
            update2.set(JAVA_INT, UringAbi.RSRC_UPDATE2_OFFSET, 1);
            update2.set(JAVA_LONG, UringAbi.RSRC_UPDATE2_DATA, fds.address());
            update2.set(JAVA_INT, UringAbi.RSRC_UPDATE2_NR, 1);
            assertEquals(1, UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_FILES_UPDATE2, update2,
                    (int) UringAbi.IO_URING_RSRC_UPDATE2.byteSize()));

            // Read the eventfd's counter through fixed-file slot 1.
            MemorySegment counter = arena.allocate(JAVA_LONG);
            counter.set(JAVA_LONG, 0, 5);
            assertEquals(8, Libc.write(efd, counter, 8));
            counter.set(JAVA_LONG, 0, 0);
            long read = claim(UringAbi.IORING_OP_READ, 1, 21);
            sqes.set(JAVA_BYTE, read + UringAbi.SQE_FLAGS, (byte) UringAbi.IOSQE_FIXED_FILE);
            sqes.set(JAVA_LONG, read + UringAbi.SQE_ADDR, counter.address());
            sqes.set(JAVA_INT, read + UringAbi.SQE_LEN, 8);
            assertEquals(1, submitAndWait(1));
            assertEquals(8, reap());
            assertEquals(5, counter.get(JAVA_LONG, 0));
            assertEquals(0, UringCalls.ioUringRegister(ringFd, UringAbi.IORING_UNREGISTER_FILES, MemorySegment.NULL, 0));
        } finally {
            Libc.close(efd);
        }
    }

    @Test
    void iowqMaxWorkersQuery() {
        MemorySegment counts = arena.allocate(JAVA_INT, 2); // zeros: query only
        assertEquals(0, UringCalls.ioUringRegister(ringFd, UringAbi.IORING_REGISTER_IOWQ_MAX_WORKERS, counts, 2));
    }

    @Test
    void enterErrors() {
        assertEquals(-Errno.EBADF, UringCalls.ioUringEnter(Integer.MAX_VALUE, 0, 0, 0, MemorySegment.NULL, 0));
        long efd = Libc.eventfd(0, EventFd.EFD_CLOEXEC);
        assertTrue(efd >= 0);
        try {
            assertEquals(-Errno.EOPNOTSUPP, UringCalls.ioUringEnter((int) efd, 0, 0, 0, MemorySegment.NULL, 0),
                    "not an io_uring fd");
        } finally {
            Libc.close((int) efd);
        }
        assertEquals(0, UringCalls.ioUringEnter(ringFd, 0, 0, 0, MemorySegment.NULL, 0), "nothing to do");
    }

    @Test
    void shortSegmentsAreRejectedBeforeTheCall() {
        assertThrows(IndexOutOfBoundsException.class, () -> UringCalls.ioUringSetup(ENTRIES, arena.allocate(64)));
        assertThrows(IndexOutOfBoundsException.class, () -> UringCalls.ioUringSetup(ENTRIES, MemorySegment.NULL));
        assertThrows(IndexOutOfBoundsException.class, () -> UringCalls.ioUringEnter(ringFd, 0, 1,
                UringAbi.IORING_ENTER_GETEVENTS | UringAbi.IORING_ENTER_EXT_ARG, arena.allocate(16), 24));
        assertThrows(IndexOutOfBoundsException.class, () -> UringCalls.ioUringRegister(ringFd,
                UringAbi.IORING_REGISTER_PROBE, arena.allocate(UringAbi.IO_URING_PROBE), 4));
        assertThrows(IndexOutOfBoundsException.class, () -> UringCalls.ioUringRegister(ringFd,
                UringAbi.IORING_REGISTER_FILES, arena.allocate(JAVA_INT, 1), 2));
        assertThrows(IndexOutOfBoundsException.class, () -> UringCalls.ioUringRegister(ringFd,
                UringAbi.IORING_REGISTER_FILES2, arena.allocate(16), 32));
        assertThrows(IndexOutOfBoundsException.class, () -> UringCalls.ioUringRegister(ringFd,
                UringAbi.IORING_REGISTER_IOWQ_MAX_WORKERS, arena.allocate(JAVA_INT, 1), 2));
        assertThrows(IndexOutOfBoundsException.class, () -> UringCalls.ioUringRegister(ringFd,
                UringAbi.IORING_REGISTER_PROBE | UringAbi.IORING_REGISTER_USE_REGISTERED_RING,
                arena.allocate(UringAbi.IO_URING_PROBE), 4));
    }

    /**
     * Submitting, entering and reaping allocate nothing per call. Only the success paths promise it:
     * a failed io_uring_enter is repeated on the errno-capturing handle, whose capture slice is left
     * to C2's escape analysis; the error path is checked for its result.
     */
    @Test
    void submitEnterAndReapDoNotAllocate() {
        assertEquals(-Errno.EBADF, UringCalls.ioUringEnter(-1, 0, 0, 0, MemorySegment.NULL, 0));
        AllocationProbe.assertSteadyStateAllocationFree(() -> {
            for (int i = 0; i < 2_000; i++) {
                claim(UringAbi.IORING_OP_NOP, -1, i);
                assertEquals(1, submitAndWait(1));
                assertEquals(0, reap());
                assertEquals(i, reapedUserData);
                assertEquals(0, UringCalls.ioUringEnter(ringFd, 0, 0, 0, MemorySegment.NULL, 0));
            }
        });
        assertEquals(-Errno.EBADF, UringCalls.ioUringEnter(-1, 0, 0, 0, MemorySegment.NULL, 0));
    }
}
