package dev.jaio.internal.cache;

/**
 * Upfront readahead (§3.4, §3.5) in the form today's kernel has it (mm/readahead.c
 * ondemand_readahead, mm/filemap.c filemap_get_pages): the logic sees the whole request, from the
 * first missing page to its last page, before the next request is submitted, and every window is
 * clipped to the maximum readahead.
 *
 * <ul>
 *   <li>A miss at the start of the file, a request larger than the maximum, or a miss at or just
 *       after the page the last read ended on opens an initial window sized from the request
 *       (rounded up to a power of two, x4 when small, x2 when medium, else the maximum), with an
 *       asynchronous tail whose first page carries the readahead marker.</li>
 *   <li>Reaching the marker where the window expects it moves the window forward and grows it (x4
 *       while small, x2, then the maximum): a large read or a stream keeps the device busy ahead of
 *       the copy (pipelining).</li>
 *   <li>Otherwise it is a random read: exactly the request's pages are read, as one device read
 *       per contiguous run, and the state is left alone.</li>
 * </ul>
 *
 * <p>The kernel's context readahead (sizing a window from cached pages just before a random miss)
 * is left out on purpose: on a partly cached file it turns random reads into windows of pages
 * nobody asked for.
 */
final class OnDemandReadahead extends Readahead {

    private long start;
    private long size;
    private long asyncSize;
    /**
     * The last page a read of the handle ended in (the kernel's prev_pos), -1 before the first:
     * written without the
     * lock by {@link #readEnded}, as the kernel writes prev_pos without one; a heuristic that a
     * racing read may overwrite.
     */
    private volatile long prevIndex = -1;

    OnDemandReadahead(int maxPages) {
        super(maxPages);
    }

    @Override
    boolean pageAtATime() {
        return false;
    }

    @Override
    int demandPages(long index, long lastIndex) {
        return (int) Math.min(lastIndex - index + 1, Math.max(1, maxPages));
    }

    static long initSize(long req, long max) {
        long newSize = Long.highestOneBit(Math.max(1, req - 1)) << 1;
        if (req <= 1) {
            newSize = 1;
        }
        if (newSize <= max / 32) {
            return newSize * 4;
        }
        if (newSize <= max / 4) {
            return newSize * 2;
        }
        return max;
    }

    static long nextSize(long cur, long max) {
        if (cur < max / 16) {
            return 4 * cur;
        }
        if (cur <= max / 2) {
            return 2 * cur;
        }
        return max;
    }

    @Override
    long missed(CacheHandle h, long index, long lastIndex, CachedPage[] out, long outBase) {
        synchronized (this) {
            long max = maxPages;
            long req = lastIndex - index + 1;
            if (random || max == 0) {
                return index - 1; // no readahead: the demand read takes the request
            }
            long prev = prevIndex; // read once: readEnded writes it without the lock
            if (index == 0 || req > max || (prev >= 0 && index - prev <= 1 && index >= prev)) {
                return initialWindow(h, index, req, max, out, outBase);
            }
            // A small random read: exactly the request, state untouched.
            long count = Math.min(req, max);
            h.file().startRead(h, index, count, -1, true, out, outBase);
            return index + count - 1;
        }
    }

    private long initialWindow(CacheHandle h, long index, long req, long max, CachedPage[] out, long outBase) {
        start = index;
        size = initSize(req, max);
        asyncSize = size > req ? size - req : size;
        return readIt(h, index, max, out, outBase);
    }

    /** Issues the current window, merging in the next one when the marker would be hit at once. */
    private long readIt(CacheHandle h, long index, long max, CachedPage[] out, long outBase) {
        if (index == start && size == asyncSize) {
            long add = nextSize(size, max);
            if (size + add <= max) {
                asyncSize = add;
                size += add;
            } else {
                size = max;
                asyncSize = max / 2;
            }
        }
        long marker = asyncSize > 0 ? start + size - asyncSize : -1;
        h.file().startRead(h, start, size, marker, true, out, outBase);
        return start + size - 1;
    }

    @Override
    void markerReached(CacheHandle h, long index, long lastIndex) {
        synchronized (this) {
            long max = maxPages;
            if (random || max == 0) {
                return;
            }
            if (index == start + size - asyncSize) {
                start += size;
                size = nextSize(size, max);
                asyncSize = size;
            } else {
                // Interleaved streams on one handle: restart from the next page not cached.
                long next = h.file().nextMissing(index + 1, index + max);
                if (next < 0) {
                    return;
                }
                long req = lastIndex - index + 1;
                start = next;
                size = Math.min(max, nextSize(next - index + req, max));
                asyncSize = size;
            }
            readIt(h, index, max, null, 0);
        }
    }

    @Override
    void readEnded(long endPosition) {
        prevIndex = endPosition > 0 ? (endPosition - 1) / PageFrames.PAGE_SIZE : 0;
    }

    @Override
    public synchronized String toString() {
        return "upfront readahead[window " + start + "+" + size + ", async " + asyncSize + ", max " + maxPages + "]";
    }
}
