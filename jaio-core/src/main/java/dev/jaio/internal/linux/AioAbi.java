package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The native AIO ABI: {@code include/uapi/linux/aio_abi.h} (torvalds/linux @a94e42b, with
 * IOCB_FLAG_IOPRIO), the completion ring {@code struct aio_ring} of {@code fs/aio.c}, and the
 * signal-mask argument of io_pgetevents. The timeout of io_getevents and io_pgetevents is a
 * {@link Timespec}.
 *
 * <p>Layouts assume little-endian LP64 (x86_64, aarch64). Field offsets are named
 * {@code STRUCT_FIELD}; values the kernel compares a field against carry a {@code _VALUE} suffix
 * ({@link #AIO_RING_MAGIC_VALUE} is what the field at {@link #AIO_RING_MAGIC} must hold).
 */
public final class AioAbi {

    /**
     * {@code struct iocb}, 64 bytes.
     * <pre>
     * struct iocb {
     *     __u64 aio_data;            // returned as io_event.data
     *     __u32 aio_key;             // PADDED(aio_key, aio_rw_flags): key first on little-endian
     *     __kernel_rwf_t aio_rw_flags;
     *     __u16 aio_lio_opcode;      // IOCB_CMD_*
     *     __s16 aio_reqprio;
     *     __u32 aio_fildes;
     *     __u64 aio_buf;             // buffer address, or iovec array for PREADV/PWRITEV
     *     __u64 aio_nbytes;          // byte count, or iovec count
     *     __s64 aio_offset;
     *     __u64 aio_reserved2;       // must be 0, else io_submit fails with EINVAL
     *     __u32 aio_flags;           // IOCB_FLAG_*
     *     __u32 aio_resfd;           // eventfd signalled when IOCB_FLAG_RESFD is set
     * };
     * </pre>
     * The kernel writes 0 (KIOCB_KEY) into aio_key during io_submit; io_cancel requires it there.
     */
    public static final StructLayout IOCB = MemoryLayout.structLayout(
            JAVA_LONG.withName("aio_data"),
            JAVA_INT.withName("aio_key"),
            JAVA_INT.withName("aio_rw_flags"),
            JAVA_SHORT.withName("aio_lio_opcode"),
            JAVA_SHORT.withName("aio_reqprio"),
            JAVA_INT.withName("aio_fildes"),
            JAVA_LONG.withName("aio_buf"),
            JAVA_LONG.withName("aio_nbytes"),
            JAVA_LONG.withName("aio_offset"),
            JAVA_LONG.withName("aio_reserved2"),
            JAVA_INT.withName("aio_flags"),
            JAVA_INT.withName("aio_resfd")).withName("iocb");

    /** Offset of {@code iocb.aio_data} (u64). */
    public static final long IOCB_AIO_DATA = offset(IOCB, "aio_data");
    /** Offset of {@code iocb.aio_key} (u32). */
    public static final long IOCB_AIO_KEY = offset(IOCB, "aio_key");
    /** Offset of {@code iocb.aio_rw_flags} (int, RWF_*; must be 0 for FSYNC/FDSYNC). */
    public static final long IOCB_AIO_RW_FLAGS = offset(IOCB, "aio_rw_flags");
    /** Offset of {@code iocb.aio_lio_opcode} (u16, IOCB_CMD_*). */
    public static final long IOCB_AIO_LIO_OPCODE = offset(IOCB, "aio_lio_opcode");
    /** Offset of {@code iocb.aio_reqprio} (s16; used only with IOCB_FLAG_IOPRIO). */
    public static final long IOCB_AIO_REQPRIO = offset(IOCB, "aio_reqprio");
    /** Offset of {@code iocb.aio_fildes} (u32). */
    public static final long IOCB_AIO_FILDES = offset(IOCB, "aio_fildes");
    /** Offset of {@code iocb.aio_buf} (u64 address). */
    public static final long IOCB_AIO_BUF = offset(IOCB, "aio_buf");
    /** Offset of {@code iocb.aio_nbytes} (u64). */
    public static final long IOCB_AIO_NBYTES = offset(IOCB, "aio_nbytes");
    /** Offset of {@code iocb.aio_offset} (s64). */
    public static final long IOCB_AIO_OFFSET = offset(IOCB, "aio_offset");
    /** Offset of {@code iocb.aio_reserved2} (u64, must be 0). */
    public static final long IOCB_AIO_RESERVED2 = offset(IOCB, "aio_reserved2");
    /** Offset of {@code iocb.aio_flags} (u32, IOCB_FLAG_*). */
    public static final long IOCB_AIO_FLAGS = offset(IOCB, "aio_flags");
    /** Offset of {@code iocb.aio_resfd} (u32). */
    public static final long IOCB_AIO_RESFD = offset(IOCB, "aio_resfd");

    /**
     * {@code struct io_event}, 32 bytes.
     * <pre>
     * struct io_event {
     *     __u64 data;   // the iocb's aio_data
     *     __u64 obj;    // user address of the iocb
     *     __s64 res;    // bytes transferred, or -errno
     *     __s64 res2;   // 0 for read/write completions
     * };
     * </pre>
     */
    public static final StructLayout IO_EVENT = MemoryLayout.structLayout(
            JAVA_LONG.withName("data"),
            JAVA_LONG.withName("obj"),
            JAVA_LONG.withName("res"),
            JAVA_LONG.withName("res2")).withName("io_event");

    /** Offset of {@code io_event.data} (u64). */
    public static final long IO_EVENT_DATA = offset(IO_EVENT, "data");
    /** Offset of {@code io_event.obj} (u64). */
    public static final long IO_EVENT_OBJ = offset(IO_EVENT, "obj");
    /** Offset of {@code io_event.res} (s64). */
    public static final long IO_EVENT_RES = offset(IO_EVENT, "res");
    /** Offset of {@code io_event.res2} (s64). */
    public static final long IO_EVENT_RES2 = offset(IO_EVENT, "res2");

    /**
     * {@code struct aio_ring} of {@code fs/aio.c}: the 32-byte header of the completion ring that
     * io_setup maps into the process; the {@code aio_context_t} is its user address.
     * <pre>
     * struct aio_ring {
     *     unsigned id;                 // kioctx index; the kernel looks the context up by it
     *     unsigned nr;                 // io_event slots (the rounded-up capacity)
     *     unsigned head;               // consumer index, already reduced modulo nr
     *     unsigned tail;               // producer index, written only by the kernel
     *     unsigned magic;              // AIO_RING_MAGIC
     *     unsigned compat_features;
     *     unsigned incompat_features;
     *     unsigned header_length;      // sizeof(struct aio_ring)
     *     struct io_event io_events[]; // event i at byte 32 + 32 * i
     * };
     * </pre>
     * The layout's byte size is that of the header; {@code io_events} is a zero-length member that
     * only fixes the offset of the events ({@link #AIO_RING_IO_EVENTS}). The kernel stores tail with
     * release semantics after writing the event (smp_wmb in aio_complete); a user-space reaper loads
     * tail with acquire and stores head with release, and must be the context's only consumer.
     */
    public static final StructLayout AIO_RING = MemoryLayout.structLayout(
            JAVA_INT.withName("id"),
            JAVA_INT.withName("nr"),
            JAVA_INT.withName("head"),
            JAVA_INT.withName("tail"),
            JAVA_INT.withName("magic"),
            JAVA_INT.withName("compat_features"),
            JAVA_INT.withName("incompat_features"),
            JAVA_INT.withName("header_length"),
            MemoryLayout.sequenceLayout(0, IO_EVENT).withName("io_events")).withName("aio_ring");

    /** Offset of {@code aio_ring.id}. */
    public static final long AIO_RING_ID = offset(AIO_RING, "id");
    /** Offset of {@code aio_ring.nr}. */
    public static final long AIO_RING_NR = offset(AIO_RING, "nr");
    /** Offset of {@code aio_ring.head}. */
    public static final long AIO_RING_HEAD = offset(AIO_RING, "head");
    /** Offset of {@code aio_ring.tail}. */
    public static final long AIO_RING_TAIL = offset(AIO_RING, "tail");
    /** Offset of {@code aio_ring.magic}. */
    public static final long AIO_RING_MAGIC = offset(AIO_RING, "magic");
    /** Offset of {@code aio_ring.compat_features}. */
    public static final long AIO_RING_COMPAT_FEATURES = offset(AIO_RING, "compat_features");
    /** Offset of {@code aio_ring.incompat_features}. */
    public static final long AIO_RING_INCOMPAT_FEATURES = offset(AIO_RING, "incompat_features");
    /** Offset of {@code aio_ring.header_length}. */
    public static final long AIO_RING_HEADER_LENGTH = offset(AIO_RING, "header_length");
    /** Offset of {@code aio_ring.io_events[0]}. */
    public static final long AIO_RING_IO_EVENTS = offset(AIO_RING, "io_events");

    /** {@code AIO_RING_MAGIC} of fs/aio.c: a ring whose magic differs must not be read from user space. */
    public static final int AIO_RING_MAGIC_VALUE = 0xa10a10a1;
    /** {@code AIO_RING_COMPAT_FEATURES} of fs/aio.c. */
    public static final int AIO_RING_COMPAT_FEATURES_VALUE = 1;
    /** {@code AIO_RING_INCOMPAT_FEATURES} of fs/aio.c: any other value forbids user-space reaping. */
    public static final int AIO_RING_INCOMPAT_FEATURES_VALUE = 0;
    /** The header_length the kernel stores: {@code sizeof(struct aio_ring)}. */
    public static final int AIO_RING_HEADER_LENGTH_VALUE = 32;

    /**
     * {@code struct __aio_sigset} ({@code fs/aio.c}), 16 bytes: io_pgetevents' signal mask.
     * <pre>
     * struct __aio_sigset { const sigset_t __user *sigmask; size_t sigsetsize; };
     * </pre>
     */
    public static final StructLayout AIO_SIGSET = MemoryLayout.structLayout(
            ADDRESS.withName("sigmask"),
            JAVA_LONG.withName("sigsetsize")).withName("__aio_sigset");

    /** Offset of {@code __aio_sigset.sigmask}. */
    public static final long AIO_SIGSET_SIGMASK = offset(AIO_SIGSET, "sigmask");
    /** Offset of {@code __aio_sigset.sigsetsize}. */
    public static final long AIO_SIGSET_SIGSETSIZE = offset(AIO_SIGSET, "sigsetsize");
    /** The kernel's sigset size on x86_64 and aarch64 (64 signals); sigsetsize must equal it. */
    public static final long KERNEL_SIGSET_SIZE = 8;

    /** Read into {@code aio_buf}, non-vectored. */
    public static final short IOCB_CMD_PREAD = 0;
    /** Write from {@code aio_buf}, non-vectored. */
    public static final short IOCB_CMD_PWRITE = 1;
    /** fsync on a workqueue; buf, offset, nbytes and rw_flags must be 0. */
    public static final short IOCB_CMD_FSYNC = 2;
    /** fdatasync on a workqueue; buf, offset, nbytes and rw_flags must be 0. */
    public static final short IOCB_CMD_FDSYNC = 3;
    /** Poll the fd for the events in {@code aio_buf} (Linux 4.18); cancellable. */
    public static final short IOCB_CMD_POLL = 5;
    /** Defined, but fs/aio.c rejects it with EINVAL. */
    public static final short IOCB_CMD_NOOP = 6;
    /** Vectored read: {@code aio_buf} is an iovec array, {@code aio_nbytes} its length. */
    public static final short IOCB_CMD_PREADV = 7;
    /** Vectored write: {@code aio_buf} is an iovec array, {@code aio_nbytes} its length. */
    public static final short IOCB_CMD_PWRITEV = 8;

    /** {@code aio_flags}: signal the eventfd in {@code aio_resfd} once per completion. */
    public static final int IOCB_FLAG_RESFD = 1;
    /** {@code aio_flags}: use {@code aio_reqprio} (Linux 4.18; capability-checked). */
    public static final int IOCB_FLAG_IOPRIO = 1 << 1;

    private AioAbi() {
    }
}
