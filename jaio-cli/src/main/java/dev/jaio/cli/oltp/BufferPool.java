package dev.jaio.cli.oltp;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code jaio oltp}'s buffer pool: {@code frames} 8 KiB frames in one native region (aligned for
 * O_DIRECT) caching pages of the database, replaced by CLOCK, as DB2's and PostgreSQL's pools are.
 *
 * <p>Agents {@link #fix} a page (reading it on a miss into a free frame or a victim's) and
 * {@link #unfix} it. A victim is the first unpinned frame the clock hand finds with its reference
 * bit clear; a clean one is taken at once. When the hand has passed {@link #SCAN_DEPTH} such
 * frames and all were dirty, the agent writes the first of them itself and waits for the write:
 * an <b>agent write</b> (DB2's "dirty page steal", InnoDB's single page flush), which is what page
 * cleaners exist to prevent. Cleaners {@link #claimDirty claim} dirty frames in the window just
 * ahead of the hand, which the hand reaches next, and write copies of them: a frame stays
 * readable and writable while its copy is written, and is clean afterwards only if nobody changed
 * it meanwhile (its version is unchanged).
 *
 * <p>The window is as long as the hand moves in the cleaners' lead time, {@link #LEAD_MULTIPLIER}
 * times their recent write latency plus one {@link #TUNE_NANOS tuning period}, within the
 * bounds the pool was made with (PostgreSQL's background writer sizes its round the same way:
 * recent allocations times {@code bgwriter_lru_multiplier}, 2.0). A longer window cleans frames
 * long before they are evicted, and a frame used again meanwhile is dirtied again and written
 * twice: cleaning as late as the writes allow writes each evicted page once.
 *
 * <p>Write-ahead logging: a frame is written only once the log record of its last change is
 * durable (its LSN is at most the log's durable LSN): cleaners skip younger frames, an agent waits
 * for the log first. Rows hold the LSN of the last transaction that set them and a page holds the
 * highest LSN applied to it; changes apply as a maximum, so concurrent transactions on one page
 * leave it as the log's order says whatever order they apply in.
 *
 * <p>Every field below the region is guarded by one lock: a fix holds it for well under a
 * microsecond, and I/O is done outside it. Frame contents are guarded by a latch per frame
 * (changes and the copies for writes); the state word of each frame says what I/O it is in.
 */
final class BufferPool implements AutoCloseable {

    /** The frame was used since the hand last passed it. */
    static final int REF = 1;
    /** The frame holds changes that are not on disk. */
    static final int DIRTY = 2;
    /** The frame's page is being read into it; it is not readable yet. */
    static final int READING = 4;
    /** A copy of the frame is being written. */
    static final int WRITING = 8;
    /** Unreferenced dirty frames the hand passes before the agent writes one itself. */
    static final int SCAN_DEPTH = 16;
    /**
     * Unreferenced dirty frames in a row that cleaners leave ahead of the hand, when the pool is
     * under its dirty target: half the scan depth, so that an agent always meets a clean victim.
     */
    static final int MAX_DIRTY_RUN = SCAN_DEPTH / 2;
    /** How often the window is sized again, at most: nanoseconds. */
    static final long TUNE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The cleaners' lead on the hand, in their recent write latencies. */
    static final int LEAD_MULTIPLIER = 2;
    /** The write latency assumed before the cleaners' first write: nanoseconds. */
    static final long FIRST_WRITE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final int frames;
    private final long pages;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment region;
    private final PageStore store;
    private final RedoLog log;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a frame's I/O ends. */
    private final Condition ioDone = lock.newCondition();
    /** Cleaners with nothing to write wait on it; agents signal it as the hand moves on. */
    private final Condition cleanerWork = lock.newCondition();
    private int cleanersWaiting;
    /** The hand's ticks when cleaners were last woken. */
    private long wokenAtTicks;
    private final Object[] latches;
    private final int[] table;
    private final long[] pageOf;
    private final int[] pins;
    private final int[] state;
    private final long[] version;
    private final long[] frameLsn;
    private final int[] freeStack;
    private int freeCount;
    /** Advances of the clock hand so far: the hand is at {@code handTicks % frames}. */
    private long handTicks;
    /** The cleaners' cursor, in the same ticks: never behind the hand, at most a window ahead. */
    private long cleanTicks;
    private final int minWindow;
    private final int maxWindow;
    /** Dirty frames the pool may hold before cleaners write every dirty frame in the window. */
    private final int dirtyTarget;
    /** Frames now dirty. */
    private int dirtyCount;
    /** Unreferenced dirty frames in a row that the cleaners' cursor has passed and left dirty. */
    private int dirtyRun;
    /** Frames ahead of the hand that cleaners clean now: in [minWindow, maxWindow]. */
    private int window;
    /** When each frame was claimed by a cleaner (System.nanoTime), for the write latency. */
    private final long[] claimedAt;
    /** Cleaner writes' latency, claim to completion, smoothed: nanoseconds. */
    private double writeNanos = FIRST_WRITE_NANOS;
    /** The hand's speed, smoothed: ticks per nanosecond; negative before the first tuning. */
    private double tickRate = -1;
    private long tunedAt;
    private long tunedTicks;
    /** The window integrated over time since the first tuning: frames x nanoseconds, and nanoseconds. */
    private double windowIntegral;
    private long windowNanos;
    private IOException failure;
    // counters, guarded by lock
    private long hits;
    private long misses;
    private long agentWrites;
    /** Time agents spent writing dirty victims, the log wait before each included: nanoseconds. */
    private long agentWriteNanos;
    private long cleanerWrites;
    private long frameWaits;

    /**
     * A pool whose cleaners keep a fixed window clean.
     *
     * @param frames the pool's frames
     * @param window frames ahead of the hand that cleaners keep clean
     */
    BufferPool(int frames, long pages, int window, PageStore store, RedoLog log) {
        this(frames, pages, window, window, 0, store, log);
    }

    /**
     * A pool whose cleaners' window follows the hand's speed and their write latency (see the
     * class comment), within bounds.
     *
     * @param frames the pool's frames
     * @param minWindow the fewest frames ahead of the hand that cleaners keep clean
     * @param maxWindow the most; it is also the window until the first tuning
     * @param dirtyTarget the dirty frames the pool may hold (see the class comment): 0 to clean
     *     every dirty frame in the window
     */
    BufferPool(int frames, long pages, int minWindow, int maxWindow, int dirtyTarget, PageStore store, RedoLog log) {
        if (frames < 1 || pages < 1 || minWindow < 1 || maxWindow < minWindow || dirtyTarget < 0
                || dirtyTarget > frames) {
            throw new IllegalArgumentException("frames " + frames + ", pages " + pages + ", window " + minWindow
                    + ".." + maxWindow + ", dirty target " + dirtyTarget);
        }
        this.dirtyTarget = dirtyTarget;
        this.frames = frames;
        this.pages = pages;
        this.maxWindow = Math.min(maxWindow, frames);
        this.minWindow = Math.min(minWindow, this.maxWindow);
        this.window = this.maxWindow;
        this.claimedAt = new long[frames];
        this.store = store;
        this.log = log;
        this.region = arena.allocate((long) frames * PageFormat.PAGE_SIZE, 4096);
        this.latches = new Object[frames];
        for (int i = 0; i < frames; i++) {
            latches[i] = new Object();
        }
        this.table = new int[Math.toIntExact(pages)];
        Arrays.fill(table, -1);
        this.pageOf = new long[frames];
        Arrays.fill(pageOf, -1);
        this.pins = new int[frames];
        this.state = new int[frames];
        this.version = new long[frames];
        this.frameLsn = new long[frames];
        this.freeStack = new int[frames];
        for (int i = 0; i < frames; i++) {
            freeStack[i] = frames - 1 - i;
        }
        this.freeCount = frames;
    }

    /** {@return the frames} */
    int frames() {
        return frames;
    }

    /** {@return the frame's memory} (8 KiB) */
    MemorySegment frame(int f) {
        return region.asSlice((long) f * PageFormat.PAGE_SIZE, PageFormat.PAGE_SIZE);
    }

    /**
     * Pins page {@code page} in a frame, reading it if it is not cached, and returns the frame.
     *
     * @param agentBuffer an 8 KiB aligned buffer of the caller's, for a write of a dirty victim
     * @throws IOException if a read or an agent write failed, or a page read back fails its checksum
     */
    int fix(long page, MemorySegment agentBuffer) throws IOException {
        if (page < 0 || page >= pages) {
            throw new IllegalArgumentException("page " + page + " is outside the database's " + pages + " pages");
        }
        lock.lock();
        try {
            while (true) {
                checkFailure();
                int f = table[(int) page];
                if (f >= 0) {
                    if ((state[f] & READING) != 0) {
                        ioDone.awaitUninterruptibly();
                        continue;
                    }
                    pins[f]++;
                    state[f] |= REF;
                    hits++;
                    return f;
                }
                f = takeFrame(agentBuffer);
                wakeCleaners();
                if (f < 0) {
                    continue; // the lock was let go: look the page up again
                }
                table[(int) page] = f;
                pageOf[f] = page;
                pins[f] = 1;
                state[f] = READING | REF;
                misses++;
                boolean ok = false;
                lock.unlock();
                try {
                    MemorySegment fr = frame(f);
                    store.read(page, fr);
                    PageFormat.Verdict v = PageFormat.verify(fr, page);
                    if (v != PageFormat.Verdict.OK) {
                        throw new IOException("page " + page + " read back " + v + " (checksum or page id does not match)");
                    }
                    ok = true;
                } finally {
                    lock.lock();
                    if (ok) {
                        state[f] &= ~READING;
                        frameLsn[f] = PageFormat.lsn(frame(f));
                    } else {
                        table[(int) page] = -1;
                        pageOf[f] = -1;
                        pins[f] = 0;
                        state[f] = 0;
                        freeStack[freeCount++] = f;
                    }
                    ioDone.signalAll();
                }
                return f;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Unpins a frame {@link #fix} returned. */
    void unfix(int f) {
        lock.lock();
        try {
            if (pins[f] <= 0) {
                throw new IllegalStateException("frame " + f + " is not pinned");
            }
            pins[f]--;
        } finally {
            lock.unlock();
        }
    }

    /** {@return row {@code row} of a pinned frame} */
    long readRow(int f, int row) {
        return region.get(JAVA_LONG, (long) f * PageFormat.PAGE_SIZE + PageFormat.ROWS + row * 8L);
    }

    /**
     * Applies a change of a transaction with log record {@code lsn} to a pinned frame: the row
     * and the page LSN become at least {@code lsn}; the frame is dirty.
     */
    void update(int f, int row, long lsn) {
        MemorySegment fr = frame(f);
        synchronized (latches[f]) {
            long at = PageFormat.ROWS + row * 8L;
            if (fr.get(JAVA_LONG, at) < lsn) {
                fr.set(JAVA_LONG, at, lsn);
            }
            if (PageFormat.lsn(fr) < lsn) {
                PageFormat.setLsn(fr, lsn);
            }
        }
        lock.lock();
        try {
            if ((state[f] & DIRTY) == 0) {
                dirtyCount++;
            }
            state[f] |= DIRTY;
            version[f]++;
            frameLsn[f] = Math.max(frameLsn[f], lsn);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A free frame or a clean victim, taken with the lock held throughout; or -1 after the lock was
     * let go (to write a dirty victim, or to wait), when the caller must look its page up again.
     */
    private int takeFrame(MemorySegment agentBuffer) throws IOException {
        if (freeCount > 0) {
            return freeStack[--freeCount];
        }
        int firstDirty = -1;
        int dirtySeen = 0;
        for (int scanned = 0; scanned < 2 * frames; scanned++) {
            int f = (int) (handTicks++ % frames);
            int st = state[f];
            if (pins[f] > 0 || (st & (READING | WRITING)) != 0) {
                continue;
            }
            if ((st & REF) != 0) {
                state[f] = st & ~REF;
                continue;
            }
            if ((st & DIRTY) == 0) {
                evict(f);
                return f;
            }
            if (firstDirty < 0) {
                firstDirty = f;
            }
            if (++dirtySeen >= SCAN_DEPTH) {
                break;
            }
        }
        frameWaits++;
        if (firstDirty < 0) {
            // every frame pinned or in I/O: wait for one to finish
            try {
                ioDone.await(1, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted waiting for a free frame");
            }
            return -1;
        }
        int f = firstDirty;
        state[f] |= WRITING;
        long v = version[f];
        long lsn = frameLsn[f];
        long page = pageOf[f];
        boolean ok = false;
        long writeStart = System.nanoTime();
        lock.unlock();
        try {
            log.awaitDurable(lsn);
            copyForWrite(f, agentBuffer);
            log.awaitDurable(PageFormat.lsn(agentBuffer)); // changed since the claim: its record too
            store.write(page, agentBuffer);
            ok = true;
        } finally {
            long writeEnd = System.nanoTime();
            lock.lock();
            agentWriteNanos += writeEnd - writeStart;
            finishWrite(f, v, ok, true);
        }
        if (pins[f] == 0 && (state[f] & (DIRTY | READING | WRITING | REF)) == 0) {
            // Freed, not taken: while the lock was let go, another agent may have read the page
            // this one wants into another frame; the caller looks it up again.
            evict(f);
            freeStack[freeCount++] = f;
        }
        return -1;
    }

    /**
     * Wakes a waiting cleaner once the hand has moved an eighth of the window since the last
     * wake-up: new frames came into the window. Lock held.
     */
    private void wakeCleaners() {
        if (cleanersWaiting > 0 && handTicks - wokenAtTicks >= Math.max(1, window / 8)) {
            wokenAtTicks = handTicks;
            cleanerWork.signal();
        }
    }

    /**
     * Waits until agents move the hand on, or {@code nanos} pass: what a cleaner with nothing to
     * write does (DB2's cleaners wait for a trigger as well, rather than poll).
     */
    void awaitCleanerWork(long nanos) {
        lock.lock();
        try {
            cleanersWaiting++;
            try {
                cleanerWork.awaitNanos(nanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                cleanersWaiting--;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiting cleaner: they are being stopped. */
    void wakeAllCleaners() {
        lock.lock();
        try {
            cleanerWork.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void evict(int f) {
        table[(int) pageOf[f]] = -1;
        pageOf[f] = -1;
        state[f] = 0;
    }

    /**
     * Claims the next dirty frame in the window ahead of the clock hand that is unreferenced, in
     * no I/O and whose last change is durable in the log: it is marked WRITING, and
     * {@code out[0]} gets its version, {@code out[1]} its page. Returns -1 when the window holds
     * no more such frame.
     */
    int claimDirty(long[] out) {
        long durable = log.durableLsn();
        long now = System.nanoTime();
        lock.lock();
        try {
            int f = claimNext(durable, now);
            if (f >= 0) {
                out[0] = version[f];
                out[1] = pageOf[f];
                if (cleanersWaiting > 0) {
                    cleanerWork.signal(); // there is work: the next waiting cleaner looks too
                }
            }
            return f;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Claims up to {@code max} frames as {@link #claimDirty(long[])} does, under one hold of the
     * lock: what a cleaner that writes in batches calls.
     *
     * @return how many were claimed: their frames, versions and pages are in the arrays' first
     *     that many elements
     */
    int claimDirty(int[] claimed, long[] versions, long[] pagesOut, int max) {
        long durable = log.durableLsn();
        long now = System.nanoTime();
        lock.lock();
        try {
            int n = 0;
            while (n < max) {
                int f = claimNext(durable, now);
                if (f < 0) {
                    break;
                }
                claimed[n] = f;
                versions[n] = version[f];
                pagesOut[n] = pageOf[f];
                n++;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** The next claimable frame in the window, marked WRITING; or -1. Lock held. */
    private int claimNext(long durable, long now) {
        tune(now);
        if (cleanTicks < handTicks) {
            cleanTicks = handTicks; // the hand overtook the cursor: a run it counted is behind the hand
            dirtyRun = 0;
        }
        while (cleanTicks < handTicks + window) {
            int f = (int) (cleanTicks % frames);
            int st = state[f];
            if (pins[f] > 0 || (st & (READING | WRITING | REF)) != 0) {
                cleanTicks++; // the hand passes it without counting it: neither victim nor dirty
                continue;
            }
            if ((st & DIRTY) == 0) {
                cleanTicks++;
                dirtyRun = 0; // a victim for the hand
                continue;
            }
            cleanTicks++;
            if ((dirtyCount <= dirtyTarget && dirtyRun < MAX_DIRTY_RUN) || frameLsn[f] > durable) {
                // Left dirty: under the target it stays to take more changes while clean frames are
                // evicted instead; a frame whose last change is not durable yet cannot be written.
                dirtyRun++;
                continue;
            }
            dirtyRun = 0; // clean by the time the hand comes: the window is as long as the writes take
            state[f] = st | WRITING;
            claimedAt[f] = now;
            return f;
        }
        return -1;
    }

    /**
     * Sizes the window again if a tuning period has passed: the hand's speed over the period,
     * smoothed, times the cleaners' lead time. Lock held.
     */
    private void tune(long now) {
        if (tickRate < 0) {
            tickRate = 0;
            tunedAt = now;
            tunedTicks = handTicks;
            return;
        }
        long dt = now - tunedAt;
        if (dt < TUNE_NANOS) {
            return;
        }
        double rate = (handTicks - tunedTicks) / (double) dt;
        tickRate = windowNanos == 0 ? rate : tickRate + (rate - tickRate) / 4;
        windowIntegral += (double) window * dt;
        windowNanos += dt;
        tunedAt = now;
        tunedTicks = handTicks;
        if (minWindow < maxWindow) {
            double lead = LEAD_MULTIPLIER * writeNanos + TUNE_NANOS;
            window = (int) Math.max(minWindow, Math.min(maxWindow, Math.ceil(tickRate * lead)));
        }
    }

    /** {@return the frames ahead of the hand that cleaners clean now} */
    int window() {
        lock.lock();
        try {
            return window;
        } finally {
            lock.unlock();
        }
    }

    /** Copies a frame into {@code buffer} under its latch and seals the copy: what a write writes. */
    void copyForWrite(int f, MemorySegment buffer) {
        synchronized (latches[f]) {
            buffer.copyFrom(frame(f));
        }
        PageFormat.seal(buffer);
    }

    /**
     * Copies a claimed frame for a cleaner's write ({@link #copyForWrite}) and says whether the copy
     * may be written: whether the log record of its last change is durable. A change made after
     * the claim can make it younger than the log; the cleaner then gives the frame back, dirty.
     */
    boolean copyIfDurable(int f, MemorySegment buffer) {
        copyForWrite(f, buffer);
        return PageFormat.lsn(buffer) <= log.durableLsn();
    }

    /** Ends a cleaner's write of a frame it claimed with version {@code v}. */
    void cleanerWriteDone(int f, long v, boolean ok) {
        long now = System.nanoTime();
        lock.lock();
        try {
            cleanerWriteDone(f, v, ok, now);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends {@code n} cleaner writes under one hold of the lock, as {@link #cleanerWriteDone(int,
     * long, boolean)} ends one: frame {@code claimed[i]}, claimed with version {@code versions[i]},
     * written if {@code ok[i]}.
     */
    void cleanerWritesDone(int[] claimed, long[] versions, boolean[] ok, int n) {
        long now = System.nanoTime();
        lock.lock();
        try {
            for (int i = 0; i < n; i++) {
                cleanerWriteDone(claimed[i], versions[i], ok[i], now);
            }
        } finally {
            lock.unlock();
        }
    }

    private void cleanerWriteDone(int f, long v, boolean ok, long now) {
        if (ok) {
            writeNanos += (now - claimedAt[f] - writeNanos) / 8;
        }
        finishWrite(f, v, ok, false);
    }

    /** A write failed: every later fix fails with it, and the run stops. */
    void fail(IOException e) {
        lock.lock();
        try {
            if (failure == null) {
                failure = e;
            }
            ioDone.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void checkFailure() throws IOException {
        if (failure != null) {
            throw new IOException("the buffer pool stopped: " + failure.getMessage(), failure);
        }
    }

    private void finishWrite(int f, long v, boolean ok, boolean byAgent) {
        state[f] &= ~WRITING;
        if (ok) {
            if (version[f] == v) {
                state[f] &= ~DIRTY;
                dirtyCount--;
            }
            if (byAgent) {
                agentWrites++;
            } else {
                cleanerWrites++;
            }
        }
        ioDone.signalAll();
    }

    /**
     * Writes every dirty frame and syncs the file: the checkpoint at the end of a run, with
     * agents and cleaners stopped.
     *
     * @return the pages written
     */
    long flushAll(MemorySegment buffer) throws IOException {
        long written = 0;
        for (int f = 0; f < frames; f++) {
            long page;
            lock.lock();
            try {
                if ((state[f] & DIRTY) == 0) {
                    continue;
                }
                page = pageOf[f];
            } finally {
                lock.unlock();
            }
            copyForWrite(f, buffer);
            store.write(page, buffer);
            lock.lock();
            try {
                state[f] &= ~DIRTY;
                dirtyCount--;
            } finally {
                lock.unlock();
            }
            written++;
        }
        store.sync();
        return written;
    }

    /** {@return the dirty frames in the window ahead of the clock hand now} (what cleaners clean) */
    int dirtyAhead() {
        lock.lock();
        try {
            int n = 0;
            for (long t = handTicks; t < handTicks + window; t++) {
                if ((state[(int) (t % frames)] & DIRTY) != 0) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Checks the pool's invariants, for tests: every frame's page maps back to it in the page
     * table and the page table to a frame holding that page; no frame is both free and holding a
     * page; the frame's contents name its page. Agents and cleaners must be stopped.
     *
     * @return the first broken invariant, or null
     */
    String checkInvariants() {
        lock.lock();
        try {
            boolean[] free = new boolean[frames];
            for (int i = 0; i < freeCount; i++) {
                free[freeStack[i]] = true;
            }
            for (int f = 0; f < frames; f++) {
                long page = pageOf[f];
                if (page < 0) {
                    if (!free[f]) {
                        return "frame " + f + " holds no page and is not free";
                    }
                    continue;
                }
                if (free[f]) {
                    return "frame " + f + " holds page " + page + " and is free";
                }
                if (table[(int) page] != f) {
                    return "frame " + f + " holds page " + page + " but the table maps it to frame " + table[(int) page];
                }
                if ((state[f] & READING) == 0 && PageFormat.pageId(frame(f)) != page) {
                    return "frame " + f + " should hold page " + page + " but holds page " + PageFormat.pageId(frame(f));
                }
            }
            int dirty = 0;
            for (int f = 0; f < frames; f++) {
                dirty += (state[f] & DIRTY) != 0 ? 1 : 0;
            }
            if (dirty != dirtyCount) {
                return dirty + " frames are dirty but the pool counts " + dirtyCount;
            }
            for (int page = 0; page < table.length; page++) {
                if (table[page] >= 0 && pageOf[table[page]] != page) {
                    return "the table maps page " + page + " to frame " + table[page] + ", which holds page "
                            + pageOf[table[page]];
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** {@return the dirty frames now} */
    int dirtyFrames() {
        lock.lock();
        try {
            int n = 0;
            for (int f = 0; f < frames; f++) {
                if ((state[f] & DIRTY) != 0) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The pool's counters.
     *
     * @param hits fixes that found their page cached
     * @param misses fixes that read their page
     * @param agentWrites dirty victims written by agents
     * @param agentWriteNanos the time agents spent on those writes (the log wait before each
     *     included): nanoseconds
     * @param cleanerWrites pages written by cleaners
     * @param frameWaits times an agent found no free or clean victim (and then wrote one or waited)
     * @param windowIntegral the cleaners' window integrated over time: frames x nanoseconds
     * @param windowNanos the time it was integrated over: nanoseconds
     */
    record Counters(long hits, long misses, long agentWrites, long agentWriteNanos, long cleanerWrites,
            long frameWaits, double windowIntegral, long windowNanos) {
        /** {@return these less {@code o}} */
        Counters minus(Counters o) {
            return new Counters(hits - o.hits, misses - o.misses, agentWrites - o.agentWrites,
                    agentWriteNanos - o.agentWriteNanos, cleanerWrites - o.cleanerWrites, frameWaits - o.frameWaits,
                    windowIntegral - o.windowIntegral, windowNanos - o.windowNanos);
        }

        /** {@return the cleaners' mean window over these counters' time, frames; 0 if never tuned} */
        double meanWindow() {
            return windowNanos > 0 ? windowIntegral / windowNanos : 0;
        }
    }

    /** {@return the counters now} */
    Counters counters() {
        lock.lock();
        try {
            return new Counters(hits, misses, agentWrites, agentWriteNanos, cleanerWrites, frameWaits, windowIntegral,
                    windowNanos);
        } finally {
            lock.unlock();
        }
    }

    /** Frees the frames; no I/O may be in flight (agents and cleaners stopped). */
    @Override
    public void close() {
        arena.close();
    }
}
