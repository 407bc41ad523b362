package dev.jaio.internal.engine;

import java.lang.foreign.MemorySegment;

/**
 * One submission and completion queue of an engine: a kernel AIO context, an io_uring ring, or the
 * request queue of a thread pool. This is the engine SPI: everything above it (the event loop behind
 * {@code AsyncFile}, the batch {@code IoContext}, later the page cache) drives I/O only through it.
 *
 * <p>The model is io_submit / io_getevents: requests are <em>prepared</em> (written into queue
 * memory, nothing reaches the kernel), then {@link #submit() submitted} in one batch (io_uring
 * also submits them when a {@link #reap} has to enter the kernel to wait), and their
 * completions are {@link #reap reaped} later. Every prepared request produces exactly one completion,
 * including requests the kernel refused at submit time: a refusal is delivered as a completion with a
 * negative errno, never thrown, so callers have a single place that releases request state.
 *
 * <p>Threading: a queue has one owner thread. Every method except {@link #wakeup()} must be called
 * from it; the owner is whichever thread calls first (queues are created on one thread and may be
 * handed to another before first use). {@link #wakeup()} may be called from any thread. The owner
 * is a Java thread, not an OS thread: a virtual owner makes its calls from whichever carrier it is
 * mounted on, so an engine binds nothing to the calling OS thread unless
 * {@link QueueOptions#platformOwner()} says one platform thread owns the queue for life.
 *
 * <p>Memory: the queue keeps its own native memory (iocbs, rings, events) alive until {@link #close()}
 * returns, and {@code close()} returns only after every submitted request has completed. Buffers
 * passed to {@code prepare*} belong to the caller, who must keep them alive until the request's
 * completion has been reaped.
 */
public interface IoQueue extends AutoCloseable {

    /** Engine name, e.g. {@code "aio"} or {@code "threads"}. */
    String engineName();

    /** How many requests may be prepared or in flight at once. */
    int capacity();

    /** Requests prepared or in flight whose completion has not been reaped yet. */
    int outstanding();

    /** Requests prepared but not yet accepted by {@link #submit()}. */
    int unsubmitted();

    /**
     * Prepares a positional read of {@code buffer.byteSize()} bytes into {@code buffer}.
     *
     * @param rwFlags RWF_* flags (per-request DSYNC, SYNC, NOWAIT, HIPRI)
     * @param userData returned unchanged with the completion
     * @return false when the queue is full ({@link #outstanding()} == {@link #capacity()})
     */
    boolean prepareRead(int fd, MemorySegment buffer, long offset, int rwFlags, long userData);

    /** Prepares a positional write of all of {@code buffer}; see {@link #prepareRead}. */
    boolean prepareWrite(int fd, MemorySegment buffer, long offset, int rwFlags, long userData);

    /**
     * Prepares a write of all of {@code buffer} to a socket or pipe, which has no position (on
     * io_uring, offset -1: the file's position, which a stream ignores).
     */
    default boolean prepareStreamWrite(int fd, MemorySegment buffer, long userData) {
        return prepareWrite(fd, buffer, -1, 0, userData);
    }

    /**
     * Prepares a vectored read.
     *
     * @param iovecs {@code iovCount} native {@code struct iovec}s, kept alive by the caller
     */
    boolean prepareReadv(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags, long userData);

    /** Prepares a vectored write; see {@link #prepareReadv}. */
    boolean prepareWritev(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags, long userData);

    /** Prepares fsync, or fdatasync when {@code dataOnly}. The result is 0 on success. */
    boolean prepareFsync(int fd, boolean dataOnly, long userData);

    /** Prepares a one-shot readiness poll; the result is the ready POLL* mask. */
    boolean preparePoll(int fd, int pollEvents, long userData);

    /**
     * Hands every prepared request to the kernel (or the pool) in as few calls as possible.
     * A partial or refused (EAGAIN) submission is back-pressure: the rest stays prepared for the
     * next call, so the caller should reap before submitting again.
     *
     * @return how many requests were accepted by this call
     */
    int submit();

    /**
     * Delivers completions to {@code sink}.
     *
     * @param minComplete wait until at least this many completions were delivered (0 = poll)
     * @param maxComplete deliver at most this many
     * @param timeoutNanos give up waiting after this long; negative waits without limit
     * @return how many completions were delivered; fewer than {@code minComplete} on timeout or
     *     {@link #wakeup()}
     */
    int reap(int minComplete, int maxComplete, long timeoutNanos, CompletionSink sink);

    /**
     * Asks the kernel to stop the outstanding request prepared with {@code userData} (io_uring:
     * IORING_OP_ASYNC_CANCEL; kernel AIO: io_cancel, which stops no file I/O; thread pool: a
     * request no worker has taken yet). Best effort, and nothing happens for a request not
     * outstanding: the request still produces exactly one completion, {@code -ECANCELED} (or
     * {@code -EINTR}) when it was stopped, else its own result, and its buffers stay the
     * kernel's until then. Kernel AIO and the thread pool stop a request not yet submitted for
     * certain; io_uring submits it with the cancel after it, so it may finish first.
     */
    void cancel(long userData);

    /**
     * Whether a {@link #cancel} made now reaches the kernel: io_uring's has no room while its SQ is
     * full or as many cancels are in flight as slots (then it would do nothing, and a multishot
     * request, which never ends by itself, would run on). The caller asks again next turn.
     */
    default boolean canCancelNow() {
        return true;
    }

    /**
     * Makes a {@link #reap} that is blocked, or the next one that would block, return early.
     * Any thread. Only queues created with wakeup support honour it; see {@link #supportsWakeup()}.
     */
    void wakeup();

    /**
     * The eventfd this queue signals on every completion and every {@link #wakeup()}, for an owner
     * that waits in an epoll set of its own (with IOCB_FLAG_RESFD, as the paper's §9 suggests for
     * native AIO) instead of in a blocking {@link #reap}: when it turns readable the owner reads
     * its 8-byte counter (resetting it) and then reaps with {@code minComplete} 0. Only queues opened
     * with {@link QueueOptions#signalsCompletionFd()} have one.
     *
     * @return the descriptor, or -1 when this queue has none
     */
    default int completionFd() {
        return -1;
    }

    /** Whether {@link #wakeup()} can interrupt a blocking {@link #reap}. */
    boolean supportsWakeup();

    /**
     * Has {@code listener} run, on the thread that completes a request, each time this queue's
     * completions go from none waiting to some, for an owner that blocks somewhere else than in
     * this queue's {@link #reap} (an event loop that parks in its own queue and hands some of its
     * requests to this one). The owner must then check {@link #hasCompletions()} after it announced
     * that it is about to block and before it blocks, so that either it sees the completion or the
     * listener sees its announcement. Only queues whose requests complete on threads of their own
     * (the thread pool) support it; set once, before the first request.
     *
     * @throws UnsupportedOperationException for a queue whose completions come from the kernel
     */
    default void notifyCompletions(Runnable listener) {
        throw new UnsupportedOperationException(engineName() + " queues report completions through the kernel");
    }

    /**
     * Whether completions wait to be reaped; for the owner of a queue with a
     * {@link #notifyCompletions} listener (see there). Owner thread.
     */
    default boolean hasCompletions() {
        throw new UnsupportedOperationException(engineName() + " queues report completions through the kernel");
    }

    /**
     * Takes back every request prepared and not yet accepted by {@link #submit()}: none of them
     * reaches the kernel (or a worker), and each completes in the next {@link #reap} with
     * {@code -ECANCELED}, as a refused request does, so that its owner releases it in the one place
     * it releases every request. For an owner that closes: it drops what it never submitted, then
     * reaps what it did (io_uring's reap would otherwise submit the rest on its way into the kernel).
     *
     * @return how many requests were taken back
     */
    int cancelUnsubmitted();

    /**
     * Waits for every submitted request to complete (delivering nothing: completions still in the
     * queue are dropped, so reap first when they matter), then frees the queue's native memory.
     * Requests that were prepared but never submitted are dropped too.
     */
    @Override
    void close();
}
