package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden values for {@link UringAbi}: every size and offset below is a literal from
 * include/uapi/linux/io_uring.h (liburing's copy), checked with offsetof/sizeof on x86_64 (see
 * the kernel reference, section 2). They are never recomputed from the layouts under test. Each
 * field is checked through its exported constant and through its named path, so a renamed field
 * fails too.
 */
class UringAbiLayoutTest {

    private static void field(MemoryLayout layout, String name, long expectedOffset, long constant) {
        assertEquals(expectedOffset, constant, () -> layout.name().orElseThrow() + "." + name + " constant");
        assertEquals(expectedOffset, layout.byteOffset(PathElement.groupElement(name)),
                () -> layout.name().orElseThrow() + "." + name + " layout");
    }

    @Test
    void sqringOffsets() {
        var l = UringAbi.IO_SQRING_OFFSETS;
        assertAll(
                () -> assertEquals(40, l.byteSize()),
                () -> field(l, "head", 0, UringAbi.SQ_OFF_HEAD),
                () -> field(l, "tail", 4, UringAbi.SQ_OFF_TAIL),
                () -> field(l, "ring_mask", 8, UringAbi.SQ_OFF_RING_MASK),
                () -> field(l, "ring_entries", 12, UringAbi.SQ_OFF_RING_ENTRIES),
                () -> field(l, "flags", 16, UringAbi.SQ_OFF_FLAGS),
                () -> field(l, "dropped", 20, UringAbi.SQ_OFF_DROPPED),
                () -> field(l, "array", 24, UringAbi.SQ_OFF_ARRAY),
                () -> field(l, "resv1", 28, UringAbi.SQ_OFF_RESV1),
                () -> field(l, "user_addr", 32, UringAbi.SQ_OFF_USER_ADDR));
    }

    @Test
    void cqringOffsets() {
        var l = UringAbi.IO_CQRING_OFFSETS;
        assertAll(
                () -> assertEquals(40, l.byteSize()),
                () -> field(l, "head", 0, UringAbi.CQ_OFF_HEAD),
                () -> field(l, "tail", 4, UringAbi.CQ_OFF_TAIL),
                () -> field(l, "ring_mask", 8, UringAbi.CQ_OFF_RING_MASK),
                () -> field(l, "ring_entries", 12, UringAbi.CQ_OFF_RING_ENTRIES),
                () -> field(l, "overflow", 16, UringAbi.CQ_OFF_OVERFLOW),
                () -> field(l, "cqes", 20, UringAbi.CQ_OFF_CQES),
                () -> field(l, "flags", 24, UringAbi.CQ_OFF_FLAGS),
                () -> field(l, "resv1", 28, UringAbi.CQ_OFF_RESV1),
                () -> field(l, "user_addr", 32, UringAbi.CQ_OFF_USER_ADDR));
    }

    @Test
    void params() {
        var l = UringAbi.IO_URING_PARAMS;
        assertAll(
                () -> assertEquals(120, l.byteSize()),
                () -> field(l, "sq_entries", 0, UringAbi.PARAMS_SQ_ENTRIES),
                () -> field(l, "cq_entries", 4, UringAbi.PARAMS_CQ_ENTRIES),
                () -> field(l, "flags", 8, UringAbi.PARAMS_FLAGS),
                () -> field(l, "sq_thread_cpu", 12, UringAbi.PARAMS_SQ_THREAD_CPU),
                () -> field(l, "sq_thread_idle", 16, UringAbi.PARAMS_SQ_THREAD_IDLE),
                () -> field(l, "features", 20, UringAbi.PARAMS_FEATURES),
                () -> field(l, "wq_fd", 24, UringAbi.PARAMS_WQ_FD),
                () -> field(l, "resv", 28, UringAbi.PARAMS_RESV),
                () -> assertEquals(12, l.select(PathElement.groupElement("resv")).byteSize()),
                () -> field(l, "sq_off", 40, UringAbi.PARAMS_SQ_OFF),
                () -> field(l, "cq_off", 80, UringAbi.PARAMS_CQ_OFF),
                // nested paths land where the header's flat offsets say
                () -> assertEquals(64, l.byteOffset(PathElement.groupElement("sq_off"),
                        PathElement.groupElement("array"))),
                () -> assertEquals(72, l.byteOffset(PathElement.groupElement("sq_off"),
                        PathElement.groupElement("user_addr"))),
                () -> assertEquals(100, l.byteOffset(PathElement.groupElement("cq_off"),
                        PathElement.groupElement("cqes"))),
                () -> assertEquals(112, l.byteOffset(PathElement.groupElement("cq_off"),
                        PathElement.groupElement("user_addr"))));
    }

    @Test
    void sqe() {
        var l = UringAbi.IO_URING_SQE;
        assertAll(
                () -> assertEquals(64, l.byteSize()),
                () -> field(l, "opcode", 0, UringAbi.SQE_OPCODE),
                () -> field(l, "flags", 1, UringAbi.SQE_FLAGS),
                () -> field(l, "ioprio", 2, UringAbi.SQE_IOPRIO),
                () -> field(l, "fd", 4, UringAbi.SQE_FD),
                () -> field(l, "off", 8, UringAbi.SQE_OFF),
                () -> field(l, "addr", 16, UringAbi.SQE_ADDR),
                () -> field(l, "len", 24, UringAbi.SQE_LEN),
                () -> field(l, "op_flags", 28, UringAbi.SQE_OP_FLAGS),
                () -> field(l, "user_data", 32, UringAbi.SQE_USER_DATA),
                () -> field(l, "buf_index", 40, UringAbi.SQE_BUF_INDEX),
                () -> field(l, "personality", 42, UringAbi.SQE_PERSONALITY),
                () -> field(l, "file_index", 44, UringAbi.SQE_FILE_INDEX),
                () -> field(l, "addr3", 48, UringAbi.SQE_ADDR3),
                () -> field(l, "pad2", 56, UringAbi.SQE_PAD2));
    }

    @Test
    void sqeUnionAliases() {
        assertAll(
                () -> assertEquals(8, UringAbi.SQE_ADDR2),
                () -> assertEquals(16, UringAbi.SQE_SPLICE_OFF_IN),
                () -> assertEquals(28, UringAbi.SQE_RW_FLAGS),
                () -> assertEquals(28, UringAbi.SQE_FSYNC_FLAGS),
                () -> assertEquals(28, UringAbi.SQE_POLL32_EVENTS),
                () -> assertEquals(28, UringAbi.SQE_SYNC_RANGE_FLAGS),
                () -> assertEquals(28, UringAbi.SQE_TIMEOUT_FLAGS),
                () -> assertEquals(28, UringAbi.SQE_CANCEL_FLAGS),
                () -> assertEquals(28, UringAbi.SQE_OPEN_FLAGS),
                () -> assertEquals(28, UringAbi.SQE_STATX_FLAGS),
                () -> assertEquals(28, UringAbi.SQE_FADVISE_ADVICE),
                () -> assertEquals(40, UringAbi.SQE_BUF_GROUP),
                () -> assertEquals(44, UringAbi.SQE_SPLICE_FD_IN));
    }

    @Test
    void cqe() {
        var l = UringAbi.IO_URING_CQE;
        assertAll(
                () -> assertEquals(16, l.byteSize()),
                () -> field(l, "user_data", 0, UringAbi.CQE_USER_DATA),
                () -> field(l, "res", 8, UringAbi.CQE_RES),
                () -> field(l, "flags", 12, UringAbi.CQE_FLAGS));
    }

    @Test
    void geteventsArg() {
        var l = UringAbi.IO_URING_GETEVENTS_ARG;
        assertAll(
                () -> assertEquals(24, l.byteSize()),
                () -> field(l, "sigmask", 0, UringAbi.GETEVENTS_ARG_SIGMASK),
                () -> field(l, "sigmask_sz", 8, UringAbi.GETEVENTS_ARG_SIGMASK_SZ),
                () -> field(l, "min_wait_usec", 12, UringAbi.GETEVENTS_ARG_MIN_WAIT_USEC),
                () -> field(l, "ts", 16, UringAbi.GETEVENTS_ARG_TS));
    }

    @Test
    void probe() {
        var p = UringAbi.IO_URING_PROBE;
        var op = UringAbi.IO_URING_PROBE_OP;
        assertAll(
                () -> assertEquals(16, p.byteSize()),
                () -> field(p, "last_op", 0, UringAbi.PROBE_LAST_OP),
                () -> field(p, "ops_len", 1, UringAbi.PROBE_OPS_LEN),
                () -> assertEquals(2, p.byteOffset(PathElement.groupElement("resv"))),
                () -> assertEquals(4, p.byteOffset(PathElement.groupElement("resv2"))),
                () -> field(p, "ops", 16, UringAbi.PROBE_OPS),
                () -> assertEquals(8, op.byteSize()),
                () -> field(op, "op", 0, UringAbi.PROBE_OP_OP),
                () -> assertEquals(1, op.byteOffset(PathElement.groupElement("resv"))),
                () -> field(op, "flags", 2, UringAbi.PROBE_OP_FLAGS),
                () -> assertEquals(4, op.byteOffset(PathElement.groupElement("resv2"))));
    }

    @Test
    void rsrcStructs() {
        var u = UringAbi.IO_URING_RSRC_UPDATE;
        var r = UringAbi.IO_URING_RSRC_REGISTER;
        var u2 = UringAbi.IO_URING_RSRC_UPDATE2;
        assertAll(
                () -> assertEquals(16, u.byteSize()),
                () -> field(u, "offset", 0, UringAbi.RSRC_UPDATE_OFFSET),
                () -> field(u, "resv", 4, UringAbi.RSRC_UPDATE_RESV),
                () -> field(u, "data", 8, UringAbi.RSRC_UPDATE_DATA),
                () -> assertEquals(32, r.byteSize()),
                () -> field(r, "nr", 0, UringAbi.RSRC_REGISTER_NR),
                () -> field(r, "flags", 4, UringAbi.RSRC_REGISTER_FLAGS),
                () -> field(r, "resv2", 8, UringAbi.RSRC_REGISTER_RESV2),
                () -> field(r, "data", 16, UringAbi.RSRC_REGISTER_DATA),
                () -> field(r, "tags", 24, UringAbi.RSRC_REGISTER_TAGS),
                () -> assertEquals(32, u2.byteSize()),
                () -> field(u2, "offset", 0, UringAbi.RSRC_UPDATE2_OFFSET),
                () -> field(u2, "resv", 4, UringAbi.RSRC_UPDATE2_RESV),
                () -> field(u2, "data", 8, UringAbi.RSRC_UPDATE2_DATA),
                () -> field(u2, "tags", 16, UringAbi.RSRC_UPDATE2_TAGS),
                () -> field(u2, "nr", 24, UringAbi.RSRC_UPDATE2_NR),
                () -> field(u2, "resv2", 28, UringAbi.RSRC_UPDATE2_RESV2));
    }

    /** io_uring.h: struct io_uring_buf_reg, struct io_uring_buf, struct io_uring_buf_ring's tail. */
    @Test
    void providedBufferRingStructs() {
        var reg = UringAbi.IO_URING_BUF_REG;
        var buf = UringAbi.IO_URING_BUF;
        assertAll(
                () -> assertEquals(40, reg.byteSize()),
                () -> field(reg, "ring_addr", 0, UringAbi.BUF_REG_RING_ADDR),
                () -> field(reg, "ring_entries", 8, UringAbi.BUF_REG_RING_ENTRIES),
                () -> field(reg, "bgid", 12, UringAbi.BUF_REG_BGID),
                () -> field(reg, "flags", 14, UringAbi.BUF_REG_FLAGS),
                () -> assertEquals(16, reg.byteOffset(PathElement.groupElement("resv"))),
                () -> assertEquals(16, buf.byteSize()),
                () -> field(buf, "addr", 0, UringAbi.BUF_ADDR),
                () -> field(buf, "len", 8, UringAbi.BUF_LEN),
                () -> field(buf, "bid", 12, UringAbi.BUF_BID),
                // struct io_uring_buf_ring { union { struct { u64 resv1; u32 resv2; u16 resv3; u16 tail; }; bufs[] } }
                () -> assertEquals(14, UringAbi.BUF_RING_TAIL));
    }
}
