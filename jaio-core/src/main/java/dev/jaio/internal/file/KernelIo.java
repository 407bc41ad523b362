package dev.jaio.internal.file;

import dev.jaio.FileAdvice;
import dev.jaio.IoFlags;
import dev.jaio.IoOperationException;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Iovec;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Rwf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * I/O through the kernel: O_DIRECT, or the kernel's own page cache. Each request is a
 * {@link FileOp} on the engine's event loop (io_uring, native AIO or the thread pool), made
 * coherent with jaio's cache of the same file by {@link Coherence}. Heap memory goes through a
 * native bounce buffer; jaio buffers are pinned until the kernel is done with them.
 */
final class KernelIo implements FileBackend {

    /** What a file's NOWAIT tries met: not yet known, taken, or refused by its file system (EOPNOTSUPP). */
    private static final int UNKNOWN = 0;
    private static final int TAKEN = 1;
    private static final int REFUSED = 2;
    /** Flags a try leaves to the engine: the caller's own NOWAIT (its EAGAIN is the answer) and polled I/O. */
    private static final int NOT_TRIED = IoFlags.NOWAIT | IoFlags.HIPRI;

    /** A try's count when it did nothing on the calling thread: the request goes to the engine whole. */
    private static final long NOT_DONE = -1;
    /** A try's count when the file was closed: the engine's way refuses the request, with its message. */
    private static final long CLOSED = -2;
    /** {@link FileBackend#NOT_DONE}: what {@link #readNow} returns when it did nothing. */
    private static final long NOT_DONE_NOW = FileBackend.NOT_DONE;
    /** Set in a try's count when the read reached the end of the file: the count is the whole answer. */
    private static final long END_OF_FILE = 1L << 62;

    /** Largest back-off: after a run of tries that would block, 1 read in this many is tried. */
    private static final int BACKOFF_MAX = 64;

    static {
        // Made on the thread that opens the first file, not by the first of many virtual threads
        // that read it at once: the others would wait for the class initialization, pinned.
        Libc.linkRequestPath();
        // The JDK initializes its buffer scopes at the first MemorySegment.ofBuffer, and a pin
        // resolves the Scope classes at its first call: both done here once.
        PinnedMemory warm = PinnedMemory.pin(MemorySegment.ofBuffer(ByteBuffer.allocateDirect(1)), "pread", null, 0, 1);
        if (warm != null) {
            warm.unpin();
        }
        try {
            for (Class<?> c : new Class<?>[] {PinnedMemory.class, ResultKind.class, IoFlags.class, FileCache.class,
                    dev.jaio.internal.cache.PageCache.class, DoneFuture.class, FileOp.class}) {
                java.lang.invoke.MethodHandles.lookup().ensureInitialized(c);
            }
            // What the first waits load: the nodes a waiter of Admission's semaphore queues on, the
            // record of a thread waiting for a future, and a counter cell at the first contention.
            for (String name : new String[] {"java.util.concurrent.locks.AbstractQueuedSynchronizer$SharedNode",
                    "java.util.concurrent.locks.AbstractQueuedSynchronizer$ExclusiveNode",
                    "java.util.concurrent.CompletableFuture$Signaller", "java.util.concurrent.ForkJoinPool$ManagedBlocker",
                    "java.util.concurrent.atomic.Striped64$Cell"}) {
                try {
                    Class.forName(name, true, KernelIo.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    // another JDK's internals: only a warm-up is lost
                }
            }
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
        warmCounters();
    }

    /**
     * Links the call sites of the counters every read updates ({@link FastPathCounters}): the first
     * {@code LongAdder.increment} links its VarHandle call site, and the first contended one links
     * those of {@code Striped64.longAccumulate}; a virtual thread that waits for another's linking
     * pins its carrier. Two threads add 50,000 each at once, which on two or more cores contends
     * (about a millisecond, once per JVM); on one core it may not: a warm-up, best effort.
     */
    private static void warmCounters() {
        java.util.concurrent.atomic.LongAdder adder = new java.util.concurrent.atomic.LongAdder();
        adder.increment();
        adder.add(2);
        adder.sum();
        adder.reset();
        // Not a lambda: a lambda's body is a method of this class, which the other thread could not
        // run until this class's initialization, which waits for that thread, had finished.
        CounterWarmUp warmUp = new CounterWarmUp(adder);
        Thread other = Thread.ofPlatform().daemon().name("jaio-warm-up").start(warmUp);
        warmUp.run();
        try {
            other.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Adds to a counter many times; a class of its own (see {@link #warmCounters}). */
    private record CounterWarmUp(java.util.concurrent.atomic.LongAdder adder) implements Runnable {
        @Override
        public void run() {
            for (int i = 0; i < 50_000; i++) {
                adder.increment();
            }
        }
    }

    private final OpenFile file;

    /** Whether the file system took RWF_NOWAIT reads and writes of this file; set by the first failed try. */
    private volatile int nowaitReads = UNKNOWN;
    private volatile int nowaitWrites = UNKNOWN;
    /*
     * Read back-off. A try of a page the kernel does not hold is not free: it starts the page's
     * readahead on the calling thread and fails with EAGAIN, 70-150 us on the development VM, that
     * the engine would otherwise spend. After a try that would block, the next readBackoff reads go
     * to the engine untried (doubling, up to BACKOFF_MAX, while tries keep blocking; a try that
     * copies halves it), so a cold random workload pays for about one try in 64 reads and a warm
     * one tries every read. Halving, not resetting: with a reset, each chance hit of a cold
     * workload (a block read twice) cost the next seven reads a failed try (1, 2, 4, ... 64), 14%
     * of its throughput with 10,000 virtual threads on a 4 GiB file (bench --vs=jdk vthreads-cold).
     * A heuristic: plain fields, racy updates from many threads only change which reads are tried.
     */
    private int readBackoff;
    private int readsToSkip;

    KernelIo(OpenFile file) {
        this.file = file;
    }

    @Override
    public <T> CompletableFuture<T> single(int opcode, MemorySegment seg, long position, int ioFlags,
            ByteBuffer advance, ResultKind kind) {
        boolean isRead = opcode == IoOp.READ;
        if (seg.isNative() && !seg.isMapped() && !file.isDirect() && (ioFlags & NOT_TRIED) == 0) {
            FastPathCounters fp = file.engine().fastPaths();
            if (isRead && fp.policy().nowaitReads() && nowaitReads != REFUSED && readsToSkip > 0) {
                readsToSkip--;
                fp.nowaitReadsSkipped.increment();
            } else if (isRead ? fp.policy().nowaitReads() && nowaitReads != REFUSED
                    : fp.policy().nowaitWrites() && nowaitWrites != REFUSED && file.kernelWriteMayTry(ioFlags)) {
                CompletableFuture<T> f = tryFirst(fp, opcode, seg, position, ioFlags, advance, kind);
                if (f != null) {
                    return f;
                }
            }
        }
        return submit(opcode, seg, position, ioFlags, advance, 0, kind);
    }

    /** A read that {@link #readNow} declined, to the engine with no second try. */
    CompletableFuture<Integer> submitUntried(MemorySegment seg, long position) {
        return submit(IoOp.READ, seg, position, 0, null, 0, ResultKind.INT);
    }

    @Override
    public long readNow(MemorySegment seg, long position) {
        if (!seg.isNative() || seg.isMapped() || file.isDirect()) {
            return NOT_DONE_NOW;
        }
        FastPathCounters fp = file.engine().fastPaths();
        if (!fp.policy().nowaitReads() || nowaitReads == REFUSED) {
            return NOT_DONE_NOW;
        }
        if (readsToSkip > 0) {
            readsToSkip--;
            fp.nowaitReadsSkipped.increment();
            return NOT_DONE_NOW;
        }
        FileCache fc = file.coherence().cache();
        if (fc != null && fc.mayHoldUnwrittenData()) {
            return NOT_DONE_NOW; // dirty pages are written back first: the engine's way
        }
        long done = tryPinned(fp, IoOp.READ, seg, position, 0);
        if (done == NOT_DONE || done == CLOSED) {
            return NOT_DONE_NOW; // would block (counted, backed off), or closed: the request's way says so
        }
        if ((done & END_OF_FILE) == 0 && done < seg.byteSize()) {
            // Part of it: a blocking read of a regular file returns all of it unless the file
            // ends (code counts on that), so the request goes the whole way to the engine, and
            // the read that follows (the caller's request of it) goes there untried: the kernel's
            // readahead of the rest is under way.
            fp.nowaitReadsPartial.increment();
            if (readsToSkip == 0) {
                readsToSkip = 1;
            }
            return NOT_DONE_NOW;
        }
        fp.nowaitReads.increment();
        return done & ~END_OF_FILE;
    }

    /**
     * The §2.2 try: the request is done on the calling thread with RWF_NOWAIT as far as the
     * kernel's page cache allows it; what is left goes to the engine. Returns null when nothing was
     * done (the caller submits the request whole), else the request's future: done, or the rest's.
     */
    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> tryFirst(FastPathCounters fp, int opcode, MemorySegment seg, long position,
            int ioFlags, ByteBuffer advance, ResultKind kind) {
        boolean isRead = opcode == IoOp.READ;
        FileCache fc = file.coherence().cache();
        if (fc != null && (!isRead || fc.mayHoldUnwrittenData())) {
            // jaio's cache holds the file: a read writes its dirty pages back first, a write takes
            // its write gate. Both are the engine's way (Coherence.dispatch).
            return null;
        }
        long length = seg.byteSize();
        long done = tryPinned(fp, opcode, seg, position, ioFlags);
        if (done == NOT_DONE || done == CLOSED) {
            return null; // would block (counted), or closed: the engine's way refuses it, with its message
        }
        boolean whole = done == length || isRead && (done & END_OF_FILE) != 0;
        done &= ~END_OF_FILE;
        if (!isRead) {
            // As the engine's path does after any kernel write: a CACHED handle opened on the
            // file while the try ran may have read the range, and its size must grow.
            file.coherence().afterUncachedWrite(null, position, length, done);
        }
        if (whole) {
            (isRead ? fp.nowaitReads : fp.nowaitWrites).increment();
            if (advance != null) {
                advance.position(advance.position() + (int) done);
            }
            return new DoneFuture<>(file, FileOp.operationName(opcode), position, length,
                    (T) kind.value(done, position));
        }
        (isRead ? fp.nowaitReadsPartial : fp.nowaitWritesPartial).increment();
        return submit(opcode, seg, position, ioFlags, advance, done, kind);
    }

    /**
     * One try on the calling thread, the memory pinned and the file's operation counted while it
     * runs: the count (with {@link #END_OF_FILE} for a read that reached it), {@link #NOT_DONE} when
     * the kernel would wait (counted as blocked; a read backs off), {@link #CLOSED} when the file is
     * closed. A read that copied halves the back-off.
     */
    private long tryPinned(FastPathCounters fp, int opcode, MemorySegment seg, long position, int ioFlags) {
        boolean isRead = opcode == IoOp.READ;
        if (!file.begin()) {
            return CLOSED;
        }
        long done;
        try {
            PinnedMemory pin = PinnedMemory.pin(seg, FileOp.operationName(opcode), file.path(), position,
                    seg.byteSize());
            try {
                done = isRead ? tryRead(seg, position, ioFlags) : tryWrite(seg, position, ioFlags);
            } finally {
                if (pin != null) {
                    pin.unpin();
                }
            }
        } finally {
            file.endOp();
        }
        if (done == NOT_DONE) {
            if (isRead) {
                readBackoff = Math.min(BACKOFF_MAX, Math.max(1, 2 * readBackoff));
                readsToSkip = readBackoff;
                fp.nowaitReadsBlocked.increment();
            } else {
                fp.nowaitWritesBlocked.increment();
            }
        } else if (isRead && readBackoff != 0) {
            readBackoff >>= 1;
        }
        return done;
    }

    /**
     * Reads with RWF_NOWAIT until the range is copied, the file ends (the count with
     * {@link #END_OF_FILE}) or the kernel would wait (the count so far; {@link #NOT_DONE} if 0).
     */
    private long tryRead(MemorySegment seg, long position, int ioFlags) {
        long length = seg.byteSize();
        long done = 0;
        while (done < length) {
            MemorySegment part = done == 0 ? seg : seg.asSlice(done);
            long r = Libc.preadv2Try(file.fd(), part, position + done, ioFlags | Rwf.RWF_NOWAIT);
            if (r < 0 && nowaitReads == UNKNOWN) {
                r = learn(true, part, position + done, ioFlags);
            }
            if (r > 0) {
                done += r;
            } else if (r == 0) {
                return done | END_OF_FILE;
            } else {
                // Missed: a page not in the cache (EAGAIN), whose readahead the try started (sendfile
                // holds back for a while: OpenFile.mayBeReadingPages); or a failure the engine's read reports.
                file.readaheadStarted();
                break;
            }
        }
        return done == 0 && length > 0 ? NOT_DONE : done;
    }

    /** Writes with RWF_NOWAIT until the range is written or the kernel would wait: the count so far. */
    private long tryWrite(MemorySegment seg, long position, int ioFlags) {
        long length = seg.byteSize();
        long done = 0;
        while (done < length) {
            MemorySegment part = done == 0 ? seg : seg.asSlice(done);
            long r = Libc.pwritev2Try(file.fd(), part, position + done, ioFlags | Rwf.RWF_NOWAIT);
            if (r < 0 && nowaitWrites == UNKNOWN) {
                r = learn(false, part, position + done, ioFlags);
            }
            if (r <= 0) {
                break;
            }
            done += r;
        }
        return done == 0 && length > 0 ? NOT_DONE : done;
    }

    /**
     * The first failed try of the file (counted as blocked), repeated with errno capture to learn why: EOPNOTSUPP
     * (ext4's buffered writes, file systems without FMODE_NOWAIT such as tmpfs), EINVAL, ESPIPE
     * (pipes), ENOSYS or EBADF mean that the file's tries stop; anything else (EAGAIN: the data
     * was not ready; a real error, which the engine then reports) that they go on. Returns what
     * the repeat returned (it may now succeed).
     */
    private long learn(boolean read, MemorySegment part, long offset, int ioFlags) {
        long r = read ? Libc.preadv2(file.fd(), one(part), 1, offset, ioFlags | Rwf.RWF_NOWAIT)
                : Libc.pwritev2(file.fd(), one(part), 1, offset, ioFlags | Rwf.RWF_NOWAIT);
        // Only an errno that says NOWAIT (or this call) is not supported for the file stops its
        // tries; any other (EAGAIN, or a real error such as ENOSPC that the engine will report) does not.
        boolean unsupported = r == -Errno.EOPNOTSUPP || r == -Errno.EINVAL || r == -Errno.ESPIPE
                || r == -Errno.ENOSYS || r == -Errno.EBADF;
        if (!unsupported) {
            if (read) {
                nowaitReads = TAKEN;
            } else {
                nowaitWrites = TAKEN;
            }
        } else if (read) {
            nowaitReads = REFUSED;
        } else {
            nowaitWrites = REFUSED;
        }
        return r < 0 ? -1 : r;
    }

    private static MemorySegment one(MemorySegment buf) {
        MemorySegment iov = Arena.ofAuto().allocate(Iovec.IOVEC);
        Iovec.set(iov, 0, buf);
        return iov;
    }

    /** Hands the request to the engine, past the {@code done} bytes a try did on the calling thread. */
    private <T> CompletableFuture<T> submit(int opcode, MemorySegment seg, long position, int ioFlags,
            ByteBuffer advance, long done, ResultKind kind) {
        boolean isRead = opcode == IoOp.READ;
        MemorySegment target = seg;
        MemorySegment readBack = null;
        if (!seg.isNative()) {
            target = bounce(seg, isRead);
            readBack = isRead ? seg : null;
        }
        FileOp<T> f = new FileOp<>(file, opcode, target, null, position, ioFlags, seg.byteSize(), kind);
        f.readInto(readBack).advance(advance);
        if (done > 0) {
            f.startAfter(done);
        }
        String op = FileOp.operationName(opcode);
        // Pinned before the wait for a place: a buffer closed meanwhile stays alive for the request.
        PinnedMemory pin = seg.isNative() ? PinnedMemory.pin(seg, op, file.path(), position, seg.byteSize()) : null;
        f.pin(pin);
        f.admit();
        if (!file.begin()) {
            f.leaveAdmission();
            if (pin != null) {
                pin.unpin();
            }
            return refusedAfter(op, position, seg.byteSize(), done, isRead, advance, kind);
        }
        f.countEngineRead();
        file.coherence().dispatch(f, position, seg.byteSize(), !isRead);
        return f;
    }

    /**
     * The answer to a request refused (its file or engine closed) after a try on the calling
     * thread did {@code done} bytes of it: none, the refusal; for a read, the bytes read, as a
     * pread that copied some returns them; for a write, a failure that says how many bytes were
     * written (they stay written), with the refusal as its cause.
     */
    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> refusedAfter(String op, long position, long length, long done, boolean isRead,
            ByteBuffer advance, ResultKind kind) {
        Exception refusal = file.refused(op, position, length);
        if (done == 0) {
            return CompletableFuture.failedFuture(refusal);
        }
        if (isRead) {
            if (advance != null) {
                advance.position(advance.position() + (int) done);
            }
            return new DoneFuture<>(file, op, position, length, (T) kind.value(done, position));
        }
        IoOperationException e = new IoOperationException(op, file.path(), position, length, Errno.EBADF,
                Errno.name(Errno.EBADF), refusal.getMessage() + ", after the first " + done + " bytes were written",
                done);
        e.initCause(refusal);
        return CompletableFuture.failedFuture(e);
    }

    @Override
    public CompletableFuture<Long> vectored(int opcode, MemorySegment[] segs, long position, long total,
            int ioFlags) {
        String op = FileOp.operationName(opcode);
        PinnedMemory[] pins = new PinnedMemory[segs.length];
        FileOp<Long> f = new FileOp<>(file, opcode, null, segs, position, ioFlags, total, ResultKind.LONG);
        // Pinned before the wait for a place: a buffer closed meanwhile stays alive for the request.
        try {
            for (int i = 0; i < segs.length; i++) {
                pins[i] = PinnedMemory.pin(segs[i], op, file.path(), position, total);
            }
        } catch (RuntimeException e) {
            PinnedMemory.unpinAll(pins);
            throw e;
        }
        f.admit();
        if (!file.begin()) {
            f.leaveAdmission();
            PinnedMemory.unpinAll(pins);
            return CompletableFuture.failedFuture(file.refused(op, position, total));
        }
        f.pins(pins);
        f.countEngineRead();
        file.coherence().dispatch(f, position, total, opcode == IoOp.WRITEV);
        return f;
    }

    @Override
    public CompletableFuture<Void> sync(int opcode) {
        FileOp<Void> f = new FileOp<>(file, opcode, null, null, 0, 0, 0, ResultKind.VOID);
        f.admit();
        if (!file.begin()) {
            f.leaveAdmission();
            return CompletableFuture.failedFuture(file.refused(FileOp.operationName(opcode)));
        }
        file.coherence().dispatchSync(f);
        return f;
    }

    @Override
    public void advise(long offset, long length, FileAdvice advice) {
        // The kernel's posix_fadvise was all of it.
    }

    private MemorySegment bounce(MemorySegment heap, boolean isRead) {
        // The GC frees this once the op, which holds it until completion, is gone.
        MemorySegment nativeCopy = Arena.ofAuto()
                .allocate(Math.max(1, heap.byteSize()), file.alignment().bufferAlignment())
                .asSlice(0, heap.byteSize());
        if (!isRead) {
            MemorySegment.copy(heap, 0, nativeCopy, 0, heap.byteSize());
        }
        return nativeCopy;
    }
}
