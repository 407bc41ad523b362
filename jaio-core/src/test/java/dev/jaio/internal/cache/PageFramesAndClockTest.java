package dev.jaio.internal.cache;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PageFramesAndClockTest {

    @Test
    void framesAreAlignedDisjointAndBoundedByTheBudget() {
        try (PageFrames frames = new PageFrames(64 * PageFrames.PAGE_SIZE + 100)) {
            assertEquals(64, frames.capacity(), "the budget is rounded down to whole pages");
            Set<Integer> taken = new HashSet<>();
            for (int i = 0; i < 64; i++) {
                int f = frames.allocate();
                assertTrue(taken.add(f));
                assertEquals(0, frames.frame(f).address() % PageFrames.PAGE_SIZE, "O_DIRECT needs page alignment");
                assertEquals(PageFrames.PAGE_SIZE, frames.frame(f).byteSize());
                frames.frame(f).set(JAVA_LONG, 0, f);
            }
            assertEquals(-1, frames.allocate(), "the budget is a hard limit");
            for (int f : taken) {
                assertEquals(f, frames.frame(f).get(JAVA_LONG, 0), "frames do not overlap");
            }
            frames.release(7);
            assertEquals(7, frames.allocate());
            assertThrows(IllegalArgumentException.class, () -> frames.release(64));
        }
        assertThrows(IllegalArgumentException.class, () -> new PageFrames(100));
    }

    @Test
    void preTouchTakesTheWholeBudgetAtOnceAndFramesStillComeInAddressOrder() {
        int capacity = PageFrames.SLAB_FRAMES + 3; // a partial last slab
        try (PageFrames frames = new PageFrames((long) capacity * PageFrames.PAGE_SIZE)) {
            assertEquals(0, mappedFrames(frames), "lazy by default");
            frames.allocate();
            assertEquals(PageFrames.SLAB_FRAMES, mappedFrames(frames), "one slab at a time");
            frames.preTouch();
            assertEquals(capacity, mappedFrames(frames));
            assertEquals(capacity - 1, frames.available());
            for (int i = 1; i < capacity; i++) {
                int f = frames.allocate();
                assertEquals(i, f, "address order, so that a run of pages gets adjacent frames");
                assertEquals(0L, frames.frame(f).get(JAVA_LONG, PageFrames.PAGE_SIZE - 8), "fresh memory is zero");
            }
            assertEquals(-1, frames.allocate());
            frames.preTouch(); // nothing left to take
            assertEquals(capacity, mappedFrames(frames));
            assertEquals(frames.frame(5).address() + PageFrames.PAGE_SIZE, frames.frame(6).address());
            assertEquals(frames.frame(5).address(), frames.span(5, 3).address());
            assertEquals(3L * PageFrames.PAGE_SIZE, frames.span(5, 3).byteSize());
        }
    }

    /** Frames whose memory is taken from the system (all of them after {@link PageFrames#preTouch()}). */
    private static int mappedFrames(PageFrames frames) {
        synchronized (frames) {
            return frames.mapped;
        }
    }

    private static List<CachedPage> fill(ClockEvictor clock, int n, WaitTable waits) {
        List<CachedPage> pages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CachedPage p = new CachedPage("file", i, i, waits);
            p.set(PageState.UPTODATE);
            clock.placed(p);
            pages.add(p);
        }
        return pages;
    }

    @Test
    void clockGivesRecentlyUsedPagesASecondChance() {
        WaitTable waits = new WaitTable();
        ClockEvictor clock = new ClockEvictor(4);
        List<CachedPage> pages = fill(clock, 4, waits);
        // First sweep clears every reference bit, then frame 0 goes.
        assertEquals(0, clock.evict(p -> true));
        pages.get(1).touch(); // page 1 used again
        assertEquals(2, clock.evict(p -> true), "page 1 was referenced: skipped once");
        assertEquals(3, clock.evict(p -> true));
        assertEquals(1, clock.evict(p -> true), "its second chance used up");
        assertEquals(-1, clock.evict(p -> true), "empty");
    }

    @Test
    void dirtyLockedWritebackAndRequestHeldPagesAreNeverEvicted() {
        WaitTable waits = new WaitTable();
        ClockEvictor clock = new ClockEvictor(6);
        List<CachedPage> pages = fill(clock, 6, waits);
        pages.get(0).set(PageState.DIRTY);
        assertTrue(pages.get(1).tryLock());
        pages.get(2).set(PageState.WRITEBACK);
        pages.get(3).retain(); // a request copies it, or waits for it and will copy it
        // WAITERS is a hint for wakers, not a hold (the kernel's reclaim ignores PG_waiters too):
        // a page that has it and nothing else is idle. Issue 11: such pages were never evicted.
        pages.get(4).set(PageState.WAITERS);
        assertEquals(4, clock.evict(p -> true), "clean and held by nothing");
        assertEquals(5, clock.evict(p -> true), "clean and idle");
        assertEquals(-1, clock.evict(p -> true), "everything left is busy: the caller must write back or wait");
        pages.get(2).endWriteback(false);
        assertEquals(2, clock.evict(p -> true));
        assertFalse(pages.get(3).release(), "the tree's reference is left");
        assertEquals(3, clock.evict(p -> true), "the request let it go");
        assertFalse(pages.get(0).evictable());
    }

    @Test
    void aDetachThatRefusesKeepsThePageResident() {
        WaitTable waits = new WaitTable();
        ClockEvictor clock = new ClockEvictor(2);
        fill(clock, 2, waits);
        assertEquals(1, clock.evict(p -> p.index() == 1), "page 0 refused (it lost a race), page 1 taken");
        assertEquals(0, clock.evict(p -> true), "page 0 is still there");
    }
}
