package dev.jaio.internal.cache;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The page cache's counters (the kernel's vm_stat, mm/vmstat.c): the dirty and writeback page
 * counts the flusher and the writers' throttling decide by, and the event counts the tools report
 * ({@link PageCache#stats()}). Each part of the cache bumps its own; the counts here only count.
 */
final class CacheCounters {

    /** Pages dirty now (NR_FILE_DIRTY): changed only by the {@link Flusher}'s dirty accounting. */
    final AtomicLong dirtyPages = new AtomicLong();
    /** Pages under writeback now (NR_WRITEBACK): changed only by the {@link Flusher}'s dirty accounting. */
    final AtomicLong writebackPages = new AtomicLong();

    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder readaheadPages = new LongAdder();
    final LongAdder demandPages = new LongAdder();
    final LongAdder deviceReads = new LongAdder();
    final LongAdder readErrors = new LongAdder();
    final LongAdder bypassReads = new LongAdder();
    final LongAdder deviceWrites = new LongAdder();
    final LongAdder evictions = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder idleRetries = new LongAdder();
    final LongAdder frameWaits = new LongAdder();
    final LongAdder pagesDirtied = new LongAdder();
    final LongAdder pagesWritten = new LongAdder();
    final LongAdder writeErrors = new LongAdder();
    final LongAdder throttled = new LongAdder();
    final LongAdder flushes = new LongAdder();

    /** The errno of the last device write that failed, 0 if none has. */
    private volatile int lastWriteErrno;

    /** {@code pages} pages started reading (counts toward a request's retries). */
    void countStarted(int pages, boolean readahead) {
        (readahead ? readaheadPages : demandPages).add(pages);
    }

    /** A device write failed with {@code errno}. */
    void countWriteError(int errno) {
        lastWriteErrno = errno;
        writeErrors.increment();
    }

    /** The errno of the last device write that failed, 0 if none has. */
    int lastWriteErrno() {
        return lastWriteErrno;
    }
}
