package dev.jaio.internal.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins the io_uring opcodes and flags of {@link UringAbi} to the values of include/uapi/linux/io_uring.h. */
class UringConstantsTest {

    @Test
    void opcodes() {
        assertAll(
                () -> assertEquals(0, UringAbi.IORING_OP_NOP),
                () -> assertEquals(1, UringAbi.IORING_OP_READV),
                () -> assertEquals(2, UringAbi.IORING_OP_WRITEV),
                () -> assertEquals(3, UringAbi.IORING_OP_FSYNC),
                () -> assertEquals(4, UringAbi.IORING_OP_READ_FIXED),
                () -> assertEquals(5, UringAbi.IORING_OP_WRITE_FIXED),
                () -> assertEquals(6, UringAbi.IORING_OP_POLL_ADD),
                () -> assertEquals(7, UringAbi.IORING_OP_POLL_REMOVE),
                () -> assertEquals(8, UringAbi.IORING_OP_SYNC_FILE_RANGE),
                () -> assertEquals(9, UringAbi.IORING_OP_SENDMSG),
                () -> assertEquals(10, UringAbi.IORING_OP_RECVMSG),
                () -> assertEquals(11, UringAbi.IORING_OP_TIMEOUT),
                () -> assertEquals(12, UringAbi.IORING_OP_TIMEOUT_REMOVE),
                () -> assertEquals(13, UringAbi.IORING_OP_ACCEPT),
                () -> assertEquals(14, UringAbi.IORING_OP_ASYNC_CANCEL),
                () -> assertEquals(15, UringAbi.IORING_OP_LINK_TIMEOUT),
                () -> assertEquals(16, UringAbi.IORING_OP_CONNECT),
                () -> assertEquals(17, UringAbi.IORING_OP_FALLOCATE),
                () -> assertEquals(18, UringAbi.IORING_OP_OPENAT),
                () -> assertEquals(19, UringAbi.IORING_OP_CLOSE),
                () -> assertEquals(20, UringAbi.IORING_OP_FILES_UPDATE),
                () -> assertEquals(21, UringAbi.IORING_OP_STATX),
                () -> assertEquals(22, UringAbi.IORING_OP_READ),
                () -> assertEquals(23, UringAbi.IORING_OP_WRITE),
                () -> assertEquals(24, UringAbi.IORING_OP_FADVISE),
                () -> assertEquals(25, UringAbi.IORING_OP_MADVISE),
                () -> assertEquals(26, UringAbi.IORING_OP_SEND),
                () -> assertEquals(27, UringAbi.IORING_OP_RECV),
                () -> assertEquals(28, UringAbi.IORING_OP_OPENAT2),
                () -> assertEquals(29, UringAbi.IORING_OP_EPOLL_CTL),
                () -> assertEquals(30, UringAbi.IORING_OP_SPLICE),
                () -> assertEquals(31, UringAbi.IORING_OP_PROVIDE_BUFFERS),
                () -> assertEquals(32, UringAbi.IORING_OP_REMOVE_BUFFERS),
                () -> assertEquals(33, UringAbi.IORING_OP_TEE),
                () -> assertEquals(34, UringAbi.IORING_OP_SHUTDOWN),
                () -> assertEquals(35, UringAbi.IORING_OP_RENAMEAT),
                () -> assertEquals(36, UringAbi.IORING_OP_UNLINKAT),
                () -> assertEquals(37, UringAbi.IORING_OP_MKDIRAT),
                () -> assertEquals(38, UringAbi.IORING_OP_SYMLINKAT),
                () -> assertEquals(39, UringAbi.IORING_OP_LINKAT),
                () -> assertEquals(40, UringAbi.IORING_OP_MSG_RING),
                () -> assertEquals(41, UringAbi.IORING_OP_FSETXATTR),
                () -> assertEquals(42, UringAbi.IORING_OP_SETXATTR),
                () -> assertEquals(43, UringAbi.IORING_OP_FGETXATTR),
                () -> assertEquals(44, UringAbi.IORING_OP_GETXATTR),
                () -> assertEquals(45, UringAbi.IORING_OP_SOCKET),
                () -> assertEquals(46, UringAbi.IORING_OP_URING_CMD),
                () -> assertEquals(47, UringAbi.IORING_OP_SEND_ZC),
                () -> assertEquals(48, UringAbi.IORING_OP_SENDMSG_ZC),
                () -> assertEquals(49, UringAbi.IORING_OP_READ_MULTISHOT),
                () -> assertEquals(50, UringAbi.IORING_OP_WAITID),
                () -> assertEquals(51, UringAbi.IORING_OP_FUTEX_WAIT),
                () -> assertEquals(52, UringAbi.IORING_OP_FUTEX_WAKE),
                () -> assertEquals(53, UringAbi.IORING_OP_FUTEX_WAITV),
                () -> assertEquals(54, UringAbi.IORING_OP_FIXED_FD_INSTALL),
                () -> assertEquals(55, UringAbi.IORING_OP_FTRUNCATE));
    }

    @Test
    void sqeFlags() {
        assertAll(
                () -> assertEquals(1, UringAbi.IOSQE_FIXED_FILE),
                () -> assertEquals(2, UringAbi.IOSQE_IO_DRAIN),
                () -> assertEquals(4, UringAbi.IOSQE_IO_LINK),
                () -> assertEquals(8, UringAbi.IOSQE_IO_HARDLINK),
                () -> assertEquals(16, UringAbi.IOSQE_ASYNC),
                () -> assertEquals(32, UringAbi.IOSQE_BUFFER_SELECT),
                () -> assertEquals(64, UringAbi.IOSQE_CQE_SKIP_SUCCESS));
    }

    @Test
    void setupFlags() {
        assertAll(
                () -> assertEquals(1, UringAbi.IORING_SETUP_IOPOLL),
                () -> assertEquals(2, UringAbi.IORING_SETUP_SQPOLL),
                () -> assertEquals(4, UringAbi.IORING_SETUP_SQ_AFF),
                () -> assertEquals(8, UringAbi.IORING_SETUP_CQSIZE),
                () -> assertEquals(16, UringAbi.IORING_SETUP_CLAMP),
                () -> assertEquals(32, UringAbi.IORING_SETUP_ATTACH_WQ),
                () -> assertEquals(64, UringAbi.IORING_SETUP_R_DISABLED),
                () -> assertEquals(128, UringAbi.IORING_SETUP_SUBMIT_ALL),
                () -> assertEquals(256, UringAbi.IORING_SETUP_COOP_TASKRUN),
                () -> assertEquals(512, UringAbi.IORING_SETUP_TASKRUN_FLAG),
                () -> assertEquals(1024, UringAbi.IORING_SETUP_SQE128),
                () -> assertEquals(2048, UringAbi.IORING_SETUP_CQE32),
                () -> assertEquals(4096, UringAbi.IORING_SETUP_SINGLE_ISSUER),
                () -> assertEquals(8192, UringAbi.IORING_SETUP_DEFER_TASKRUN),
                () -> assertEquals(16384, UringAbi.IORING_SETUP_NO_MMAP),
                () -> assertEquals(32768, UringAbi.IORING_SETUP_REGISTERED_FD_ONLY),
                () -> assertEquals(65536, UringAbi.IORING_SETUP_NO_SQARRAY));
    }

    @Test
    void enterFlags() {
        assertAll(
                () -> assertEquals(1, UringAbi.IORING_ENTER_GETEVENTS),
                () -> assertEquals(2, UringAbi.IORING_ENTER_SQ_WAKEUP),
                () -> assertEquals(4, UringAbi.IORING_ENTER_SQ_WAIT),
                () -> assertEquals(8, UringAbi.IORING_ENTER_EXT_ARG),
                () -> assertEquals(16, UringAbi.IORING_ENTER_REGISTERED_RING));
    }

    @Test
    void features() {
        assertAll(
                () -> assertEquals(1, UringAbi.IORING_FEAT_SINGLE_MMAP),
                () -> assertEquals(2, UringAbi.IORING_FEAT_NODROP),
                () -> assertEquals(4, UringAbi.IORING_FEAT_SUBMIT_STABLE),
                () -> assertEquals(8, UringAbi.IORING_FEAT_RW_CUR_POS),
                () -> assertEquals(16, UringAbi.IORING_FEAT_CUR_PERSONALITY),
                () -> assertEquals(32, UringAbi.IORING_FEAT_FAST_POLL),
                () -> assertEquals(64, UringAbi.IORING_FEAT_POLL_32BITS),
                () -> assertEquals(128, UringAbi.IORING_FEAT_SQPOLL_NONFIXED),
                () -> assertEquals(256, UringAbi.IORING_FEAT_EXT_ARG),
                () -> assertEquals(512, UringAbi.IORING_FEAT_NATIVE_WORKERS),
                () -> assertEquals(1024, UringAbi.IORING_FEAT_RSRC_TAGS),
                () -> assertEquals(2048, UringAbi.IORING_FEAT_CQE_SKIP),
                () -> assertEquals(4096, UringAbi.IORING_FEAT_LINKED_FILE),
                () -> assertEquals(8192, UringAbi.IORING_FEAT_REG_REG_RING));
    }

    @Test
    void ringFlagsAndMmapOffsets() {
        assertAll(
                () -> assertEquals(1, UringAbi.IORING_SQ_NEED_WAKEUP),
                () -> assertEquals(2, UringAbi.IORING_SQ_CQ_OVERFLOW),
                () -> assertEquals(4, UringAbi.IORING_SQ_TASKRUN),
                () -> assertEquals(1, UringAbi.IORING_CQ_EVENTFD_DISABLED),
                () -> assertEquals(0L, UringAbi.IORING_OFF_SQ_RING),
                () -> assertEquals(0x8000000L, UringAbi.IORING_OFF_CQ_RING),
                () -> assertEquals(0x10000000L, UringAbi.IORING_OFF_SQES));
    }

    @Test
    void perOpcodeAndCqeFlags() {
        assertAll(
                () -> assertEquals(1, UringAbi.IORING_FSYNC_DATASYNC),
                () -> assertEquals(1, UringAbi.IORING_TIMEOUT_ABS),
                () -> assertEquals(2, UringAbi.IORING_TIMEOUT_UPDATE),
                () -> assertEquals(4, UringAbi.IORING_TIMEOUT_BOOTTIME),
                () -> assertEquals(8, UringAbi.IORING_TIMEOUT_REALTIME),
                () -> assertEquals(16, UringAbi.IORING_LINK_TIMEOUT_UPDATE),
                () -> assertEquals(32, UringAbi.IORING_TIMEOUT_ETIME_SUCCESS),
                () -> assertEquals(1, UringAbi.IORING_ASYNC_CANCEL_ALL),
                () -> assertEquals(2, UringAbi.IORING_ASYNC_CANCEL_FD),
                () -> assertEquals(4, UringAbi.IORING_ASYNC_CANCEL_ANY),
                () -> assertEquals(1, UringAbi.IORING_POLL_ADD_MULTI),
                () -> assertEquals(2, UringAbi.IORING_RECV_MULTISHOT),
                () -> assertEquals(1, UringAbi.IORING_CQE_F_BUFFER),
                () -> assertEquals(2, UringAbi.IORING_CQE_F_MORE),
                () -> assertEquals(16, UringAbi.IORING_CQE_BUFFER_SHIFT),
                () -> assertEquals(8, UringAbi.IORING_CQE_F_NOTIF),
                () -> assertEquals(8, UringAbi.IORING_SEND_ZC_REPORT_USAGE),
                () -> assertEquals(0x8000_0000, UringAbi.IORING_NOTIF_USAGE_ZC_COPIED),
                () -> assertEquals(47, UringAbi.IORING_OP_SEND_ZC));
    }

    @Test
    void registerOpcodes() {
        assertAll(
                () -> assertEquals(0, UringAbi.IORING_REGISTER_BUFFERS),
                () -> assertEquals(1, UringAbi.IORING_UNREGISTER_BUFFERS),
                () -> assertEquals(2, UringAbi.IORING_REGISTER_FILES),
                () -> assertEquals(3, UringAbi.IORING_UNREGISTER_FILES),
                () -> assertEquals(4, UringAbi.IORING_REGISTER_EVENTFD),
                () -> assertEquals(5, UringAbi.IORING_UNREGISTER_EVENTFD),
                () -> assertEquals(6, UringAbi.IORING_REGISTER_FILES_UPDATE),
                () -> assertEquals(7, UringAbi.IORING_REGISTER_EVENTFD_ASYNC),
                () -> assertEquals(8, UringAbi.IORING_REGISTER_PROBE),
                () -> assertEquals(12, UringAbi.IORING_REGISTER_ENABLE_RINGS),
                () -> assertEquals(13, UringAbi.IORING_REGISTER_FILES2),
                () -> assertEquals(14, UringAbi.IORING_REGISTER_FILES_UPDATE2),
                () -> assertEquals(15, UringAbi.IORING_REGISTER_BUFFERS2),
                () -> assertEquals(16, UringAbi.IORING_REGISTER_BUFFERS_UPDATE),
                () -> assertEquals(19, UringAbi.IORING_REGISTER_IOWQ_MAX_WORKERS),
                () -> assertEquals(20, UringAbi.IORING_REGISTER_RING_FDS),
                () -> assertEquals(21, UringAbi.IORING_UNREGISTER_RING_FDS),
                () -> assertEquals(22, UringAbi.IORING_REGISTER_PBUF_RING),
                () -> assertEquals(23, UringAbi.IORING_UNREGISTER_PBUF_RING),
                () -> assertEquals(32768, UringAbi.IORING_MAX_PBUF_RING_ENTRIES),
                () -> assertEquals(0x8000_0000, UringAbi.IORING_REGISTER_USE_REGISTERED_RING),
                () -> assertEquals(-2, UringAbi.IORING_REGISTER_FILES_SKIP),
                () -> assertEquals(1, UringAbi.IORING_RSRC_REGISTER_SPARSE),
                () -> assertEquals(1, UringAbi.IO_URING_OP_SUPPORTED));
    }
}
