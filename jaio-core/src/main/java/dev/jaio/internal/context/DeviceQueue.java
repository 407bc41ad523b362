package dev.jaio.internal.context;

import dev.jaio.internal.cache.DeviceIoSink;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.cache.PageIoOp;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.IoStats;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Iovec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The page I/O of a batch context's cached requests, in the context's own kernel queue (the
 * paper's buffered AIO: the device reads and writes a request starts go where its other requests
 * go, and are reaped by the same getEvents). One entry per page run, with its iovecs preallocated:
 * nothing is allocated per I/O. Only the context's owner thread touches it (also {@link #covers},
 * which a truncate or a direct request of that thread calls before it waits).
 *
 * <p>Invariant: an op in {@link #ops} is in the kernel queue (prepared or submitted) and its
 * pages stay locked or under writeback until {@link #complete} runs for it.
 */
final class DeviceQueue implements DeviceIoSink {

    /** The user_data bit that marks a page I/O (the context's own requests use slot numbers). */
    static final long DEVICE = 1L << 40;
    /** Most pages in one vectored page I/O through the context; larger runs go to the engine. */
    private static final int IOVECS = 32;

    private final IoQueue queue;
    /** The context's counters: page I/O counts as its kernel requests, from when it is prepared. */
    private final IoStats stats;
    private final long[] preparedAt;
    private final PageIoOp[] ops;
    private final int[] free;
    private int freeCount;
    private int outstanding;
    private final Arena iovecArena;
    private final MemorySegment iovecs;
    private boolean closed;

    DeviceQueue(IoQueue queue, int depth, IoStats stats) {
        this.queue = queue;
        this.stats = stats;
        this.preparedAt = new long[depth];
        this.ops = new PageIoOp[depth];
        this.free = new int[depth];
        for (int i = 0; i < depth; i++) {
            free[i] = depth - 1 - i;
        }
        this.freeCount = depth;
        this.iovecArena = Arena.ofShared();
        this.iovecs = iovecArena.allocate(Iovec.IOVEC.byteSize() * IOVECS * depth, 8);
    }

    /** Prepares {@code op} in the context's queue; false when there is no room (it goes to the engine). */
    @Override
    public boolean offer(PageIoOp op) {
        if (closed || freeCount == 0) {
            return false;
        }
        MemorySegment[] frames = op.frames();
        if (frames != null && frames.length > IOVECS) {
            return false;
        }
        int id = free[--freeCount];
        boolean ok;
        if (frames == null) {
            ok = op.isWrite() ? queue.prepareWrite(op.fd(), op.frame(), op.offset(), op.rwFlags(), DEVICE | id)
                    : queue.prepareRead(op.fd(), op.frame(), op.offset(), op.rwFlags(), DEVICE | id);
        } else {
            long size = Iovec.IOVEC.byteSize();
            MemorySegment iov = iovecs.asSlice(size * IOVECS * id, size * frames.length);
            Iovec.fill(iov, frames);
            ok = op.isWrite() ? queue.prepareWritev(op.fd(), iov, frames.length, op.offset(), op.rwFlags(), DEVICE | id)
                    : queue.prepareReadv(op.fd(), iov, frames.length, op.offset(), op.rwFlags(), DEVICE | id);
        }
        if (!ok) {
            free[freeCount++] = id;
            return false;
        }
        ops[id] = op;
        outstanding++;
        preparedAt[id] = System.nanoTime();
        stats.submitted(1);
        return true;
    }

    /** Page I/O prepared or in the kernel. */
    int outstanding() {
        return outstanding;
    }

    /**
     * The kernel completed the page I/O of {@code userData} with {@code result}: its pages unlock
     * (and the retries it makes due run in getEvents).
     */
    void complete(long userData, long result) {
        int id = (int) (userData & 0xffff_ffffL);
        PageIoOp op = ops[id];
        ops[id] = null;
        free[freeCount++] = id;
        outstanding--;
        stats.completed(result, System.nanoTime() - preparedAt[id], true); // a cancelled one goes to the engine: counted there again
        if (closed && result == -Errno.ECANCELED) {
            // close() took it back before it reached the kernel (nothing else cancels a page
            // I/O: no link or cancel request ever names one). Requests of other threads may be
            // waiting for its pages: it goes to the file's engine after all.
            op.resubmitToEngine();
            return;
        }
        op.complete(result);
    }

    /** Whether page I/O of {@code file}'s pages [first, last] (only writes if {@code writesOnly}) is here. */
    boolean covers(FileCache file, long first, long last, boolean writesOnly) {
        if (closed || outstanding == 0) {
            return false;
        }
        for (PageIoOp op : ops) {
            if (op != null && (op.isWrite() || !writesOnly) && op.covers(file, first, last)) {
                return true;
            }
        }
        return false;
    }

    /** The context closes: page I/O not in the kernel yet goes to the engine from now on. */
    void close() {
        closed = true;
    }

    /** Frees the iovecs, once the kernel queue is closed (nothing can read them any more). */
    void free() {
        iovecArena.close();
    }
}
