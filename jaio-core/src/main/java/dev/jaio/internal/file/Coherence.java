package dev.jaio.internal.file;

import dev.jaio.FileOption;
import dev.jaio.internal.cache.CacheHandle;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.cache.FileStat;
import dev.jaio.internal.cache.PageCache;
import dev.jaio.internal.cache.PageFrames;
import dev.jaio.internal.linux.Errno;
import java.io.UncheckedIOException;

/**
 * Keeps kernel I/O of a handle (direct, or buffered through the kernel's page cache) coherent with
 * jaio's cache of the same file, as the kernel keeps O_DIRECT coherent with its own page cache
 * (§4 of the paper; filemap_write_and_wait_range and invalidate_inode_pages2_range around
 * generic_file_direct_write):
 *
 * <ul>
 *   <li>before a kernel read, the range's dirty pages are written back (the device must hold what
 *       the cache does);
 *   <li>a kernel write holds the file's write gate from before its writeback to its completion, so
 *       that no cached write copies into the range meanwhile; the range is written back, its clean
 *       pages dropped, and dropped again after the write, which also raises the cache's size;
 *   <li>a write whose range stays dirty after the writeback (it failed) is refused with EIO:
 *       dropping those pages would lose their other bytes, as the kernel refuses too.
 * </ul>
 *
 * <p>The cache is this handle's own (a CACHED handle writing through the kernel), or that of the
 * CACHED handles of the same file (by its statx identity) on any engine of the JVM: a file has one
 * cache in the JVM ({@link PageCache#lookupInJvm}), so a handle of one engine sees what a CACHED
 * handle of another wrote, as kernel handles see each other's writes through the one page cache of
 * the inode.
 */
public final class Coherence {

    private static final int PAGE = PageFrames.PAGE_SIZE;

    private final OpenFile file;
    /** The handle's own cache handle (CACHED), else null. */
    private final CacheHandle handle;
    /** The file's statx identity for a handle that is not CACHED, to find it in jaio's cache; null if unknown. */
    private final FileStat.Identity identity;
    /**
     * Whether the handle's writes are O_APPEND: the kernel writes them at the end of the file on
     * disk, wherever their offset says, so every dirty page must reach the disk first (else the
     * append lands under pages the cache still holds dirty, and their writeback overwrites it).
     */
    private final boolean append;

    Coherence(OpenFile file, CacheHandle handle, FileStat.Identity identity) {
        this.file = file;
        this.handle = handle;
        this.identity = identity;
        this.append = file.options().contains(FileOption.APPEND);
    }

    /** jaio's cache of the file in the JVM (whatever engine's), or null when no CACHED handle has it open. */
    public FileCache cache() {
        if (handle != null) {
            return handle.file();
        }
        return identity == null ? null : PageCache.lookupInJvm(identity);
    }

    /** Hands a kernel read or write of [position, position + length) to the engine, coherent with the cache. */
    void dispatch(FileOp<?> f, long position, long length, boolean write) {
        FileEngine engine = file.engine();
        FileCache fc = cache();
        if (fc == null || length <= 0) {
            engine.execute(f);
            return;
        }
        // An O_APPEND write: the whole file written back, dropped from the end that leaves (appendFrom).
        long first = write && append ? 0 : position / PAGE;
        long last = write && append ? FileCache.MAX_INDEX : (position + length - 1) / PAGE;
        if (!write) {
            if (!fc.mayHoldUnwrittenData()) {
                engine.execute(f);
            } else {
                fc.writeBackForDirect(first, last).whenComplete((v, t) -> engine.execute(f));
            }
            return;
        }
        fc.enterDirectWrite(() -> {
            if (!f.holdGate(fc)) {
                return; // cancelled while it waited for the gate
            }
            if (!fc.mayHoldUnwrittenData()) {
                fc.invalidateClean(append ? appendFrom(fc) : first, last);
                engine.execute(f);
                return;
            }
            fc.writeBackForDirect(first, last).whenComplete((v, t) -> {
                if (fc.hasDirtyPages(first, last)) {
                    // The writeback failed (no cached write can dirty the range while this write
                    // holds the gate): dropping those pages would lose their other bytes, and a
                    // later writeback of them would overwrite this write. Refused, as the kernel does.
                    f.reject(Errno.EIO);
                    return;
                }
                fc.invalidateClean(append ? appendFrom(fc) : first, last);
                engine.execute(f);
            });
        });
    }

    /** The first page an O_APPEND write may land in: that of the file's end, all dirty pages written back. */
    private static long appendFrom(FileCache fc) {
        return fc.size() / PAGE;
    }

    /**
     * Hands a kernel fsync or fdatasync to the engine, after jaio's cache of the file (whatever
     * engine's) wrote back its dirty pages: fsync(2) writes back the inode's dirty pages whichever
     * descriptor it is called on. A writeback error of that writeback fails the sync with its errno
     * (errors of earlier background writeback are reported to the CACHED handles' syncs only: this
     * handle keeps no errseq cursor of the cache).
     */
    void dispatchSync(FileOp<?> f) {
        FileEngine engine = file.engine();
        FileCache fc = cache();
        if (fc == null || !fc.mayHoldUnwrittenData()) {
            engine.execute(f);
            return;
        }
        long errorsBefore = fc.writebackErrors();
        fc.writeBackForDirect(0, FileCache.MAX_INDEX).whenComplete((v, t) -> {
            if (fc.writebackErrors() != errorsBefore) {
                f.reject(fc.lastWritebackErrno());
            } else if (t != null) {
                f.reject(Errno.EIO); // the writeback did not run (its engine is closing): nothing is known durable
            } else {
                engine.execute(f);
            }
        });
    }

    /**
     * Before a kernel fsync or fdatasync that a batch context submits: jaio's cache of the file
     * writes back its dirty pages, waiting on the calling thread ({@link #dispatchSync}).
     *
     * @throws UncheckedIOException with the errno of a writeback error among them
     * @throws IllegalStateException when the calling thread's own context carries page I/O of the file
     */
    public void beforeBlockingSync(String op) {
        FileCache fc = cache();
        if (fc != null && fc.mayHoldUnwrittenData()) {
            refuseWaitOnOwnContext(op, 0, fc, 0, FileCache.MAX_INDEX, false);
            long errorsBefore = fc.writebackErrors();
            fc.writeBackForDirect(0, FileCache.MAX_INDEX).join();
            if (fc.writebackErrors() != errorsBefore) {
                throw new UncheckedIOException(file.failure(op, -1, -1, fc.lastWritebackErrno()));
            }
        }
    }

    /**
     * Before a kernel read of the range by a batch context or a channel's transfer: writes back
     * what the cache holds dirty there, waiting on the calling thread.
     */
    public void beforeBlockingRead(long position, long length) {
        FileCache fc = cache();
        if (fc != null && length > 0 && fc.mayHoldUnwrittenData()) {
            long first = position / PAGE;
            long last = (position + length - 1) / PAGE;
            refuseWaitOnOwnContext("pread", position, fc, first, last, false);
            fc.writeBackForDirect(first, last).join();
        }
    }

    /**
     * Before a kernel write of the range by a batch context or a channel's transfer: takes the
     * write gate, writes back and drops the range; returns the cache whose gate the write now holds (to hand to
     * {@link #afterUncachedWrite} or {@link #abandon}), or null when no cache has the file.
     *
     * @throws UncheckedIOException with EIO when the range stays dirty after its writeback
     * @throws IllegalStateException when the calling thread is inside a copy, or its own context
     *     carries the page I/O it would wait for
     */
    public FileCache beforeBlockingWrite(String op, long position, long length) {
        FileCache fc = cache();
        if (fc == null || length <= 0) {
            return null;
        }
        long first = append ? 0 : position / PAGE;
        long last = append ? FileCache.MAX_INDEX : (position + length - 1) / PAGE;
        try {
            fc.enterDirectWriteNow();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(op + " " + file.path() + " at offset " + position + ": " + e.getMessage(),
                    e);
        }
        try {
            if (fc.mayHoldUnwrittenData()) {
                refuseWaitOnOwnContext(op, position, fc, first, last, false);
                fc.writeBackForDirect(first, last).join();
                if (fc.hasDirtyPages(first, last)) {
                    throw new UncheckedIOException(file.failure(op, position, length, Errno.EIO));
                }
            }
            fc.invalidateClean(append ? appendFrom(fc) : first, last);
        } catch (RuntimeException | Error e) {
            fc.leaveDirectWrite();
            throw e;
        }
        return fc;
    }

    /** A write that held {@code held}'s gate ends without reaching the kernel (or its result was delivered). */
    public static void abandon(FileCache held) {
        if (held != null) {
            held.leaveDirectWrite();
        }
    }

    /**
     * A kernel write of the range ended with {@code result} (a count or -errno): the range's clean
     * pages go again (the cache may have read them while the write ran), and a count raises the
     * cache's size. {@code held} is the cache whose gate it holds (or null).
     */
    public void afterUncachedWrite(FileCache held, long position, long length, long result) {
        if (length <= 0) {
            return;
        }
        FileCache now = cache();
        afterUncachedWriteIn(held, position, length, result);
        if (now != null && now != held) {
            // The cache the write held was dropped (its last CACHED handle closed) and another
            // made meanwhile, which may have read the range while the write ran.
            afterUncachedWriteIn(now, position, length, result);
        }
    }

    private void afterUncachedWriteIn(FileCache fc, long position, long length, long result) {
        if (fc == null) {
            return;
        }
        if (append) {
            // Where the kernel put it is known only to the disk's size, which the append grew: the
            // cache's size grows to it.
            long disk = DirectIo.size(file.fd());
            fc.invalidateClean(appendFrom(fc), FileCache.MAX_INDEX);
            if (disk >= 0) {
                fc.growSize(disk);
            }
            return;
        }
        fc.invalidateClean(position / PAGE, (position + length - 1) / PAGE);
        if (result > 0) {
            fc.growSize(position + result);
        }
    }

    /**
     * Refuses a wait for page I/O of pages [firstIndex, lastIndex] that a batch context of the
     * calling thread carries unreaped: only that thread's getEvents would reap it.
     */
    void refuseWaitOnOwnContext(String op, long offset, FileCache fc, long firstIndex, long lastIndex,
            boolean writesOnly) {
        if (file.engine().thisThreadOwesPageIo(fc, firstIndex, lastIndex, writesOnly)) {
            throw new IllegalStateException(op + " " + file.path() + " at offset " + offset + ": it may wait for page"
                    + " I/O of jaio's cache that an IoContext of this thread holds and only its getEvents reaps;"
                    + " reap that context's cached requests first");
        }
    }

    /**
     * Refuses a wait for jaio's writeback on the completion thread of this handle's engine or of the
     * engine whose cache holds the file, which completes it.
     */
    void refuseWaitOnCompletionThread(String op, long offset) {
        FileEngine engine = file.engine();
        FileCache fc = cache();
        if (fc != null && fc.cache().inCompletionThread() && !engine.inCompletionThread()) {
            throw new IllegalStateException(op + " " + file.path() + " at offset " + offset + ": it must wait for"
                    + " jaio's cache to write pages back, which completes on this thread (the completion thread of"
                    + " the engine whose cache holds the file); call it from another thread");
        }
        if (engine.inCompletionThread()) {
            throw new IllegalStateException(op + " " + file.path() + " at offset " + offset + ": it must wait for"
                    + " jaio's cache to write pages back, which completes on this thread (the " + engine.name()
                    + " engine's completion thread); call it from another thread");
        }
    }
}
