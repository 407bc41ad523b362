package dev.jaio.internal.cache;

/**
 * The progress of one writeback of a range of a file ({@link FileWriteback#writeback}): an integrity
 * sync (O_SYNC write, fsync; writes the pages tagged TOWRITE and waits for busy ones) or a batch of
 * background writeback (writes DIRTY pages, skips busy ones). Scratch arrays live here so that a
 * step allocates nothing but its device writes. Used by one thread at a time.
 */
final class Writeback {

    /** Pages looked at per step: up to one device write's worth (an extending run is one write). */
    private static final int BATCH = 256;

    final boolean integrity;
    final int rwFlags;
    /** The next page index to look at. */
    long next;
    /** A page an integrity sync must wait for (locked, or already under writeback), with a reference. */
    CachedPage blocked;
    /** Pages put under writeback so far. */
    long pagesWritten;
    final long[] indices;
    final CachedPage[] found;
    final CachedPage[] taken;
    final CachedPage[] clean;

    /**
     * @param integrity an integrity sync (else background writeback)
     * @param first the first page index
     * @param rwFlags RWF_* flags of the device writes (RWF_DSYNC or RWF_SYNC for a synchronized write)
     */
    Writeback(boolean integrity, long first, int rwFlags) {
        this(integrity, first, rwFlags, BATCH);
    }

    /** As above, looking at {@code batch} pages (at most 256) per step: a short range needs no more. */
    Writeback(boolean integrity, long first, int rwFlags, int batch) {
        this.integrity = integrity;
        this.next = first;
        this.rwFlags = rwFlags;
        int n = Math.max(1, Math.min(BATCH, batch));
        this.indices = new long[n];
        this.found = new CachedPage[n];
        this.taken = new CachedPage[n];
        this.clean = new CachedPage[n];
    }

    /** Takes the blocked page (the caller now owns its reference). */
    CachedPage takeBlocked() {
        CachedPage p = blocked;
        blocked = null;
        return p;
    }
}
