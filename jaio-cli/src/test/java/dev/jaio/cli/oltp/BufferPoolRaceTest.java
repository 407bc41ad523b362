package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.IoEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many agents, few frames, no cleaner: every victim is dirty, so agent writes (which let the pool's
 * lock go) race with misses on the same page. No page may end up in two frames, and no committed
 * update may be lost. (An agent write used to hand its frame straight to its page while another
 * agent had read that page into another frame meanwhile: 820 of 31,805 updates were lost.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferPoolRaceTest {

    @TempDir
    Path dir;

    @Test
    void noPageIsCachedTwiceAndNoCommittedUpdateIsLost() throws Exception {
        final int frames = 32;
        final long pages = 48;
        final int agents = 8;
        try (IoEngine engine = IoEngine.open(); PoolFixture fx = new PoolFixture(engine, dir, pages, frames, 4);
                Arena arena = Arena.ofShared()) {
            ConcurrentHashMap<Long, Long> expected = new ConcurrentHashMap<>(); // page * ROWS + row -> highest LSN
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            List<Thread> ts = new ArrayList<>();
            for (int a = 0; a < agents; a++) {
                MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        while (System.nanoTime() < end && failure.get() == null) {
                            long page = ThreadLocalRandom.current().nextLong(pages);
                            int row = ThreadLocalRandom.current().nextInt(Database.ROWS);
                            long lsn = fx.update(page, row, buf);
                            expected.merge(page * Database.ROWS + row, lsn, Math::max);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            assertNull(failure.get());
            assertTrue(fx.pool.counters().agentWrites() > 100, "the race was exercised: " + fx.pool.counters());
            assertNull(fx.pool.checkInvariants());
            fx.pool.flushAll(arena.allocate(PageFormat.PAGE_SIZE, 4096));
            int lost = 0;
            try (FileChannel ch = FileChannel.open(fx.db, StandardOpenOption.READ)) {
                MemorySegment page = arena.allocate(PageFormat.PAGE_SIZE);
                for (var e : expected.entrySet()) {
                    long p = e.getKey() / Database.ROWS;
                    int r = (int) (e.getKey() % Database.ROWS);
                    ch.read(page.asByteBuffer(), p * PageFormat.PAGE_SIZE);
                    assertEquals(PageFormat.Verdict.OK, PageFormat.verify(page, p));
                    if (Database.row(page, r) != e.getValue()) {
                        lost++;
                    }
                }
            }
            assertEquals(0, lost, "committed row updates missing from the file after flushAll, of " + expected.size());
            Database.Verification v = Database.verify(fx.db, fx.logPath);
            assertTrue(v.ok(), v.toString());
        }
    }
}
