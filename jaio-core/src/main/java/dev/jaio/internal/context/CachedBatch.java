package dev.jaio.internal.context;

import dev.jaio.IoFlags;
import dev.jaio.internal.cache.CachedRead;
import dev.jaio.internal.cache.CachedRequest;
import dev.jaio.internal.cache.CachedWrite;
import dev.jaio.internal.cache.DeviceIoSink;
import dev.jaio.internal.cache.PageCache;
import dev.jaio.internal.cache.RangeSync;
import dev.jaio.internal.cache.RequestOwner;
import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.file.OpenFile;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The cached requests of a batch context (reads, writes and syncs of CACHED files) and where they
 * run, as the kernel ran AIO retries in the submitter's context: the first iteration of each runs
 * in {@code submit()} on the owner thread, with its page I/O diverted into the context's
 * {@link DeviceQueue}; a retry made due by another thread (a page the engine read, a frame freed)
 * is queued here and run by the owner in {@code getEvents}; a finished request's result is queued
 * and delivered there with the kernel's completions.
 *
 * <p>A read allocates no request object: each slot has one preallocated {@link Slot}, the owner
 * its request reports to, and one {@link CachedRead} reset for each read it runs (a write or sync
 * is still a new cache request each). What a miss allocates is the cache's: the new page and its
 * device read. Threads: {@link Slot#retryDue},
 * {@link Slot#finished} and {@link Slot#failed} may run on any thread (they push onto lock-free
 * stacks and wake the owner once enough are in); everything else runs on the owner thread.
 * Invariant: a slot's request has at most one retry queued (a request waits for one thing at a
 * time, and its range sync starts only after its copy), and a slot is reused only after its
 * request finished, which no wakeup follows.
 */
final class CachedBatch {

    /** What a prepared cached request is. */
    enum Kind {
        READ, WRITE, FSYNC, FDATASYNC
    }

    /** Retries run per getEvents at least, so that a caller waiting for few results still moves the rest on. */
    private static final int RETRY_BUDGET_MIN = 4;

    private final int depth;
    private final IoQueue queue;
    private final DeviceIoSink device;
    /** The context's kernel queue is closed (its rings unmapped): retries' page I/O goes to the engine. */
    private boolean queueClosed;
    private final Slot[] slots;
    /** Slots prepared and not submitted yet, in order. */
    private final int[] prepared;
    private int preparedCount;
    private int inFlight;
    /** Retries due that a budget left for the next getEvents, oldest first. */
    private Slot backlog;
    /** Retries made due by any thread, newest first. */
    private final AtomicReference<Slot> dueRetries = new AtomicReference<>();
    /** Finished slots, newest first (a Treiber stack through {@link #doneNext}). */
    private final AtomicInteger doneHead = new AtomicInteger(-1);
    private final int[] doneNext;
    private final long[] doneResult;
    /** Finished slots in order, to deliver: a ring of {@link #depth}. */
    private final int[] ready;
    private int readyHead;
    private int readyCount;
    /** The context whose owner thread is woken (it may change when an owner dies). */
    private final Kioctx context;
    private volatile boolean parked;
    /** Finished requests and due retries not yet taken: the owner is woken once it reaches {@link #wakeAt}. */
    private final AtomicInteger doneCount = new AtomicInteger();
    private volatile int wakeAt = 1;

    CachedBatch(Kioctx context, int depth, IoQueue queue, DeviceIoSink device) {
        this.depth = depth;
        this.queue = queue;
        this.device = device;
        this.context = context;
        this.slots = new Slot[depth];
        for (int i = 0; i < depth; i++) {
            slots[i] = new Slot(this, i);
        }
        this.prepared = new int[depth];
        this.doneNext = new int[depth];
        this.doneResult = new long[depth];
        this.ready = new int[depth];
    }

    /** The owner of one slot's cached request: it records the result and schedules retries. */
    static final class Slot implements RequestOwner {
        private final CachedBatch batch;
        private final int slot;
        private OpenFile file;
        /** The page cache of the request in flight: its retries divert page I/O there. */
        private PageCache cache;
        private Kind kind;
        private MemorySegment buffer;
        private long position;
        private int ioFlags;
        private int syncFlags;
        /** The slot's read, reset for each read request it runs (made on its first). */
        private CachedRead read;
        /** The request whose retry is due, while this slot is on a retry list. */
        private CachedRequest due;
        private Slot nextRetry;

        Slot(CachedBatch batch, int slot) {
            this.batch = batch;
            this.slot = slot;
        }

        /** The slot's reusable read, reset for the prepared read into {@code buffer}. */
        private CachedRead read(MemorySegment buffer) {
            CachedRead r = read;
            if (r == null) {
                r = new CachedRead(this);
                read = r;
            }
            r.reset(file.cacheHandle(), buffer, null, position, buffer.byteSize(), (ioFlags & IoFlags.NOWAIT) != 0);
            return r;
        }

        @Override
        public void finished(long result, long errorOffset, long transferred) {
            cache = null;
            batch.done(slot, result);
        }

        @Override
        public void failed(Throwable cause) {
            // The engine closed under the request, or its memory was freed under it (memory of
            // the caller's own arena).
            cache = null;
            batch.done(slot, cause instanceof IOException ? -Errno.ECANCELED : -Errno.EFAULT);
        }

        @Override
        public void retryDue(CachedRequest request) {
            assert due == null && nextRetry == null : "slot " + slot + " already has a retry queued";
            due = request;
            batch.retryLater(this);
        }

        @Override
        public DeviceIoSink deviceQueue() {
            return batch.device;
        }
    }

    /** Prepares a cached request in {@code slot}; {@code syncFlags} (RWF_SYNC/RWF_DSYNC or 0) for a write. */
    void prepare(int slot, OpenFile file, Kind kind, MemorySegment buffer, long position, int ioFlags, int syncFlags) {
        Slot s = slots[slot];
        s.file = file;
        s.kind = kind;
        s.buffer = buffer;
        s.position = position;
        s.ioFlags = ioFlags;
        s.syncFlags = syncFlags;
        prepared[preparedCount++] = slot;
    }

    /** Cached requests prepared and not submitted. */
    int preparedCount() {
        return preparedCount;
    }

    /** Cached requests submitted and not delivered. */
    int inFlight() {
        return inFlight;
    }

    /** Drops the prepared requests (the context closes; their slots are released by the caller). */
    void dropPrepared() {
        for (int i = 0; i < preparedCount; i++) {
            Slot s = slots[prepared[i]];
            s.file = null;
            s.buffer = null;
        }
        preparedCount = 0;
    }

    /** Whether retries are left for the next getEvents. */
    boolean hasBacklog() {
        return backlog != null;
    }

    /**
     * Runs the first iteration of each prepared request on this thread; their page I/O goes into
     * the context's own queue (reaped and retried in getEvents, with no other thread in between),
     * and what it has no room for goes to the file's engine as one batch. Returns how many ran.
     */
    int submitPrepared() {
        int n = preparedCount;
        preparedCount = 0;
        PageCache batchCache = null;
        try {
            for (int i = 0; i < n; i++) {
                Slot s = slots[prepared[i]];
                MemorySegment buffer = s.buffer;
                s.buffer = null;
                inFlight++;
                PageCache pc = s.file.cacheHandle().file().cache();
                s.cache = pc;
                if (pc != batchCache) {
                    if (batchCache != null) {
                        batchCache.divertDeviceIo(null);
                        batchCache.endBatch();
                    }
                    pc.beginBatch();
                    pc.divertDeviceIo(device);
                    batchCache = pc;
                }
                CachedRequest request = switch (s.kind) {
                    case FSYNC, FDATASYNC -> RangeSync.ofFile(s.file.cacheHandle(), s.kind == Kind.FDATASYNC, s);
                    case WRITE -> new CachedWrite(s.file.cacheHandle(), buffer, null, s.position, buffer.byteSize(),
                            s.syncFlags, s);
                    case READ -> s.read(buffer);
                };
                s.file = null;
                request.start();
            }
        } finally {
            if (batchCache != null) {
                batchCache.divertDeviceIo(null);
                batchCache.endBatch();
            }
        }
        return n;
    }

    private void done(int slot, long result) {
        doneResult[slot] = result;
        int head;
        do {
            head = doneHead.get();
            doneNext[slot] = head;
        } while (!doneHead.compareAndSet(head, slot));
        // One wakeup per wait, when enough are in: not one futex call per finished read.
        wakeOwnerIfEnough();
    }

    private void retryLater(Slot s) {
        Slot head;
        do {
            head = dueRetries.get();
            s.nextRetry = head;
        } while (!dueRetries.compareAndSet(head, s));
        // A retry is progress only the owner can make, but waking it per retry would cost a futex
        // call each: like finished reads, due retries wake it once enough of them are in.
        wakeOwnerIfEnough();
    }

    private void wakeOwnerIfEnough() {
        if (doneCount.incrementAndGet() == wakeAt && parked) {
            LockSupport.unpark(context.owner());
        }
    }

    /** Runs due retries on this thread, at most {@code budget}, with their page I/O in the context's queue. */
    private void runRetries(int budget) {
        Slot r = backlog;
        backlog = null;
        Slot due = dueRetries.getAndSet(null);
        int n = 0;
        Slot tail = null;
        for (Slot c = due; c != null; c = c.nextRetry) {
            n++;
            tail = c;
        }
        if (n > 0) {
            doneCount.addAndGet(-n);
            // Older ones (the backlog) first; the due list is newest first, which no one relies on.
            tail.nextRetry = r;
            r = due;
        }
        int ran = 0;
        while (r != null) {
            if (ran++ == budget) {
                backlog = r; // for the next getEvents: the caller has what it waited for
                break;
            }
            Slot next = r.nextRetry;
            r.nextRetry = null;
            CachedRequest request = r.due;
            r.due = null;
            PageCache pc = r.cache;
            pc.divertDeviceIo(device);
            try {
                request.retryNow();
            } finally {
                pc.divertDeviceIo(null);
            }
            r = next;
        }
        if (!queueClosed && queue.unsubmitted() > 0) {
            queue.submit(); // page reads the retries started
        }
    }

    /** The kernel queue is closed: nothing may touch it from here on. */
    void queueClosed() {
        queueClosed = true;
    }

    private void takeDone() {
        int top = doneHead.getAndSet(-1);
        if (top < 0) {
            return;
        }
        // The stack is newest first: count, then place from the back.
        int n = 0;
        for (int s = top; s >= 0; s = doneNext[s]) {
            n++;
        }
        doneCount.addAndGet(-n);
        int pos = readyHead + readyCount + n - 1;
        for (int s = top; s >= 0; s = doneNext[s]) {
            ready[pos % depth] = s;
            pos--;
        }
        readyCount += n;
    }

    /**
     * Runs due retries (at least {@code retryBudget}), then delivers up to {@code max} finished
     * requests to {@code sink} (slot, result), oldest first; returns how many it delivered.
     */
    int deliver(int max, int retryBudget, CompletionSink sink) {
        runRetries(Math.max(RETRY_BUDGET_MIN, retryBudget));
        takeDone();
        int n = 0;
        while (n < max && readyCount > 0) {
            int slot = ready[readyHead];
            readyHead = readyHead + 1 == depth ? 0 : readyHead + 1;
            readyCount--;
            inFlight--;
            n++;
            sink.complete(slot, doneResult[slot]);
        }
        return n;
    }

    /** Parks the owner until {@code wanted} requests finished or retries are due, or {@code nanos} (-1: none). */
    void park(long nanos, int wanted) {
        wakeAt = Math.max(1, Math.min(wanted, inFlight - readyCount));
        parked = true;
        try {
            if (doneCount.get() < wakeAt) {
                if (nanos < 0) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, nanos);
                }
            }
        } finally {
            parked = false;
        }
    }
}
