package dev.jaio.internal.cache;

import dev.jaio.internal.engine.EventLoop;
import dev.jaio.internal.engine.IoOp;
import java.util.Arrays;

/**
 * Where the cache's device I/O goes (the kernel's submit_bio, with blk_plug's batching): page reads
 * and writes ({@link PageIoOp}) go to the engine's {@link EventLoop}, or, on a thread that diverts
 * them, to a batch context's own queue ({@link DeviceIoSink}); between {@link #beginBatch()} and
 * {@link #endBatch()} a thread's reads are held back and handed to the engine together.
 */
final class DeviceIo {

    private final EventLoop loop;
    private final CacheCounters counters;
    /**
     * This thread's diversion and batch. One holder per thread, set once and then only mutated:
     * a {@code ThreadLocal.set} after a {@code remove} makes a new map entry (a weak reference), which
     * per request was the batch context's largest allocation after the request itself.
     */
    private final ThreadLocal<ThreadState> threads = ThreadLocal.withInitial(ThreadState::new);

    DeviceIo(EventLoop loop, CacheCounters counters) {
        this.loop = loop;
        this.counters = counters;
    }

    /** Whether the calling thread is the loop's (the engine's completion thread). */
    boolean inLoop() {
        return loop.inLoop();
    }

    /** Starts a page read or write: to this thread's sink if it takes it, else to the engine. */
    void submit(PageIoOp op) {
        if (op.isWrite()) {
            counters.deviceWrites.increment();
        } else {
            counters.deviceReads.increment();
        }
        ThreadState t = threads.get();
        DeviceIoSink sink = t.sink;
        if (sink != null) {
            if (sink.offer(op)) {
                return;
            }
            op.toEngine();
        }
        if (t.batching) {
            t.batch.add(op);
        } else {
            loop.execute(op);
        }
    }

    /** The sink this thread's page reads go to, or null (the engine). */
    DeviceIoSink divertedTo() {
        return threads.get().sink;
    }

    /**
     * Before a request's step runs on this thread: when the thread diverts page I/O to a context's
     * queue that is not the request's own ({@code owner}, its {@link RequestOwner#deviceQueue()}), the request
     * runs inline inside that context's work (woken by a page it unlocked, a frame it freed, a gate
     * it opened), and its page I/O must not go into that queue, which only the context's owner
     * reaps, when it likes: a writeback there could stay in flight for good. The diversion is
     * lifted and returned, for the caller to restore with {@link #divert}; null when there
     * is none to lift.
     */
    DeviceIoSink liftForeignDiversion(DeviceIoSink owner) {
        ThreadState t = threads.get();
        DeviceIoSink s = t.sink;
        if (s == null || s == owner) {
            return null;
        }
        t.sink = null;
        return s;
    }

    /** Page reads and writes this thread starts go to {@code sink} (null: to the engine again). */
    void divert(DeviceIoSink sink) {
        threads.get().sink = sink;
    }

    /**
     * From here to {@link #endBatch()}, device reads this thread starts are held back and then
     * handed to the engine together: one publication, one wakeup, one kernel submission, as one
     * io_submit of a batch would be. Not on the engine's own thread (its reads batch anyway).
     */
    void beginBatch() {
        if (!loop.inLoop()) {
            threads.get().batching = true;
        }
    }

    /** Hands the device reads held back since {@link #beginBatch()} to the engine. */
    void endBatch() {
        ThreadState t = threads.get();
        if (!t.batching) {
            return;
        }
        t.batching = false;
        Batch b = t.batch;
        loop.executeAll(b.ops, b.n);
        Arrays.fill(b.ops, 0, b.n, null);
        b.n = 0;
    }

    /** A read of one page for one request only, outside the cache (see {@link CachedRead}). */
    void bypass(IoOp<?> op) {
        counters.bypassReads.increment();
        loop.execute(op);
    }

    /** An I/O of the cache's own that is not a page read or write (a flush), on the engine's loop. */
    void execute(IoOp<?> op) {
        loop.execute(op);
    }

    /** One thread's state: where its page I/O goes, and its held-back reads. */
    private static final class ThreadState {
        /** The sink this thread's page I/O goes to; null: the engine. */
        DeviceIoSink sink;
        /** Between beginBatch and endBatch: device reads go into {@link #batch}. */
        boolean batching;
        final Batch batch = new Batch();
    }

    /** Device reads collected on one thread between {@link #beginBatch()} and {@link #endBatch()}. */
    private static final class Batch {
        IoOp<?>[] ops = new IoOp<?>[64];
        int n;

        void add(IoOp<?> op) {
            if (n == ops.length) {
                ops = Arrays.copyOf(ops, 2 * n);
            }
            ops[n++] = op;
        }
    }
}
