package dev.jaio.internal.loop;

import dev.jaio.internal.engine.QueueOptions;
import java.util.Locale;

/**
 * The paper's three ways for one thread to wait for disk and network I/O at once (§9), and the
 * portable baseline. Each names the engine whose queue runs the loop's file requests, and how the
 * loop learns that a socket or pipe is ready.
 */
public enum Backend {

    /**
     * Option 3, "AIO operations for communications I/O": one io_uring per loop runs file requests
     * and socket requests (RECV, SEND, ACCEPT, CONNECT) and pipe reads and writes (READ, WRITE), and
     * the loop waits in io_uring_enter.
     */
    URING("uring", "uring", Readiness.NONE),
    /**
     * Option 2, AIO poll: sockets and pipes are waited for with IOCB_CMD_POLL (Linux 4.18) in the
     * same kernel AIO context as the file requests, and the loop waits in one io_getevents; the
     * ready descriptor is then read without blocking (a pipe also written); sockets are written
     * with IOCB_CMD_PWRITE in that context ({@link #queuesSocketWrites()}).
     */
    AIO_POLL("aio-poll", "aio", Readiness.AIO_POLL),
    /**
     * Option 1: epoll for sockets and pipes, native AIO for files (and socket writes,
     * {@link #queuesSocketWrites()}), whose completions signal an eventfd (IOCB_FLAG_RESFD) in the
     * epoll set; the loop waits in epoll_wait and reaps the AIO completions from the user-mapped ring.
     */
    EPOLL_AIO("epoll+aio", "aio", Readiness.EPOLL),
    /**
     * The portable baseline: epoll for sockets and pipes, file requests on the thread-pool engine,
     * whose workers signal an eventfd in the epoll set.
     */
    THREADS("threads", "threads", Readiness.EPOLL);

    /** How sockets and pipes report readiness. */
    enum Readiness {
        /** Not needed: the backend's queue runs socket and pipe requests itself. */
        NONE,
        /** epoll_wait. */
        EPOLL,
        /** IOCB_CMD_POLL requests in the AIO context. */
        AIO_POLL
    }

    private final String id;
    private final String engine;
    final Readiness readiness;

    Backend(String id, String engine, Readiness readiness) {
        this.id = id;
        this.engine = engine;
        this.readiness = readiness;
    }

    /** The name users give ({@code uring}, {@code aio-poll}, {@code epoll+aio}, {@code threads}). */
    public String id() {
        return id;
    }

    /** The engine whose queue runs the loop's requests ({@code uring}, {@code aio}, {@code threads}). */
    public String engine() {
        return engine;
    }

    /** One line on how it waits, for {@code jaio info}. */
    public String description() {
        return switch (this) {
            case URING -> "one io_uring per loop: files, sockets (RECV/SEND/ACCEPT/CONNECT) and pipes (READ/WRITE) on one ring";
            case AIO_POLL -> "native AIO context per loop: files, IOCB_CMD_POLL for sockets and pipes, IOCB_CMD_PWRITE for"
                    + " socket writes; one io_getevents";
            case EPOLL_AIO -> "epoll for sockets and pipes; native AIO for files and socket writes, completions via an"
                    + " IOCB_FLAG_RESFD eventfd";
            case THREADS -> "epoll for sockets and pipes; files on the thread-pool engine, completions via an eventfd";
        };
    }

    /**
     * The options of the loop's queue: a loop owns its queue for life on one platform thread;
     * the epoll backends wait in epoll, so their queue signals an eventfd; aio-poll waits in
     * io_getevents and wakes itself with a polled eventfd of its own, so its iocbs carry no RESFD.
     */
    public QueueOptions queueOptions(int depth, int threads) {
        return switch (this) {
            case URING -> new QueueOptions(depth, true, threads, 0, true, false);
            case AIO_POLL -> new QueueOptions(depth, false, threads, 0, true, false);
            case EPOLL_AIO, THREADS -> new QueueOptions(depth, true, threads, 0, true, true);
        };
    }

    /**
     * Whether the backend's queue would run a read or write of a kernel-buffered file inside the
     * submitting call, on the loop thread: native AIO does (Linux queues only O_DIRECT requests;
     * a buffered one is copied, and a page cache miss read from the disk, inside io_submit, the
     * paper's §3), so those two backends hand such requests to a thread pool. io_uring hands what
     * would block to its io-wq workers, and the threads backend's queue is a thread pool already.
     */
    public boolean offloadsKernelBufferedFiles() {
        return engine.equals("aio");
    }

    /**
     * Whether a socket's writes go to the loop's kernel queue (uring: SEND; native AIO:
     * IOCB_CMD_PWRITE, which fs/aio.c runs inside io_submit, the socket being non-blocking), all
     * the writes of a turn in the one call that ends it, rather than one send(2) each as the
     * handler asks. Each write over loopback wakes the reader, and the woken thread preempts the
     * loop at the end of that system call: a loop answering many connections in a turn was
     * preempted after each answer and resumed only once the scheduler came back to it, while its
     * other connections waited (on 2 cores shared with wrk, `aio-poll`'s p99 on warm 4 KiB files
     * was 23 ms against 3.2 ms with its writes queued, nginx's 3.2 ms). Pipes on native AIO keep
     * write(2): a pipe is one writer and one reader, nothing to batch, and the AIO write's
     * completion costs a round of its own (`jaio pipe-pingpong` on {@code epoll+aio}: 48-64k round
     * trips/s against 60-71k with write(2)). The threads backend's queue is a thread pool: its
     * writes stay system calls on the loop thread.
     */
    public boolean queuesSocketWrites() {
        return this != THREADS;
    }

    /** The backend named {@code id}, case-insensitive; null when there is none. */
    public static Backend byId(String id) {
        String lower = id.toLowerCase(Locale.ROOT);
        for (Backend b : values()) {
            if (b.id.equals(lower)) {
                return b;
            }
        }
        return null;
    }
}
