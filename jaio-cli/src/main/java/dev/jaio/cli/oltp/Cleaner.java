package dev.jaio.cli.oltp;

import dev.jaio.IoContext;
import dev.jaio.IoEngine;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Page cleaners: threads that write dirty frames just ahead of the buffer pool's clock hand so
 * that agents find clean victims (§8 of the paper). {@link Sync}: N threads, each writing one page
 * at a time with a blocking pwrite, as DB2's synchronous page cleaners and InnoDB's page cleaner
 * threads do. {@link Aio}: one thread that keeps up to {@code depth} page writes in flight through
 * jaio's batch API ({@link IoContext}: prepare, submit once, reap, refill), the paper's one AIO
 * page cleaner. {@link None}: no cleaner.
 *
 * <p>A cleaner with nothing to write (no dirty, unreferenced, durable frame in the window ahead
 * of the hand) waits until agents have moved the hand on ({@link BufferPool#awaitCleanerWork}),
 * at most {@link #IDLE_NANOS} (a frame's log record may become durable meanwhile).
 */
sealed interface Cleaner extends AutoCloseable {

    /** The longest a cleaner with nothing to write waits before it looks again. */
    long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** {@return the cleaner's threads} */
    List<Thread> threads();

    /** {@return the CPU time the cleaner threads used so far, nanoseconds} */
    default long cpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : threads()) {
            long n = mx.getThreadCpuTime(t.threadId());
            if (n > 0) {
                sum += n;
            }
        }
        return sum;
    }

    /** Stops the threads after their writes in flight completed. */
    @Override
    void close() throws IOException;

    /** Starts the cleaners of a configuration. */
    static Cleaner start(OltpSettings.CleanerSpec spec, int depth, BufferPool pool, PageStore store, IoEngine engine)
            throws IOException {
        return switch (spec.kind()) {
            case NONE -> new None();
            case SYNC -> new Sync(spec.threads(), pool, store);
            case AIO -> new Aio(depth, pool, store, engine);
        };
    }

    /** No cleaner. */
    final class None implements Cleaner {
        @Override
        public List<Thread> threads() {
            return List.of();
        }

        @Override
        public void close() {
        }
    }

    /** N threads, one blocking page write each at a time. */
    final class Sync implements Cleaner {
        private final List<Thread> threads = new ArrayList<>();
        private final Arena arena = Arena.ofShared();
        private volatile boolean running = true;
        private final BufferPool pool;

        Sync(int n, BufferPool pool, PageStore store) {
            this.pool = pool;
            for (int i = 0; i < n; i++) {
                MemorySegment buffer = arena.allocate(PageFormat.PAGE_SIZE, 4096);
                threads.add(Thread.ofPlatform().name("oltp-cleaner-sync-" + i).daemon().start(() -> {
                    long[] claim = new long[2];
                    while (running) {
                        int f = pool.claimDirty(claim);
                        if (f < 0) {
                            pool.awaitCleanerWork(IDLE_NANOS);
                            continue;
                        }
                        boolean ok = false;
                        boolean failed = false;
                        try {
                            if (!pool.copyIfDurable(f, buffer)) {
                                continue; // changed since the claim, by a record not yet durable
                            }
                            store.write(claim[1], buffer);
                            ok = true;
                        } catch (IOException | RuntimeException e) {
                            failed = true;
                            pool.fail(e instanceof IOException io ? io
                                    : new IOException("page cleaner: write of page " + claim[1] + ": " + e, e));
                        } finally {
                            pool.cleanerWriteDone(f, claim[0], ok);
                        }
                        if (failed) {
                            return;
                        }
                    }
                }));
            }
        }

        @Override
        public List<Thread> threads() {
            return threads;
        }

        @Override
        public void close() {
            running = false;
            pool.wakeAllCleaners();
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            arena.close();
        }
    }

    /**
     * One thread, up to {@code depth} page writes in flight through an {@link IoContext}. It works
     * in batches: it claims what the window holds under one hold of the pool's lock, prepares a
     * write of each, submits them with one system call (one plug of the block layer: one
     * notification of the device for the batch), waits until half of what is in flight has
     * completed, and gives the completed frames back under one hold of the lock. A synchronous
     * cleaner pays a system call, a device notification, a wake-up and two takes of the lock per page.
     */
    final class Aio implements Cleaner {
        /** The longest the cleaner waits for half its writes before it refills with what completed. */
        static final long REAP_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

        private final Thread thread;
        private volatile boolean running = true;
        private final BufferPool pool;
        private final PageStore store;
        private final int depth;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment[] buffers;
        private final int[] slotFrame;
        private final long[] slotVersion;
        private final long[] slotPage;
        private final int[] freeSlots;
        private int freeCount;
        // Slots whose writes ended (or were never started), not yet given back to the pool.
        private final int[] doneSlots;
        private final boolean[] doneOk;
        private int doneCount;
        // The batch handed to the pool.
        private final int[] batchFrames;
        private final long[] batchVersions;
        private final long[] batchPages;
        private final boolean[] batchOk;

        Aio(int depth, BufferPool pool, PageStore store, IoEngine engine) throws IOException {
            this.depth = depth;
            this.pool = pool;
            this.store = store;
            this.buffers = new MemorySegment[depth];
            this.slotFrame = new int[depth];
            this.slotVersion = new long[depth];
            this.slotPage = new long[depth];
            this.freeSlots = new int[depth];
            this.doneSlots = new int[depth];
            this.doneOk = new boolean[depth];
            this.batchFrames = new int[depth];
            this.batchVersions = new long[depth];
            this.batchPages = new long[depth];
            this.batchOk = new boolean[depth];
            for (int i = 0; i < depth; i++) {
                buffers[i] = arena.allocate(PageFormat.PAGE_SIZE, 4096);
                freeSlots[i] = i;
            }
            this.freeCount = depth;
            IoContext ctx = engine.newContext(depth);
            this.thread = Thread.ofPlatform().name("oltp-cleaner-aio").daemon().start(() -> run(ctx));
        }

        private void run(IoContext ctx) {
            try (ctx) {
                dev.jaio.CompletionHandler reap = this::completed;
                while (running || freeCount < depth) {
                    int n = running && freeCount > 0
                            ? pool.claimDirty(batchFrames, batchVersions, batchPages, freeCount) : 0;
                    int prepared = 0;
                    for (int i = 0; i < n; i++) {
                        int slot = freeSlots[--freeCount];
                        slotFrame[slot] = batchFrames[i];
                        slotVersion[slot] = batchVersions[i];
                        slotPage[slot] = batchPages[i];
                        // A frame changed since the claim by a record not yet durable, or a full
                        // queue (the context holds depth writes: not expected): give it back dirty.
                        if (pool.copyIfDurable(slotFrame[slot], buffers[slot]) && ctx.prepareWrite(store.asyncFile(),
                                buffers[slot], slotPage[slot] * PageFormat.PAGE_SIZE, slot)) {
                            prepared++;
                        } else {
                            done(slot, false);
                        }
                    }
                    giveBack();
                    if (prepared > 0) {
                        ctx.submit();
                    }
                    int inFlight = depth - freeCount - doneCount;
                    if (inFlight > 0) {
                        ctx.getEvents(Math.max(1, inFlight / 2), depth, REAP_WAIT_NANOS, TimeUnit.NANOSECONDS, reap);
                        giveBack();
                    } else if (running) {
                        pool.awaitCleanerWork(IDLE_NANOS);
                    }
                }
            } catch (RuntimeException e) {
                pool.fail(new IOException("AIO page cleaner: " + e, e));
                // the context's close waited for every write in flight; give their frames back dirty
                giveBack();
                while (freeCount < depth) {
                    int slot = findBusySlot();
                    pool.cleanerWriteDone(slotFrame[slot], slotVersion[slot], false);
                    freeSlots[freeCount++] = slot;
                }
            }
        }

        private void done(int slot, boolean ok) {
            doneSlots[doneCount] = slot;
            doneOk[doneCount++] = ok;
        }

        /** Ends the writes that ended, under one hold of the pool's lock, and frees their slots. */
        private void giveBack() {
            if (doneCount == 0) {
                return;
            }
            for (int i = 0; i < doneCount; i++) {
                int slot = doneSlots[i];
                batchFrames[i] = slotFrame[slot];
                batchVersions[i] = slotVersion[slot];
                batchOk[i] = doneOk[i];
            }
            pool.cleanerWritesDone(batchFrames, batchVersions, batchOk, doneCount);
            for (int i = 0; i < doneCount; i++) {
                freeSlots[freeCount++] = doneSlots[i];
            }
            doneCount = 0;
        }

        private int findBusySlot() {
            boolean[] free = new boolean[depth];
            for (int i = 0; i < freeCount; i++) {
                free[freeSlots[i]] = true;
            }
            for (int i = 0; i < depth; i++) {
                if (!free[i]) {
                    return i;
                }
            }
            throw new IllegalStateException("no busy slot");
        }

        private void completed(long cookie, long result) {
            int slot = (int) cookie;
            boolean ok = result == PageFormat.PAGE_SIZE;
            if (!ok) {
                pool.fail(new IOException("AIO page cleaner: write of page " + slotPage[slot] + " (offset "
                        + slotPage[slot] * PageFormat.PAGE_SIZE + "): "
                        + (result < 0 ? IoContext.errorName(result) : result + " of " + PageFormat.PAGE_SIZE + " bytes")));
                running = false;
            }
            done(slot, ok);
        }

        @Override
        public List<Thread> threads() {
            return List.of(thread);
        }

        @Override
        public void close() {
            running = false;
            pool.wakeAllCleaners();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            arena.close();
        }
    }
}
