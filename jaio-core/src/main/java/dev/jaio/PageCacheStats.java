package dev.jaio;

/**
 * Counters of an engine's page cache since it was made ({@link IoEngine#pageCacheStats()}).
 *
 * @param capacityPages 4 KiB frames in the budget
 * @param residentPages frames holding a page now
 * @param hits pages that reads copied without waiting
 * @param misses pages that reads had to wait for (being read by readahead or on demand)
 * @param readaheadPages pages read by readahead
 * @param demandPages pages read because a request needed them and readahead had not covered them
 * @param deviceReads device reads issued; each contiguous run of missing pages is one
 * @param readErrors device reads that failed
 * @param evictions pages evicted to make room
 * @param retries retry iterations: a request continued after a page it waited for became ready
 * @param idleRetries retries that had to wait again without copying a byte
 * @param spuriousWakeups waiters woken for a page or condition they did not wait for (0 with keyed waits)
 * @param collisionsSkipped waiters a wakeup passed over because only their hash bucket matched
 * @param frameWaits times a read waited for a free frame (every frame busy)
 * @param bypassReads pages a read fetched for itself, outside the cache, because an {@link IoContext}
 *     other than its own was reading them through its own queue (waiting would depend on that
 *     context's thread calling getEvents)
 * @param dirtyPages pages written by cached writes and not yet written back, now
 * @param writebackPages pages being written back now (their device writes are in flight)
 * @param pagesDirtied times a clean page became dirty
 * @param pagesWritten pages put under writeback (by syncs, the cleaner and closes)
 * @param deviceWrites device writes issued; each run of adjacent pages under writeback is one
 * @param writeErrors device writes that failed (their pages stay dirty; the next sync reports it)
 * @param flushes fsync/fdatasync calls issued to make written-back pages durable
 * @param throttled times a writer waited because dirty pages were over the limit (a fifth of the budget)
 * @param keptFiles files closed with pages still in the cache, now: a reopen that finds the file
 *     unchanged (size, modification, change and birth time) reads them as hits, as the kernel's
 *     page cache outlives a file's last close
 */
public record PageCacheStats(long capacityPages, long residentPages, long hits, long misses, long readaheadPages,
        long demandPages, long deviceReads, long readErrors, long evictions, long retries, long idleRetries,
        long spuriousWakeups, long collisionsSkipped, long frameWaits, long bypassReads, long dirtyPages,
        long writebackPages, long pagesDirtied, long pagesWritten, long deviceWrites, long writeErrors, long flushes, long throttled,
        long keptFiles) {

    /** All zero: an engine whose cache was never used. */
    public static final PageCacheStats NONE = new PageCacheStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0);
}
