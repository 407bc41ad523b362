package dev.jaio.internal.context;

import dev.jaio.CompletionHandler;
import dev.jaio.IoFlags;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.FixedResources;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.IoStats;
import dev.jaio.internal.engine.IoStatsGroup;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.engine.RequestChaining;
import dev.jaio.internal.engine.Slots;
import dev.jaio.internal.file.Coherence;
import dev.jaio.internal.file.OpenFile;
import dev.jaio.internal.file.PinnedMemory;
import dev.jaio.internal.jfr.Jfr;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The body of a batch context ({@code dev.jaio.IoContext}), the kernel's {@code struct kioctx}:
 * its kernel queue, its slots (one per request in flight, holding the caller's cookie, the file
 * and the pinned memory until the result is delivered), links, timeouts and registrations, and
 * for requests of CACHED files the {@link CachedBatch} that runs them and the {@link DeviceQueue}
 * their page I/O goes through. The caller's arguments are checked by IoContext and the file.
 *
 * <p>Threads: everything runs on the owner thread (IoContext confines it), except what
 * {@link CachedBatch} takes from other threads. Invariant: a slot is in use from its claim until
 * its result is delivered (or the context closes), and holds its file's operation count and its
 * buffer's pin all that time.
 */
public final class Kioctx {

    private static final PinnedMemory[] NO_BUFFERS = {};
    private static final OpenFile[] NO_FILES = {};
    /** Open contexts, for {@link #thisThreadOwesPageIo} and {@link #closeAbandoned}. */
    private static final Set<Kioctx> OPEN = ConcurrentHashMap.newKeySet();

    private final IoQueue queue;
    private final FixedResources fixed;
    private final RequestChaining chaining;
    private final int depth;
    private final Slots slots;
    private final long[] userData;
    private final OpenFile[] files;
    private final PinnedMemory[] pins;
    /** Timers and cancels: slots with no file. */
    private final boolean[] unbound;
    private int unboundOutstanding;
    /** Uncached writes of a file a CACHED handle has open: the cache whose write gate the slot holds, and the range. */
    private final FileCache[] writeGate;
    private final long[] writePosition;
    private final long[] writeLength;
    /** The file requests' counters (owner thread only), and the engine's group they count in, or null. */
    private final IoStats stats = new IoStats();
    private final IoStatsGroup group;
    /**
     * Whether each slot's request goes to the kernel ({@link #KERNEL_TRANSFER}, {@link #KERNEL_SYNC};
     * 0 for a cached request, which jaio's cache serves: its page I/O is counted by the
     * DeviceQueue), when it was submitted (System.nanoTime; its prepare until then), and the slots prepared since
     * the last submit.
     */
    private final byte[] kernel;
    private final long[] submittedAt;
    /** Whether stampPrepared() counted the slot's request as submitted. */
    private final boolean[] stamped;
    private final int[] prepared;
    private int preparedCount;
    private static final byte KERNEL_TRANSFER = 1;
    private static final byte KERNEL_SYNC = 2;
    /** Each slot's JFR event, begun at prepare; null unless a recording wants file I/O events. */
    private final Object[] events;
    private final DeviceQueue device;
    private final CachedBatch cached;
    private final CompletionSink sink = this::onCompletion;
    /** linkNext() was called: the next request links to the one after it. */
    private boolean linkPending;
    /** The last request prepared was linked (a link timeout may follow it). */
    private boolean lastWasLinked;
    private PinnedMemory[] registeredBuffers = NO_BUFFERS;
    private OpenFile[] registeredFiles = NO_FILES;
    private volatile Thread owner;
    private CompletionHandler handler;
    private int delivered;
    private boolean closed;
    private boolean queueClosed;

    public Kioctx(EngineProvider provider, QueueOptions options) throws IOException {
        this(provider, options, null);
    }

    /** A context whose request counters count in {@code group} (its engine's), if not null, until it closes. */
    public Kioctx(EngineProvider provider, QueueOptions options, IoStatsGroup group) throws IOException {
        // Room for as many page reads of cached requests as for the caller's own requests. Not
        // platformOwner: the owner may be a virtual thread, which changes OS thread as it runs.
        this.queue = provider.openQueue(new QueueOptions(options.capacity() * 2, options.wakeup(),
                options.threads(), options.sqPollIdleMillis(), false));
        this.fixed = queue instanceof FixedResources f ? f : null;
        this.chaining = queue instanceof RequestChaining c ? c : null;
        this.depth = options.capacity();
        this.slots = new Slots(depth);
        this.userData = new long[depth];
        this.files = new OpenFile[depth];
        this.pins = new PinnedMemory[depth];
        this.unbound = new boolean[depth];
        this.writeGate = new FileCache[depth];
        this.writePosition = new long[depth];
        this.writeLength = new long[depth];
        this.events = new Object[depth];
        this.submittedAt = new long[depth];
        this.kernel = new byte[depth];
        this.stamped = new boolean[depth];
        this.prepared = new int[depth];
        this.group = group;
        if (group != null) {
            group.register(stats);
        }
        this.device = new DeviceQueue(queue, depth, stats);
        this.cached = new CachedBatch(this, depth, queue, device);
        OPEN.add(this);
    }

    public String engineName() {
        return queue.engineName();
    }

    public int depth() {
        return depth;
    }

    public int outstanding() {
        return slots.inUse();
    }

    public int unsubmitted() {
        return (queueClosed ? 0 : queue.unsubmitted()) + cached.preparedCount();
    }

    public boolean isClosed() {
        return closed;
    }

    // ---- requests ----

    /**
     * A read or write of a native buffer, checked by the caller (including that the context is
     * open); false when the context is full.
     */
    public boolean prepareTransfer(OpenFile file, MemorySegment buffer, long position, int ioFlags, long cookie,
            boolean read) {
        String op = read ? "pread" : "pwrite";
        if (slots.available() == 0) {
            return false;
        }
        if (file.cacheHandle() != null
                && (read || (ioFlags & IoFlags.NOWAIT) != 0 || !file.cachedWritesGoThroughKernel())) {
            requireUnlinked(op, file);
            if (!read && (ioFlags & IoFlags.NOWAIT) != 0) {
                throw new IllegalArgumentException(op + " " + file.path()
                        + ": NOWAIT writes are not supported on CACHED files");
            }
            int slot = claim(file, buffer, cookie, op);
            events[slot] = Jfr.begin(read ? Jfr.READ : Jfr.WRITE, position, buffer.byteSize(), ioFlags);
            cached.prepare(slot, file, read ? CachedBatch.Kind.READ : CachedBatch.Kind.WRITE, buffer, position,
                    ioFlags, read ? 0 : file.cachedSyncFlags(ioFlags));
            return true;
        }
        Coherence coherence = file.coherence();
        FileCache gate = null;
        if (!read) {
            gate = coherence.beforeBlockingWrite(op, position, buffer.byteSize());
        } else {
            coherence.beforeBlockingRead(position, buffer.byteSize());
        }
        int slot;
        try {
            slot = claim(file, buffer, cookie, op);
        } catch (RuntimeException | Error e) {
            Coherence.abandon(gate);
            throw e;
        }
        events[slot] = Jfr.begin(read ? Jfr.READ : Jfr.WRITE, position, buffer.byteSize(), ioFlags);
        kernel[slot] = KERNEL_TRANSFER;
        writeGate[slot] = gate;
        writeLength[slot] = read ? 0 : buffer.byteSize();
        writePosition[slot] = position;
        int fd = descriptor(file);
        int bufIndex = registeredIndexOf(buffer);
        boolean ok;
        if (bufIndex >= 0) {
            ok = read ? fixed.prepareReadFixed(fd, buffer, position, bufIndex, ioFlags, slot)
                    : fixed.prepareWriteFixed(fd, buffer, position, bufIndex, ioFlags, slot);
        } else {
            ok = read ? queue.prepareRead(fd, buffer, position, ioFlags, slot)
                    : queue.prepareWrite(fd, buffer, position, ioFlags, slot);
        }
        assert ok : "queue capacity equals context depth";
        return true;
    }

    /** fsync or fdatasync of {@code file}; false when the context is full. */
    public boolean prepareFsync(OpenFile file, boolean dataOnly, long cookie) {
        String op = dataOnly ? "fdatasync" : "fsync";
        requireOpen(op, file);
        if (slots.available() == 0) {
            return false;
        }
        if (file.cacheHandle() != null) {
            // Through the cache: its dirty pages are written back first, then the descriptor synced.
            requireUnlinked(op, file);
            int slot = claim(file, null, cookie, op);
            events[slot] = Jfr.begin(Jfr.SYNC, -1, 0, dataOnly ? 1 : 0);
            cached.prepare(slot, file, dataOnly ? CachedBatch.Kind.FDATASYNC : CachedBatch.Kind.FSYNC, null, 0, 0, 0);
            return true;
        }
        file.coherence().beforeBlockingSync(op);
        int slot = claim(file, null, cookie, op);
        events[slot] = Jfr.begin(Jfr.SYNC, -1, 0, dataOnly ? 1 : 0);
        kernel[slot] = KERNEL_SYNC;
        queue.prepareFsync(descriptor(file), dataOnly, slot);
        return true;
    }

    private void requireOpen(String op, OpenFile file) {
        if (closed) {
            throw new IllegalStateException(op + " " + file.path() + ": the IoContext is closed");
        }
    }

    private void requireUnlinked(String op, OpenFile file) {
        if (linkPending) {
            throw new IllegalStateException(op + " " + file.path() + ": a request on a CACHED file runs in jaio's"
                    + " page cache and cannot be linked");
        }
    }

    /** The file's descriptor, or its registered index (marking the next request to use it). */
    private int descriptor(OpenFile file) {
        OpenFile[] registered = registeredFiles;
        for (int i = 0; i < registered.length; i++) {
            if (registered[i] == file) {
                fixed.nextUsesFixedFile();
                return i;
            }
        }
        return file.fd();
    }

    /** The registered buffer that holds all of {@code buffer}, or -1. */
    private int registeredIndexOf(MemorySegment buffer) {
        PinnedMemory[] buffers = registeredBuffers;
        long start = buffer.address();
        long end = start + buffer.byteSize();
        for (int i = 0; i < buffers.length; i++) {
            MemorySegment b = buffers[i].segment();
            if (start >= b.address() && end <= b.address() + b.byteSize()) {
                return i;
            }
        }
        return -1;
    }

    private int claim(OpenFile file, MemorySegment buffer, long cookie, String op) {
        requireOpen(op, file);
        if (!file.begin()) {
            throw new IllegalStateException(file.refused(op).getMessage());
        }
        PinnedMemory pin;
        try {
            pin = buffer == null ? null : PinnedMemory.pin(buffer, op, file.path(), -1, -1);
        } catch (RuntimeException e) {
            file.endOp();
            throw e;
        }
        int slot = slots.acquire();
        userData[slot] = cookie;
        files[slot] = file;
        kernel[slot] = 0; // a kernel read, write or sync says so after the claim
        submittedAt[slot] = System.nanoTime(); // provisional: stampPrepared() sets when it went to the kernel
        stamped[slot] = false;
        prepared[preparedCount++] = slot;
        pins[slot] = pin;
        takeLink();
        return slot;
    }

    // ---- links, timeouts and cancellation (io_uring) ----

    public boolean supportsChaining() {
        return chaining != null;
    }

    public void linkNext() {
        requireChaining("linkNext");
        linkPending = true;
    }

    public boolean prepareLinkTimeout(long timeout, TimeUnit unit, long cookie) {
        requireOpen("prepareLinkTimeout");
        requireChaining("prepareLinkTimeout");
        if (!lastWasLinked) {
            throw new IllegalStateException("prepareLinkTimeout must follow a request prepared after linkNext()");
        }
        if (slots.available() == 0) {
            return false;
        }
        long nanos = unit.toNanos(timeout); // before the slot is claimed: a null unit claims none
        chaining.prepareLinkTimeout(nanos, claimUnbound(cookie));
        return true;
    }

    public boolean prepareTimeout(long timeout, TimeUnit unit, long cookie) {
        requireOpen("prepareTimeout");
        requireChaining("prepareTimeout");
        if (slots.available() == 0) {
            return false;
        }
        long nanos = unit.toNanos(timeout);
        chaining.prepareTimeout(nanos, 0, claimUnbound(cookie));
        return true;
    }

    public boolean prepareCancel(long targetCookie, long cookie) {
        requireOpen("prepareCancel");
        requireChaining("prepareCancel");
        if (slots.available() == 0) {
            return false;
        }
        int target = -1;
        for (int s = 0; s < depth; s++) {
            if (userData[s] == targetCookie && (files[s] != null || unbound[s])) {
                target = s;
                break;
            }
        }
        int slot = claimUnbound(cookie);
        // No such request: aim at a user data no request carries, so the kernel answers -ENOENT.
        chaining.prepareCancel(target >= 0 ? target : Long.MIN_VALUE, slot);
        return true;
    }

    private int claimUnbound(long cookie) {
        if (closed) {
            throw new IllegalStateException("the IoContext is closed");
        }
        takeLink();
        int slot = slots.acquire();
        userData[slot] = cookie;
        unbound[slot] = true;
        unboundOutstanding++;
        return slot;
    }

    private void takeLink() {
        lastWasLinked = linkPending;
        if (linkPending) {
            chaining.linkNext();
            linkPending = false;
        }
    }

    private void requireChaining(String op) {
        if (chaining == null) {
            throw new UnsupportedOperationException("IoContext." + op + " needs the uring engine; this context runs on "
                    + queue.engineName());
        }
    }

    // ---- registration (io_uring) ----

    public boolean supportsRegistration() {
        return fixed != null;
    }

    /** Registers {@code count} jaio buffers, the i-th {@code buffer.apply(i)}, pinned until unregistered. */
    public void registerBuffers(int count, IntFunction<MemorySegment> buffer) throws IOException {
        requireRegistration("registerBuffers");
        unregisterBuffers();
        PinnedMemory[] pinned = new PinnedMemory[count];
        MemorySegment[] segments = new MemorySegment[count];
        try {
            for (int i = 0; i < count; i++) {
                segments[i] = buffer.apply(i);
                pinned[i] = PinnedMemory.pin(segments[i], "registerBuffers", null, -1, -1);
            }
        } catch (RuntimeException e) {
            PinnedMemory.unpinAll(pinned);
            throw e;
        }
        long rc = fixed.registerBuffers(segments);
        if (rc < 0) {
            PinnedMemory.unpinAll(pinned);
            throw new IOException("io_uring_register(BUFFERS) of " + count + " buffers failed: "
                    + Errno.describe((int) -rc) + (rc == -Errno.ENOMEM ? "; raise the locked-memory limit (ulimit -l)" : ""));
        }
        registeredBuffers = pinned;
    }

    public void unregisterBuffers() throws IOException {
        requireRegistration("unregisterBuffers");
        if (registeredBuffers.length == 0) {
            return;
        }
        long rc = fixed.unregisterBuffers();
        PinnedMemory.unpinAll(registeredBuffers);
        registeredBuffers = NO_BUFFERS;
        if (rc < 0) {
            throw new IOException("io_uring_register(UNREGISTER_BUFFERS) failed: " + Errno.describe((int) -rc));
        }
    }

    /** Registers the descriptors of {@code count} files, the i-th {@code file.apply(i)}. */
    public void registerFiles(int count, IntFunction<OpenFile> file) throws IOException {
        requireRegistration("registerFiles");
        unregisterFiles();
        OpenFile[] files = new OpenFile[count];
        int[] fds = new int[count];
        for (int i = 0; i < count; i++) {
            files[i] = file.apply(i);
            if (files[i].isClosed()) {
                throw new IllegalStateException("registerFiles " + files[i].path() + ": the file is closed");
            }
            fds[i] = files[i].fd();
        }
        long rc = fixed.registerFiles(fds);
        if (rc < 0) {
            throw new IOException("io_uring_register(FILES) of " + files.length + " files failed: "
                    + Errno.describe((int) -rc));
        }
        registeredFiles = files;
    }

    public void unregisterFiles() throws IOException {
        requireRegistration("unregisterFiles");
        if (registeredFiles.length == 0) {
            return;
        }
        long rc = fixed.unregisterFiles();
        registeredFiles = NO_FILES;
        if (rc < 0) {
            throw new IOException("io_uring_register(UNREGISTER_FILES) failed: " + Errno.describe((int) -rc));
        }
    }

    private void requireRegistration(String op) {
        if (fixed == null) {
            throw new UnsupportedOperationException("IoContext." + op + " needs the uring engine; this context runs on "
                    + queue.engineName());
        }
    }

    // ---- submit and reap ----

    /** io_submit: the cached requests' first iterations, then one system call for the rest. */
    public int submit() {
        requireOpen("submit");
        stampPrepared();
        int before = queue.unsubmitted();
        int cachedCount = cached.submitPrepared();
        // The caller's requests and the page reads just prepared go to the kernel together.
        int accepted = queue.submit();
        return Math.min(before, accepted) + cachedCount;
    }

    /**
     * The requests prepared since the last stamp go to the kernel now, by {@link #submit} or by
     * the wait of {@link #getEvents} (on io_uring, entering the kernel to wait submits what is
     * prepared): their latency and their JFR events start here, and they count as submitted.
     */
    private void stampPrepared() {
        if (preparedCount == 0) {
            return;
        }
        long now = System.nanoTime();
        int toKernel = 0;
        for (int i = 0; i < preparedCount; i++) {
            int s = prepared[i];
            if (files[s] == null || stamped[s]) {
                continue; // already completed, or listed twice (its slot came back and was taken again)
            }
            submittedAt[s] = now;
            stamped[s] = true;
            if (kernel[s] != 0) {
                toKernel++;
            }
            Jfr.restart(events[s]);
        }
        preparedCount = 0;
        stats.submitted(toKernel);
    }

    /** io_getevents: a negative {@code timeout} waits without limit. */
    public int getEvents(int min, int max, long timeout, TimeUnit unit, CompletionHandler handler) {
        requireOpen("getEvents");
        if (min < 0 || max < 1 || min > max) {
            throw new IllegalArgumentException("getEvents needs 0 <= min <= max and max >= 1, got min " + min
                    + ", max " + max);
        }
        long nanos = timeout < 0 ? -1 : unit.toNanos(timeout);
        stampPrepared(); // what the wait may submit
        this.handler = handler;
        try {
            if (cached.inFlight() == 0 && device.outstanding() == 0) {
                return queue.reap(min, max, nanos, sink);
            }
            return getEventsWithCached(min, max, nanos);
        } finally {
            this.handler = null;
        }
    }

    private int getEventsWithCached(int min, int max, long nanos) {
        long deadline = nanos < 0 ? Long.MAX_VALUE : System.nanoTime() + nanos;
        delivered = 0;
        while (true) {
            // Kernel completions first: page reads of cached requests make their retries due.
            if (queue.outstanding() > 0) {
                queue.reap(0, max - delivered, 0, sink);
            }
            if (delivered < max) {
                // counts itself in delivered, through onCompletion
                cached.deliver(max - delivered, min - delivered, sink);
            }
            int n = delivered;
            if (n >= min || n >= max) {
                return n;
            }
            long left = deadline == Long.MAX_VALUE ? -1 : deadline - System.nanoTime();
            if (left == 0 || left < -1) {
                return n;
            }
            if (cached.hasBacklog()) {
                continue; // retries still to run: no waiting
            }
            if (queue.outstanding() - queue.unsubmitted() > 0) {
                // Wait in the kernel; other threads' wakeups (pages the engine read) are polled
                // at least every 200 us.
                queue.reap(1, max - n, left < 0 ? 200_000 : Math.min(left, 200_000), sink);
            } else {
                cached.park(left, min - n);
            }
        }
    }

    private void onCompletion(long slotData, long result) {
        if ((slotData & DeviceQueue.DEVICE) != 0) {
            device.complete(slotData, result); // unlocks the pages; the retries it makes due run in getEvents
            return;
        }
        delivered++;
        int slot = (int) slotData;
        long cookie = userData[slot];
        OpenFile file = files[slot];
        PinnedMemory pin = pins[slot];
        Object event = events[slot];
        files[slot] = null;
        pins[slot] = null;
        events[slot] = null;
        if (unbound[slot]) {
            unbound[slot] = false;
            unboundOutstanding--;
        }
        slots.release(slot);
        if (pin != null) {
            pin.unpin();
        }
        if (kernel[slot] != 0 && !(closed && !stamped[slot] && result == -Errno.ECANCELED)) {
            if (!stamped[slot]) {
                // A wait inside getEvents submitted it after a callback prepared it: it went to the
                // kernel all the same; its latency runs from its prepare.
                stats.submitted(1);
            }
            stats.completed(result, System.nanoTime() - submittedAt[slot], kernel[slot] == KERNEL_TRANSFER);
        }
        kernel[slot] = 0;
        stamped[slot] = true; // nothing left for a stamp to count
        if (event != null) {
            Jfr.end(event, file == null ? null : file.path(), queue.engineName(),
                    file == null ? null : file.jfrMode(), result, result < 0 ? Errno.describe((int) -result) : null);
        }
        if (file != null) {
            if (writeLength[slot] > 0) {
                FileCache gate = writeGate[slot];
                long length = writeLength[slot];
                writeGate[slot] = null;
                writeLength[slot] = 0;
                try {
                    file.coherence().afterUncachedWrite(gate, writePosition[slot], length, result);
                } finally {
                    Coherence.abandon(gate); // the write ended: the gate is left
                }
            }
            file.endOp();
        }
        if (handler != null) {
            handler.onCompletion(cookie, result);
        }
    }

    // ---- owner and close ----

    /** Makes {@code t} the owner unless a live thread owns the context; returns the owner. */
    public synchronized Thread adopt(Thread t) {
        Thread o = owner;
        if (o == null || !o.isAlive()) {
            owner = t;
            return t;
        }
        return o;
    }

    /** The current owner thread (null before the first call), read without locking. */
    public Thread owner() {
        return owner;
    }

    private void requireOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": the IoContext is closed");
        }
    }

    /** Whether an open context of the calling thread carries unreaped page I/O of {@code file}'s pages [first, last]. */
    public static boolean thisThreadOwesPageIo(FileCache file, long first, long last, boolean writesOnly) {
        Thread me = Thread.currentThread();
        for (Kioctx c : OPEN) {
            if (c.owner == me && !c.closed && c.device.covers(file, first, last, writesOnly)) {
                return true;
            }
        }
        return false;
    }

    /** Closes contexts whose owner thread died: nobody else would reap their requests. */
    public static void closeAbandoned() {
        for (Kioctx c : OPEN) {
            Thread o = c.owner;
            if (o != null && !o.isAlive() && c.adopt(Thread.currentThread()) == Thread.currentThread()) {
                c.close();
            }
        }
    }

    /** Closes the context on its owner thread (see {@code IoContext.close()}). */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        device.close();
        OPEN.remove(this);
        this.handler = null;
        // Never-submitted requests first: on io_uring the waits below enter the kernel, which would
        // submit them on the way. Each completes with -ECANCELED, which releases its file and buffer
        // (a page read or write of a submitted cached request goes to the engine instead).
        queue.cancelUnsubmitted();
        // Reap what the kernel finishes so files and buffers are released and page I/O unlocks its
        // pages. Timers and cancels are not waited for (a timeout may be an hour away): the queue's
        // close cancels what is left of them.
        while (queue.outstanding() > unboundOutstanding) {
            queue.reap(1, depth, -1, sink);
        }
        queue.close();
        queueClosed = true; // its rings are unmapped: nothing may touch the queue from here on
        cached.queueClosed();
        // Cached requests in flight copy into their buffers until they finish: wait for them.
        while (cached.inFlight() > 0) {
            if (cached.deliver(depth, Integer.MAX_VALUE, sink) == 0 && !cached.hasBacklog()) {
                cached.park(-1, 1);
            }
        }
        cached.dropPrepared();
        device.free();
        PinnedMemory.unpinAll(registeredBuffers);
        registeredBuffers = NO_BUFFERS;
        registeredFiles = NO_FILES;
        // What is left never completed here: cached requests never submitted, timers the queue's
        // close cancelled. Their slots come back too, so outstanding() reads 0.
        for (int i = 0; i < depth; i++) {
            if (files[i] != null) {
                events[i] = null; // never submitted: neither counted nor recorded
                if (pins[i] != null) {
                    pins[i].unpin();
                }
                Coherence.abandon(writeGate[i]);
                writeGate[i] = null;
                writeLength[i] = 0;
                files[i].endOp();
                files[i] = null;
                pins[i] = null;
                slots.release(i);
            } else if (unbound[i]) {
                unbound[i] = false;
                slots.release(i);
            }
        }
        unboundOutstanding = 0;
        if (group != null) {
            group.retire(stats); // its counts stay in the engine's
        }
    }
}
