package dev.jaio.loop;

import dev.jaio.internal.loop.StreamFd;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.ReadPendingException;
import java.nio.channels.WritePendingException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * A byte stream of one {@link EventLoop}: a connected TCP socket, or one end of a pipe. One read
 * and one write may be pending at a time; each ends through its {@link IoHandler} on the loop
 * thread. A write ends when the kernel has taken all of its bytes, so a writer that waits for each
 * write is held back by a slow reader (the socket buffer fills and the write waits), never buffered
 * without limit.
 *
 * <p>Buffers must be native memory (an {@link dev.jaio.IoBuffer}'s segment, or any arena's): the
 * kernel reads and writes them. A request pins an {@code IoBuffer} until it ends; memory of other
 * arenas must stay alive until the handler runs. On the {@code uring} backend a read's buffer is
 * written by the kernel until the request ends, even after {@link #close()}.
 *
 * <p>Threads: called on the loop thread, a request starts at once and allocates nothing once the
 * JIT has compiled the loop (until then, on the readiness backends, each system call the loop makes
 * allocates a few dozen bytes inside the JDK's downcall, which captures errno). Called on
 * another thread, it is handed to the loop (a task); its checks (pending request, closed) then
 * happen there, and an exception they raise goes to the handler's {@code failed}.
 */
public final class StreamChannel implements AutoCloseable {

    /** What a channel is. */
    public enum Kind {
        /** A connected TCP socket. */
        TCP,
        /** The read end of a pipe. */
        PIPE_SOURCE,
        /** The write end of a pipe. */
        PIPE_SINK
    }

    private final EventLoop loop;
    final StreamFd fd;

    StreamChannel(EventLoop loop, StreamFd fd) {
        this.loop = loop;
        this.fd = fd;
    }

    /** {@return the loop the channel belongs to} */
    public EventLoop loop() {
        return loop;
    }

    /** {@return what the channel is} */
    public Kind kind() {
        return switch (fd.kind()) {
            case SOCKET -> Kind.TCP;
            case PIPE_SOURCE -> Kind.PIPE_SOURCE;
            case PIPE_SINK -> Kind.PIPE_SINK;
        };
    }

    /**
     * The local address of a TCP connection (getsockname(2), on the loop thread: called elsewhere
     * it waits for the loop).
     *
     * @return the address; null for a pipe
     * @throws CompletionException when the loop is closed
     */
    public InetSocketAddress localAddress() {
        return onLoop(fd::localAddress);
    }

    /**
     * The peer's address of a TCP connection (getpeername(2), on the loop thread: called elsewhere
     * it waits for the loop).
     *
     * @return the address; null for a pipe, or when the kernel no longer knows it (a reset connection)
     * @throws CompletionException when the loop is closed
     */
    public InetSocketAddress remoteAddress() {
        return onLoop(fd::remoteAddress);
    }

    /**
     * Reads up to {@code dst.byteSize()} bytes into {@code dst} (read(2), recv(2) or the ring's RECV).
     *
     * @param <A> the attachment's type
     * @param dst native memory, at least one byte
     * @param attachment passed back to the handler
     * @param handler gets the count, or -1 at end of stream
     * @throws IllegalArgumentException when {@code dst} is not native or is empty
     * @throws ReadPendingException when a read is pending (on the loop thread)
     * @throws UnsupportedOperationException for the write end of a pipe
     */
    public <A> void read(MemorySegment dst, A attachment, IoHandler<? super A> handler) {
        read(dst, 0, TimeUnit.NANOSECONDS, attachment, handler);
    }

    /**
     * Reads up to {@code dst.byteSize()} bytes into {@code dst}, or fails with
     * {@link InterruptedByTimeoutException} when no byte came within {@code timeout}, as the JDK's
     * {@code AsynchronousSocketChannel.read(dst, timeout, unit, attachment, handler)}; unlike the
     * JDK's, a read that timed out took no byte, and the channel stays open and readable (an idle
     * connection's timeout, then the next read). On uring the kernel times the read: its RECV (or
     * pipe READ) is linked to an IORING_OP_LINK_TIMEOUT in the same submission, and nothing is
     * allocated; on the other backends a loop timer does, taken out of the loop's timer heap as
     * soon as the read ends (one timer entry per timed read). Either way the timeout is a deadline
     * set when the read is made: time the read waits in the loop before it reaches the kernel
     * (behind a busy turn, or a full queue) counts toward it (on uring, the LINK_TIMEOUT is what is
     * left of the deadline when the loop submits the read).
     *
     * @param <A> the attachment's type
     * @param dst native memory, at least one byte
     * @param timeout the longest wait for the first byte; 0 or less: no limit
     * @param unit the unit of {@code timeout}
     * @param attachment passed back to the handler
     * @param handler gets the count, or -1 at end of stream; on the loop thread
     * @throws IllegalArgumentException when {@code dst} is not native or is empty
     * @throws ReadPendingException when a read is pending (on the loop thread)
     * @throws UnsupportedOperationException for the write end of a pipe
     */
    public <A> void read(MemorySegment dst, long timeout, TimeUnit unit, A attachment, IoHandler<? super A> handler) {
        check(dst, "read", handler);
        if (dst.byteSize() == 0) {
            throw new IllegalArgumentException("read: the buffer is empty");
        }
        java.util.Objects.requireNonNull(unit, "unit");
        long nanos = timeout <= 0 ? 0 : Math.max(1, unit.toNanos(timeout));
        if (loop.inLoop()) {
            fd.read(dst, nanos, handler, attachment);
        } else {
            loop.execute(() -> {
                try {
                    fd.read(dst, nanos, handler, attachment);
                } catch (RuntimeException e) {
                    handler.failed(new IOException(e.getMessage(), e), attachment);
                }
            });
        }
    }

    /**
     * Receives the stream chunk by chunk into the loop's own buffers, handing each chunk to
     * {@code handler} as it arrives, until the handler returns false, the stream ends, a failure, or
     * {@link #close()}. Unlike {@link #read(MemorySegment, Object, IoHandler) read}, the caller
     * lends no buffer while it waits: a server with thousands of idle connections holds no memory
     * for them, and on {@code uring} one request receives any number of chunks.
     *
     * <ul>
     *   <li>{@code uring}: a multishot RECV (IORING_RECV_MULTISHOT, Linux 6.0) with
     *       IOSQE_BUFFER_SELECT: the kernel picks a buffer of the loop's provided buffer ring
     *       ({@link LoopConfig#receiveBufferCount()} buffers of {@link LoopConfig#receiveBufferSize()}
     *       bytes, registered at the loop's first receive) for each chunk, and the buffer goes back
     *       to the ring when {@code received} returns; a pipe READs with IOSQE_BUFFER_SELECT, one
     *       request per chunk. When the ring is dry the receive waits for a buffer to come back.
     *       A kernel that refuses the ring (before 5.19) gets one RECV or READ at a time into a
     *       buffer of the channel's own.
     *   <li>the other backends: when the channel is readable, read(2) into the loop's one receive
     *       buffer, up to 16 chunks in a row before other channels get a turn.
     * </ul>
     *
     * <p>Nothing is lost when the handler stops: bytes that arrive after it returned false wait in
     * the socket or, on {@code uring}, are copied out of the ring buffers the multishot request
     * filled before its cancel reached it into the channel's own memory (so stopped receives never
     * pin the ring), and the next {@code receive} or {@code read} gets them first, in order. While
     * other channels wait for a place in the loop's queue (socket requests take at most 3/4 of it),
     * an armed multishot receive gives its place back and queues again: after each chunk; at once
     * for a waiting request that is not a receive (a response's write, whose peer stays silent until
     * it goes out); and, for a waiting receive, once it had no chunk for 10 ms (time slices, so more
     * connections than places all get their turn, where reads of silent peers hold their places).
     * A kernel without multishot RECV (5.19) gets one RECV per chunk from the ring.
     * Only one read or receive may be pending at a time. For an idle timeout, see
     * {@link #receive(long, TimeUnit, Object, ReceiveHandler)}.
     *
     * @param <A> the attachment's type
     * @param attachment passed back to the handler
     * @param handler gets the chunks, then {@code ended} or {@code failed}; on the loop thread, the
     *     first chunk possibly before this method returns
     * @throws NullPointerException when {@code handler} is null
     * @throws ReadPendingException when a read or receive is pending (on the loop thread)
     * @throws UnsupportedOperationException for the write end of a pipe (on any thread)
     */
    public <A> void receive(A attachment, ReceiveHandler<? super A> handler) {
        receive(0, TimeUnit.NANOSECONDS, attachment, handler);
    }

    /**
     * {@link #receive(Object, ReceiveHandler)} with an idle timeout: when no chunk came for
     * {@code idleTimeout} (since the receive began, or since the last chunk), the receive stops as if
     * its handler had returned false and the handler's {@code failed} gets an
     * {@link java.nio.channels.InterruptedByTimeoutException} that names the channel and the
     * timeout. The channel stays open: bytes that come later wait for the next {@code receive} or
     * {@code read}, which gets them first, in order (an idle connection's timeout, as with
     * {@link #read(MemorySegment, long, TimeUnit, Object, IoHandler) read}). A loop timer measures
     * it on every backend, armed once per timeout period, not per chunk: when it fires after chunks
     * came, it waits for what is left of the timeout after the last one. Bytes the receive could not
     * take yet (its request waits for a place in the loop's queue, the ring is dry, or the loop has
     * not handled the descriptor yet) count as a chunk once: before it fails the receive, the timer
     * looks at the descriptor with poll(2), which does not wait, and gives it one more timeout if
     * bytes are there (so a receive without a chunk fails after at most twice its timeout).
     *
     * @param <A> the attachment's type
     * @param idleTimeout the longest wait for a chunk; 0 or less: no limit
     * @param unit the unit of {@code idleTimeout}
     * @param attachment passed back to the handler
     * @param handler gets the chunks, then {@code ended} or {@code failed}; on the loop thread
     * @throws NullPointerException when {@code handler} or {@code unit} is null
     * @throws ReadPendingException when a read or receive is pending (on the loop thread)
     * @throws UnsupportedOperationException for the write end of a pipe (on any thread)
     */
    public <A> void receive(long idleTimeout, TimeUnit unit, A attachment, ReceiveHandler<? super A> handler) {
        if (handler == null) {
            throw new NullPointerException("receive: handler is null");
        }
        java.util.Objects.requireNonNull(unit, "unit");
        if (kind() == Kind.PIPE_SINK) {
            throw new UnsupportedOperationException("receive: the write end of a pipe is not readable");
        }
        long nanos = idleTimeout <= 0 ? 0 : Math.max(1, unit.toNanos(idleTimeout));
        if (loop.inLoop()) {
            fd.receive(handler, attachment, nanos);
        } else {
            loop.execute(() -> {
                try {
                    fd.receive(handler, attachment, nanos);
                } catch (RuntimeException e) {
                    handler.failed(new IOException(e.getMessage(), e), attachment);
                }
            });
        }
    }

    /**
     * Writes all of {@code src}, repeated after a short count: to a socket, the ring's SEND on
     * {@code uring}, IOCB_CMD_PWRITE in the loop's AIO context on {@code aio-poll} and
     * {@code epoll+aio} (run in the io_submit that ends the turn, with the turn's other writes),
     * send(2) with MSG_NOSIGNAL on {@code threads}; to a pipe, the ring's WRITE or write(2). At most
     * {@link LoopConfig#sendBytesPerTurn()} bytes go in one turn of the loop (one request, where
     * the kernel's queue runs it; a zero-copy SEND is not cut), the rest in later turns, so one
     * large write does not hold the loop's other channels back.
     *
     * @param <A> the attachment's type
     * @param src native memory
     * @param attachment passed back to the handler
     * @param handler gets {@code src.byteSize()} once the kernel took every byte
     * @throws IllegalArgumentException when {@code src} is not native
     * @throws WritePendingException when a write is pending (on the loop thread)
     * @throws UnsupportedOperationException for the read end of a pipe
     */
    public <A> void write(MemorySegment src, A attachment, IoHandler<? super A> handler) {
        check(src, "write", handler);
        if (loop.inLoop()) {
            fd.write(src, handler, attachment);
        } else {
            loop.execute(() -> {
                try {
                    fd.write(src, handler, attachment);
                } catch (RuntimeException e) {
                    handler.failed(new IOException(e.getMessage(), e), attachment);
                }
            });
        }
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code position} to this TCP connection
     * without copying them through Java memory (on {@code uring} a range in the page cache is
     * copied through native memory of the loop's, below), and without the loop ever waiting for
     * the disk.
     * On {@code uring} the ring does it. A range that cachestat(2) says is in the page cache and
     * that one turn's allowance ({@link LoopConfig#sendBytesPerTurn()}, at most 1 MiB) holds is
     * read into a staging buffer of the loop's (preadv2 with RWF_NOWAIT on the loop thread: it
     * fails rather than wait) and sent with the head by one SENDMSG request, which io_uring runs
     * inline, in the loop thread's io_uring_enter; the buffer is the kernel's until the request
     * ends, a close included. Measured on warm 100 KiB files with {@code jaio serve} (2-core VM):
     * 1.3-1.6x the requests/s of the SPLICE way below, whose two hand-offs to io-wq workers per
     * pipeful cost more than the two copies (see the README). Not for a {@link dev.jaio.FileOption#DIRECT}
     * file or pages that may still be under read (see below), nor when the read comes back short
     * or the loop's buffers (16 MiB of them: 64 at the default allowance) are all held by sends
     * waiting for their peers. Otherwise SPLICE
     * requests move the bytes from the file into a pipe
     * of the channel's own and from the pipe into the socket, a pipeful at a time (the kernel runs
     * every splice in its io-wq workers, never on the loop thread, so each pipeful costs two
     * hand-offs there and back). For a range larger than its pipe holds, the pipe is grown to 1 MiB
     * (fcntl F_SETPIPE_SZ) where the process may: with CAP_SYS_RESOURCE
     * or CAP_SYS_ADMIN in the initial user namespace, or while the pipes it grew hold at most a
     * quarter of {@code fs.pipe-user-pages-soft} (the kernel counts the capacity of every pipe of
     * the user, across processes, against it, and past it gives the user's new pipes 2 pages), and
     * such a bounded process shrinks the pipe back when the send ends, so idle connections hold
     * none of it; other pipes keep the size they were made with (16 pages). The handler gets
     * {@code count}. On the readiness backends it is sendfile(2) on the loop thread, so only when
     * cachestat(2) (Linux 6.5) says every page of the range is in the kernel's page cache, the
     * file is not {@link dev.jaio.FileOption#DIRECT} (sendfile through an O_DIRECT descriptor
     * reads the device), no read of this handle went to its engine within the last 250 ms (or is
     * there now), no try of it on a calling thread ({@link dev.jaio.AsyncFile#tryRead}, or the fast
     * path of a read) missed a page within the last 250 ms (the miss starts that page's
     * readahead), and no send of this handle within the last 250 ms ended before this one ends: a
     * page the kernel is still reading from the disk (for such a read, or as the readahead of such
     * a read or send, which reads past its end) counts as in the page cache for cachestat, yet
     * sendfile would wait for it (measured: a loop thread in a cold run of {@code jaio serve}
     * waited there 54 times in 20 s). Otherwise nothing is sent and the handler gets 0, and the
     * caller reads the range through the loop's engine instead (which brings it into the page
     * cache, and copies the pages already there on the calling thread). Not seen: reads of the file
     * through other handles or by other processes, and pages evicted while a send waits
     * for a slow peer (the resumed sendfile reads them). A full socket waits as a write does, and at
     * most {@link LoopConfig#sendBytesPerTurn()} bytes go in one turn of the loop (as nginx's
     * {@code sendfile_max_chunk}): a socket that takes a whole 1 MiB range at once would otherwise
     * hold the loop for that long sendfile(2). The file must stay open until the handler runs.
     *
     * @param <A> the attachment's type
     * @param file a file opened without {@link dev.jaio.FileOption#CACHED} (whose bytes live in
     *     jaio's page cache, which sendfile does not see); a DIRECT one is sent only on {@code uring}
     * @param position the file offset of the first byte, at least 0
     * @param count bytes to send, at least 0
     * @param attachment passed back to the handler
     * @param handler gets {@code count}, or (readiness backends) 0 when the range is not all in the
     *     page cache, or may be being read into it
     * @throws IllegalArgumentException for a CACHED file or a negative position or count
     * @throws UnsupportedOperationException for a pipe
     * @throws WritePendingException when a write is pending (on the loop thread)
     */
    public <A> void sendFile(dev.jaio.AsyncFile file, long position, long count, A attachment,
            IoHandler<? super A> handler) {
        sendFile(null, file, position, count, attachment, handler);
    }

    /**
     * {@link #sendFile(dev.jaio.AsyncFile, long, long, Object, IoHandler) sendFile} with
     * {@code head} sent before the file's bytes and held back until they follow it, so the file's
     * first bytes share the head's segment: a response's head and its body in one wakeup of the
     * client (what nginx gets from TCP_NOPUSH around its writev and sendfile, and BSD's sendfile
     * from its header vector). On the readiness backends the head is send(2) with MSG_MORE right
     * before the sendfile(2), in the same loop turn unless the channel's allowance for the turn
     * runs out; on {@code uring} it is copied into the staging buffer ahead of the range (a staged
     * send, when both fit), or it is written
     * into the channel's pipe (by write(2), a pipeful at
     * most, into the empty pipe: it never waits), where the file's first SPLICE joins it when the
     * head fills at most half the pipe (a larger head goes in SPLICEs of its own first). When the
     * readiness backends decline the range (the handler gets 0), the head was not sent either: the
     * caller sends both its own way. With {@code count} 0 the head is sent alone. When the send
     * fails after the head went, the head is pushed out (TCP_NODELAY set, and reset if it was
     * off), so that what the failure reports as written reaches the peer.
     *
     * @param <A> the attachment's type
     * @param head native memory sent first (a response's head), not to be changed until the handler
     *     runs; null or empty for none
     * @param file as for {@link #sendFile(dev.jaio.AsyncFile, long, long, Object, IoHandler) sendFile}
     * @param position the file offset of the first byte, at least 0
     * @param count bytes of the file to send, at least 0
     * @param attachment passed back to the handler
     * @param handler gets {@code head.byteSize() + count}, or (readiness backends) 0 when the
     *     range is not all in the page cache, or may be being read into it: nothing was sent
     * @throws IllegalArgumentException for a CACHED file, a negative position or count, or a head
     *     that is not native memory
     * @throws IllegalStateException when {@code head}'s memory is freed (on the loop thread)
     * @throws UnsupportedOperationException for a pipe
     * @throws WritePendingException when a write is pending (on the loop thread)
     */
    public <A> void sendFile(MemorySegment head, dev.jaio.AsyncFile file, long position, long count, A attachment,
            IoHandler<? super A> handler) {
        java.util.Objects.requireNonNull(file, "file");
        java.util.Objects.requireNonNull(handler, "sendFile: handler is null");
        if (head != null && !head.isNative()) {
            throw new IllegalArgumentException("sendFile " + file.path()
                    + ": the head must be native memory (the kernel reads it), not a heap segment");
        }
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException("sendFile " + file.path() + ": needs position >= 0 and count >= 0, got "
                    + position + ", " + count);
        }
        if (kind() != Kind.TCP) {
            throw new UnsupportedOperationException("sendFile " + file.path() + ": only to a TCP connection, not a " + kind());
        }
        if (file.isCached()) {
            throw new IllegalArgumentException("sendFile " + file.path()
                    + ": the file is CACHED (its bytes are in jaio's page cache, which sendfile(2) does not see)");
        }
        dev.jaio.internal.file.OpenFile open = dev.jaio.internal.file.HandleAccess.openFile(file);
        long end = position > Long.MAX_VALUE - count ? Long.MAX_VALUE : position + count;
        if (loop.inLoop()) {
            sendFileOnLoop(head, open, position, count, end, attachment, handler);
        } else {
            loop.execute(() -> {
                try {
                    sendFileOnLoop(head, open, position, count, end, attachment, handler);
                } catch (RuntimeException e) {
                    handler.failed(new IOException("sendFile: " + e.getMessage(), e), attachment);
                }
            });
        }
    }

    /**
     * Loop thread: sendfile unless it could wait for the disk though cachestat says the pages are
     * in the cache: an O_DIRECT handle (sendfile reads the device through it), or pages the
     * kernel may still be reading for this handle; a send that goes ahead is remembered, as its
     * readahead may read past its end.
     */
    private <A> void sendFileOnLoop(MemorySegment head, dev.jaio.internal.file.OpenFile open, long position, long count,
            long end, A attachment, IoHandler<? super A> handler) {
        long now = System.nanoTime();
        boolean mayWait = open.isDirect() || open.mayBeReadingPages(now, end);
        if (fd.sendFile(head, open.fd(), position, count, end, mayWait, handler, attachment)) {
            open.readOnCallingThread(end, now);
        }
    }

    /**
     * {@link #read(MemorySegment, Object, IoHandler)} as a future, completed on the loop thread
     * (allocates a future per request).
     *
     * @param dst native memory, at least one byte
     * @return bytes read, or -1 at end of stream
     */
    public CompletableFuture<Long> read(MemorySegment dst) {
        FutureHandler f = new FutureHandler();
        read(dst, null, f);
        return f;
    }

    /**
     * {@link #read(MemorySegment, long, TimeUnit, Object, IoHandler)} as a future, completed on the
     * loop thread; a timeout completes it exceptionally with {@link InterruptedByTimeoutException}.
     *
     * @param dst native memory, at least one byte
     * @param timeout the longest wait for the first byte; 0 or less: no limit
     * @param unit the unit of {@code timeout}
     * @return bytes read, or -1 at end of stream
     */
    public CompletableFuture<Long> read(MemorySegment dst, long timeout, TimeUnit unit) {
        FutureHandler f = new FutureHandler();
        read(dst, timeout, unit, null, f);
        return f;
    }

    /**
     * {@link #write(MemorySegment, Object, IoHandler)} as a future, completed on the loop thread.
     *
     * @param src native memory
     * @return bytes written: all of {@code src}
     */
    public CompletableFuture<Long> write(MemorySegment src) {
        FutureHandler f = new FutureHandler();
        write(src, null, f);
        return f;
    }

    /**
     * Stops sending: the peer reads end of stream once it has read what was sent (shutdown(2) with
     * SHUT_WR); for a pipe's write end, closes it. Waits for the loop when called elsewhere.
     *
     * @throws IOException when the kernel refuses (the message names the channel and errno), or
     *     the channel is closed
     */
    public void shutdownOutput() throws IOException {
        try {
            loop.callOnLoop(() -> {
                fd.shutdownOutput();
                return null;
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new java.nio.channels.ClosedChannelException(); // the loop closed its channels
        }
    }

    /** {@return whether {@link #close()} has not been called} */
    public boolean isOpen() {
        return !fd.isClosed();
    }

    /**
     * Closes the channel: pending requests fail with an
     * {@link java.nio.channels.AsynchronousCloseException} (on {@code uring}, once the kernel has
     * stopped them), and the descriptor is closed when none is in flight. Idempotent; any thread:
     * elsewhere than on the loop it waits for the loop to do it, except on another loop's thread,
     * where it hands the close to this loop and returns (two loops must never wait for each other).
     */
    @Override
    public void close() {
        loop.closeOnLoop(fd::close);
    }

    @Override
    public String toString() {
        return "StreamChannel[" + kind() + ", fd " + fd.fd() + (isOpen() ? "" : ", closed") + "]";
    }

    private static void check(MemorySegment buffer, String op, IoHandler<?> handler) {
        if (handler == null) {
            throw new NullPointerException(op + ": handler is null");
        }
        if (!buffer.isNative()) {
            throw new IllegalArgumentException(op + ": the buffer must be native memory (the kernel reads and writes it), not a heap segment");
        }
    }

    private <T> T onLoop(java.util.function.Supplier<T> s) {
        if (loop.inLoop()) {
            return s.get();
        }
        try {
            return loop.callOnLoop(s::get);
        } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
            throw new CompletionException(e);
        }
    }

    /** A handler that is its own future. */
    private static final class FutureHandler extends CompletableFuture<Long> implements IoHandler<Object> {
        @Override
        public void completed(long result, Object attachment) {
            complete(result);
        }

        @Override
        public void failed(IOException cause, Object attachment) {
            completeExceptionally(cause);
        }
    }
}
