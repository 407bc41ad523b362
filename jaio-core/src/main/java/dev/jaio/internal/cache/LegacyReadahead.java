package dev.jaio.internal.cache;

/**
 * Linux 2.6.2's readahead (mm/readahead.c page_cache_readahead), kept to reproduce the paper's
 * "vanilla" curve (§3.3): the logic sees one page at a time; a first access opens a window of half
 * the maximum; a page inside (or just past) the current window grows the next window by two pages,
 * any other page shrinks it by two; at zero readahead is off for the handle ("maximally shrunk"),
 * and every missing page is then read alone, one at a time, on the slow path.
 *
 * <p>Under streaming random requests (many in flight on one handle), each request's first page is a
 * miss against the window of the request before it, so the window shrinks with every request and
 * soon turns off: requests then proceed a page per device read.
 */
final class LegacyReadahead extends Readahead {

    private static final long OFF = -1;

    private long start;
    private long size;
    private long aheadStart;
    private long aheadSize;
    /** 0: first access not seen yet; OFF: maximally shrunk. */
    private long nextSize;
    private long prevPage = -1;

    LegacyReadahead(int maxPages) {
        super(maxPages);
    }

    @Override
    boolean pageAtATime() {
        return true;
    }

    @Override
    int demandPages(long index, long lastIndex) {
        return 1; // the 2.6 slow path: readpage of the one missing page
    }

    @Override
    void pageReached(CacheHandle h, long index) {
        long issueStart = -1;
        long issueCount = 0;
        synchronized (this) {
            if (random || maxPages == 0) {
                prevPage = index;
                return;
            }
            if (index == prevPage && nextSize != 0) {
                return; // sub-page reads of one page
            }
            if (nextSize == OFF) {
                prevPage = index;
                return;
            }
            long origNext = nextSize;
            boolean first = nextSize == 0;
            if (first) {
                nextSize = maxPages / 2;
                prevPage = index;
            } else {
                prevPage = index;
                if (index >= start && index <= start + size) {
                    nextSize += 2; // a readahead hit: grow
                } else {
                    nextSize -= 2; // a miss (seek, pread elsewhere): shrink
                }
                if (nextSize > maxPages) {
                    nextSize = maxPages;
                }
                if (nextSize <= 0) {
                    nextSize = OFF;
                    size = 0;
                    return; // readahead is off
                }
            }
            if (first || index < start || index >= start + size) {
                if (!first && index == aheadStart && aheadSize > 0) {
                    start = aheadStart; // advanced into the ahead window
                    size = aheadSize;
                    aheadStart = 0;
                    aheadSize = 0;
                    return;
                }
                start = index;
                size = nextSize;
                aheadStart = 0;
                aheadSize = 0;
                issueStart = start;
                issueCount = size;
            } else if (aheadStart == 0) {
                aheadStart = start + size;
                aheadSize = nextSize;
                issueStart = aheadStart;
                issueCount = aheadSize;
            }
            if (issueCount > 0) {
                int started = h.file().startRead(h, issueStart, issueCount, -1, true);
                if (started == 0 && !first) {
                    // check_ra_success: everything was cached, readahead is not helping.
                    nextSize = origNext > 1 ? origNext - 1 : OFF;
                    if (aheadSize > 0 && nextSize != OFF) {
                        aheadSize = nextSize;
                    }
                }
            }
        }
    }

    @Override
    public synchronized String toString() {
        return "legacy readahead[next " + (nextSize == OFF ? "off" : nextSize) + ", window " + start + "+" + size
                + ", ahead " + aheadStart + "+" + aheadSize + "]";
    }
}
