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

    /**
     * A request's own waiter (one per request, reused for each of its waits: CachedRead,
     * CachedWrite, RangeSync): queued on one page, woken, queued on another page and another
     * condition, woken again; refused while still queued (a request waits for one thing at a time,
     * and a second queueing would corrupt the bucket's list); not queued, and WAITERS not left set,
     * when the condition already holds.
     */
    @Test
    void aReusedWaiterFollowsItsRequestFromWaitToWait() {
        WaitTable table = new WaitTable();
        PageState a = new PageState(table);
        PageState b = new PageState(table);
        AtomicInteger runs = new AtomicInteger();
        WaitTable.Waiter w = new WaitTable.Waiter(runs::incrementAndGet);
        assertTrue(a.tryLock());
        assertTrue(a.retryWhenUnlocked(w));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> b.retryWhenUnlocked(w));
        assertFalse(b.is(PageState.WAITERS), "the refused wait left no mark on the other page");
        a.unlock(PageState.UPTODATE, 0);
        assertEquals(1, runs.get());
        assertFalse(a.is(PageState.WAITERS));
        b.set(PageState.WRITEBACK);
        assertTrue(b.retryWhenWritebackEnds(w));
        a.set(PageState.WRITEBACK);
        a.endWriteback(false); // the old key and another page's writeback: not this waiter
        assertEquals(1, runs.get());
        assertEquals(1, table.queuedWaiters());
        b.endWriteback(false);
        assertEquals(2, runs.get());
        assertEquals(0, table.queuedWaiters());
        assertFalse(b.retryWhenUnlocked(w), "unlocked already: nothing queued");
        assertFalse(b.is(PageState.WAITERS));
        assertEquals(2, runs.get());
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

    /**
     * Issue 11, kind 2: WAITERS is set exactly while a waiter of the page is queued. Every way a
     * waiter leaves (woken, cancelled, never queued because its condition held by the time it
     * tested, taken off by an unkeyed wake of another page) takes the bit with it when it was the
     * last; a bit left behind made the page unevictable and undroppable for good.
     */
    @Test
    void theWaitersBitLeavesWithTheLastWaiter() {
        WaitTable table = new WaitTable();
        PageState page = new PageState(table);
        AtomicInteger runs = new AtomicInteger();

        // The condition test sets the bit, then finds the page unlocked (the race the cache hit:
        // the read completed between the request's look at the page and its wait).
        assertTrue(table.waitAsync(page, PageState.UNLOCKED, () -> (page.set(PageState.WAITERS) & PageState.LOCKED) == 0,
                runs::incrementAndGet) == null);
        assertFalse(page.is(PageState.WAITERS), "not queued: no bit");
        assertFalse(page.retryWhenUnlocked(runs::incrementAndGet));
        assertFalse(page.retryWhenWritebackEnds(runs::incrementAndGet));
        page.awaitUnlocked();
        page.awaitWritebackEnded();
        assertFalse(page.is(PageState.WAITERS), "waits that found their condition true leave no bit");

        // A cancelled wait.
        assertTrue(page.tryLock());
        WaitTable.Waiter w = table.waitAsync(page, PageState.UNLOCKED,
                () -> (page.set(PageState.WAITERS) & PageState.LOCKED) == 0, runs::incrementAndGet);
        assertTrue(w != null && page.is(PageState.WAITERS));
        assertTrue(table.cancel(w));
        assertFalse(page.is(PageState.WAITERS), "the cancelled waiter was the last");

        // Two waiters on two conditions: the bit stays until the second leaves.
        page.set(PageState.WRITEBACK);
        assertTrue(page.retryWhenUnlocked(runs::incrementAndGet));
        assertTrue(page.retryWhenWritebackEnds(runs::incrementAndGet));
        page.unlock(0, 0);
        assertTrue(page.is(PageState.WAITERS), "the writeback waiter is still queued");
        page.endWriteback(false);
        assertFalse(page.is(PageState.WAITERS));
        assertEquals(2, runs.get());
        assertEquals(0, table.queuedWaiters());
    }

    @Test
    void anUnkeyedWakeClearsTheBitOfEveryPageItTookTheLastWaiterOf() {
        WaitTable table = new WaitTable(2, false);
        PageState a = new PageState(table);
        PageState b = new PageState(table);
        while (table.bucketIndex(b) != table.bucketIndex(a)) {
            b = new PageState(table);
        }
        PageState other = b;
        assertTrue(a.tryLock());
        assertTrue(other.tryLock());
        AtomicInteger runs = new AtomicInteger();
        assertTrue(a.retryWhenUnlocked(runs::incrementAndGet));
        assertTrue(other.retryWhenUnlocked(runs::incrementAndGet));
        a.unlock(0, 0); // also runs other's waiter, spuriously
        assertEquals(2, runs.get());
        assertEquals(1, table.spuriousWakeups());
        assertFalse(a.is(PageState.WAITERS));
        assertFalse(other.is(PageState.WAITERS), "its only waiter was taken off the list");
        assertEquals(0, table.queuedWaiters());
    }
}
