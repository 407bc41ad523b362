package dev.jaio.internal.cache;

/**
 * One open handle of a cached file: the kernel's {@code struct file} to {@link FileCache}'s
 * address_space. It owns the handle's readahead state (readahead is per handle, as
 * {@code file_ra_state} is) and the O_DIRECT descriptor the cache reads through.
 *
 * <p>The open file it belongs to counts the cache's device I/O for it among its operations
 * ({@link OpCount}), so that closing the file waits for readahead it started as well as for its
 * requests.
 */
public final class CacheHandle {

    /**
     * The operation count of the open file a handle belongs to, as the kernel's file reference
     * count: page I/O started for the handle holds one until it completes.
     */
    public interface OpCount {
        /** Counts one more operation; called only while the caller already holds one. */
        void retain();

        /** Counts one more operation unless the file is closing (then false). */
        boolean tryRetain();

        /** Ends an operation counted by {@link #retain()} or {@link #tryRetain()}. */
        void release();
    }

    private final FileCache file;
    private final int directFd;
    private final int bufferedFd;
    private final OpCount ops;
    private volatile Readahead readahead;
    /** The file's writeback error count this handle has reported (the kernel's f_wb_err). */
    private long errorsSeen;

    /**
     * @param directFd the descriptor, opened with O_DIRECT, that device reads and writes of pages go through
     * @param bufferedFd the handle's own descriptor: a writable handle's is buffered, and the write
     *     of the page that holds the end of the file goes through it, with its exact length; a
     *     read-only handle's is {@code directFd} itself (it writes nothing)
     */
    public CacheHandle(FileCache file, boolean legacyReadahead, int directFd, int bufferedFd, OpCount ops) {
        this.file = file;
        this.directFd = directFd;
        this.bufferedFd = bufferedFd;
        this.ops = ops;
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
    public int directFd() {
        return directFd;
    }

    /** The handle's own descriptor (buffered for a writable handle; {@link #directFd()} for a read-only one). */
    int bufferedFd() {
        return bufferedFd;
    }

    /** Counts one more operation on the handle's file; only while the caller holds one already. */
    void retainOp() {
        ops.retain();
    }

    /** Counts one more operation unless the file is closing (then false). */
    boolean tryRetainOp() {
        return ops.tryRetain();
    }

    /** Ends an operation counted by {@link #retainOp()} or {@link #tryRetainOp()}. */
    void releaseOp() {
        ops.release();
    }
}
