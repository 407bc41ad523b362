package dev.jaio.internal.cache;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A file's writeback errors (the kernel's errseq_t in its address_space, lib/errseq.c): the errno
 * and offset of the last one, and how many there were. Each handle remembers the count it has
 * reported ({@link CacheHandle#checkWritebackError()}), so every handle sees each error once,
 * whichever handle's pages failed.
 */
final class Errseq {

    private volatile int errno;
    private volatile long offset = -1;
    private final AtomicLong count = new AtomicLong();

    /** A device write of the pages from {@code offset} on failed with {@code errno}. */
    void record(int errno, long offset) {
        this.offset = offset;
        this.errno = errno;
        count.incrementAndGet();
    }

    /** How many writeback errors the file has had: a handle remembers the count it has reported. */
    long count() {
        return count.get();
    }

    /** The errno of the last writeback error (0 if there was none). */
    int lastErrno() {
        return errno;
    }

    /** The file offset of the device write that failed last (the first page of its run), or -1. */
    long lastOffset() {
        return offset;
    }
}
