package dev.jaio.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jaio.internal.engine.EventLoop;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.provider.Engines;
import org.junit.jupiter.api.Test;

/**
 * The size a file's cache believes in: a size read from the disk is taken only if jaio changed the
 * size in no way since it was read (a write that grew the file, a truncate), so that a statx racing
 * a growing write never shrinks the size back; it may shrink the size (the file was truncated
 * elsewhere), but never below what cached writes not yet on disk made it.
 */
class FileCacheSizeTest {

    @Test
    void aDiskSizeReadBeforeAChangeIsNotTaken() throws Exception {
        EventLoop loop = new EventLoop(Engines.byName("threads").openQueue(new QueueOptions(16, true, 2, 0)), "size-test");
        try (PageCache cache = new PageCache(1 << 20, 128 << 10, true, loop)) {
            FileCache f = cache.acquire("sizes", 1000);
            assertEquals(1000, f.size());

            long before = f.sizeGeneration();
            f.growSize(5000); // a kernel write of another handle landed after the statx below was read
            f.refreshSize(1000, before);
            assertEquals(5000, f.size(), "the stale disk size did not shrink it");

            long now = f.sizeGeneration();
            f.refreshSize(3000, now);
            assertEquals(3000, f.size(), "a fresh one does: the file was truncated elsewhere");

            f.grownByWrite(8000); // a cached write, not on disk yet
            f.refreshSize(100, f.sizeGeneration());
            assertEquals(8000, f.size(), "never below what cached writes made it");

            long beforeTruncate = f.sizeGeneration();
            f.setSize(200); // a truncate through jaio
            f.refreshSize(8000, beforeTruncate);
            assertEquals(200, f.size(), "a disk size from before the truncate does not grow it back");
            cache.release(f);
        } finally {
            loop.close();
        }
    }
}
