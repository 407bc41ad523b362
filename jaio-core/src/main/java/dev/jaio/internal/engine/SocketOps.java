package dev.jaio.internal.engine;

import java.lang.foreign.MemorySegment;

/**
 * Socket requests, for queues whose kernel interface runs them asynchronously (io_uring's
 * IORING_OP_RECV, SEND, ACCEPT and CONNECT, the paper's §9 option 3: "AIO operations for
 * communications I/O"). Each produces exactly one completion, as every {@link IoQueue} request.
 */
public interface SocketOps {

    /** recv(2) into {@code buffer}: bytes received, 0 at end of stream, or -errno. */
    boolean prepareRecv(int fd, MemorySegment buffer, int msgFlags, long userData);

    /** send(2) of {@code buffer}: bytes sent (possibly fewer), or -errno. */
    boolean prepareSend(int fd, MemorySegment buffer, int msgFlags, long userData);

    /**
     * sendmsg(2) of the {@code struct msghdr} in {@code msghdr} (the bytes its iovecs name, in
     * order, as one stream of bytes; no address, no control data): bytes sent (possibly fewer), or
     * -errno. The kernel reads the msghdr and the iovec array no later than the request's first
     * issue (older kernels at that issue, not at submission), so neither may change until the
     * request ends; nor may the bytes.
     */
    boolean prepareSendmsg(int fd, MemorySegment msghdr, int msgFlags, long userData);

    /**
     * A zero-copy send of {@code buffer} (io_uring's SEND_ZC): the bytes sent (or -errno) come
     * through {@link CompletionSink#completeMore} when a notification follows, and the request ends
     * with that notification, once the kernel no longer reads the buffer (its result has
     * IORING_NOTIF_USAGE_ZC_COPIED when the bytes were copied after all); without a notification
     * the first completion is the last. -EINVAL from a kernel without it, or (before 6.2) with
     * {@code reportUsage}.
     */
    boolean prepareSendZc(int fd, MemorySegment buffer, int msgFlags, boolean reportUsage, long userData);

    /** accept4(2) without the peer's address: the new descriptor, or -errno. */
    boolean prepareAccept(int fd, int acceptFlags, long userData);

    /**
     * splice(2) of {@code len} bytes from {@code fdIn} at {@code offIn} to {@code fdOut} at
     * {@code offOut} (-1 for a pipe or socket; one side must be a pipe): bytes moved, 0 at the input's
     * end, or -errno.
     */
    boolean prepareSplice(int fdIn, long offIn, int fdOut, long offOut, int len, long userData);

    /**
     * accept4(2), again and again: one completion per accepted connection, each but the last
     * through {@link CompletionSink#completeMore}; the request ends (its last completion) when it
     * is cancelled or fails, or when the kernel stops it (then it is simply made again).
     */
    boolean prepareAcceptMultishot(int fd, int acceptFlags, long userData);

    /** connect(2) to the {@code addrLen}-byte sockaddr in {@code address}, kept alive by the caller: 0 or -errno. */
    boolean prepareConnect(int fd, MemorySegment address, int addrLen, long userData);

    /**
     * recv(2) again and again into buffers the kernel picks from group {@code group} (io_uring's
     * RECV with IORING_RECV_MULTISHOT and IOSQE_BUFFER_SELECT, Linux 6.0): one completion per chunk,
     * each but the last through {@link CompletionSink#completeMore}, each result carrying the
     * buffer's id ({@link #selectedBuffer}); it ends at end of stream (0), on an error, when
     * cancelled, or with -ENOBUFS when the group ran dry (and may end without any of these: the
     * kernel's choice; then it is simply made again).
     */
    boolean prepareRecvMultishot(int fd, int group, int msgFlags, long userData);

    /**
     * One recv(2) into a buffer the kernel picks from group {@code group} (RECV with
     * IOSQE_BUFFER_SELECT, Linux 5.19, where multishot RECV (6.0) is refused with -EINVAL): bytes
     * received with the buffer's id ({@link #selectedBuffer}), 0 at end of stream, -ENOBUFS when
     * the group was dry.
     */
    boolean prepareRecvSelect(int fd, int group, int msgFlags, long userData);

    /**
     * read(2) of a pipe or other stream at its position, into a buffer the kernel picks from group
     * {@code group} once there is data (a READ at offset -1 with IOSQE_BUFFER_SELECT): bytes read,
     * with the buffer's id ({@link #selectedBuffer}); 0 at end of stream; -ENOBUFS when the group
     * was dry.
     */
    boolean prepareReadSelect(int fd, int group, long userData);

    /**
     * Registers a group of {@code count} buffers of {@code size} bytes each for the requests above,
     * all handed to the kernel (owner thread only).
     *
     * @param count a power of two, at most 32768
     * @throws java.io.IOException when the kernel refuses (its errno named: EINVAL before 5.19,
     *     EEXIST for a group id in use, ENOMEM)
     */
    ProvidedBuffers provideBuffers(int group, int count, int size) throws java.io.IOException;

    /**
     * The bit of a result that says it carries a picked buffer's id: a completion with
     * IORING_CQE_F_BUFFER is reported as {@code SELECTED | id << 32 | res}, positive (bit 62; bit
     * 63 clear), while every other result is the kernel's {@code res} as it is (a negative -errno
     * has bit 62 set too: only a non-negative result with it carries an id).
     */
    long SELECTED = 1L << 62;

    /** {@return the id of the buffer a completion's result carries, or -1 when it carries none} */
    static int selectedBuffer(long result) {
        return result >= 0 && (result & SELECTED) != 0 ? (int) (result >>> 32) & 0xffff : -1;
    }

    /** {@return the kernel's own res of a result that may carry a buffer id: bytes, 0, or -errno} */
    static long resultOf(long result) {
        return result >= 0 && (result & SELECTED) != 0 ? (int) result : result;
    }

    /** {@return the result a completion with IORING_CQE_F_BUFFER and buffer {@code id} is reported as} */
    static long withBuffer(int res, int id) {
        return SELECTED | (long) (id & 0xffff) << 32 | (res & 0xffffffffL);
    }
}
