package dev.jaio.internal.file;

import dev.jaio.FileAdvice;
import dev.jaio.FileOption;
import dev.jaio.IoFlags;
import dev.jaio.internal.cache.CacheHandle;
import dev.jaio.internal.cache.CachedRead;
import dev.jaio.internal.cache.CachedWrite;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.cache.PageFrames;
import dev.jaio.internal.cache.RangeSync;
import dev.jaio.internal.engine.IoOp;
import dev.jaio.internal.linux.Rwf;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * I/O through jaio's page cache (§3-§7 of the paper): reads are {@link CachedRead}s, writes
 * {@link CachedWrite}s and syncs {@link RangeSync}s, each reporting to the {@link CachedFuture}
 * its caller gets. On a file system that cannot reserve blocks (no fallocate), writes go through
 * the kernel's buffered pwrite instead ({@link KernelIo}), coherent with the cache, so that they
 * fail at write time with exactly what they wrote.
 */
final class CachedIo implements FileBackend {

    private static final int PAGE = PageFrames.PAGE_SIZE;
    /** Longest read the cached-hit fast path tries: 16 pages (a longer read's cost is its copy). */
    private static final long HITS_MAX = 16L * PAGE;

    private final OpenFile file;
    private final CacheHandle handle;
    private final KernelIo kernel;

    CachedIo(OpenFile file, CacheHandle handle, KernelIo kernel) {
        this.file = file;
        this.handle = handle;
        this.kernel = kernel;
    }

    @Override
    public <T> CompletableFuture<T> single(int opcode, MemorySegment seg, long position, int ioFlags,
            ByteBuffer advance, ResultKind kind) {
        String op = FileOp.operationName(opcode);
        if (opcode == IoOp.READ) {
            return read(op, seg, null, position, seg.byteSize(), ioFlags, advance, kind);
        }
        if (writesThroughKernel(ioFlags)) {
            return kernel.single(opcode, seg, position, ioFlags, advance, kind);
        }
        return write(op, seg, null, position, seg.byteSize(), ioFlags, advance, kind);
    }

    @Override
    public CompletableFuture<Long> vectored(int opcode, MemorySegment[] segs, long position, long total,
            int ioFlags) {
        String op = FileOp.operationName(opcode);
        if (opcode == IoOp.READV) {
            return read(op, null, segs, position, total, ioFlags, null, ResultKind.LONG);
        }
        if (writesThroughKernel(ioFlags)) {
            return kernel.vectored(opcode, segs, position, total, ioFlags);
        }
        return write(op, null, segs, position, total, ioFlags, null, ResultKind.LONG);
    }

    @Override
    public CompletableFuture<Void> sync(int opcode) {
        String op = FileOp.operationName(opcode);
        CompletableFuture<Void> refused = refuse(op, -1, -1);
        if (refused != null) {
            return refused;
        }
        CachedFuture<Void> future = new CachedFuture<>(file, op, -1, -1, ResultKind.VOID, null, null);
        RangeSync.ofFile(handle, opcode == IoOp.FDATASYNC, future).start();
        return future;
    }

    /**
     * The close sync of the last writable handle of the file, when the file has dirty pages: an
     * fdatasync whose end counts it out of the file (and so closes the descriptors). False when
     * none is needed.
     */
    boolean startCloseSync() {
        FileCache f = handle.file();
        f.removeWriter(handle);
        if (f.hasWriters() || !f.hasDirtyPages()) {
            return false;
        }
        file.retain();
        RangeSync.ofFile(handle, true, new CachedFuture<Void>(file, "close", -1, -1, ResultKind.VOID, null, null))
                .start();
        return true;
    }

    /** A read that {@link #readNow} declined, as a request with no second hit try (nor count). */
    CompletableFuture<Integer> readUntried(MemorySegment seg, long position) {
        return read("pread", seg, null, position, seg.byteSize(), 0, null, ResultKind.INT, false);
    }

    private <T> CompletableFuture<T> read(String op, MemorySegment dst, MemorySegment[] dsts, long position,
            long length, int ioFlags, ByteBuffer advance, ResultKind kind) {
        return read(op, dst, dsts, position, length, ioFlags, advance, kind, true);
    }

    private <T> CompletableFuture<T> read(String op, MemorySegment dst, MemorySegment[] dsts, long position,
            long length, int ioFlags, ByteBuffer advance, ResultKind kind, boolean tryHits) {
        CompletableFuture<T> refused = refuse(op, position, length);
        if (refused != null) {
            return refused;
        }
        if (tryHits && dst != null && length <= HITS_MAX) {
            FastPathCounters fp = file.engine().fastPaths();
            if (fp.policy().cachedHits()) {
                CompletableFuture<T> hit = tryHits(fp, op, dst, position, length, advance, kind);
                if (hit != null) {
                    return hit;
                }
            }
        }
        PinnedMemory[] pins = pinAllOrEnd(dst, dsts, op, position, length);
        CachedFuture<T> future = new CachedFuture<>(file, op, position, length, kind, pins, advance);
        new CachedRead(handle, dst, dsts, position, length, (ioFlags & IoFlags.NOWAIT) != 0, future).start();
        return future;
    }

    /**
     * The cached-hit fast path without a future ({@link FileBackend#readNow}): the count when all
     * the read's pages are uptodate and it was copied on the calling thread, else {@link #NOT_DONE}
     * (not all hits, the file closed, the fast path off, more than {@link #HITS_MAX} bytes, a
     * mapped destination, whose page faults may wait for a disk, or the copy failed: the request
     * then goes its own way, which says what went wrong). Heap memory is copied into as native is.
     * A miss starts nothing: no readahead, no page allocated. Allocates nothing.
     */
    @Override
    public long readNow(MemorySegment seg, long position) {
        long length = seg.byteSize();
        if (length > HITS_MAX || seg.isMapped()) {
            return NOT_DONE;
        }
        FastPathCounters fp = file.engine().fastPaths();
        if (!fp.policy().cachedHits() || !file.begin()) {
            return NOT_DONE;
        }
        try {
            long n = copyHits(fp, "pread", seg, position, length);
            return n < 0 ? NOT_DONE : n;
        } catch (RuntimeException e) {
            // A closed IoBuffer or freed memory: the request's own way meets the same and reports it.
            fp.cachedFallbacks.increment();
            return NOT_DONE;
        } finally {
            file.endOp();
        }
    }

    /**
     * The cached-hit fast path: the read copied on the calling thread when all its pages are
     * uptodate ({@link CachedRead#tryHits}); its future is returned done. Null when it is not all
     * hits, or the copy failed (the request's own way then reports it): the request stays counted
     * in and goes the retry-based way.
     */
    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> tryHits(FastPathCounters fp, String op, MemorySegment dst, long position,
            long length, ByteBuffer advance, ResultKind kind) {
        long n;
        try {
            n = copyHits(fp, op, dst, position, length);
        } catch (RuntimeException e) {
            file.endOp(); // a closed IoBuffer: refused on the calling thread, as the request's own way refuses it
            throw e;
        }
        if (n < 0) {
            return null;
        }
        if (advance != null) {
            advance.position(advance.position() + (int) n);
        }
        file.endOp();
        return new DoneFuture<>(file, op, position, length, (T) kind.value(n, position));
    }

    /**
     * Copies the read on the calling thread when its pages are all uptodate
     * ({@link CachedRead#tryHits}), its native memory pinned meanwhile, and counts it a hit or a
     * fallback: the count, or -1 when it is not all hits or the copy failed (the destination's
     * memory went, closed or shorter than its checks saw: the request's own way meets the same and
     * reports it, naming the request). Throws what pinning throws (a closed IoBuffer).
     */
    private long copyHits(FastPathCounters fp, String op, MemorySegment dst, long position, long length) {
        PinnedMemory pin = dst.isNative() ? PinnedMemory.pin(dst, op, file.path(), position, length) : null;
        long n;
        try {
            n = CachedRead.tryHits(handle, dst, position, length);
        } catch (IllegalStateException | IndexOutOfBoundsException e) {
            n = -1;
        } finally {
            if (pin != null) {
                pin.unpin();
            }
        }
        (n < 0 ? fp.cachedFallbacks : fp.cachedHits).increment();
        return n;
    }

    private <T> CompletableFuture<T> write(String op, MemorySegment src, MemorySegment[] srcs, long position,
            long length, int ioFlags, ByteBuffer advance, ResultKind kind) {
        if ((ioFlags & IoFlags.NOWAIT) != 0) {
            throw new IllegalArgumentException(op + " " + file.path()
                    + ": NOWAIT writes are not supported on CACHED files");
        }
        CompletableFuture<T> refused = refuse(op, position, length);
        if (refused != null) {
            return refused;
        }
        PinnedMemory[] pins = pinAllOrEnd(src, srcs, op, position, length);
        CachedFuture<T> future = new CachedFuture<>(file, op, position, length, kind, pins, advance);
        new CachedWrite(handle, src, srcs, position, length, syncFlags(ioFlags), future).start();
        return future;
    }

    /**
     * Whether a write with {@code ioFlags} goes through the kernel's buffered pwrite: the file
     * system cannot reserve blocks (probed once per file, on an open descriptor).
     */
    boolean writesThroughKernel(int ioFlags) {
        if ((ioFlags & IoFlags.NOWAIT) != 0) {
            return false; // refused by write, with its message
        }
        FileCache fc = handle.file();
        if (fc.reserveProbed()) {
            return fc.writesThroughKernel(handle); // known: no system call, no operation count
        }
        if (!file.begin()) {
            return false; // closed: write refuses it, with its message
        }
        try {
            return fc.writesThroughKernel(handle); // the probe, on an open descriptor only
        } finally {
            file.endOp();
        }
    }

    /** RWF_SYNC or RWF_DSYNC for a write with {@code ioFlags} on this file, or 0. */
    int syncFlags(int ioFlags) {
        if (file.options().contains(FileOption.SYNC) || (ioFlags & IoFlags.SYNC) != 0) {
            return Rwf.RWF_SYNC;
        }
        if (file.options().contains(FileOption.DSYNC) || (ioFlags & IoFlags.DSYNC) != 0) {
            return Rwf.RWF_DSYNC;
        }
        return 0;
    }

    @Override
    public void advise(long offset, long length, FileAdvice advice) {
        long first = offset / PAGE;
        long last = length == 0 ? Long.MAX_VALUE : (offset + length - 1) / PAGE;
        switch (advice) {
            case DONTNEED -> handle.file().dropIdle(first, last);
            case RANDOM -> handle.setRandomAccess(true);
            case SEQUENTIAL -> {
                handle.setRandomAccess(false);
                handle.setSequentialAccess(true);
            }
            case NORMAL -> {
                handle.setRandomAccess(false);
                handle.setSequentialAccess(false);
            }
            case WILLNEED -> {
                long size = handle.file().size();
                long end = length == 0 ? size : Math.min(size, offset + length);
                if (end > offset) {
                    long lastPage = (end - 1) / PAGE;
                    // Asynchronous, as the kernel's: the pages are read while this returns.
                    handle.file().startRead(handle, first, lastPage - first + 1, -1, true);
                }
            }
            case NOREUSE -> {
            }
        }
    }

    /** Counts the request in; a refusal (closed file or engine) as a failed future, else null. */
    private <T> CompletableFuture<T> refuse(String op, long position, long length) {
        if (!file.begin()) {
            // Closed, or its engine closing or closed: begin refuses both, and refused names which.
            return CompletableFuture.failedFuture(file.refused(op, position, length));
        }
        return null;
    }

    /** Pins the jaio buffers among the request's memory (null if none); a refusal counts the request out. */
    private PinnedMemory[] pinAllOrEnd(MemorySegment one, MemorySegment[] many, String op, long position,
            long length) {
        PinnedMemory[] pins = null;
        try {
            if (one != null) {
                PinnedMemory m = one.isNative() ? PinnedMemory.pin(one, op, file.path(), position, length) : null;
                return m == null ? null : new PinnedMemory[] {m};
            }
            for (int i = 0; i < many.length; i++) {
                PinnedMemory m = PinnedMemory.pin(many[i], op, file.path(), position, length);
                if (m != null) {
                    if (pins == null) {
                        pins = new PinnedMemory[many.length];
                    }
                    pins[i] = m;
                }
            }
            return pins;
        } catch (RuntimeException e) {
            PinnedMemory.unpinAll(pins);
            file.endOp();
            throw e;
        }
    }
}
