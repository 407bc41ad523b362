package dev.jaio.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.internal.engine.EventLoop;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.provider.Engines;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A device read that fails (here EBADF, from a descriptor that is not open) fails every request
 * waiting for its pages with the errno, leaves no page behind that claims to hold data, and lets the
 * next reader try the device again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CachedReadErrorTest {

    /** The operation count of a test handle, counting its device I/O like the public file does. */
    private static final class Ops implements CacheHandle.OpCount {
        int ops;

        @Override
        public synchronized void retain() {
            ops++;
        }

        @Override
        public synchronized boolean tryRetain() {
            ops++;
            return true;
        }

        @Override
        public synchronized void release() {
            ops--;
            notifyAll();
        }

        /** Waits until every device read has finished its bookkeeping (it wakes waiters first). */
        synchronized void awaitIdle() throws InterruptedException {
            while (ops > 0) {
                wait();
            }
        }
    }

    /** A descriptor the kernel refuses: never an open one. */
    private static final int BROKEN_FD = 1 << 20;

    /** A read's owner and future: the cache's request reports here. */
    private static final class Read extends CompletableFuture<Long> implements RequestOwner {
        private final CachedRead request;

        Read(CacheHandle h, MemorySegment dst, long position) {
            this.request = new CachedRead(h, dst, null, position, dst.byteSize(), false, this);
        }

        void start() {
            request.start();
        }

        @Override
        public void finished(long result, long errorOffset, long transferred) {
            complete(result);
        }

        @Override
        public void failed(Throwable cause) {
            completeExceptionally(cause);
        }
    }

    @Test
    void aFailedDeviceReadFailsItsWaitersAndIsRetriedByTheNextReader() throws Exception {
        EventLoop loop = new EventLoop(Engines.byName("threads").openQueue(new QueueOptions(16, true, 2, 0)), "err-test");
        try (PageCache cache = new PageCache(1 << 20, 128 << 10, true, loop)) {
            FileCache file = cache.acquire("broken", 1 << 20);
            Ops ops = new Ops();
            CacheHandle h = new CacheHandle(file, false, BROKEN_FD, BROKEN_FD, ops);
            MemorySegment a = Arena.ofAuto().allocate(8192);
            MemorySegment b = Arena.ofAuto().allocate(8192);
            Read first = new Read(h, a, 64 * 1024);
            Read second = new Read(h, b, 64 * 1024 + 100); // the same pages: it waits for the first's read
            first.start();
            second.start();
            assertEquals(-Errno.EBADF, first.get(10, TimeUnit.SECONDS));
            assertEquals(-Errno.EBADF, second.get(10, TimeUnit.SECONDS));
            ops.awaitIdle();
            assertEquals(0, PageTrees.cachedPages(file), "no page is left claiming to hold data");
            PageCache.Stats s = cache.stats();
            // At most two reads per request (its readahead, and a demand read when the readahead
            // failed before the request looked at the page): never a loop of reads.
            assertTrue(s.readErrors() >= 1 && s.readErrors() <= 4, s.toString());
            assertEquals(0, s.residentPages(), "the failed pages' frames went back");
            Read again = new Read(h, a, 64 * 1024);
            again.start();
            assertEquals(-Errno.EBADF, again.get(10, TimeUnit.SECONDS));
            ops.awaitIdle();
            long more = cache.stats().readErrors() - s.readErrors();
            assertTrue(more >= 1 && more <= 2, "the next reader went to the device again, and stopped: " + more);
            synchronized (ops) {
                assertEquals(0, ops.ops, "every device read was accounted back to its handle");
            }
            cache.release(file);
            assertNull(cache.lookup("broken"), "the last handle's release closed the file");
        } finally {
            loop.close();
        }
    }

    @Test
    void pagesSharingAWaitBucketNeverWakeEachOthersRequests() throws Exception {
        // Unit level: many pages, 1 bucket. A wake of one page runs only its own retries.
        WaitTable keyed = new WaitTable(1, true);
        WaitTable unkeyed = new WaitTable(1, false);
        for (WaitTable t : new WaitTable[] {keyed, unkeyed}) {
            int[] runs = new int[16];
            PageState[] pages = new PageState[16];
            for (int i = 0; i < 16; i++) {
                pages[i] = new PageState(t);
                assertTrue(pages[i].tryLock());
                int k = i;
                assertTrue(pages[i].retryWhenUnlocked(() -> runs[k]++));
            }
            pages[3].unlock(PageState.UPTODATE, 0);
            assertEquals(1, runs[3]);
            int others = 0;
            for (int i = 0; i < 16; i++) {
                others += i == 3 ? 0 : runs[i];
            }
            if (t == keyed) {
                assertEquals(0, others, "keyed: nobody else's retry ran");
                assertEquals(0, t.spuriousWakeups());
                assertEquals(15, t.collisionsSkipped());
            } else {
                assertEquals(15, others, "unfiltered hashed queue: every retry in the bucket ran");
                assertEquals(15, t.spuriousWakeups());
            }
        }
    }
}
