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

    /** accept4(2) without the peer's address: the new descriptor, or -errno. */
    boolean prepareAccept(int fd, int acceptFlags, long userData);

    /** connect(2) to the {@code addrLen}-byte sockaddr in {@code address}, kept alive by the caller: 0 or -errno. */
    boolean prepareConnect(int fd, MemorySegment address, int addrLen, long userData);
}
