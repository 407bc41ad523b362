package dev.jaio.internal.cache;

import dev.jaio.internal.radix.Tag;
import java.util.concurrent.CompletableFuture;

/**
 * Syncs of a file's pages (the kernel's filemap_fdatawrite_range, filemap_fdatawait_range and the
 * flush of vfs_fsync_range): where an integrity sync starts and which pages it must write (tagged
 * TOWRITE), the pages it waits for, whether it must flush, and the writeback of a range a direct
 * request needs first (§4). The sync itself runs as a {@link CachedWrite}, which drives
 * {@link FileWriteback#writeback} over the range.
 */
final class FileSync {

    private static final int PAGE = PageFrames.PAGE_SIZE;

    private final FileCache file;
    private final FileWriteback writeback;
    /** How many of {@link FileWriteback#unsyncedWrites()} a flush has made durable; raised under {@link FileCache#sizeLock}. */
    private volatile long flushedWrites;

    FileSync(FileCache file, FileWriteback writeback) {
        this.file = file;
        this.writeback = writeback;
    }

    /**
     * Where an integrity sync of pages [first, last] must start: when the range ends past the disk's
     * end, the dirty pages between the disk's end and {@code first} go first, since the file on
     * disk may only grow over written data.
     */
    long syncStart(long first, long last) {
        file.lock.lock();
        try {
            long diskPage = file.diskSize / PAGE;
            return last >= diskPage ? Math.min(first, diskPage) : first;
        } finally {
            file.lock.unlock();
        }
    }

    /**
     * The start of an integrity sync of [first, last] (the kernel's tag_pages_for_writeback): tags
     * the DIRTY pages TOWRITE, so that the sync writes exactly those and cannot be kept busy forever
     * by writers that dirty the range again.
     */
    void tagToWrite(long first, long last) {
        file.lock.lock();
        try {
            file.tree.tagRange(first, last, Tag.DIRTY, Tag.TOWRITE, Integer.MAX_VALUE);
        } finally {
            file.lock.unlock();
        }
    }

    /**
     * The first page of [from, last] under writeback, with a reference for the caller (who waits
     * for it, the kernel's __filemap_fdatawait_range); null when none is.
     */
    CachedPage firstUnderWriteback(long from, long last) {
        file.lock.lock();
        try {
            if (file.tree.gangLookupTag(from, last, Tag.WRITEBACK, file.scanIndices, file.scanPages, 1) == 0) {
                return null;
            }
            CachedPage p = file.scanPages[0];
            file.scanPages[0] = null;
            p.retain();
            return p;
        } finally {
            file.lock.unlock();
        }
    }

    /** Whether some completed device write is not known to be durable. */
    boolean needsFlush() {
        return writeback.unsyncedWrites() != flushedWrites;
    }

    /** A flush that started when {@code upTo} unsynced writes had completed has succeeded. */
    void flushed(long upTo) {
        synchronized (file.sizeLock) {
            if (upTo > flushedWrites) {
                flushedWrites = upTo;
            }
        }
    }

    /**
     * Writes back the dirty pages of [firstIndex, lastIndex] and waits for every page of it under
     * writeback, as a direct request on the file must before it goes to the device (§4: a direct
     * read would read old bytes, a direct write would be overwritten by a later writeback). Through
     * one of the file's writable handles; done at once when there is none (then nothing is dirty).
     */
    CompletableFuture<Void> writeBackForDirect(long firstIndex, long lastIndex) {
        CompletableFuture<Void> range = writeBackRange(firstIndex, lastIndex);
        long s = file.size();
        long eofPage = s > 0 ? (s - 1) / PAGE : -1;
        if (eofPage > lastIndex && writeback.hasDirtyPages(eofPage, eofPage)) {
            // Cached writes made the file longer than the disk knows: the page that ends it goes
            // too, so the direct request sees the file's size (a hole before it reads zeros).
            return range.thenCompose(v -> writeBackRange(eofPage, eofPage));
        }
        return range;
    }

    /**
     * Writes back the dirty pages of [firstIndex, lastIndex] and waits for every page of it under
     * writeback (filemap_write_and_wait_range), through one of the file's writable handles; done at
     * once when there is none.
     */
    CompletableFuture<Void> writeBackRange(long firstIndex, long lastIndex) {
        for (CacheHandle h : file.writers) {
            if (h.tryRetainOp()) {
                RangeWriteback w = new RangeWriteback(h);
                RangeSync.forDirect(h, firstIndex, lastIndex, w).start();
                return w;
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** {@link #writeBackRange}'s future and the owner of its {@link RangeSync}: done when the sync ends. */
    private static final class RangeWriteback extends CompletableFuture<Void> implements RequestOwner {
        private final CacheHandle handle;

        RangeWriteback(CacheHandle handle) {
            this.handle = handle;
        }

        @Override
        public void finished(long result, long errorOffset, long transferred) {
            handle.releaseOp();
            complete(null);
        }

        @Override
        public void failed(Throwable cause) {
            handle.releaseOp();
            completeExceptionally(cause);
        }
    }
}
