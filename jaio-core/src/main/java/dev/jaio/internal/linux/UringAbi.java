package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The io_uring ABI: the structs and constants of {@code include/uapi/linux/io_uring.h}, as in
 * liburing's copy {@code src/include/liburing/io_uring.h} (axboe/liburing @27255f4 and @364452f),
 * which is newer than any kernel tree's.
 *
 * <p>Layouts assume little-endian LP64 (x86_64, aarch64). Field offsets are named
 * {@code STRUCT_FIELD}. C unions are flattened to one field named after their first (or most used)
 * member; alias constants name the other members where an engine writes them (the SQE's
 * {@link #SQE_OP_FLAGS} word is also {@link #SQE_RW_FLAGS}, {@link #SQE_FSYNC_FLAGS}, ...).
 * Constants keep the header's names. Versions are those of io_uring_setup.2 and io_uring_enter.2.
 */
public final class UringAbi {

    // ---------------------------------------------------------------------------------------------
    // io_uring_setup: params and the two ring offset structs

    /**
     * {@code struct io_sqring_offsets}, 40 bytes: where, in the SQ ring mapping, the kernel placed
     * each field (filled in by io_uring_setup).
     * <pre>
     * struct io_sqring_offsets {
     *     __u32 head;          // consumer index, written by the kernel
     *     __u32 tail;          // producer index, written by the application
     *     __u32 ring_mask;
     *     __u32 ring_entries;
     *     __u32 flags;         // IORING_SQ_*
     *     __u32 dropped;       // SQEs the kernel dropped as invalid
     *     __u32 array;         // u32 SQE indices; 0 with IORING_SETUP_NO_SQARRAY
     *     __u32 resv1;
     *     __u64 user_addr;     // IORING_SETUP_NO_MMAP only; "resv2" in older headers
     * };
     * </pre>
     */
    public static final StructLayout IO_SQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"),
            JAVA_INT.withName("tail"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"),
            JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("user_addr")).withName("io_sqring_offsets");

    /** Offset of {@code io_sqring_offsets.head} (u32). */
    public static final long SQ_OFF_HEAD = offset(IO_SQRING_OFFSETS, "head");
    /** Offset of {@code io_sqring_offsets.tail} (u32). */
    public static final long SQ_OFF_TAIL = offset(IO_SQRING_OFFSETS, "tail");
    /** Offset of {@code io_sqring_offsets.ring_mask} (u32). */
    public static final long SQ_OFF_RING_MASK = offset(IO_SQRING_OFFSETS, "ring_mask");
    /** Offset of {@code io_sqring_offsets.ring_entries} (u32). */
    public static final long SQ_OFF_RING_ENTRIES = offset(IO_SQRING_OFFSETS, "ring_entries");
    /** Offset of {@code io_sqring_offsets.flags} (u32). */
    public static final long SQ_OFF_FLAGS = offset(IO_SQRING_OFFSETS, "flags");
    /** Offset of {@code io_sqring_offsets.dropped} (u32). */
    public static final long SQ_OFF_DROPPED = offset(IO_SQRING_OFFSETS, "dropped");
    /** Offset of {@code io_sqring_offsets.array} (u32). */
    public static final long SQ_OFF_ARRAY = offset(IO_SQRING_OFFSETS, "array");
    /** Offset of {@code io_sqring_offsets.resv1} (u32). */
    public static final long SQ_OFF_RESV1 = offset(IO_SQRING_OFFSETS, "resv1");
    /** Offset of {@code io_sqring_offsets.user_addr} (u64). */
    public static final long SQ_OFF_USER_ADDR = offset(IO_SQRING_OFFSETS, "user_addr");

    /**
     * {@code struct io_cqring_offsets}, 40 bytes: where, in the CQ ring mapping, the kernel placed
     * each field.
     * <pre>
     * struct io_cqring_offsets {
     *     __u32 head;          // consumer index, written by the application
     *     __u32 tail;          // producer index, written by the kernel
     *     __u32 ring_mask;
     *     __u32 ring_entries;
     *     __u32 overflow;      // CQEs lost (without IORING_FEAT_NODROP)
     *     __u32 cqes;          // the io_uring_cqe array
     *     __u32 flags;         // IORING_CQ_*
     *     __u32 resv1;
     *     __u64 user_addr;     // IORING_SETUP_NO_MMAP only
     * };
     * </pre>
     */
    public static final StructLayout IO_CQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"),
            JAVA_INT.withName("tail"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            JAVA_INT.withName("overflow"),
            JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("user_addr")).withName("io_cqring_offsets");

    /** Offset of {@code io_cqring_offsets.head} (u32). */
    public static final long CQ_OFF_HEAD = offset(IO_CQRING_OFFSETS, "head");
    /** Offset of {@code io_cqring_offsets.tail} (u32). */
    public static final long CQ_OFF_TAIL = offset(IO_CQRING_OFFSETS, "tail");
    /** Offset of {@code io_cqring_offsets.ring_mask} (u32). */
    public static final long CQ_OFF_RING_MASK = offset(IO_CQRING_OFFSETS, "ring_mask");
    /** Offset of {@code io_cqring_offsets.ring_entries} (u32). */
    public static final long CQ_OFF_RING_ENTRIES = offset(IO_CQRING_OFFSETS, "ring_entries");
    /** Offset of {@code io_cqring_offsets.overflow} (u32). */
    public static final long CQ_OFF_OVERFLOW = offset(IO_CQRING_OFFSETS, "overflow");
    /** Offset of {@code io_cqring_offsets.cqes} (u32). */
    public static final long CQ_OFF_CQES = offset(IO_CQRING_OFFSETS, "cqes");
    /** Offset of {@code io_cqring_offsets.flags} (u32). */
    public static final long CQ_OFF_FLAGS = offset(IO_CQRING_OFFSETS, "flags");
    /** Offset of {@code io_cqring_offsets.resv1} (u32). */
    public static final long CQ_OFF_RESV1 = offset(IO_CQRING_OFFSETS, "resv1");
    /** Offset of {@code io_cqring_offsets.user_addr} (u64). */
    public static final long CQ_OFF_USER_ADDR = offset(IO_CQRING_OFFSETS, "user_addr");

    /**
     * {@code struct io_uring_params}, 120 bytes: passed to io_uring_setup, which writes back
     * sq_entries, cq_entries, features, sq_off and cq_off.
     * <pre>
     * struct io_uring_params {
     *     __u32 sq_entries;        // out: the SQ size (entries rounded up to a power of two)
     *     __u32 cq_entries;        // in with IORING_SETUP_CQSIZE; out: the CQ size (2 * sq by default)
     *     __u32 flags;             // IORING_SETUP_*
     *     __u32 sq_thread_cpu;     // with IORING_SETUP_SQ_AFF
     *     __u32 sq_thread_idle;    // ms, with IORING_SETUP_SQPOLL
     *     __u32 features;          // out: IORING_FEAT_*
     *     __u32 wq_fd;             // with IORING_SETUP_ATTACH_WQ
     *     __u32 resv[3];           // must be 0, else EINVAL
     *     struct io_sqring_offsets sq_off;
     *     struct io_cqring_offsets cq_off;
     * };
     * </pre>
     */
    public static final StructLayout IO_URING_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"),
            JAVA_INT.withName("cq_entries"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"),
            JAVA_INT.withName("sq_thread_idle"),
            JAVA_INT.withName("features"),
            JAVA_INT.withName("wq_fd"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            IO_SQRING_OFFSETS.withName("sq_off"),
            IO_CQRING_OFFSETS.withName("cq_off")).withName("io_uring_params");

    /** Offset of {@code io_uring_params.sq_entries} (u32). */
    public static final long PARAMS_SQ_ENTRIES = offset(IO_URING_PARAMS, "sq_entries");
    /** Offset of {@code io_uring_params.cq_entries} (u32). */
    public static final long PARAMS_CQ_ENTRIES = offset(IO_URING_PARAMS, "cq_entries");
    /** Offset of {@code io_uring_params.flags} (u32, IORING_SETUP_*). */
    public static final long PARAMS_FLAGS = offset(IO_URING_PARAMS, "flags");
    /** Offset of {@code io_uring_params.sq_thread_cpu} (u32). */
    public static final long PARAMS_SQ_THREAD_CPU = offset(IO_URING_PARAMS, "sq_thread_cpu");
    /** Offset of {@code io_uring_params.sq_thread_idle} (u32, milliseconds). */
    public static final long PARAMS_SQ_THREAD_IDLE = offset(IO_URING_PARAMS, "sq_thread_idle");
    /** Offset of {@code io_uring_params.features} (u32, IORING_FEAT_*). */
    public static final long PARAMS_FEATURES = offset(IO_URING_PARAMS, "features");
    /** Offset of {@code io_uring_params.wq_fd} (u32). */
    public static final long PARAMS_WQ_FD = offset(IO_URING_PARAMS, "wq_fd");
    /** Offset of {@code io_uring_params.resv[0]} (3 x u32, must be 0). */
    public static final long PARAMS_RESV = offset(IO_URING_PARAMS, "resv");
    /** Offset of {@code io_uring_params.sq_off}; add the {@code SQ_OFF_*} offsets to reach a field. */
    public static final long PARAMS_SQ_OFF = offset(IO_URING_PARAMS, "sq_off");
    /** Offset of {@code io_uring_params.cq_off}; add the {@code CQ_OFF_*} offsets to reach a field. */
    public static final long PARAMS_CQ_OFF = offset(IO_URING_PARAMS, "cq_off");

    // ---------------------------------------------------------------------------------------------
    // Submission and completion queue entries

    /**
     * {@code struct io_uring_sqe}, 64 bytes (128 with IORING_SETUP_SQE128, the upper half being
     * command data). The unions are flattened to their first member here.
     * <pre>
     * struct io_uring_sqe {
     *     __u8  opcode;            // IORING_OP_*
     *     __u8  flags;             // IOSQE_*
     *     __u16 ioprio;
     *     __s32 fd;                // or a fixed-file index with IOSQE_FIXED_FILE
     *     union { __u64 off; __u64 addr2; struct { __u32 cmd_op; __u32 __pad1; }; };
     *     union { __u64 addr; __u64 splice_off_in; struct { __u32 level; __u32 optname; }; };
     *     __u32 len;               // bytes, or iovec count
     *     union { __kernel_rwf_t rw_flags; __u32 fsync_flags; __u32 poll32_events;
     *             __u32 sync_range_flags; __u32 timeout_flags; __u32 cancel_flags;
     *             __u32 open_flags; __u32 statx_flags; __u32 fadvise_advice; ... };  // "op_flags"
     *     __u64 user_data;         // returned in the CQE
     *     union { __u16 buf_index; __u16 buf_group; } __attribute__((packed));
     *     __u16 personality;
     *     union { __s32 splice_fd_in; __u32 file_index; __u32 optlen; struct { __u16 addr_len; __u16 __pad3[1]; }; };
     *     union { struct { __u64 addr3; __u64 __pad2[1]; }; __u64 optval; __u8 cmd[0]; };
     * };
     * </pre>
     * Zero all 64 bytes before filling an SQE: many opcodes fail with EINVAL when a field they do
     * not use is nonzero.
     */
    public static final StructLayout IO_URING_SQE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"),
            JAVA_BYTE.withName("flags"),
            JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"),
            JAVA_LONG.withName("off"),
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"),
            JAVA_INT.withName("op_flags"),
            JAVA_LONG.withName("user_data"),
            JAVA_SHORT.withName("buf_index"),
            JAVA_SHORT.withName("personality"),
            JAVA_INT.withName("file_index"),
            JAVA_LONG.withName("addr3"),
            JAVA_LONG.withName("pad2")).withName("io_uring_sqe");

    /** Offset of {@code sqe.opcode} (u8, IORING_OP_*). */
    public static final long SQE_OPCODE = offset(IO_URING_SQE, "opcode");
    /** Offset of {@code sqe.flags} (u8, IOSQE_*). */
    public static final long SQE_FLAGS = offset(IO_URING_SQE, "flags");
    /** Offset of {@code sqe.ioprio} (u16). */
    public static final long SQE_IOPRIO = offset(IO_URING_SQE, "ioprio");
    /** Offset of {@code sqe.fd} (s32). */
    public static final long SQE_FD = offset(IO_URING_SQE, "fd");
    /** Offset of {@code sqe.off} (u64): file offset; -1 uses the file position (IORING_FEAT_RW_CUR_POS). */
    public static final long SQE_OFF = offset(IO_URING_SQE, "off");
    /** Offset of {@code sqe.addr} (u64): buffer or iovec array; for FALLOCATE, the length. */
    public static final long SQE_ADDR = offset(IO_URING_SQE, "addr");
    /** Offset of {@code sqe.len} (u32): bytes, iovec count; for FALLOCATE, the mode. */
    public static final long SQE_LEN = offset(IO_URING_SQE, "len");
    /** Offset of the per-opcode flags word (u32): rw_flags, fsync_flags, timeout_flags, ... */
    public static final long SQE_OP_FLAGS = offset(IO_URING_SQE, "op_flags");
    /** Offset of {@code sqe.user_data} (u64). */
    public static final long SQE_USER_DATA = offset(IO_URING_SQE, "user_data");
    /** Offset of {@code sqe.buf_index} (u16): registered-buffer index for READ_FIXED/WRITE_FIXED. */
    public static final long SQE_BUF_INDEX = offset(IO_URING_SQE, "buf_index");
    /** Offset of {@code sqe.personality} (u16). */
    public static final long SQE_PERSONALITY = offset(IO_URING_SQE, "personality");
    /** Offset of {@code sqe.file_index} (u32): fixed-file slot + 1 for OPENAT to a direct descriptor. */
    public static final long SQE_FILE_INDEX = offset(IO_URING_SQE, "file_index");
    /** Offset of {@code sqe.addr3} (u64). */
    public static final long SQE_ADDR3 = offset(IO_URING_SQE, "addr3");
    /** Offset of {@code sqe.__pad2[0]} (u64). */
    public static final long SQE_PAD2 = offset(IO_URING_SQE, "pad2");

    /** {@code sqe.addr2}, an alias of {@link #SQE_OFF}: the struct statx pointer of STATX. */
    public static final long SQE_ADDR2 = SQE_OFF;
    /** {@code sqe.splice_off_in}, an alias of {@link #SQE_ADDR}. */
    public static final long SQE_SPLICE_OFF_IN = SQE_ADDR;
    /** {@code sqe.rw_flags} (RWF_*), an alias of {@link #SQE_OP_FLAGS}. */
    public static final long SQE_RW_FLAGS = SQE_OP_FLAGS;
    /** {@code sqe.fsync_flags} ({@link #IORING_FSYNC_DATASYNC}), an alias of {@link #SQE_OP_FLAGS}. */
    public static final long SQE_FSYNC_FLAGS = SQE_OP_FLAGS;
    /** {@code sqe.poll32_events}, an alias of {@link #SQE_OP_FLAGS}. */
    public static final long SQE_POLL32_EVENTS = SQE_OP_FLAGS;
    /** {@code sqe.sync_range_flags}, an alias of {@link #SQE_OP_FLAGS}. */
    public static final long SQE_SYNC_RANGE_FLAGS = SQE_OP_FLAGS;
    /** {@code sqe.timeout_flags} (IORING_TIMEOUT_*), an alias of {@link #SQE_OP_FLAGS}. */
    public static final long SQE_TIMEOUT_FLAGS = SQE_OP_FLAGS;
    /** {@code sqe.cancel_flags} (IORING_ASYNC_CANCEL_*), an alias of {@link #SQE_OP_FLAGS}. */
    public static final long SQE_CANCEL_FLAGS = SQE_OP_FLAGS;
    /** {@code sqe.open_flags} (O_*), an alias of {@link #SQE_OP_FLAGS}. */
    public static final long SQE_OPEN_FLAGS = SQE_OP_FLAGS;
    /** {@code sqe.statx_flags} (AT_*), an alias of {@link #SQE_OP_FLAGS}. */
    public static final long SQE_STATX_FLAGS = SQE_OP_FLAGS;
    /** {@code sqe.fadvise_advice} (POSIX_FADV_*), an alias of {@link #SQE_OP_FLAGS}. */
    public static final long SQE_FADVISE_ADVICE = SQE_OP_FLAGS;
    /** {@code sqe.buf_group}, an alias of {@link #SQE_BUF_INDEX}. */
    public static final long SQE_BUF_GROUP = SQE_BUF_INDEX;
    /** {@code sqe.splice_fd_in} (s32), an alias of {@link #SQE_FILE_INDEX}. */
    public static final long SQE_SPLICE_FD_IN = SQE_FILE_INDEX;

    /**
     * {@code struct io_uring_cqe}, 16 bytes (32 with IORING_SETUP_CQE32, which appends
     * {@code __u64 big_cqe[2]} and doubles the stride of the CQE array).
     * <pre>
     * struct io_uring_cqe {
     *     __u64 user_data;   // the SQE's user_data
     *     __s32 res;         // bytes, or -errno
     *     __u32 flags;       // IORING_CQE_F_*; buffer id in the upper 16 bits
     * };
     * </pre>
     */
    public static final StructLayout IO_URING_CQE = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"),
            JAVA_INT.withName("res"),
            JAVA_INT.withName("flags")).withName("io_uring_cqe");

    /** Offset of {@code cqe.user_data} (u64). */
    public static final long CQE_USER_DATA = offset(IO_URING_CQE, "user_data");
    /** Offset of {@code cqe.res} (s32). */
    public static final long CQE_RES = offset(IO_URING_CQE, "res");
    /** Offset of {@code cqe.flags} (u32). */
    public static final long CQE_FLAGS = offset(IO_URING_CQE, "flags");

    /**
     * {@code struct io_uring_getevents_arg}, 24 bytes: the io_uring_enter argument with
     * IORING_ENTER_EXT_ARG (Linux 5.11), passed with argsz 24.
     * <pre>
     * struct io_uring_getevents_arg {
     *     __u64 sigmask;         // sigset_t *, or 0
     *     __u32 sigmask_sz;      // 8 (the kernel's sigset size) when sigmask is set
     *     __u32 min_wait_usec;   // IORING_FEAT_MIN_TIMEOUT kernels; "pad" (must be 0) before
     *     __u64 ts;              // struct __kernel_timespec *, or 0 to wait without timeout
     * };
     * </pre>
     * The timeout is relative unless IORING_ENTER_ABS_TIMER; it expiring yields ETIME.
     */
    public static final StructLayout IO_URING_GETEVENTS_ARG = MemoryLayout.structLayout(
            JAVA_LONG.withName("sigmask"),
            JAVA_INT.withName("sigmask_sz"),
            JAVA_INT.withName("min_wait_usec"),
            JAVA_LONG.withName("ts")).withName("io_uring_getevents_arg");

    /** Offset of {@code io_uring_getevents_arg.sigmask} (u64 address). */
    public static final long GETEVENTS_ARG_SIGMASK = offset(IO_URING_GETEVENTS_ARG, "sigmask");
    /** Offset of {@code io_uring_getevents_arg.sigmask_sz} (u32). */
    public static final long GETEVENTS_ARG_SIGMASK_SZ = offset(IO_URING_GETEVENTS_ARG, "sigmask_sz");
    /** Offset of {@code io_uring_getevents_arg.min_wait_usec} (u32). */
    public static final long GETEVENTS_ARG_MIN_WAIT_USEC = offset(IO_URING_GETEVENTS_ARG, "min_wait_usec");
    /** Offset of {@code io_uring_getevents_arg.ts} (u64 address of an {@link Timespec#KERNEL_TIMESPEC}). */
    public static final long GETEVENTS_ARG_TS = offset(IO_URING_GETEVENTS_ARG, "ts");

    // ---------------------------------------------------------------------------------------------
    // io_uring_register arguments

    /**
     * {@code struct io_uring_probe_op}, 8 bytes: one opcode's entry in a probe.
     * <pre>
     * struct io_uring_probe_op { __u8 op; __u8 resv; __u16 flags; __u32 resv2; };  // flags: IO_URING_OP_SUPPORTED
     * </pre>
     */
    public static final StructLayout IO_URING_PROBE_OP = MemoryLayout.structLayout(
            JAVA_BYTE.withName("op"),
            JAVA_BYTE.withName("resv"),
            JAVA_SHORT.withName("flags"),
            JAVA_INT.withName("resv2")).withName("io_uring_probe_op");

    /** Offset of {@code io_uring_probe_op.op} (u8). */
    public static final long PROBE_OP_OP = offset(IO_URING_PROBE_OP, "op");
    /** Offset of {@code io_uring_probe_op.flags} (u16, {@link #IO_URING_OP_SUPPORTED}). */
    public static final long PROBE_OP_FLAGS = offset(IO_URING_PROBE_OP, "flags");

    /**
     * {@code struct io_uring_probe}, a 16-byte header followed by {@code ops_len}
     * {@link #IO_URING_PROBE_OP}s: the IORING_REGISTER_PROBE argument (Linux 5.6).
     * <pre>
     * struct io_uring_probe {
     *     __u8  last_op;     // the highest opcode the kernel knows
     *     __u8  ops_len;     // entries filled in: min(nr_args, last_op + 1)
     *     __u16 resv;
     *     __u32 resv2[3];
     *     struct io_uring_probe_op ops[];
     * };
     * </pre>
     * The whole argument, header and {@code nr_args} entries, must be zero on entry, else EINVAL.
     * The byte size of this layout is that of the header; {@code ops} only fixes {@link #PROBE_OPS}.
     */
    public static final StructLayout IO_URING_PROBE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("last_op"),
            JAVA_BYTE.withName("ops_len"),
            JAVA_SHORT.withName("resv"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv2"),
            MemoryLayout.sequenceLayout(0, IO_URING_PROBE_OP).withName("ops")).withName("io_uring_probe");

    /** Offset of {@code io_uring_probe.last_op} (u8). */
    public static final long PROBE_LAST_OP = offset(IO_URING_PROBE, "last_op");
    /** Offset of {@code io_uring_probe.ops_len} (u8). */
    public static final long PROBE_OPS_LEN = offset(IO_URING_PROBE, "ops_len");
    /** Offset of {@code io_uring_probe.ops[0]}; entry i is at {@code PROBE_OPS + 8 * i}. */
    public static final long PROBE_OPS = offset(IO_URING_PROBE, "ops");

    /**
     * {@code struct io_uring_rsrc_update}, 16 bytes: the IORING_REGISTER_FILES_UPDATE argument
     * (nr_args = number of fds) and an IORING_REGISTER_RING_FDS entry.
     * <pre>
     * struct io_uring_rsrc_update { __u32 offset; __u32 resv; __aligned_u64 data; };  // data: __s32 fds[]
     * </pre>
     */
    public static final StructLayout IO_URING_RSRC_UPDATE = MemoryLayout.structLayout(
            JAVA_INT.withName("offset"),
            JAVA_INT.withName("resv"),
            JAVA_LONG.withName("data")).withName("io_uring_rsrc_update");

    /** Offset of {@code io_uring_rsrc_update.offset} (u32): first slot to update. */
    public static final long RSRC_UPDATE_OFFSET = offset(IO_URING_RSRC_UPDATE, "offset");
    /** Offset of {@code io_uring_rsrc_update.resv} (u32, must be 0). */
    public static final long RSRC_UPDATE_RESV = offset(IO_URING_RSRC_UPDATE, "resv");
    /** Offset of {@code io_uring_rsrc_update.data} (u64 address of the s32 fd array). */
    public static final long RSRC_UPDATE_DATA = offset(IO_URING_RSRC_UPDATE, "data");

    /**
     * {@code struct io_uring_rsrc_register}, 32 bytes: the IORING_REGISTER_FILES2 and
     * IORING_REGISTER_BUFFERS2 argument, passed with nr_args = 32 (its size).
     * <pre>
     * struct io_uring_rsrc_register {
     *     __u32 nr;              // slots
     *     __u32 flags;           // IORING_RSRC_REGISTER_SPARSE: data must be 0
     *     __u64 resv2;
     *     __aligned_u64 data;    // s32 fds[nr] or struct iovec[nr]
     *     __aligned_u64 tags;    // u64 tags[nr], or 0
     * };
     * </pre>
     */
    public static final StructLayout IO_URING_RSRC_REGISTER = MemoryLayout.structLayout(
            JAVA_INT.withName("nr"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("resv2"),
            JAVA_LONG.withName("data"),
            JAVA_LONG.withName("tags")).withName("io_uring_rsrc_register");

    /** Offset of {@code io_uring_rsrc_register.nr} (u32). */
    public static final long RSRC_REGISTER_NR = offset(IO_URING_RSRC_REGISTER, "nr");
    /** Offset of {@code io_uring_rsrc_register.flags} (u32). */
    public static final long RSRC_REGISTER_FLAGS = offset(IO_URING_RSRC_REGISTER, "flags");
    /** Offset of {@code io_uring_rsrc_register.resv2} (u64, must be 0). */
    public static final long RSRC_REGISTER_RESV2 = offset(IO_URING_RSRC_REGISTER, "resv2");
    /** Offset of {@code io_uring_rsrc_register.data} (u64 address). */
    public static final long RSRC_REGISTER_DATA = offset(IO_URING_RSRC_REGISTER, "data");
    /** Offset of {@code io_uring_rsrc_register.tags} (u64 address). */
    public static final long RSRC_REGISTER_TAGS = offset(IO_URING_RSRC_REGISTER, "tags");

    /**
     * {@code struct io_uring_rsrc_update2}, 32 bytes: the IORING_REGISTER_FILES_UPDATE2 and
     * IORING_REGISTER_BUFFERS_UPDATE argument, passed with nr_args = 32 (its size).
     * <pre>
     * struct io_uring_rsrc_update2 {
     *     __u32 offset; __u32 resv;
     *     __aligned_u64 data;    // s32 fds[nr] or struct iovec[nr]
     *     __aligned_u64 tags;    // u64 tags[nr], or 0
     *     __u32 nr; __u32 resv2;
     * };
     * </pre>
     */
    public static final StructLayout IO_URING_RSRC_UPDATE2 = MemoryLayout.structLayout(
            JAVA_INT.withName("offset"),
            JAVA_INT.withName("resv"),
            JAVA_LONG.withName("data"),
            JAVA_LONG.withName("tags"),
            JAVA_INT.withName("nr"),
            JAVA_INT.withName("resv2")).withName("io_uring_rsrc_update2");

    /** Offset of {@code io_uring_rsrc_update2.offset} (u32). */
    public static final long RSRC_UPDATE2_OFFSET = offset(IO_URING_RSRC_UPDATE2, "offset");
    /** Offset of {@code io_uring_rsrc_update2.resv} (u32, must be 0). */
    public static final long RSRC_UPDATE2_RESV = offset(IO_URING_RSRC_UPDATE2, "resv");
    /** Offset of {@code io_uring_rsrc_update2.data} (u64 address). */
    public static final long RSRC_UPDATE2_DATA = offset(IO_URING_RSRC_UPDATE2, "data");
    /** Offset of {@code io_uring_rsrc_update2.tags} (u64 address). */
    public static final long RSRC_UPDATE2_TAGS = offset(IO_URING_RSRC_UPDATE2, "tags");
    /** Offset of {@code io_uring_rsrc_update2.nr} (u32). */
    public static final long RSRC_UPDATE2_NR = offset(IO_URING_RSRC_UPDATE2, "nr");
    /** Offset of {@code io_uring_rsrc_update2.resv2} (u32, must be 0). */
    public static final long RSRC_UPDATE2_RESV2 = offset(IO_URING_RSRC_UPDATE2, "resv2");

    /**
     * {@code struct io_uring_buf_reg}, 40 bytes: the IORING_REGISTER_PBUF_RING argument (5.19),
     * passed with nr_args = 1.
     * <pre>
     * struct io_uring_buf_reg {
     *     __u64 ring_addr;       // page-aligned memory of ring_entries struct io_uring_buf
     *     __u32 ring_entries;    // a power of two, at most 32768
     *     __u16 bgid;            // the buffer group: sqe.buf_group of requests that pick from it
     *     __u16 flags;           // IOU_PBUF_RING_MMAP, IOU_PBUF_RING_INC
     *     __u64 resv[3];
     * };
     * </pre>
     */
    public static final StructLayout IO_URING_BUF_REG = MemoryLayout.structLayout(
            JAVA_LONG.withName("ring_addr"),
            JAVA_INT.withName("ring_entries"),
            JAVA_SHORT.withName("bgid"),
            JAVA_SHORT.withName("flags"),
            MemoryLayout.sequenceLayout(3, JAVA_LONG).withName("resv")).withName("io_uring_buf_reg");

    /** Offset of {@code io_uring_buf_reg.ring_addr} (u64 address). */
    public static final long BUF_REG_RING_ADDR = offset(IO_URING_BUF_REG, "ring_addr");
    /** Offset of {@code io_uring_buf_reg.ring_entries} (u32). */
    public static final long BUF_REG_RING_ENTRIES = offset(IO_URING_BUF_REG, "ring_entries");
    /** Offset of {@code io_uring_buf_reg.bgid} (u16). */
    public static final long BUF_REG_BGID = offset(IO_URING_BUF_REG, "bgid");
    /** Offset of {@code io_uring_buf_reg.flags} (u16). */
    public static final long BUF_REG_FLAGS = offset(IO_URING_BUF_REG, "flags");

    /**
     * {@code struct io_uring_buf}, 16 bytes: one entry of a provided buffer ring. The ring's
     * {@code tail} (u16) overlays the {@code resv} of its first entry ({@code struct
     * io_uring_buf_ring}: a union of {@code {u64 resv1; u32 resv2; u16 resv3; u16 tail;}} and the
     * entries), so the kernel never reads entry 0's resv.
     * <pre>
     * struct io_uring_buf { __u64 addr; __u32 len; __u16 bid; __u16 resv; };
     * </pre>
     */
    public static final StructLayout IO_URING_BUF = MemoryLayout.structLayout(
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"),
            JAVA_SHORT.withName("bid"),
            JAVA_SHORT.withName("resv")).withName("io_uring_buf");

    /** Offset of {@code io_uring_buf.addr} (u64 address). */
    public static final long BUF_ADDR = offset(IO_URING_BUF, "addr");
    /** Offset of {@code io_uring_buf.len} (u32 bytes). */
    public static final long BUF_LEN = offset(IO_URING_BUF, "len");
    /** Offset of {@code io_uring_buf.bid} (u16, the id the CQE reports). */
    public static final long BUF_BID = offset(IO_URING_BUF, "bid");
    /** Offset of {@code io_uring_buf_ring.tail} (u16) from the ring's start: entry 0's resv. */
    public static final long BUF_RING_TAIL = offset(IO_URING_BUF, "resv");
    /** Most entries a provided buffer ring may have (io_uring/kbuf.c: ring_entries >= 65536 is EINVAL). */
    public static final int IORING_MAX_PBUF_RING_ENTRIES = 32768;

    // ---------------------------------------------------------------------------------------------
    // Ring size limits (io_uring/io_uring.c; io_uring_setup fails with EINVAL above them unless
    // IORING_SETUP_CLAMP is given)

    /** Most SQ entries a ring may have ({@code IORING_MAX_ENTRIES}); the kernel rounds up to a power of two first. */
    public static final int IORING_MAX_ENTRIES = 32768;
    /** Most CQ entries a ring may have ({@code IORING_MAX_CQ_ENTRIES}, twice IORING_MAX_ENTRIES). */
    public static final int IORING_MAX_CQ_ENTRIES = 2 * IORING_MAX_ENTRIES;

    // ---------------------------------------------------------------------------------------------
    // mmap offsets (io_uring.h "Magic offsets for the application to mmap the data it needs")

    /** mmap offset of the SQ ring (and, with IORING_FEAT_SINGLE_MMAP, of the CQ ring too). */
    public static final long IORING_OFF_SQ_RING = 0L;
    /** mmap offset of the CQ ring. */
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    /** mmap offset of the SQE array. */
    public static final long IORING_OFF_SQES = 0x10000000L;

    // ---------------------------------------------------------------------------------------------
    // Opcodes: enum io_uring_op (sqe.opcode), with the Linux version that added each

    /** No operation; completes with res 0 (5.1). */
    public static final int IORING_OP_NOP = 0;
    /** preadv2: addr = iovec array, len = count, off, rw_flags (5.1). */
    public static final int IORING_OP_READV = 1;
    /** pwritev2: addr = iovec array, len = count, off, rw_flags (5.1). */
    public static final int IORING_OP_WRITEV = 2;
    /** fsync, or fdatasync with {@link #IORING_FSYNC_DATASYNC}; off/len may narrow the range (5.1). */
    public static final int IORING_OP_FSYNC = 3;
    /** Read into a registered buffer: addr/len inside buffer buf_index (5.1). */
    public static final int IORING_OP_READ_FIXED = 4;
    /** Write from a registered buffer: addr/len inside buffer buf_index (5.1). */
    public static final int IORING_OP_WRITE_FIXED = 5;
    /** Poll fd for poll32_events; len holds IORING_POLL_ADD_* (5.1). */
    public static final int IORING_OP_POLL_ADD = 6;
    /** Remove the poll whose user_data is in addr (5.1). */
    public static final int IORING_OP_POLL_REMOVE = 7;
    /** sync_file_range: off, len, sync_range_flags (5.2). */
    public static final int IORING_OP_SYNC_FILE_RANGE = 8;
    /** sendmsg (5.3). */
    public static final int IORING_OP_SENDMSG = 9;
    /** recvmsg (5.3). */
    public static final int IORING_OP_RECVMSG = 10;
    /** Timer: addr = __kernel_timespec, len = 1, off = completion count, timeout_flags (5.4). */
    public static final int IORING_OP_TIMEOUT = 11;
    /** Remove or update the timeout whose user_data is in addr (5.5). */
    public static final int IORING_OP_TIMEOUT_REMOVE = 12;
    /** accept4 (5.5). */
    public static final int IORING_OP_ACCEPT = 13;
    /** Cancel the request whose user_data is in addr, or per cancel_flags (5.5). */
    public static final int IORING_OP_ASYNC_CANCEL = 14;
    /** Timeout for the preceding IOSQE_IO_LINK request (5.5). */
    public static final int IORING_OP_LINK_TIMEOUT = 15;
    /** connect (5.5). */
    public static final int IORING_OP_CONNECT = 16;
    /** fallocate: off = offset, addr = length, len = mode (5.6). */
    public static final int IORING_OP_FALLOCATE = 17;
    /** openat: fd = dirfd, addr = path, len = mode, open_flags (5.6). */
    public static final int IORING_OP_OPENAT = 18;
    /** close fd (5.6). */
    public static final int IORING_OP_CLOSE = 19;
    /** Update registered files: addr = s32 fds, len = count, off = first slot (5.6). */
    public static final int IORING_OP_FILES_UPDATE = 20;
    /** statx: fd = dirfd, addr = path, len = mask, addr2 = struct statx, statx_flags (5.6). */
    public static final int IORING_OP_STATX = 21;
    /** pread: addr = buffer, len = bytes, off, rw_flags (5.6). */
    public static final int IORING_OP_READ = 22;
    /** pwrite: addr = buffer, len = bytes, off, rw_flags (5.6). */
    public static final int IORING_OP_WRITE = 23;
    /** posix_fadvise: off, len, fadvise_advice (5.6). */
    public static final int IORING_OP_FADVISE = 24;
    /** madvise (5.6). */
    public static final int IORING_OP_MADVISE = 25;
    /** send (5.6). */
    public static final int IORING_OP_SEND = 26;
    /** recv (5.6). */
    public static final int IORING_OP_RECV = 27;
    /** openat2 (5.6). */
    public static final int IORING_OP_OPENAT2 = 28;
    /** epoll_ctl (5.6). */
    public static final int IORING_OP_EPOLL_CTL = 29;
    /** splice (5.7). */
    public static final int IORING_OP_SPLICE = 30;
    /** Provide buffers for IOSQE_BUFFER_SELECT (5.7). */
    public static final int IORING_OP_PROVIDE_BUFFERS = 31;
    /** Remove provided buffers (5.7). */
    public static final int IORING_OP_REMOVE_BUFFERS = 32;
    /** tee (5.8). */
    public static final int IORING_OP_TEE = 33;
    /** shutdown (5.11). */
    public static final int IORING_OP_SHUTDOWN = 34;
    /** renameat2 (5.11). */
    public static final int IORING_OP_RENAMEAT = 35;
    /** unlinkat (5.11). */
    public static final int IORING_OP_UNLINKAT = 36;
    /** mkdirat (5.15). */
    public static final int IORING_OP_MKDIRAT = 37;
    /** symlinkat (5.15). */
    public static final int IORING_OP_SYMLINKAT = 38;
    /** linkat (5.15). */
    public static final int IORING_OP_LINKAT = 39;
    /** Post a CQE to another ring (5.18). */
    public static final int IORING_OP_MSG_RING = 40;
    /** fsetxattr (5.19). */
    public static final int IORING_OP_FSETXATTR = 41;
    /** setxattr (5.19). */
    public static final int IORING_OP_SETXATTR = 42;
    /** fgetxattr (5.19). */
    public static final int IORING_OP_FGETXATTR = 43;
    /** getxattr (5.19). */
    public static final int IORING_OP_GETXATTR = 44;
    /** socket (5.19). */
    public static final int IORING_OP_SOCKET = 45;
    /** Driver passthrough command (5.19). */
    public static final int IORING_OP_URING_CMD = 46;
    /** Zero-copy send (6.0). */
    public static final int IORING_OP_SEND_ZC = 47;
    /** Zero-copy sendmsg (6.1). */
    public static final int IORING_OP_SENDMSG_ZC = 48;
    /** Multishot read into provided buffers (6.7). */
    public static final int IORING_OP_READ_MULTISHOT = 49;
    /** waitid (6.7). */
    public static final int IORING_OP_WAITID = 50;
    /** futex wait (6.7). */
    public static final int IORING_OP_FUTEX_WAIT = 51;
    /** futex wake (6.7). */
    public static final int IORING_OP_FUTEX_WAKE = 52;
    /** futex waitv (6.7). */
    public static final int IORING_OP_FUTEX_WAITV = 53;
    /** Install a direct descriptor as a normal fd (6.8). */
    public static final int IORING_OP_FIXED_FD_INSTALL = 54;
    /** ftruncate: off = length (6.9). */
    public static final int IORING_OP_FTRUNCATE = 55;

    // ---------------------------------------------------------------------------------------------
    // sqe.flags (IOSQE_*)

    /** fd is an index into the registered files (5.1). */
    public static final int IOSQE_FIXED_FILE = 1;
    /** Start only after every earlier request has completed (5.2). */
    public static final int IOSQE_IO_DRAIN = 1 << 1;
    /** The next SQE starts after this one completes; a failure or short result cancels the rest (5.3). */
    public static final int IOSQE_IO_LINK = 1 << 2;
    /** Like IO_LINK, but the chain survives a failure of this request (5.5). */
    public static final int IOSQE_IO_HARDLINK = 1 << 3;
    /** Skip the non-blocking attempt and go straight to an io-wq worker (5.6). */
    public static final int IOSQE_ASYNC = 1 << 4;
    /** Pick a buffer from group buf_group (5.7). */
    public static final int IOSQE_BUFFER_SELECT = 1 << 5;
    /** Post no CQE if the request succeeds (5.17). */
    public static final int IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // ---------------------------------------------------------------------------------------------
    // io_uring_params.flags (IORING_SETUP_*)

    /** Busy-poll for completions (O_DIRECT on polled block devices only). */
    public static final int IORING_SETUP_IOPOLL = 1;
    /** A kernel thread polls the SQ; the application enters only on IORING_SQ_NEED_WAKEUP. */
    public static final int IORING_SETUP_SQPOLL = 1 << 1;
    /** Pin the SQPOLL thread to sq_thread_cpu. */
    public static final int IORING_SETUP_SQ_AFF = 1 << 2;
    /** cq_entries is given by the application. */
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    /** Clamp oversized entries to the maximum instead of failing with EINVAL. */
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    /** Share the io-wq of the ring in wq_fd. */
    public static final int IORING_SETUP_ATTACH_WQ = 1 << 5;
    /** Start disabled until IORING_REGISTER_ENABLE_RINGS (5.10). */
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    /** Keep submitting the batch after a failed SQE (5.18). */
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    /** Run completion task work at the next kernel entry rather than by IPI (5.19). */
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    /** Set IORING_SQ_TASKRUN when task work waits for an entry (5.19). */
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    /** 128-byte SQEs (5.19). */
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    /** 32-byte CQEs (5.19). */
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    /** Only one task submits; others get EEXIST (6.0). */
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    /** Run task work only in io_uring_enter(GETEVENTS) of the issuer; needs SINGLE_ISSUER (6.1). */
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    /** The application provides the ring memory in sq_off/cq_off.user_addr (6.5). */
    public static final int IORING_SETUP_NO_MMAP = 1 << 14;
    /** Return a registered ring index instead of an fd (6.5). */
    public static final int IORING_SETUP_REGISTERED_FD_ONLY = 1 << 15;
    /** No SQ index array: the kernel takes the SQE at index head &amp; mask directly (6.6). */
    public static final int IORING_SETUP_NO_SQARRAY = 1 << 16;

    // ---------------------------------------------------------------------------------------------
    // io_uring_enter flags (IORING_ENTER_*)

    /** Wait for min_complete completions. */
    public static final int IORING_ENTER_GETEVENTS = 1;
    /** Wake the SQPOLL thread. */
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    /** Wait until the SQPOLL thread has room in the SQ. */
    public static final int IORING_ENTER_SQ_WAIT = 1 << 2;
    /** arg is an {@link #IO_URING_GETEVENTS_ARG} and argsz its size (5.11). */
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;
    /** fd is a registered ring index (5.18). */
    public static final int IORING_ENTER_REGISTERED_RING = 1 << 4;

    // ---------------------------------------------------------------------------------------------
    // io_uring_params.features (IORING_FEAT_*)

    /** SQ and CQ rings share one mapping (5.4). */
    public static final int IORING_FEAT_SINGLE_MMAP = 1;
    /** CQEs are never dropped: overflow is buffered and reported by IORING_SQ_CQ_OVERFLOW (5.5). */
    public static final int IORING_FEAT_NODROP = 1 << 1;
    /** Data a request needs for async offload is consumed when its SQE is consumed (5.5). */
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    /** off = -1 uses the file position (5.6). */
    public static final int IORING_FEAT_RW_CUR_POS = 1 << 3;
    /** Requests run with the submitter's credentials (5.6). */
    public static final int IORING_FEAT_CUR_PERSONALITY = 1 << 4;
    /** Internal poll instead of a worker thread for pollable files (5.7). */
    public static final int IORING_FEAT_FAST_POLL = 1 << 5;
    /** 32-bit poll events (5.9). */
    public static final int IORING_FEAT_POLL_32BITS = 1 << 6;
    /** SQPOLL without registered files (5.11). */
    public static final int IORING_FEAT_SQPOLL_NONFIXED = 1 << 7;
    /** IORING_ENTER_EXT_ARG is supported (5.11). */
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;
    /** io-wq workers are threads of the submitting process (5.12). */
    public static final int IORING_FEAT_NATIVE_WORKERS = 1 << 9;
    /** Registered resources may carry tags (5.13). */
    public static final int IORING_FEAT_RSRC_TAGS = 1 << 10;
    /** IOSQE_CQE_SKIP_SUCCESS is supported (5.17). */
    public static final int IORING_FEAT_CQE_SKIP = 1 << 11;
    /** Files of linked requests are resolved when each runs (5.17). */
    public static final int IORING_FEAT_LINKED_FILE = 1 << 12;
    /** A registered ring fd may be used with io_uring_register (6.3). */
    public static final int IORING_FEAT_REG_REG_RING = 1 << 13;

    // ---------------------------------------------------------------------------------------------
    // Ring flag words

    /** SQ ring flags: the SQPOLL thread sleeps; enter with IORING_ENTER_SQ_WAKEUP. */
    public static final int IORING_SQ_NEED_WAKEUP = 1;
    /** SQ ring flags: CQEs overflowed; enter with GETEVENTS to flush them. */
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    /** SQ ring flags: task work is pending; enter with GETEVENTS to run it. */
    public static final int IORING_SQ_TASKRUN = 1 << 2;
    /** CQ ring flags: do not signal the registered eventfd (set by the application). */
    public static final int IORING_CQ_EVENTFD_DISABLED = 1;

    // ---------------------------------------------------------------------------------------------
    // Per-opcode flags

    /** sqe.fsync_flags: fdatasync instead of fsync. */
    public static final int IORING_FSYNC_DATASYNC = 1;

    /** sqe.timeout_flags: the timespec is absolute. */
    public static final int IORING_TIMEOUT_ABS = 1;
    /** sqe.timeout_flags of TIMEOUT_REMOVE: update the timeout instead of removing it. */
    public static final int IORING_TIMEOUT_UPDATE = 1 << 1;
    /** sqe.timeout_flags: CLOCK_BOOTTIME. */
    public static final int IORING_TIMEOUT_BOOTTIME = 1 << 2;
    /** sqe.timeout_flags: CLOCK_REALTIME. */
    public static final int IORING_TIMEOUT_REALTIME = 1 << 3;
    /** sqe.timeout_flags of TIMEOUT_REMOVE: update a link timeout. */
    public static final int IORING_LINK_TIMEOUT_UPDATE = 1 << 4;
    /** sqe.timeout_flags: an expired timeout still completes with -ETIME, but does not break its link chain. */
    public static final int IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;

    /** sqe.cancel_flags: cancel every match, not just the first. */
    public static final int IORING_ASYNC_CANCEL_ALL = 1;
    /** sqe.cancel_flags: match on fd instead of user_data. */
    public static final int IORING_ASYNC_CANCEL_FD = 1 << 1;
    /** sqe.cancel_flags: match any request. */
    public static final int IORING_ASYNC_CANCEL_ANY = 1 << 2;

    /** ACCEPT sqe.ioprio: multishot accept (5.19); CQEs carry IORING_CQE_F_MORE while it stays armed. */
    public static final int IORING_ACCEPT_MULTISHOT = 1;

    /**
     * RECV sqe.ioprio: multishot receive (6.0), with IOSQE_BUFFER_SELECT and len 0: one CQE per
     * chunk received, each in a buffer the kernel picked from the group, IORING_CQE_F_MORE while it
     * stays armed; it ends (a CQE without F_MORE) at end of stream, on an error, or with -ENOBUFS
     * when the group ran dry.
     */
    public static final int IORING_RECV_MULTISHOT = 1 << 1;

    /** POLL_ADD sqe.len: multishot poll; CQEs carry IORING_CQE_F_MORE while it stays armed. */
    public static final int IORING_POLL_ADD_MULTI = 1;

    /** cqe.flags: the upper 16 bits hold the selected buffer id. */
    public static final int IORING_CQE_F_BUFFER = 1;
    /** cqe.flags: more CQEs will follow for the same SQE. */
    public static final int IORING_CQE_F_MORE = 1 << 1;
    /** cqe.flags: shift of the buffer id when IORING_CQE_F_BUFFER is set. */
    public static final int IORING_CQE_BUFFER_SHIFT = 16;
    /**
     * cqe.flags: a zero-copy send's notification (6.0), its last CQE: the kernel no longer reads
     * the buffer. Its res has {@link #IORING_NOTIF_USAGE_ZC_COPIED} when the bytes were copied after
     * all (asked with {@link #IORING_SEND_ZC_REPORT_USAGE}).
     */
    public static final int IORING_CQE_F_NOTIF = 1 << 3;
    /** SEND_ZC sqe.ioprio: report in the notification whether the bytes were copied (6.2). */
    public static final int IORING_SEND_ZC_REPORT_USAGE = 1 << 3;
    /** A SEND_ZC notification's res bit: the kernel copied the bytes (loopback, a device without scatter-gather). */
    public static final int IORING_NOTIF_USAGE_ZC_COPIED = 1 << 31;

    // ---------------------------------------------------------------------------------------------
    // io_uring_register opcodes: enum io_uring_register_op

    /** arg = struct iovec[nr_args]: pin and register buffers for READ_FIXED/WRITE_FIXED. */
    public static final int IORING_REGISTER_BUFFERS = 0;
    /** arg = NULL, nr_args = 0. */
    public static final int IORING_UNREGISTER_BUFFERS = 1;
    /** arg = s32 fds[nr_args] (-1 leaves a slot empty): files for IOSQE_FIXED_FILE. */
    public static final int IORING_REGISTER_FILES = 2;
    /** arg = NULL, nr_args = 0. */
    public static final int IORING_UNREGISTER_FILES = 3;
    /** arg = int *eventfd, nr_args = 1: signalled on every CQE. */
    public static final int IORING_REGISTER_EVENTFD = 4;
    /** arg = NULL, nr_args = 0. */
    public static final int IORING_UNREGISTER_EVENTFD = 5;
    /** arg = {@link #IO_URING_RSRC_UPDATE}, nr_args = number of fds; returns the number updated. */
    public static final int IORING_REGISTER_FILES_UPDATE = 6;
    /** Like REGISTER_EVENTFD, but signalled only for completions that ran asynchronously. */
    public static final int IORING_REGISTER_EVENTFD_ASYNC = 7;
    /** arg = a zeroed {@link #IO_URING_PROBE} with nr_args entries (5.6). */
    public static final int IORING_REGISTER_PROBE = 8;
    /** arg = NULL, nr_args = 0: enable a ring set up with IORING_SETUP_R_DISABLED (5.10). */
    public static final int IORING_REGISTER_ENABLE_RINGS = 12;
    /** arg = {@link #IO_URING_RSRC_REGISTER}, nr_args = 32 (5.13). */
    public static final int IORING_REGISTER_FILES2 = 13;
    /** arg = {@link #IO_URING_RSRC_UPDATE2}, nr_args = 32 (5.13). */
    public static final int IORING_REGISTER_FILES_UPDATE2 = 14;
    /** arg = {@link #IO_URING_RSRC_REGISTER}, nr_args = 32 (5.13). */
    public static final int IORING_REGISTER_BUFFERS2 = 15;
    /** arg = {@link #IO_URING_RSRC_UPDATE2}, nr_args = 32 (5.13). */
    public static final int IORING_REGISTER_BUFFERS_UPDATE = 16;
    /** arg = u32[2] {bounded, unbounded} io-wq worker limits (0 queries), nr_args = 2; old values written back (5.15). */
    public static final int IORING_REGISTER_IOWQ_MAX_WORKERS = 19;
    /** arg = {@link #IO_URING_RSRC_UPDATE}[nr_args]: register ring fds; the chosen index is written to offset (5.18). */
    public static final int IORING_REGISTER_RING_FDS = 20;
    /** arg = {@link #IO_URING_RSRC_UPDATE}[nr_args] whose offsets name the indices to drop (5.18). */
    public static final int IORING_UNREGISTER_RING_FDS = 21;
    /** arg = {@link #IO_URING_BUF_REG}, nr_args = 1: a ring of provided buffers for IOSQE_BUFFER_SELECT (5.19). */
    public static final int IORING_REGISTER_PBUF_RING = 22;
    /** arg = {@link #IO_URING_BUF_REG} naming the bgid, nr_args = 1 (5.19). */
    public static final int IORING_UNREGISTER_PBUF_RING = 23;
    /** OR-ed into the opcode: fd is a registered ring index (6.3, IORING_FEAT_REG_REG_RING). */
    public static final int IORING_REGISTER_USE_REGISTERED_RING = 1 << 31;

    /** An fd value in a files update that leaves its slot untouched. */
    public static final int IORING_REGISTER_FILES_SKIP = -2;
    /** {@code io_uring_rsrc_register.flags}: register nr empty slots; data must be 0. */
    public static final int IORING_RSRC_REGISTER_SPARSE = 1;
    /** {@code io_uring_probe_op.flags}: the opcode is supported. */
    public static final int IO_URING_OP_SUPPORTED = 1;

    private UringAbi() {
    }
}
