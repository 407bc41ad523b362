package dev.jaio.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WaitTableTest {

    private static final int UPTODATE = 0;
    private static final int WRITEBACK_DONE = 1;

    /** Stands in for a page: only its identity matters to the table. */
    private static final class Page {
        final AtomicBoolean uptodate = new AtomicBoolean();
    }

    /** Two distinct pages that hash to the same bucket of {@code table}. */
    private static Page[] collidingPair(WaitTable table) {
        List<Page> seen = new ArrayList<>();
        while (true) {
            Page p = new Page();
            for (Page q : seen) {
                if (table.bucketIndex(q) == table.bucketIndex(p)) {
                    return new Page[] {q, p};
                }
            }
            seen.add(p);
        }
    }

    @Test
    void aWakeRunsOnlyTheWaitersOfItsPageAndCondition() {
        WaitTable table = new WaitTable(16, true);
        Page[] pair = collidingPair(table);
        Page a = pair[0];
        Page b = pair[1];
        List<String> ran = new ArrayList<>();
        assertNotNull(table.waitAsync(a, UPTODATE, a.uptodate::get, () -> ran.add("a-uptodate")));
        assertNotNull(table.waitAsync(a, WRITEBACK_DONE, () -> false, () -> ran.add("a-writeback")));
        assertNotNull(table.waitAsync(b, UPTODATE, b.uptodate::get, () -> ran.add("b-uptodate")));
        b.uptodate.set(true);
        assertEquals(1, table.wake(b, UPTODATE));
        assertEquals(List.of("b-uptodate"), ran);
        a.uptodate.set(true);
        assertEquals(1, table.wake(a, UPTODATE));
        assertEquals(List.of("b-uptodate", "a-uptodate"), ran, "the writeback waiter of the same page stays");
        assertEquals(1, table.wake(a, WRITEBACK_DONE));
        assertEquals(0, table.spuriousWakeups());
        assertTrue(table.collisionsSkipped() >= 2, "the colliding entries were passed over, not run");
    }

    /**
     * The paper's Table 1: two requests retry on two pages that share a hashed queue. Each wake of
     * one page must not run the other's retry. With keyed wakeups there is no spurious retry; with
     * the old unkeyed queues every wake of one kicks the other, which finds its page not ready and
     * queues again: a retry storm.
     */
    @Test
    void collidingPagesNeverKickEachOthersRetriesWhenKeyed() {
        for (boolean keyed : new boolean[] {true, false}) {
            WaitTable table = new WaitTable(16, keyed);
            Page[] pair = collidingPair(table);
            AtomicInteger retries = new AtomicInteger();
            AtomicInteger wastedRetries = new AtomicInteger();
            // A retry continuation: if the page is ready it completes, else it waits again.
            class Retry implements Runnable {
                final Page page;

                Retry(Page page) {
                    this.page = page;
                }

                @Override
                public void run() {
                    retries.incrementAndGet();
                    if (!page.uptodate.get()) {
                        wastedRetries.incrementAndGet();
                        table.waitAsync(page, UPTODATE, page.uptodate::get, this);
                    }
                }
            }
            Page slow = pair[0];
            Page fast = pair[1];
            table.waitAsync(slow, UPTODATE, slow.uptodate::get, new Retry(slow));
            for (int i = 0; i < 100; i++) {
                // a stream of reads completing on the other page of the bucket
                table.waitAsync(fast, UPTODATE, () -> false, () -> { });
                table.wake(fast, UPTODATE);
            }
            slow.uptodate.set(true);
            table.wake(slow, UPTODATE);
            if (keyed) {
                assertEquals(1, retries.get(), "the slow page's retry ran once, when its page was ready");
                assertEquals(0, wastedRetries.get());
                assertEquals(0, table.spuriousWakeups());
            } else {
                assertEquals(100, wastedRetries.get(), "every unrelated wake ran the slow page's retry");
                assertTrue(table.spuriousWakeups() >= 100);
            }
        }
    }

    @Test
    void aConditionAlreadyTrueQueuesNothingAndCancelTakesBackAWaiter() {
        WaitTable table = new WaitTable();
        Page p = new Page();
        p.uptodate.set(true);
        assertNull(table.waitAsync(p, UPTODATE, p.uptodate::get, () -> { throw new AssertionError(); }));
        assertEquals(0, table.wake(p, UPTODATE));
        AtomicBoolean ran = new AtomicBoolean();
        WaitTable.Waiter w = table.waitAsync(p, WRITEBACK_DONE, () -> false, () -> ran.set(true));
        assertTrue(table.cancel(w));
        assertFalse(table.cancel(w));
        assertEquals(0, table.wake(p, WRITEBACK_DONE));
        assertFalse(ran.get());
    }

    @Test
    void blockedThreadsAreWokenAndSeeTheNewState() throws Exception {
        WaitTable table = new WaitTable();
        Page p = new Page();
        CountDownLatch done = new CountDownLatch(4);
        for (int i = 0; i < 4; i++) {
            Thread.ofPlatform().start(() -> {
                table.await(p, UPTODATE, p.uptodate::get);
                assertTrue(p.uptodate.get());
                done.countDown();
            });
        }
        while (table.wakeups() == 0 && done.getCount() == 4) {
            p.uptodate.set(true);
            table.wake(p, UPTODATE);
            Thread.onSpinWait();
        }
        assertTrue(done.await(10, TimeUnit.SECONDS));
    }

    /** Waiters and wakers race on many pages: every waiter completes, none is lost. */
    @Test
    void noWakeupIsLostUnderConcurrency() throws Exception {
        WaitTable table = new WaitTable(8, true);
        int pages = 20_000;
        Page[] all = new Page[pages];
        for (int i = 0; i < pages; i++) {
            all[i] = new Page();
        }
        CountDownLatch completed = new CountDownLatch(pages);
        Thread waker = Thread.ofPlatform().start(() -> {
            for (Page p : all) {
                p.uptodate.set(true);
                table.wake(p, UPTODATE);
            }
        });
        for (Page p : all) {
            if (table.waitAsync(p, UPTODATE, p.uptodate::get, completed::countDown) == null) {
                completed.countDown(); // already uptodate: the caller continues itself
            }
        }
        waker.join();
        assertTrue(completed.await(10, TimeUnit.SECONDS), completed.getCount() + " waiters never woken");
        assertEquals(0, table.spuriousWakeups());
    }
}
