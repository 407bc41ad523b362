package dev.jaio.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PageStateTest {

    @Test
    void anUncontendedLockAndUnlockNeverVisitsTheWaitTable() {
        WaitTable table = new WaitTable();
        PageState page = new PageState(table);
        for (int i = 0; i < 1000; i++) {
            assertTrue(page.tryLock());
            assertFalse(page.tryLock());
            page.unlock(PageState.UPTODATE, 0);
        }
        assertEquals(0, table.wakeups() + table.collisionsSkipped(), "no waiter, no bucket visit");
        assertTrue(page.is(PageState.UPTODATE));
        assertFalse(page.is(PageState.LOCKED));
    }

    @Test
    void aRetryRunsWhenTheReadUnlocksThePageAndSeesItUptodate() {
        WaitTable table = new WaitTable();
        PageState page = new PageState(table);
        assertTrue(page.tryLock()); // a read of the page is in flight
        AtomicInteger retries = new AtomicInteger();
        boolean queued = page.retryWhenUnlocked(() -> {
            assertTrue(page.is(PageState.UPTODATE), "unlock publishes UPTODATE in the same step");
            retries.incrementAndGet();
        });
        assertTrue(queued);
        assertTrue(page.is(PageState.WAITERS));
        page.unlock(PageState.UPTODATE, 0); // the read completed
        assertEquals(1, retries.get());
        assertFalse(page.is(PageState.WAITERS), "cleared once the page has no waiter left");
        assertFalse(page.retryWhenUnlocked(() -> retries.incrementAndGet()), "already unlocked: nothing queued");
        assertEquals(1, retries.get());
    }

    @Test
    void writebackWaitersAreNotWokenByAnUnlockOfTheSamePage() {
        WaitTable table = new WaitTable();
        PageState page = new PageState(table);
        page.set(PageState.WRITEBACK);
        assertTrue(page.tryLock());
        AtomicInteger writebackRetries = new AtomicInteger();
        assertTrue(page.retryWhenWritebackEnds(writebackRetries::incrementAndGet));
        page.unlock(0, 0); // the paper's §7.2 case: an unlock in the retry-exit path
        assertEquals(0, writebackRetries.get(), "an unlock must not kick a writeback waiter");
        assertEquals(0, table.spuriousWakeups());
        assertTrue(page.is(PageState.WAITERS), "the writeback waiter is still there");
        page.endWriteback(false);
        assertEquals(1, writebackRetries.get());
        assertFalse(page.is(PageState.WRITEBACK));
        page.set(PageState.WRITEBACK);
        page.endWriteback(true);
        assertTrue(page.is(PageState.ERROR));
    }

    @Test
    void blockingWaitersAndRacingUnlocksLoseNoWakeup() throws Exception {
        WaitTable table = new WaitTable(4, true);
        int rounds = 5_000;
        for (int r = 0; r < rounds; r++) {
            PageState page = new PageState(table);
            assertTrue(page.tryLock());
            CountDownLatch done = new CountDownLatch(1);
            if (r % 2 == 0) {
                if (!page.retryWhenUnlocked(done::countDown)) {
                    done.countDown();
                }
                page.unlock(PageState.UPTODATE, 0);
            } else {
                Thread unlocker = Thread.ofPlatform().start(() -> page.unlock(PageState.UPTODATE, 0));
                page.awaitUnlocked();
                done.countDown();
                unlocker.join();
            }
            assertTrue(done.await(10, TimeUnit.SECONDS), "round " + r);
            assertTrue(page.is(PageState.UPTODATE));
        }
        assertEquals(0, table.spuriousWakeups());
    }
}
