package dev.jaio.internal.cache;

/**
 * One open handle of a cached file: the kernel's {@code struct file} to {@link FileCache}'s
 * address_space. It owns the handle's readahead state (readahead is per handle, as
 * {@code file_ra_state} is) and the O_DIRECT descriptor the cache reads through.
 *
 * <p>The public file class extends it to tie the cache's device reads into its own accounting, so
 * that closing the file waits for readahead it started as well as for its requests.
 */
public abstract class CacheHandle {

    private final FileCache file;
    private volatile Readahead readahead;
    /** The file's writeback error count this handle has reported (the kernel's f_wb_err). */
    private long errorsSeen;

    protected CacheHandle(FileCache file, boolean legacyReadahead) {
        this.file = file;
        this.readahead = newReadahead(legacyReadahead);
        this.errorsSeen = file.writebackErrors();
    }

    /**
     * The errno of a writeback error of the file that this handle has not reported yet, and marks
     * it reported; 0 if there is none. Every handle sees each error once (errseq_t with a cursor per
     * open file), whichever handle's pages failed.
     */
    public final synchronized int checkWritebackError() {
        long now = file.writebackErrors();
        if (now == errorsSeen) {
            return 0;
        }
        errorsSeen = now;
        return file.lastWritebackErrno();
    }

    private Readahead newReadahead(boolean legacy) {
        int max = file.cache().maxReadaheadPages();
        return legacy ? new LegacyReadahead(max) : new OnDemandReadahead(max);
    }

    /** The file's cache. */
    public final FileCache file() {
        return file;
    }

    /** The handle's readahead state. */
    final Readahead readahead() {
        return readahead;
    }

    /** Whether the handle uses the 2.6.2 page-at-a-time readahead. */
    public final boolean legacyReadahead() {
        return readahead instanceof LegacyReadahead;
    }

    /** Switches the policy; the new one starts from a fresh state. */
    public final void setLegacyReadahead(boolean legacy) {
        if (legacy != legacyReadahead()) {
            readahead = newReadahead(legacy);
        }
    }

    /** POSIX_FADV_RANDOM: read just what is asked (true), or back to normal readahead (false). */
    public final void setRandomAccess(boolean random) {
        readahead.setRandom(random);
    }

    /** POSIX_FADV_SEQUENTIAL: twice the maximum window (true), or back to normal (false). */
    public final void setSequentialAccess(boolean sequential) {
        readahead.setMaxPages(sequential ? 2 * file.cache().maxReadaheadPages() : file.cache().maxReadaheadPages());
    }

    /** The descriptor, opened with O_DIRECT, that device reads and writes of pages go through. */
    protected abstract int directFd();

    /**
     * The handle's own (buffered) descriptor: the write of the page that holds the end of the file
     * goes through it, with its exact length.
     */
    protected abstract int bufferedFd();

    /**
     * Counts one more operation on the handle. Called only while the caller already holds one (a
     * request in progress), so the handle cannot have finished closing.
     */
    protected abstract void retainOp();

    /** Counts one more operation unless the handle is closing (then false). */
    protected abstract boolean tryRetainOp();

    /** Ends an operation counted by {@link #retainOp()}. */
    protected abstract void releaseOp();
}
