package dev.jaio.internal.cache;

/**
 * The readahead state of one handle ({@code struct file_ra_state}) and its policy. Requests call
 * it, under its own lock, at the points where the kernel's read path calls readahead; a retry never
 * calls it again for pages its request already showed it, so readahead is never repeated (§3.2).
 */
abstract sealed class Readahead permits LegacyReadahead, OnDemandReadahead {

    /** Maximum window, in pages. */
    int maxPages;
    /** POSIX_FADV_RANDOM: no readahead, requests read just what they ask for. */
    boolean random;

    Readahead(int maxPages) {
        this.maxPages = maxPages;
    }

    synchronized void setMaxPages(int pages) {
        maxPages = pages;
    }

    synchronized void setRandom(boolean r) {
        random = r;
    }

    /** Whether the policy sees one page at a time (legacy) instead of the whole request (upfront). */
    abstract boolean pageAtATime();

    /**
     * Legacy only: the request reached page {@code index} for the first time (whether or not it is
     * cached), as the 2.6 read loop called page_cache_readahead for every page.
     */
    void pageReached(CacheHandle h, long index) {
    }

    /**
     * Upfront only: the request found page {@code index} missing; it covers pages through
     * {@code lastIndex}. Starts synchronous readahead and returns the last page index it covered
     * (at least {@code index - 1}); pages it starts are handed to {@code out} as
     * {@link FileCache#startRead(CacheHandle, long, long, long, boolean, CachedPage[], long)} does.
     */
    long missed(CacheHandle h, long index, long lastIndex, CachedPage[] out, long outBase) {
        return index - 1;
    }

    /** Upfront only: the request reached a page carrying the readahead marker. */
    void markerReached(CacheHandle h, long index, long lastIndex) {
    }

    /** The request read up to byte {@code endPosition} (the kernel's prev_pos). */
    void readEnded(long endPosition) {
    }

    /** Pages a demand read for a missing page that readahead did not cover may read at once. */
    abstract int demandPages(long index, long lastIndex);
}
