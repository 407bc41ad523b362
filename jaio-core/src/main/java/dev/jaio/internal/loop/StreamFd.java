package dev.jaio.internal.loop;

import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.engine.ProvidedBuffers;
import dev.jaio.internal.engine.SocketOps;
import dev.jaio.internal.file.PinnedMemory;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Iovec;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.NetCalls;
import dev.jaio.internal.linux.Poll;
import dev.jaio.internal.linux.Sockets;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.ReadPendingException;
import java.nio.channels.WritePendingException;

/**
 * A connected TCP socket or one end of a pipe: one read and one write may be pending at a time
 * (as the JDK's asynchronous channels allow), each completing through the {@link Dispatch} on the
 * loop thread. A write completes when all of its bytes were handed to the kernel, so a writer that
 * waits for each write before the next is held back by a slow reader (the socket buffer fills).
 *
 * <p>Two ways to run a request, by backend: on {@code uring} the request itself goes to the ring
 * (RECV/SEND for sockets, READ/WRITE at offset -1 for pipes), on a blocking descriptor, and the
 * kernel waits for readiness; on the others the loop tries the non-blocking system call (read(2),
 * send(2) with MSG_NOSIGNAL, write(2)) and, on EAGAIN, waits for readiness (epoll or IOCB_CMD_POLL)
 * and tries again, except a socket's writes on native AIO, which go to the loop's AIO context
 * as IOCB_CMD_PWRITE ({@link #writesQueued}). The loop thread never makes a call that blocks.
 *
 * <p>Buffers: each request pins jaio memory ({@code IoBuffer}) until it completes; other memory
 * must stay alive until the handler runs. On uring the kernel writes into a read's buffer until
 * the request completes, even after {@link #close()}: the handler then runs with the close's
 * failure only once the kernel is done.
 */
public final class StreamFd extends LoopFd {

    /** What the descriptor is. */
    public enum Kind {
        /** A connected TCP socket. */
        SOCKET,
        /** The read end of a pipe. */
        PIPE_SOURCE,
        /** The write end of a pipe. */
        PIPE_SINK
    }

    /** A ring request's length is a u32 (and socket calls cap at 2 GiB anyway): larger buffers go in parts. */
    static final long MAX_RING_BYTES = Integer.MAX_VALUE & ~4095;

    private final Kind kind;
    private final boolean inRing;
    /**
     * Writes go to the loop's kernel queue: on uring every write (SEND or WRITE), on native AIO a
     * socket's ({@link Backend#queuesSocketWrites()}: IOCB_CMD_PWRITE, run inside the loop's next
     * io_submit with the turn's other writes; the loop waits for writability only on -EAGAIN).
     * Otherwise a write is send(2) or write(2) on the loop thread at once ({@link #tryWrite}).
     */
    private final boolean writesQueued;
    private InetSocketAddress local;
    private InetSocketAddress remote;

    private ChannelOp readOp;
    private ChannelOp writeOp;

    private MemorySegment readBuf;
    private Object readHandler;
    private Object readAtt;
    private PinnedMemory readPin;
    /** The pending read's deadline (System.nanoTime), 0 for none. */
    private long readDeadline;
    /** The pending read's timeout as asked, in nanoseconds, for its failure's message. */
    private long readTimeout;
    /** The pending read's timer: the readiness backends' (and the ring's while it waits for readiness). */
    private ScheduledTask readTimer;
    /**
     * The ring's LINK_TIMEOUTs for reads: two, used in turn, since a read's timeout completes just
     * after the read itself, when the handler may have asked for the next read already.
     */
    private ChannelOp readTimeoutA;
    private ChannelOp readTimeoutB;

    private MemorySegment writeBuf;
    private long writeDone;
    /** The ring's SEND_ZC, for writes of at least {@link Reactor#sendZeroCopyFrom()} bytes. */
    private ChannelOp writeZcOp;
    /** The bytes (or -errno) the SEND_ZC in flight reported before its notification; {@link #NO_RESULT} before. */
    private long zcResult = NO_RESULT;
    private static final long NO_RESULT = Long.MIN_VALUE;
    private Object writeHandler;
    private Object writeAtt;
    private PinnedMemory writePin;
    /** Readiness: this channel is in the reactor's queue of sends that go on next turn. */
    private boolean sendQueued;
    /** Readiness: the turn {@link #sentThisTurn} counts for ({@link Reactor#turns()}). */
    private long sendTurn = -1;
    /** Readiness: bytes this channel handed to the kernel in turn {@link #sendTurn}, by any number of writes and sendfiles. */
    private long sentThisTurn;

    /**
     * What this channel may still send in this turn: {@link Reactor#sendBytesPerTurn()} less what
     * it sent in it, so that a handler that makes its next write from the last one's completion
     * (on the loop's stack, in the same turn) does not get a fresh allowance each time.
     */
    private long sendBudget() {
        long turn = reactor.turns();
        if (sendTurn != turn) {
            sendTurn = turn;
            sentThisTurn = 0;
        }
        return reactor.sendBytesPerTurn() - sentThisTurn;
    }

    StreamFd(Reactor reactor, int fd, Kind kind) {
        super(reactor, fd);
        this.kind = kind;
        this.inRing = reactor.backend() == Backend.URING;
        this.writesQueued = inRing || kind == Kind.SOCKET && reactor.backend().queuesSocketWrites();
    }

    /** What the descriptor is. */
    public Kind kind() {
        return kind;
    }

    /** The local address of a socket (null for a pipe). */
    public InetSocketAddress localAddress() {
        if (local == null && kind == Kind.SOCKET && !isReleased()) { // a closed number may be another socket's now
            local = reactor.socketAddress(fd, false);
        }
        return local;
    }

    /** The peer's address of a socket (null for a pipe, or when the peer is gone). */
    public InetSocketAddress remoteAddress() {
        if (remote == null && kind == Kind.SOCKET && !isReleased()) {
            remote = reactor.socketAddress(fd, true);
        }
        return remote;
    }

    @Override
    String describe() {
        if (kind != Kind.SOCKET) {
            return (kind == Kind.PIPE_SOURCE ? "pipe read end" : "pipe write end") + " (fd " + fd + ")";
        }
        return "tcp " + localAddress() + " <-> " + remoteAddress() + " (fd " + fd + ")";
    }

    /** Whether a read is pending. */
    public boolean readPending() {
        return readHandler != null;
    }

    /** Whether a write is pending. */
    public boolean writePending() {
        return writeHandler != null;
    }

    /**
     * Reads up to {@code dst.byteSize()} bytes; the handler gets the count, or -1 at end of stream.
     *
     * @throws ReadPendingException when a read is pending
     * @throws IllegalStateException when {@code dst}'s memory is freed
     */
    public void read(MemorySegment dst, Object handler, Object attachment) {
        read(dst, 0, handler, attachment);
    }

    /**
     * Reads up to {@code dst.byteSize()} bytes, failing with {@link InterruptedByTimeoutException}
     * when none came within {@code timeoutNanos} (0 or less: no limit). A read that times out took
     * no byte from the channel, which stays open for the next read. On uring the kernel times it
     * (the RECV or READ linked to a LINK_TIMEOUT); elsewhere a loop timer does, taken out of the
     * timer heap when the read ends first.
     *
     * @throws ReadPendingException when a read is pending
     * @throws IllegalStateException when {@code dst}'s memory is freed
     */
    public void read(MemorySegment dst, long timeoutNanos, Object handler, Object attachment) {
        if (kind == Kind.PIPE_SINK) {
            throw new UnsupportedOperationException("read: the write end of a pipe is not readable");
        }
        if (readHandler != null || recvHandler != null) {
            throw new ReadPendingException();
        }
        if (closed) {
            reactor.failed(handler, closedException("read"), attachment);
            return;
        }
        PinnedMemory pin = pin(dst, "read from ");
        readBuf = dst;
        readHandler = handler;
        readAtt = attachment;
        readPin = pin;
        if (timeoutNanos > 0) {
            readTimeout = timeoutNanos;
            long d = System.nanoTime() + timeoutNanos;
            readDeadline = d == 0 ? 1 : d;
        }
        if (readFromReceive()) {
            if (readHandler == handler && readDeadline != 0 && readTimer == null) {
                armReadTimer(); // waiting for the stopped receive's request to end
            }
        } else if (inRing) {
            ringRead();
        } else {
            tryRead();
            if (readHandler == handler && readDeadline != 0 && readTimer == null) {
                armReadTimer(); // waiting for readiness now
            }
        }
    }

    /**
     * Writes all of {@code src}; the handler gets {@code src.byteSize()} once the kernel has taken
     * every byte.
     *
     * @throws WritePendingException when a write is pending
     * @throws IllegalStateException when {@code src}'s memory is freed
     */
    public void write(MemorySegment src, Object handler, Object attachment) {
        if (kind == Kind.PIPE_SOURCE) {
            throw new UnsupportedOperationException("write: the read end of a pipe is not writable");
        }
        if (writeHandler != null) {
            throw new WritePendingException();
        }
        if (closed) {
            reactor.failed(handler, closedException("write"), attachment);
            return;
        }
        PinnedMemory pin = pin(src, "write to ");
        beginWrite(src, pin, handler, attachment);
        if (src.byteSize() == 0) {
            finishWrite();
        } else if (writesQueued) {
            queueWrite();
        } else {
            tryWrite();
        }
    }

    /** Pins {@code m}'s jaio memory, naming this channel only when the memory is refused. */
    private PinnedMemory pin(MemorySegment m, String what) {
        try {
            return PinnedMemory.pin(m, "", null, -1, -1);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(what + describe() + e.getMessage(), e);
        }
    }

    /**
     * Shuts the socket's sending half (the peer reads end of stream once it has read what was
     * sent); for a pipe's write end, closes it.
     */
    public void shutdownOutput() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (kind == Kind.PIPE_SINK) {
            close();
            return;
        }
        long rc = NetCalls.shutdown(fd, Sockets.SHUT_WR);
        if (rc < 0 && rc != -Errno.ENOTCONN) {
            throw new IOException("shutdown(SHUT_WR) of " + describe() + ": " + Errno.describe((int) -rc));
        }
    }

    // ---- sendfile: page cache to socket, on the readiness backends ----

    private int sendFd = -1;
    private long sendEnd;
    /** sendfile's offset (8 bytes), allocated with the first sendfile, as are cachestat's range and answer. */
    private MemorySegment sendOffset;
    private MemorySegment residencyRange;
    private MemorySegment residencyAnswer;

    /**
     * Sends {@code head} (if any) and then {@code count} bytes of file descriptor {@code fileFd} from
     * {@code position} with sendfile(2) when it should not wait for the disk: when the caller says it may
     * ({@code mayWait}), or cachestat(2) says some page of the range is not in the kernel's page
     * cache (or cannot say), nothing is sent and the handler gets 0, so that the caller reads the
     * range through its engine instead (and sends the head its own way; a failure after the head
     * went pushes it out, see {@link #failSendFile}). Otherwise the handler gets
     * the head's size plus {@code count} once every byte is
     * sent (EAGAIN waits for the socket, as a write does; pages evicted while it waits are read by
     * the resumed sendfile, on the loop thread). cachestat counts a page the kernel is still
     * reading as resident: only the caller knows when that may be so.
     *
     * <p>The head goes first and is held back until the file's bytes follow it (readiness: send(2)
     * with MSG_MORE, then sendfile(2) in the same turn unless the turn's allowance ran out; uring:
     * copied ahead of the range into the staging buffer of a staged send ({@link #ringSendStaged}), or
     * written into the channel's pipe, where the first SPLICE from the file joins it when the head
     * fills at most half the pipe, else the head goes in SPLICEs of its own first), so the file's
     * first bytes share the head's segment, as with nginx's TCP_NOPUSH or the hdtr of BSD's
     * sendfile: one wakeup of the peer.
     *
     * @param head bytes sent before the file's (a response's head), pinned until the handler runs;
     *     null or empty for none; with {@code count} 0 it is sent alone, never declined
     * @param fileSize the file's size, for the residency check of its last page
     * @param mayWait the caller knows the send could wait for the disk though the pages be in the
     *     cache (an O_DIRECT descriptor, whose sendfile reads the device; pages that may still be
     *     under read): declined as a range that is not resident (on {@code uring}: sent by SPLICE,
     *     not by a staged send, whose read would start the pages' readahead and fail; the kernel's
     *     io-wq workers do the waiting)
     * @return whether it went ahead (false: declined, the handler got 0, which {@code uring} never
     *     does; or the channel was closed, the handler failed)
     * @throws UnsupportedOperationException for a pipe
     * @throws WritePendingException when a write is pending
     */
    public boolean sendFile(MemorySegment head, int fileFd, long position, long count, long fileSize, boolean mayWait,
            Object handler, Object attachment) {
        if (kind != Kind.SOCKET) {
            throw new UnsupportedOperationException("sendFile: only to a TCP socket");
        }
        if (writeHandler != null) {
            throw new WritePendingException();
        }
        if (closed) {
            reactor.failed(handler, closedException("sendfile"), attachment);
            return false;
        }
        if (head != null && head.byteSize() == 0) {
            head = null;
        }
        if (sendOffset == null) {
            java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofAuto();
            sendOffset = arena.allocate(8, 8);
            residencyRange = arena.allocate(dev.jaio.internal.linux.Cachestat.CACHESTAT_RANGE);
            residencyAnswer = arena.allocate(dev.jaio.internal.linux.Cachestat.CACHESTAT);
        }
        if (inRing) {
            if (count > 0 && !mayWait && (head == null ? 0 : head.byteSize()) + count <= reactor.sendStaging().bufferBytes()
                    && dev.jaio.internal.linux.Cachestat.allResident(fileFd, position, count, fileSize, residencyRange,
                            residencyAnswer)
                    && ringSendStaged(head, fileFd, position, count, handler, attachment)) {
                return true;
            }
            ringSendFile(head, fileFd, position, count, handler, attachment);
            return true;
        }
        if (count == 0 ? head == null : mayWait || !dev.jaio.internal.linux.Cachestat.allResident(fileFd, position, count,
                fileSize, residencyRange, residencyAnswer)) {
            reactor.completed(handler, 0, attachment);
            return false;
        }
        PinnedMemory pin = head == null ? null : pin(head, "sendfile to ");
        sendOffset.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, position);
        sendFd = fileFd;
        sendEnd = position + count;
        beginWrite(head, pin, handler, attachment);
        trySendFile();
        return true;
    }

    /**
     * Readiness: as {@link #tryWrite}, with sendfile(2) from {@link #sendFd}, after the head
     * ({@link #writeBuf}, if any): sent with MSG_MORE, so TCP holds it (a part of a segment) until
     * the sendfile that follows pushes it out with the file's first bytes.
     */
    private void trySendFile() {
        long budget = sendBudget();
        while (writeBuf != null && writeDone < writeBuf.byteSize()) {
            if (budget == 0) {
                sendNextTurn();
                return;
            }
            MemorySegment part = writeDone == 0 ? writeBuf : writeBuf.asSlice(writeDone);
            boolean more = sendEnd > sendOffset.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0); // the file's bytes follow
            long n = NetCalls.send(fd, part, Math.min(part.byteSize(), budget),
                    more ? Sockets.MSG_NOSIGNAL | Sockets.MSG_MORE : Sockets.MSG_NOSIGNAL);
            if (n >= 0) {
                writeDone += n;
                budget -= n;
                sentThisTurn += n;
            } else if (n == -Errno.EAGAIN) {
                awaitWritable();
                return;
            } else if (n != -Errno.EINTR) {
                failSendFile(n);
                return;
            }
        }
        while (true) {
            long at = sendOffset.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
            long left = sendEnd - at;
            if (left == 0) {
                sendFd = -1;
                finishWrite();
                return;
            }
            if (budget == 0) {
                sendNextTurn();
                return;
            }
            long ask = Math.min(left, budget);
            long n = NetCalls.sendfileTry(fd, sendFd, sendOffset, ask);
            if (n < 0) {
                n = NetCalls.sendfile(fd, sendFd, sendOffset, ask); // to learn why (EAGAIN: the socket is full)
            }
            if (n > 0) {
                writeDone += n;
                budget -= n;
                sentThisTurn += n;
                continue;
            }
            if (n == 0) {
                // The file ended before the range did (it shrank): a short send is a failure here.
                failSendFile(-Errno.EIO);
                return;
            }
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n == -Errno.EAGAIN) {
                awaitWritable();
                return;
            }
            failSendFile(n);
            return;
        }
    }

    /**
     * Readiness: the sendfile failed. A head it sent went with MSG_MORE, and TCP holds it back
     * until a send pushes it, which may never come (the caller may wait for the peer): setting
     * TCP_NODELAY pushes what is pending (tcp_sock_set_nodelay), so what the failure reports as
     * written reaches the peer now rather than in front of a later send's bytes. A socket that had
     * Nagle's algorithm on gets it back.
     */
    private void failSendFile(long negErrno) {
        sendFd = -1;
        if (writeBuf != null && writeDone > 0) {
            MemorySegment v = java.lang.foreign.Arena.ofAuto().allocate(8, 4); // a failure: rare
            long was = NetCalls.getsockoptInt(fd, Sockets.IPPROTO_TCP, Sockets.TCP_NODELAY, v);
            v.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 1);
            NetCalls.setsockopt(fd, Sockets.IPPROTO_TCP, Sockets.TCP_NODELAY, v, 4);
            if (was == 0) {
                v.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 0);
                NetCalls.setsockopt(fd, Sockets.IPPROTO_TCP, Sockets.TCP_NODELAY, v, 4);
            }
        }
        failWrite(negErrno);
    }

    /**
     * The write or sendfile sent its bytes for this turn with more to send and the socket still
     * writable: it goes on next turn, after the loop's other channels had theirs (an edge-triggered
     * epoll will not report a socket that never filled, so the loop must remember it). Queued once.
     */
    private void sendNextTurn() {
        if (!sendQueued) {
            sendQueued = true;
            reactor.sendNextTurn(this);
        }
    }

    /** Next turn: the write or sendfile queued by {@link #sendNextTurn} goes on, unless it ended meanwhile. */
    void sendContinue() {
        sendQueued = false;
        if (writeHandler == null || closed || inRing) {
            return; // failed by a close, or ended meanwhile by a readiness event (then a later write queues itself)
        }
        if (sendFd >= 0) {
            trySendFile();
        } else if (writeBuf != null && !writesQueued) {
            tryWrite();
        }
    }

    // ---- sendfile on uring, a range in the page cache: the head and the range copied into a staging buffer, one SENDMSG ----

    /** {@code struct msghdr} and its iovec, made with the first staged send. */
    private MemorySegment sendMsg;
    /** The iovec, right after the msghdr in {@link #sendMsg}. */
    private MemorySegment sendIovs;
    private ChannelOp sendStagedOp;
    /** The loop's staging buffer that the SENDMSG in flight reads (null: none): back to the loop's pool when the request ends. */
    private MemorySegment staged;
    /** Bytes in {@link #staged}: the head's, then the range's. */
    private long stagedCount;

    /**
     * The ring's sendfile of a range cachestat(2) says is in the page cache and that, with the
     * head, one staging buffer holds: the head is copied into a staging buffer of the loop's
     * ({@link SendStaging}) and the range after it from the page cache, by preadv2 with RWF_NOWAIT
     * on the loop thread, and one SENDMSG sends the buffer. The caller's head is read only during
     * the call (as the SPLICE way writes it into the pipe during the call), so memory freed
     * after it returns is never sent. io_uring runs a SEND inline, in the
     * io_uring_enter of the loop thread, whereas it runs every SPLICE in an io-wq worker: two
     * hand-offs per pipeful, which on warm 100 KiB files cost more than the two copies (measured
     * with {@code jaio serve}, see the README). Nothing waits: RWF_NOWAIT fails rather than wait for
     * the disk. The buffer goes back to the pool when the request ends, whatever the caller does
     * (a close included).
     *
     * @return false when the pool has no buffer free (sends waiting for slow peers hold them all),
     *     or the read came back short (a page left the cache since cachestat, or the file ended
     *     before the range's end): the caller splices instead; nothing was sent
     */
    private boolean ringSendStaged(MemorySegment head, int fileFd, long position, long count, Object handler,
            Object attachment) {
        SendStaging pool = reactor.sendStaging();
        MemorySegment buf = pool.take();
        if (buf == null) {
            return false;
        }
        long headSize = head == null ? 0 : head.byteSize();
        if (head != null) {
            try {
                MemorySegment.copy(head, 0, buf, 0, headSize);
            } catch (IllegalStateException e) { // its arena is closed
                pool.give(buf);
                throw new IllegalStateException("sendfile to " + describe() + ": the head's memory is freed", e);
            }
        }
        long n = Libc.preadv2Try(fileFd, buf.address() + headSize, count, position, dev.jaio.internal.linux.Rwf.RWF_NOWAIT);
        if (n != count) {
            pool.give(buf);
            return false;
        }
        if (sendMsg == null) {
            long msgSize = Sockets.MSGHDR.byteSize();
            sendMsg = java.lang.foreign.Arena.ofAuto().allocate(msgSize + Iovec.IOVEC.byteSize(), 8);
            sendIovs = sendMsg.asSlice(msgSize);
            sendMsg.set(java.lang.foreign.ValueLayout.JAVA_LONG, Sockets.MSG_IOV, sendIovs.address());
            sendMsg.set(java.lang.foreign.ValueLayout.JAVA_LONG, Sockets.MSG_IOVLEN, 1);
        }
        if (sendStagedOp == null || sendStagedOp.abandoned()) {
            sendStagedOp = new ChannelOp(IoOp.SENDMSG, this, ChannelOp.OUT_STAGED);
        }
        staged = buf;
        stagedCount = headSize + count;
        sendFd = fileFd; // a send of a file is under way: onReady starts no write
        beginWrite(null, null, handler, attachment); // the head is in the buffer: nothing of the caller's to keep
        sendStagedNext();
        return true;
    }

    /**
     * Points the msghdr's iovec at what is left of the staged bytes, and hands the SENDMSG to the
     * loop. SENDMSG rather than SEND: its length lives in native memory (the iovec), so no slice
     * of the buffer is made per send.
     */
    private void sendStagedNext() {
        Iovec.set(sendIovs, 0, staged.address() + writeDone, stagedCount - writeDone);
        sendStagedOp.start(sendMsg, Sockets.MSG_NOSIGNAL);
    }

    /**
     * The SENDMSG ended: a short send (the socket's buffer filled) goes on with the rest; the end,
     * a failure or a close gives the buffer back. Every byte sent is counted before a failure is
     * reported.
     */
    private void sendStagedCompleted(long result) {
        if (result > 0) {
            writeDone += result;
        }
        if (result > 0 && writeDone < stagedCount && !closed) {
            sendStagedNext(); // the rest
            return;
        }
        if (result == -Errno.EAGAIN && !closed) {
            // The ring gave up waiting for room (a blocking socket should not see it): as a plain
            // write does, wait for the socket, then onReady sends the rest.
            awaitWritable();
            return;
        }
        releaseStaged();
        if (writeDone == stagedCount) {
            finishWrite();
        } else {
            // > 0: closed meanwhile. 0: a send of a non-empty iovec that took nothing and said no
            // error, which TCP does not do; failed rather than tried again for ever.
            failWrite(result > 0 ? -Errno.ECANCELED : result == 0 ? -Errno.EIO : result);
        }
    }

    /** The staged send has ended, or has no request in the ring: its buffer goes back to the loop. */
    private void releaseStaged() {
        reactor.sendStaging().give(staged);
        staged = null;
        sendFd = -1;
    }

    // ---- sendfile on uring: SPLICE file -> pipe -> socket, each in the ring ----

    /** The pipe's capacity as it was made (F_GETPIPE_SZ), to which a bounded process shrinks it back after a send. */
    private int pipeMadeCapacity;
    /** The pipe was grown against the process's budget, to which its pages go back (after the send, or at release). */
    private boolean pipeGrown;
    /** The kernel refused to grow the pipe (EPERM): it is not asked again for this channel. */
    private boolean pipeGrowRefused;
    private int pipeRead = -1;
    private int pipeWrite = -1;
    private ChannelOp spliceIn;
    private ChannelOp spliceOut;
    private long splicePos;
    private long spliceEnd;
    private int inPipe;

    /**
     * The ring's sendfile: the file's bytes go into a pipe of this channel's own and from it into
     * the socket, by SPLICE requests the kernel runs without copying them to user memory (always
     * in an io-wq worker: io_uring never issues a splice inline), so the loop never waits, and the
     * handler always gets the head's size plus {@code count} (or a failure).
     */
    private void ringSendFile(MemorySegment head, int fileFd, long position, long count, Object handler,
            Object attachment) {
        if (pipeRead < 0) {
            MemorySegment fds = java.lang.foreign.Arena.ofAuto().allocate(8, 4);
            long rc = NetCalls.pipe2(fds, dev.jaio.internal.linux.Fcntl.O_CLOEXEC);
            if (rc < 0) {
                reactor.failed(handler, new IOException("sendfile to " + describe() + ": pipe2: " + Errno.describe((int) -rc)),
                        attachment);
                return;
            }
            pipeRead = fds.get(java.lang.foreign.ValueLayout.JAVA_INT, 0);
            pipeWrite = fds.get(java.lang.foreign.ValueLayout.JAVA_INT, 4);
            pipeMadeCapacity = SplicePipes.capacity(pipeWrite);
            spliceIn = new ChannelOp(IoOp.SPLICE, pipeWrite, this, ChannelOp.SPLICE_IN);
            spliceOut = new ChannelOp(IoOp.SPLICE, fd, this, ChannelOp.SPLICE_OUT);
        }
        PinnedMemory pin = head == null ? null : pin(head, "sendfile to ");
        long total = head == null ? count : head.byteSize() + count;
        if (total > pipeCapacity() && !pipeGrown && !pipeGrowRefused) {
            // A range the pipe does not hold at once: fewer pipefuls, fewer hand-offs to io-wq. (Not
            // for ranges that fit: a keep-alive channel of small files would hold budget for nothing.)
            // Only here and at the end of a send, when no SPLICE of the pipe is in flight: fcntl on a
            // pipe takes its lock, which a SPLICE blocked on a full socket holds in its io-wq worker.
            int grown = SplicePipes.grow(pipeWrite);
            if (grown > 0) {
                pipeGrown = true;
            } else if (grown == SplicePipes.REFUSED) {
                pipeGrowRefused = true;
            } // else over the budget: asked again at the next large range
        }
        sendFd = fileFd;
        splicePos = position;
        spliceEnd = position + count;
        inPipe = 0;
        headPiped = 0;
        beginWrite(head, pin, handler, attachment);
        spliceNext();
    }

    /** Bytes of the head ({@link #writeBuf}) written into the pipe. */
    private long headPiped;

    /**
     * The pipe is empty (no SPLICE of it in flight): the next part of the send. The head goes into
     * the pipe by write(2) on the loop thread, a pipeful at most, so it never waits (an empty pipe
     * takes a pipeful; nothing else holds the pipe's lock); when all of it fits in half the pipe,
     * the file's first SPLICE joins it there, and one SPLICE to the socket sends both. Then the
     * file's parts, and the end.
     */
    private void spliceNext() {
        if (writeBuf != null && headPiped < writeBuf.byteSize()) {
            MemorySegment part = headPiped == 0 ? writeBuf : writeBuf.asSlice(headPiped);
            long n;
            do {
                n = Libc.write(pipeWrite, part, Math.min(part.byteSize(), pipeCapacity()));
            } while (n == -Errno.EINTR);
            if (n <= 0) {
                failSplice(n < 0 ? n : -Errno.EIO);
                return;
            }
            headPiped += n;
            inPipe = (int) n;
            if (headPiped == writeBuf.byteSize() && splicePos < spliceEnd && n <= pipeCapacity() / 2) {
                spliceInNext(spliceEnd - splicePos);
            } else {
                spliceOut.startSplice(pipeRead, -1, inPipe);
            }
            return;
        }
        if (splicePos < spliceEnd) {
            spliceInNext(spliceEnd - splicePos);
            return;
        }
        sendFd = -1;
        if (pipeGrown && SplicePipes.bounded()) {
            // The pipe is empty: a bounded process gives the pages back now, not when the
            // channel closes, so idle keep-alive connections do not hold the budget.
            pipeGrown = false;
            SplicePipes.shrink(pipeWrite, pipeMadeCapacity);
        }
        finishWrite();
    }

    /**
     * SPLICEs the next part of the range, {@code left} bytes, into the pipe: what is left of a
     * pipeful at most (after a head in it, the kernel moves what the pipe's free slots hold).
     */
    private void spliceInNext(long left) {
        spliceIn.startSplice(sendFd, splicePos, (int) Math.min(pipeCapacity() - inPipe, left));
    }

    /** The channel's pipe's capacity as the kernel has it ({@link SplicePipes}): what one SPLICE moves at most. */
    private int pipeCapacity() {
        return pipeGrown ? SplicePipes.GROWN_BYTES : pipeMadeCapacity;
    }

    private void spliceCompleted(int which, long result) {
        if (result < 0 || closed) {
            failSplice(result < 0 ? result : -Errno.ECANCELED);
            return;
        }
        if (which == ChannelOp.SPLICE_IN) {
            if (result == 0) {
                failSplice(-Errno.EIO); // the file ended before the range did (it shrank)
                return;
            }
            splicePos += result;
            inPipe += (int) result; // after the head, if it is in the pipe too
            spliceOut.startSplice(pipeRead, -1, inPipe);
            return;
        }
        inPipe -= (int) result;
        writeDone += result;
        if (inPipe > 0) {
            spliceOut.startSplice(pipeRead, -1, inPipe); // the socket took part: the rest
        } else {
            spliceNext();
        }
    }

    /**
     * The send failed, with no SPLICE in flight: bytes it left in the pipe (a head, a part the
     * socket did not take) would go out before the next send's, so the pipe is let go and the
     * next send makes a new one.
     */
    private void failSplice(long negErrno) {
        sendFd = -1;
        if (inPipe > 0) {
            inPipe = 0;
            releaseMore();
        }
        failWrite(negErrno);
    }

    @Override
    void releaseMore() {
        if (pipeRead >= 0) {
            dev.jaio.internal.linux.Libc.close(pipeRead);
            dev.jaio.internal.linux.Libc.close(pipeWrite);
            if (pipeGrown) {
                pipeGrown = false;
                SplicePipes.released();
            }
            pipeRead = -1;
            pipeWrite = -1;
        }
    }

    // ---- readiness: try the non-blocking call, wait on EAGAIN ----

    private void tryRead() {
        while (true) {
            long n = Libc.read(fd, readBuf, readBuf.byteSize());
            if (n >= 0) {
                finishRead(n == 0 && readBuf.byteSize() > 0 ? -1 : n);
                return;
            }
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n == -Errno.EAGAIN) {
                awaitReadable();
                return;
            }
            failRead(n);
            return;
        }
    }

    /**
     * Readiness: sends what the socket takes, at most what is left of this channel's allowance for
     * the turn ({@link #sendBudget}; the rest next turn), and waits for the socket on EAGAIN.
     */
    private void tryWrite() {
        long budget = sendBudget();
        while (true) {
            long size = writeBuf.byteSize() - writeDone;
            if (budget == 0) {
                sendNextTurn();
                return;
            }
            MemorySegment part = writeDone == 0 ? writeBuf : writeBuf.asSlice(writeDone);
            long ask = Math.min(size, budget);
            long n = kind == Kind.SOCKET ? NetCalls.send(fd, part, ask, Sockets.MSG_NOSIGNAL) : Libc.write(fd, part, ask);
            if (n >= 0) {
                writeDone += n;
                budget -= n;
                sentThisTurn += n;
                if (writeDone == writeBuf.byteSize()) {
                    finishWrite();
                    return;
                }
                continue;
            }
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n == -Errno.EAGAIN) {
                awaitWritable();
                return;
            }
            failWrite(n);
            return;
        }
    }

    @Override
    void onReady(int events) {
        if (closed) {
            return;
        }
        if (reactor.connecting() && reactor.connectReady(this)) {
            return;
        }
        if (readHandler != null && !inRing && (events & (Poll.POLLIN | Poll.POLLERR | Poll.POLLHUP | Poll.POLLRDHUP)) != 0) {
            tryRead();
        }
        if (recvHandler != null && !inRing && (events & (Poll.POLLIN | Poll.POLLERR | Poll.POLLHUP | Poll.POLLRDHUP)) != 0) {
            tryReceive();
        }
        if (writeHandler != null && !inRing && !closed && (events & (Poll.POLLOUT | Poll.POLLERR | Poll.POLLHUP)) != 0) {
            if (sendFd >= 0) {
                trySendFile();
            } else if (!writesQueued) {
                tryWrite();
            } else if (writeOp == null || !writeOp.inFlight()) {
                queueWrite();
            }
        }
        if (inRing) {
            // uring: a request came back EAGAIN (a non-blocking descriptor) and waited for readiness.
            if (readHandler != null && (readOp == null || !readOp.inFlight())) {
                ringRead();
            }
            if (recvHandler != null && (recvOp == null || !recvOp.inFlight())) {
                ringReceive();
            }
            if (writeHandler != null && sendFd < 0 && !closed && (writeOp == null || !writeOp.inFlight())
                    && (writeZcOp == null || !writeZcOp.inFlight())) {
                queueWrite();
            } else if (writeHandler != null && staged != null && !closed && !sendStagedOp.inFlight()) {
                sendStagedNext();
            }
        }
    }

    // ---- uring: the request itself goes to the ring ----

    private void ringRead() {
        if (readOp == null || readOp.abandoned()) {
            // (Abandoned: a timer cancelled it before the loop took it; it may still sit in the backlog.)
            readOp = new ChannelOp(kind == Kind.SOCKET ? IoOp.RECV : IoOp.STREAM_READ, this, ChannelOp.IN);
        }
        if (readDeadline != 0 && readTimer == null) {
            long left = readDeadline - System.nanoTime();
            if (left <= 0 && !bytesWaiting()) {
                failReadTimedOut();
                return;
            }
            if (left <= 0) {
                // past the deadline with bytes waiting (they came while the loop was busy): the RECV takes them at once
            } else if (reactor.loop().linksTimeouts()) {
                freeReadTimeoutOp().linkTo(readOp, readDeadline);
            } else {
                armReadTimer(); // a queue too small for a linked pair
            }
        }
        readOp.start(readBuf.byteSize() > MAX_RING_BYTES ? readBuf.asSlice(0, MAX_RING_BYTES) : readBuf, 0);
    }

    /** A LINK_TIMEOUT op not in flight: one of the two, or (both still in flight) a new one. */
    private ChannelOp freeReadTimeoutOp() {
        if (readTimeoutA == null || !readTimeoutA.inFlight() && !readTimeoutA.abandoned()) {
            if (readTimeoutA == null) {
                readTimeoutA = new ChannelOp(IoOp.LINK_TIMEOUT, this, ChannelOp.TIMEOUT);
            }
            return readTimeoutA;
        }
        if (readTimeoutB == null || readTimeoutB.inFlight() || readTimeoutB.abandoned()) {
            readTimeoutB = new ChannelOp(IoOp.LINK_TIMEOUT, this, ChannelOp.TIMEOUT);
        }
        return readTimeoutB;
    }

    /** The pending read's timer, for what is left until its deadline. */
    private void armReadTimer() {
        readTimer = reactor.timerOnLoop(this::readTimerFired, Math.max(0, readDeadline - System.nanoTime()));
    }

    private void readTimerFired() {
        readTimer = null;
        if (readHandler == null || readDeadline == 0 || closed) {
            return;
        }
        if (inRing && readOp != null && readOp.inFlight()) {
            readOp.cancel(); // it ends with -ECANCELED past its deadline: timed out (opCompleted)
            return;
        }
        if (bytesWaiting()) {
            tryRead(); // bytes came while the loop was busy (readiness: its event is still to be handled)
            return;
        }
        failReadTimedOut(); // readiness: no call of this channel runs between two loop turns
    }

    private void failReadTimedOut() {
        Object h = readHandler;
        Object a = readAtt;
        long timeout = readTimeout;
        clearRead();
        reactor.failed(h, new ReadTimeoutException("read from " + describe() + ": no bytes within "
                + timeoutText(timeout) + "; the channel is still open"), a);
    }

    private static String timeoutText(long nanos) {
        return nanos % 1_000_000 == 0 ? nanos / 1_000_000 + " ms" : nanos / 1000 + " us";
    }

    /** The write in the queue carries only part of what is left, cut at the allowance for a turn. */
    private boolean writeCut;

    /**
     * Hands what is left of the write to the loop's kernel queue ({@link #writesQueued}): uring's
     * SEND (or WRITE to a pipe), native AIO's IOCB_CMD_PWRITE to a socket. The loop submits it with
     * the turn's other requests; its completion writes the next part or ends the write.
     */
    private void queueWrite() {
        if (writeOp == null) {
            writeOp = new ChannelOp(kind == Kind.SOCKET && inRing ? IoOp.SEND : IoOp.STREAM_WRITE, this, ChannelOp.OUT);
        }
        long left = writeBuf.byteSize() - writeDone;
        long zcFrom = reactor.sendZeroCopyFrom();
        boolean zeroCopy = kind == Kind.SOCKET && zcFrom > 0 && writeBuf.byteSize() >= zcFrom;
        // A request carries at most the channel's allowance for a turn: the kernel runs it inside
        // io_uring_enter or io_submit, on the loop thread, and over loopback copies all of it there.
        // The rest goes in the next request, which the completion submits with the loop's next
        // call. Not a zero-copy SEND (uring only): that is for a NIC that sends from the caller's
        // pages (no copy on the loop thread), and its next part could only follow the part's
        // notification, which TCP gives once the peer acknowledged it: a round trip per part.
        long most = zeroCopy ? MAX_RING_BYTES : Math.min(MAX_RING_BYTES, reactor.sendBytesPerTurn());
        writeCut = left > most && most < MAX_RING_BYTES;
        MemorySegment part = writeDone == 0 && left <= most ? writeBuf : writeBuf.asSlice(writeDone, Math.min(left, most));
        if (zeroCopy) {
            // The kernel sends from the caller's memory; the write (and its pin) ends with the
            // notification, once the kernel no longer reads it. MSG_WAITALL: the ring sends it all
            // before it answers, so a part never waits for the notification of the one before.
            if (writeZcOp == null) {
                writeZcOp = new ChannelOp(IoOp.SEND_ZC, this, ChannelOp.OUT_ZC);
            }
            zcResult = NO_RESULT;
            writeZcOp.startSendZc(part, Sockets.MSG_NOSIGNAL | Sockets.MSG_WAITALL, reactor.zeroCopyReportsUsage());
            return;
        }
        // A native AIO write to a socket has no MSG_NOSIGNAL: a reset peer raises SIGPIPE, which
        // HotSpot's handler ignores (signals_posix.cpp; the JDK's own sockets write with write(2)),
        // and the write fails with EPIPE.
        writeOp.start(part, kind == Kind.SOCKET && inRing ? Sockets.MSG_NOSIGNAL : 0);
    }

    @Override
    void opCompleted(int which, long result) {
        if (which == ChannelOp.IN) {
            if (result >= 0) {
                finishRead(result == 0 && readBuf.byteSize() > 0 ? -1 : result);
            } else if (result == -Errno.EAGAIN && !closed) {
                awaitReadable();
                if (readDeadline != 0 && readTimer == null) {
                    armReadTimer(); // no request in the ring bounds the wait for readiness
                }
            } else if ((result == -Errno.ECANCELED || result == -Errno.EINTR) && !closed && readDeadline != 0
                    && System.nanoTime() - readDeadline >= 0) {
                // Cancelled past its deadline: by its LINK_TIMEOUT (the kernel's timer runs from
                // submission for what was left of the deadline just before it, so it fires no
                // earlier) or by the loop's timer; a request an io-wq worker was running is
                // interrupted (-EINTR) rather than cancelled.
                failReadTimedOut();
            } else {
                failRead(result);
            }
        } else if (which == ChannelOp.OUT || which == ChannelOp.OUT_ZC) {
            if (which == ChannelOp.OUT_ZC) {
                if (zcResult != NO_RESULT) {
                    reactor.zeroCopySent((result & dev.jaio.internal.linux.UringAbi.IORING_NOTIF_USAGE_ZC_COPIED) != 0);
                    result = zcResult; // the notification ends it; the send's own result came before
                    zcResult = NO_RESULT;
                } else if ((result == -Errno.EINVAL || result == -Errno.EOPNOTSUPP) && !closed && writeDone == 0) {
                    // A kernel before 6.2 refuses IORING_SEND_ZC_REPORT_USAGE: once more without it;
                    // one before 6.0 has no SEND_ZC: plain sends from now on.
                    if (!reactor.zeroCopyReportsUsage()) {
                        reactor.refuseSendZeroCopy();
                    }
                    reactor.stopZeroCopyUsageReports();
                    queueWrite();
                    return;
                }
            }
            if (result >= 0) {
                writeDone += result;
                if (writeDone == writeBuf.byteSize()) {
                    finishWrite();
                    return;
                }
                if (writeCut) {
                    reactor.sendSplit(); // the rest in the next SEND
                }
                if (closed) {
                    failWrite(-Errno.ECANCELED);
                } else {
                    queueWrite();
                }
            } else if (result == -Errno.EAGAIN && !closed) {
                awaitWritable();
            } else {
                failWrite(result);
            }
        } else if (which == ChannelOp.RECEIVE) {
            receiveCompleted(result);
        } else if (which == ChannelOp.CONNECT) {
            reactor.connectCompleted(this, result);
        } else if (which == ChannelOp.SPLICE_IN || which == ChannelOp.SPLICE_OUT) {
            spliceCompleted(which, result);
        } else if (which == ChannelOp.OUT_STAGED) {
            sendStagedCompleted(result);
        }
    }

    /**
     * Drops the connection without closing the descriptor (connect(2) to AF_UNSPEC: the kernel's
     * tcp_disconnect purges the queues and sends a RST). A zero-copy send's notification comes only
     * when no socket buffer holds its pages any more; bytes the peer has not taken sit in the send
     * queue, so a close that waited for it (the descriptor closes after its last request) would wait
     * for a peer that may never read. The close is abortive then, as a close with unsent data and
     * SO_LINGER 0 is.
     */
    private void disconnect() {
        if (kind != Kind.SOCKET) {
            return;
        }
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment unspec = a.allocate(16, 8); // a sockaddr, sa_family AF_UNSPEC (all zero)
            unspec.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) Sockets.AF_UNSPEC);
            long rc = NetCalls.connect(fd, unspec, (int) unspec.byteSize());
            if (rc < 0) {
                // Then the notification comes when the peer takes the bytes or the connection dies,
                // and the descriptor closes then: say why a close may wait.
                System.getLogger("dev.jaio.loop").log(System.Logger.Level.WARNING, "disconnect of " + describe()
                        + " to end a zero-copy send failed: " + Errno.describe((int) -rc)
                        + "; its descriptor closes when the kernel lets go of the send");
            }
        }
    }

    /** A SEND_ZC's first completion: the bytes it sent (or -errno); its notification follows. */
    @Override
    void opMore(int which, long result) {
        if (which == ChannelOp.OUT_ZC) {
            zcResult = result;
            return;
        }
        if (which == ChannelOp.RECEIVE) {
            ringChunk(result);
            return;
        }
        super.opMore(which, result);
    }

    // ---- receive: chunks in the loop's buffers ----

    /** Chunks the readiness backends read for one receive before other channels get a turn. */
    static final int RECEIVE_BURST = 16;

    private Object recvHandler;
    private Object recvAtt;
    /** The receive's idle timeout in nanoseconds (0: none): it fails when no chunk came for that long. */
    private long recvTimeout;
    /** When the timed receive began or last handed a chunk over (System.nanoTime). */
    private long recvLastAt;
    /**
     * The timed receive's timer (null: none armed); it re-arms itself while chunks keep coming, and
     * leaves the loop's timer heap when the receive ends ({@link #receiveOver}).
     */
    private ScheduledTask recvTimer;
    /** A pollfd for a timed read's or receive's last look at the descriptor before it fails, made at the first. */
    private MemorySegment pollScratch;
    /**
     * The timer found bytes waiting and gave the receive another timeout without a chunk: it does
     * so once until a chunk comes (bytes that stay waiting, behind a queue that stays full, do not
     * keep a receive alive for ever: at most twice its timeout).
     */
    private boolean recvExtended;
    /** {@link #receiveTimerFired}, made once: a timed receive arms a timer without allocating a lambda. */
    private Runnable recvTimerTask;
    /** uring: the receive's request: a multishot RECV (or a READ) picking the ring's buffers, or one into {@link #recvOwnBuf}. */
    private ChannelOp recvOp;
    /** uring: the receive's multishot request is being cancelled (the receive stopped, or yields its place). */
    private boolean recvCancelling;
    /** uring without a provided buffer ring: this channel's own receive buffer, made at its first receive. */
    private MemorySegment recvOwnBuf;
    /**
     * uring: bytes a multishot request delivered after its receive stopped (before the cancel
     * reached it), copied out of the ring's buffers (which go straight back: stopped receives never
     * pin the ring) into this channel's own memory, from {@link #heldFrom} to {@link #heldTo}; the
     * next receive, or read, gets them first, so no byte is lost or reordered.
     */
    private MemorySegment held;
    private long heldFrom;
    private long heldTo;
    /** What came after the held bytes: 0 nothing, 1 end of stream, else -errno; reported by the next receive or read. */
    private long heldEnd;

    /** Whether a receive is in progress. */
    public boolean receivePending() {
        return recvHandler != null;
    }

    /**
     * Receives chunk after chunk into the loop's buffers until the handler returns false, the
     * stream ends, it fails, or the channel closes (see {@code StreamChannel.receive}). On uring a
     * multishot RECV picks buffers from the loop's provided buffer ring (pipes: a READ each time);
     * elsewhere the non-blocking read goes into the loop's one receive buffer, at most
     * {@link #RECEIVE_BURST} chunks per turn.
     *
     * @throws ReadPendingException when a read or receive is pending
     */
    public void receive(Object handler, Object attachment) {
        receive(handler, attachment, 0);
    }

    /**
     * {@link #receive(Object, Object)} that fails with an {@link InterruptedByTimeoutException}
     * when no chunk came for {@code idleTimeoutNanos} (0: never); the receive is then stopped as if
     * its handler had returned false, so bytes that come later wait for the next receive or read.
     */
    public void receive(Object handler, Object attachment, long idleTimeoutNanos) {
        if (kind == Kind.PIPE_SINK) {
            throw new UnsupportedOperationException("receive: the write end of a pipe is not readable");
        }
        if (readHandler != null || recvHandler != null) {
            throw new ReadPendingException();
        }
        if (closed) {
            reactor.receiveFailed(handler, closedException("receive"), attachment);
            return;
        }
        recvHandler = handler;
        recvAtt = attachment;
        recvTimeout = idleTimeoutNanos;
        recvExtended = false;
        if (idleTimeoutNanos > 0) { // (an earlier receive's timer went when it ended: receiveOver)
            recvLastAt = System.nanoTime();
            if (recvTimerTask == null) {
                recvTimerTask = this::receiveTimerFired;
            }
            recvTimer = reactor.timerOnLoop(recvTimerTask, idleTimeoutNanos);
        }
        if ((heldTo > heldFrom || heldEnd != 0) && !deliverHeld()) {
            return;
        }
        try {
            if (!inRing) {
                if (reactor.loopReceiveBufferBusy()) {
                    // Called from another channel's received(), whose chunk is in the loop's one
                    // buffer until it returns: this one reads next turn.
                    reactor.receiveNextTurn(this);
                } else {
                    tryReceive();
                }
            } else if (recvOp == null || !recvOp.inFlight()) {
                ringReceive();
            }
            // else the multishot request of the last receive still runs (its cancel may come too
            // late): its chunks are this receive's, and if the cancel ends it, receiveCompleted
            // makes it again.
        } catch (RuntimeException | Error e) {
            if (recvHandler == handler) {
                receiveOver(); // the receive never started: the channel takes another
            }
            throw e;
        }
    }

    private void ringReceive() {
        ProvidedBuffers ring = reactor.ringBuffers();
        int opcode = ring == null ? (kind == Kind.SOCKET ? IoOp.RECV : IoOp.STREAM_READ)
                : kind != Kind.SOCKET ? IoOp.STREAM_READ_SELECT
                : reactor.recvMultishot() ? IoOp.RECV_MULTISHOT : IoOp.RECV_SELECT;
        if (recvOp == null || recvOp.abandoned() || recvOp.opcode() != opcode) {
            recvOp = new ChannelOp(opcode, this, ChannelOp.RECEIVE);
        }
        recvChunksSinceArm = 0;
        recvActiveAt = System.nanoTime();
        if (ring != null) {
            recvOp.startSelect(Reactor.RECEIVE_GROUP, 0);
            if (opcode == IoOp.RECV_MULTISHOT && !armedListed) {
                armedListed = true;
                reactor.receiveArmed(this); // may be asked to give its place back (channelPlaceWanted)
            }
        } else {
            if (recvOwnBuf == null) {
                // Alive while the op (which the loop holds until its completion) refers to it.
                recvOwnBuf = java.lang.foreign.Arena.ofAuto().allocate(reactor.receiveBufferSize(), 64);
            }
            recvOp.start(recvOwnBuf, 0);
        }
    }

    /** In the reactor's list of armed multishot receives. */
    boolean armedListed;
    /** Chunks the receive's request delivered since it was made (a multishot RECV refused at once has none). */
    private int recvChunksSinceArm;

    /** {@link #receivePlace()}: no multishot receive armed. */
    static final int PLACE_NONE = 0;
    /** {@link #receivePlace()}: armed, waiting for a place in the queue. */
    static final int PLACE_WAITING = 1;
    /** {@link #receivePlace()}: in the kernel, holding a place. */
    static final int PLACE_HELD = 2;
    /** {@link #receivePlace()}: being cancelled, its place coming back. */
    static final int PLACE_RETURNING = 3;

    /** When the receive's request was made or last delivered a chunk (System.nanoTime). */
    private long recvActiveAt;

    /** {@return when the receive's request was made or last delivered a chunk} */
    long receiveActiveAt() {
        return recvActiveAt;
    }

    /** Where this channel's multishot receive stands with respect to the queue's places. */
    int receivePlace() {
        if (closed || recvOp == null || recvOp.opcode() != IoOp.RECV_MULTISHOT || !recvOp.inFlight()) {
            return PLACE_NONE;
        }
        if (recvCancelling) {
            return PLACE_RETURNING;
        }
        return recvOp.inKernel() ? PLACE_HELD : PLACE_WAITING;
    }

    /**
     * Gives the place of this multishot receive (which holds one in the kernel) back: cancelled,
     * and made again at the back of the line when the cancel ends it, since its peer may send
     * nothing until a request that waits for a place (a response) goes out.
     */
    void yieldReceivePlace() {
        recvCancelling = true;
        recvOp.cancel();
    }

    /** The ring had a buffer again after this channel's receive found it dry. */
    void receiveRearm() {
        if (recvHandler != null && !closed && (recvOp == null || !recvOp.inFlight())) {
            ringReceive();
        }
    }

    /** Readiness: the turn after a burst (or after a receive started inside another's received()). */
    void receiveContinue() {
        if (recvHandler != null && !closed) {
            tryReceive();
        }
    }

    /** uring: one chunk in a ring buffer (a multishot request's, or the last): handed over, or held while stopped. */
    private void ringChunk(long result) {
        int id = SocketOps.selectedBuffer(result);
        if (id < 0) {
            return; // no buffer: an error, which the request's last completion reports
        }
        reactor.ringTook();
        long n = SocketOps.resultOf(result);
        if (n <= 0 || closed) {
            reactor.recycle(id);
            return;
        }
        recvChunksSinceArm++;
        recvActiveAt = System.nanoTime();
        MemorySegment buffer = reactor.ringBuffers().buffer(id);
        if (recvHandler == null || heldTo > heldFrom) {
            try {
                hold(buffer, n); // copied out: the buffer goes back at once
            } finally {
                reactor.recycle(id); // even when the copy's memory could not be had
            }
            return;
        }
        chunkCame();
        boolean more = reactor.received(recvHandler, buffer, (int) n, recvAtt);
        reactor.recycle(id);
        if (!more && recvHandler != null) {
            stopReceive();
        } else if (recvHandler != null && !recvCancelling && recvOp.inFlight() && reactor.loop().channelsWaiting()) {
            // Other channels wait for a place in the queue, and a multishot request keeps its place
            // for as long as its peer sends: it yields (cancelled, then made again at the back of the
            // line), as a one-shot read gives its place back after every chunk.
            recvCancelling = true;
            recvOp.cancel();
        }
    }

    /** uring: the receive's request ended. */
    private void receiveCompleted(long result) {
        boolean cancelling = recvCancelling;
        recvCancelling = false;
        int id = SocketOps.selectedBuffer(result);
        long n = SocketOps.resultOf(result);
        if (n > 0) {
            if (id >= 0) {
                ringChunk(result);
            } else if (closed) {
                return;
            } else if (recvHandler != null) {
                chunkCame();
                boolean more = reactor.received(recvHandler, recvOwnBuf, (int) n, recvAtt);
                if (!more && recvHandler != null) {
                    stopReceive();
                }
            } else {
                hold(recvOwnBuf, n); // a single READ or RECV that a timeout stopped while it ran: kept for the next receive or read
            }
            afterReceiveOp();
            return;
        }
        if (id >= 0) {
            ringChunk(result); // an empty chunk: its buffer goes back
        }
        if (closed) {
            return; // the close reported the receive's end
        }
        if (n == 0) {
            endReceive(1);
        } else if (n == -Errno.ENOBUFS) {
            if (recvHandler != null) {
                reactor.starve(this); // made again when the ring has a buffer
                return;
            }
        } else if (n == -Errno.EAGAIN) {
            if (recvHandler != null) {
                awaitReadable(); // a non-blocking pipe (from a readiness loop) on a kernel that does not poll it: onReady
                return;
            }
        } else if (n == -Errno.EINVAL && recvOp.opcode() == IoOp.RECV_MULTISHOT && recvChunksSinceArm == 0) {
            // Linux 5.19: provided buffer rings, but no multishot RECV (6.0): one RECV per chunk from now on.
            reactor.refuseRecvMultishot("the kernel refused IORING_RECV_MULTISHOT: " + Errno.describe(Errno.EINVAL));
        } else if (cancelling && (n == -Errno.ECANCELED || n == -Errno.EINTR)) {
            // stopped or yielded: made again if a receive goes on
        } else {
            endReceive(n);
        }
        afterReceiveOp();
    }

    /** uring: the receive's request ended: the receive goes on with a new one, or a read that waited for it starts. */
    private void afterReceiveOp() {
        if (closed || recvOp.inFlight()) {
            return;
        }
        if (recvHandler != null) {
            ringReceive(); // a single READ ended, the kernel ended the multishot request, or it yielded
        } else if (readHandler != null) {
            readAfterReceive(); // a read came while the stopped receive's request was being cancelled
        }
    }

    /** Readiness: reads into the loop's buffer and hands each chunk over, a burst at most, then waits or yields. */
    private void tryReceive() {
        MemorySegment buf = reactor.loopReceiveBuffer();
        for (int i = 0; i < RECEIVE_BURST; ) {
            long n = Libc.read(fd, buf, buf.byteSize());
            if (n > 0) {
                i++;
                chunkCame();
                boolean more = reactor.receivedInLoopBuffer(recvHandler, buf, (int) n, recvAtt);
                if (closed || recvHandler == null) {
                    return; // the handler closed the channel (which reported the end)
                }
                if (!more) {
                    receiveOver();
                    return;
                }
            } else if (n == 0) {
                endReceive(1);
                return;
            } else if (n == -Errno.EAGAIN) {
                awaitReadable();
                return;
            } else if (n != -Errno.EINTR) {
                endReceive(n);
                return;
            }
        }
        // More may be waiting, and an edge-triggered epoll will not say so again: next turn.
        reactor.receiveNextTurn(this);
    }

    /** The receive is over (stopped, ended, failed or never started): its handler and its timer go. */
    private void receiveOver() {
        recvHandler = null;
        recvAtt = null;
        if (recvTimer != null) {
            reactor.cancelTimer(recvTimer); // out of the heap now, not at its deadline
            recvTimer = null;
        }
    }

    /** A chunk is handed to the receive's handler: a timed receive is not idle. */
    private void chunkCame() {
        if (recvTimeout != 0) {
            recvLastAt = System.nanoTime();
            recvExtended = false;
        }
    }

    /**
     * The timed receive's timer: it fails the receive when no chunk came for its timeout, else it
     * waits for what is left of the timeout after the last chunk (one timer per timeout period of
     * a busy receive, not one per chunk). A timer of a receive that ended meanwhile does nothing.
     */
    private void receiveTimerFired() {
        recvTimer = null;
        if (recvHandler == null || recvTimeout == 0 || closed) {
            return;
        }
        long idle = System.nanoTime() - recvLastAt;
        if (idle >= recvTimeout && !recvExtended && bytesWaiting()) {
            recvExtended = true;
            // The peer did send: the receive could not take the bytes yet (its request waits for a
            // place in the queue, the ring is dry, or the loop has not handled the descriptor yet).
            recvLastAt = System.nanoTime();
            idle = 0;
        }
        if (idle < recvTimeout) {
            recvTimer = reactor.timerOnLoop(recvTimerTask, recvTimeout - idle);
            return;
        }
        Object h = recvHandler;
        Object a = recvAtt;
        long timeout = recvTimeout;
        stopReceive(); // as if the handler returned false: later bytes wait for the next receive or read
        reactor.receiveFailed(h, new ReadTimeoutException("receive from " + describe() + ": no bytes within "
                + timeoutText(timeout) + "; the channel is still open"), a);
    }

    /** Whether the descriptor has bytes (or its end, or an error) to read now: poll(2), not waiting. */
    private boolean bytesWaiting() {
        if (pollScratch == null) {
            pollScratch = java.lang.foreign.Arena.ofAuto().allocate(Poll.POLLFD);
        }
        pollScratch.set(java.lang.foreign.ValueLayout.JAVA_INT, Poll.POLLFD_FD, fd);
        pollScratch.set(java.lang.foreign.ValueLayout.JAVA_SHORT, Poll.POLLFD_EVENTS, (short) (Poll.POLLIN | Poll.POLLRDHUP));
        pollScratch.set(java.lang.foreign.ValueLayout.JAVA_SHORT, Poll.POLLFD_REVENTS, (short) 0);
        return Libc.poll(pollScratch, 1, 0) > 0;
    }

    /** The handler returned false: the receive is over; a multishot request in flight is cancelled. */
    private void stopReceive() {
        receiveOver();
        if (recvOp != null && recvOp.inFlight() && !recvCancelling) {
            recvCancelling = true;
            recvOp.cancel();
        }
    }

    /** End of stream ({@code x} 1) or a failure (-errno): reported now, or after the held bytes. */
    private void endReceive(long x) {
        if (recvHandler == null || heldTo > heldFrom) {
            heldEnd = x;
            return;
        }
        Object h = recvHandler;
        Object a = recvAtt;
        receiveOver();
        if (x == 1) {
            reactor.receiveEnded(h, a);
        } else {
            reactor.receiveFailed(h, failure("receive from", x), a);
        }
    }

    /** Appends {@code n} bytes of {@code from} to the held bytes (this channel's memory, grown as needed). */
    private void hold(MemorySegment from, long n) {
        if (held == null || heldTo + n > held.byteSize()) {
            long have = heldTo - heldFrom;
            long size = Math.max(held == null ? 0 : held.byteSize(), Math.max(4096, Long.highestOneBit(have + n) * 2));
            MemorySegment bigger = java.lang.foreign.Arena.ofAuto().allocate(size, 64);
            if (have > 0) {
                MemorySegment.copy(held, heldFrom, bigger, 0, have);
            }
            held = bigger;
            heldFrom = 0;
            heldTo = have;
        }
        MemorySegment.copy(from, 0, held, heldTo, n);
        heldTo += n;
    }

    /** Hands the held bytes (in chunks of a receive buffer's size), then a held end, to the new receive; false when it is over or stopped again. */
    private boolean deliverHeld() {
        while (heldTo > heldFrom) {
            int n = (int) Math.min(heldTo - heldFrom, reactor.receiveBufferSize());
            MemorySegment chunk = held.asSlice(heldFrom, n);
            heldFrom += n;
            if (heldFrom == heldTo) {
                heldFrom = heldTo = 0;
            }
            chunkCame();
            boolean more = reactor.received(recvHandler, chunk, n, recvAtt);
            if (closed || recvHandler == null) {
                return false;
            }
            if (!more) {
                receiveOver();
                return false;
            }
        }
        if (heldEnd != 0) {
            long x = heldEnd;
            heldEnd = 0;
            endReceive(x);
            return false;
        }
        return true;
    }

    /**
     * A read after a receive: it takes the held bytes first, then the held end; while the stopped
     * receive's multishot request is still being cancelled it waits for it (a RECV now could take
     * bytes ahead of chunks that request still delivers). Returns whether it dealt with the read.
     */
    private boolean readFromReceive() {
        if (heldTo > heldFrom || heldEnd != 0) {
            readAfterReceive();
            return true;
        }
        return inRing && recvOp != null && recvOp.inFlight(); // readAfterReceive runs when it ends
    }

    /** The pending read, served from the held bytes or end, or sent to the ring now. */
    private void readAfterReceive() {
        if (heldTo > heldFrom) {
            long n = Math.min(heldTo - heldFrom, readBuf.byteSize());
            MemorySegment.copy(held, heldFrom, readBuf, 0, n);
            heldFrom += n;
            if (heldFrom == heldTo) {
                heldFrom = heldTo = 0;
            }
            finishRead(n);
        } else if (heldEnd != 0) {
            long x = heldEnd;
            heldEnd = 0;
            if (x == 1) {
                finishRead(-1);
            } else {
                failRead(x);
            }
        } else if (inRing) {
            ringRead();
        } else {
            tryRead();
        }
    }

    /** Close: the receive fails now (its buffers are the loop's, not the caller's), its request is cancelled, held bytes dropped. */
    private void abortReceive() {
        if (recvHandler != null) {
            Object h = recvHandler;
            Object a = recvAtt;
            receiveOver();
            reactor.receiveFailed(h, closedException("receive"), a);
        }
        if (recvOp != null && recvOp.inFlight()) {
            recvOp.cancel();
        }
        held = null;
        heldFrom = heldTo = 0;
        heldEnd = 0;
    }

    // ---- ends ----

    private void finishRead(long n) {
        Object h = readHandler;
        Object a = readAtt;
        clearRead();
        reactor.completed(h, n, a);
    }

    private void failRead(long negErrno) {
        Object h = readHandler;
        Object a = readAtt;
        clearRead();
        reactor.failed(h, failure("read from", negErrno), a);
    }

    private void clearRead() {
        PinnedMemory pin = readPin;
        readBuf = null;
        readHandler = null;
        readAtt = null;
        readPin = null;
        readDeadline = 0;
        if (readTimer != null) {
            reactor.cancelTimer(readTimer); // out of the heap now, not at its deadline
            readTimer = null;
        }
        if (pin != null) {
            pin.unpin();
        }
    }

    private void finishWrite() {
        Object h = writeHandler;
        Object a = writeAtt;
        long n = writeDone;
        clearWrite();
        reactor.completed(h, n, a);
    }

    private void failWrite(long negErrno) {
        Object h = writeHandler;
        Object a = writeAtt;
        long done = writeDone;
        clearWrite();
        IOException e = failure("write to", negErrno);
        if (done > 0 && !(e instanceof AsynchronousCloseException)) {
            e = new IOException(e.getMessage() + " after " + done + " bytes were written", e);
        }
        reactor.failed(h, e, a);
    }

    /** The write (or send of a file) that begins: its bytes (a sendfile's head; may be null), their pin, and who to tell. */
    private void beginWrite(MemorySegment buf, PinnedMemory pin, Object handler, Object attachment) {
        writeBuf = buf;
        writeDone = 0;
        writeHandler = handler;
        writeAtt = attachment;
        writePin = pin;
    }

    private void clearWrite() {
        PinnedMemory pin = writePin;
        writeBuf = null;
        writeHandler = null;
        writeAtt = null;
        writePin = null;
        if (pin != null) {
            pin.unpin();
        }
    }

    private IOException failure(String what, long negErrno) {
        // Closed meanwhile: cancelled, interrupted, a closed number, or (a queued write whose
        // completion a handler of the same reap outran with the close) no room that it waits for now.
        if (closed && (negErrno == -Errno.ECANCELED || negErrno == -Errno.EINTR || negErrno == -Errno.EBADF
                || negErrno == -Errno.EAGAIN)) {
            return closedException(what.substring(0, what.indexOf(' ')));
        }
        int errno = (int) -negErrno;
        return new IOException(what + " " + describe() + ": " + Errno.describe(errno));
    }

    private AsynchronousCloseException closedException(String op) {
        return new NamedCloseException(op + " on " + describe() + ": the channel was closed");
    }

    @Override
    void abortPending() {
        if (inRing) {
            // The kernel may still be writing into the read buffer: the handler runs when it is done.
            boolean readInRing = readOp != null && readOp.inFlight();
            boolean writeInRing = writeOp != null && writeOp.inFlight() || writeZcOp != null && writeZcOp.inFlight()
                    || spliceIn != null && spliceIn.inFlight() || spliceOut != null && spliceOut.inFlight()
                    || sendStagedOp != null && sendStagedOp.inFlight();
            if (readInRing) {
                readOp.cancel();
            } else if (readHandler != null) {
                failRead(-Errno.ECANCELED);
            }
            if (writeInRing) {
                if (writeOp != null) {
                    writeOp.cancel();
                }
                if (writeZcOp != null && writeZcOp.inFlight()) {
                    writeZcOp.cancel();
                    if (writeZcOp.inFlight()) {
                        disconnect(); // in the kernel: its notification needs the socket's queues emptied
                    }
                }
                if (spliceIn != null) {
                    spliceIn.cancel();
                }
                if (spliceOut != null) {
                    spliceOut.cancel();
                }
                if (sendStagedOp != null) {
                    sendStagedOp.cancel(); // its completion gives the staging buffer back
                }
            } else if (writeHandler != null) {
                if (staged != null) {
                    releaseStaged(); // a staged send waiting for room, no request in the ring: nothing reads the buffer
                }
                failWrite(-Errno.ECANCELED);
            }
        } else {
            // Readiness: no system call of this channel is in progress between two loop turns, but a
            // queued write (native AIO) may wait for the loop's next io_submit, which reads its buffer.
            if (readHandler != null) {
                failRead(-Errno.ECANCELED);
            }
            if (writesQueued && writeOp != null && writeOp.inFlight()) {
                writeOp.cancel(); // not yet submitted: it ends now; submitted: with its completion (opCompleted)
            } else if (writeHandler != null) {
                sendFd = -1;
                failWrite(-Errno.ECANCELED);
            }
        }
        abortReceive();
        reactor.abortConnect(this);
    }

    /** The JDK's timeout failure of asynchronous channels, saying which read of which channel and how long. */
    static final class ReadTimeoutException extends InterruptedByTimeoutException {
        private static final long serialVersionUID = 1L;
        private final String message;

        ReadTimeoutException(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    /** An AsynchronousCloseException that says which request of which channel a close ended. */
    static final class NamedCloseException extends AsynchronousCloseException {
        private static final long serialVersionUID = 1L;
        private final String message;

        NamedCloseException(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }
}
