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
}
