package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The buffer pool on a real O_DIRECT file: CLOCK victims, agent writes, pins, checksums. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferPoolTest {

    @RegisterExtension
    static final EngineExtension ENGINE = new EngineExtension();

    @TempDir
    Path dir;

    @Test
    void cleanVictimsAreTakenWithoutAgentWrites() throws IOException {
        try (PoolFixture fx = new PoolFixture(ENGINE.engine(), dir, 64, 16, 4); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
            for (long p = 0; p < 64; p++) {
                fx.pool.unfix(fx.pool.fix(p, buf));
            }
            BufferPool.Counters c = fx.pool.counters();
            assertEquals(64, c.misses());
            assertEquals(0, c.agentWrites());
            assertEquals(0, c.frameWaits());
        }
    }

    @Test
    void theCleanersWindowFollowsTheHandsSpeedWithinItsBounds() throws Exception {
        try (PoolFixture fx = new PoolFixture(ENGINE.engine(), dir, 1024, 64, 2, 48); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
            long[] claim = new long[2];
            assertEquals(48, fx.pool.window(), "the most, until the first tuning");
            assertEquals(-1, fx.pool.claimDirty(claim)); // the first look starts the clock
            // The hand moves one tick per miss (every page is new, the pool is full after 64): at
            // one read per 100 us the hand moves 10 ticks/ms, and the lead is at least 3 ms.
            long page = 0;
            long t0 = System.nanoTime();
            while (page < 256 || System.nanoTime() - t0 < 2 * BufferPool.TUNE_NANOS) {
                fx.pool.unfix(fx.pool.fix(page++ % 1024, buf));
            }
            fx.pool.claimDirty(claim);
            int moving = fx.pool.window();
            assertTrue(moving > 2 && moving <= 48, "a moving hand widens the window, within its bounds: " + moving);
            // The hand stops: its smoothed speed decays to nothing, and the window to its least.
            for (int i = 0; i < 100 && fx.pool.window() > 2; i++) {
                TimeUnit.NANOSECONDS.sleep(BufferPool.TUNE_NANOS + 100_000);
                fx.pool.claimDirty(claim);
            }
            assertEquals(2, fx.pool.window(), "a still hand: the least window");
        }
        try (PoolFixture fx = new PoolFixture(ENGINE.engine(), java.nio.file.Files.createDirectories(dir.resolve("fixed")), 1024, 64, 8);
                Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
            long[] claim = new long[2];
            fx.pool.claimDirty(claim);
            for (long page = 0; page < 256; page++) {
                fx.pool.unfix(fx.pool.fix(page, buf));
            }
            TimeUnit.NANOSECONDS.sleep(BufferPool.TUNE_NANOS + 100_000);
            fx.pool.claimDirty(claim);
            assertEquals(8, fx.pool.window(), "a fixed window stays");
            assertTrue(fx.pool.counters().meanWindow() == 8, "and so does its mean");
        }
    }

    @Test
    void underTheDirtyTargetCleanersLeaveDirtyFramesButNeverAScanDepthOfThemInARow() throws IOException {
        // Frames 0-63 hold pages 0-63; runs of 12 dirty frames, then a clean one (12, 25, 38, 51):
        // 60 dirty frames. The hand's first turn clears every reference bit; in its second it
        // passes 0-11 (dirty, under the agent's scan depth) and takes frame 12 for page 64.
        int[] expectUnder = {21, 34, 47, 60}; // the 9th dirty frame of each run in the window 13..60
        for (int target : new int[] {63, 59}) {
            Path d = java.nio.file.Files.createDirectories(dir.resolve("t" + target));
            try (PoolFixture fx = new PoolFixture(ENGINE.engine(), d, 128, 64, 48, 48, target);
                    Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
                for (long p = 0; p < 64; p++) {
                    if (p % 13 == 12) {
                        fx.pool.unfix(fx.pool.fix(p, buf));
                    } else {
                        fx.update(p, 0, buf);
                    }
                }
                assertEquals(60, fx.pool.dirtyFrames());
                fx.pool.unfix(fx.pool.fix(64, buf));
                assertEquals(0, fx.pool.counters().agentWrites());
                int[] frames = new int[64];
                long[] versions = new long[64];
                int n = fx.pool.claimDirty(frames, versions, new long[64], 64);
                int[] claimed = java.util.Arrays.copyOf(frames, n);
                if (target == 63) {
                    assertEquals(java.util.Arrays.toString(expectUnder), java.util.Arrays.toString(claimed),
                            "under the target: the ninth of each run of dirty frames only");
                } else {
                    assertEquals(45, n, "over the target: every dirty frame in the window, " + java.util.Arrays.toString(claimed));
                    assertEquals(13, claimed[0]);
                }
                boolean[] ok = new boolean[n];
                java.util.Arrays.fill(ok, true);
                fx.pool.cleanerWritesDone(frames, versions, ok, n);
                assertEquals(60 - n, fx.pool.dirtyFrames());
                assertEquals(null, fx.pool.checkInvariants());
            }
        }
    }

    @Test
    void onlyDirtyVictimsMakeAnAgentWriteWhichReachesTheFile() throws IOException {
        try (PoolFixture fx = new PoolFixture(ENGINE.engine(), dir, 64, 16, 4); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
            long[] lsn = new long[16];
            for (int p = 0; p < 16; p++) {
                lsn[p] = fx.update(p, p, buf);
            }
            assertEquals(16, fx.pool.dirtyFrames());
            fx.pool.unfix(fx.pool.fix(16, buf)); // every frame is dirty: the agent writes one
            BufferPool.Counters c = fx.pool.counters();
            assertEquals(1, c.agentWrites());
            assertEquals(1, c.frameWaits());
            assertEquals(0, c.cleanerWrites());
            assertEquals(16, fx.pool.dirtyFrames() + 1, "the written frame is clean and holds page 16");
            // the first frame the hand passed twice is page 0's: on disk, sealed, with its change
            try (FileChannel ch = FileChannel.open(fx.db, StandardOpenOption.READ)) {
                MemorySegment page = arena.allocate(PageFormat.PAGE_SIZE);
                ByteBuffer b = page.asByteBuffer();
                ch.read(b, 0);
                assertEquals(PageFormat.Verdict.OK, PageFormat.verify(page, 0));
                assertEquals(lsn[0], PageFormat.lsn(page));
                assertEquals(lsn[0], Database.row(page, 0));
            }
        }
    }

    @Test
    void aPinnedFrameIsNeverEvicted() throws IOException {
        try (PoolFixture fx = new PoolFixture(ENGINE.engine(), dir, 64, 16, 4); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
            int[] pinned = new int[15];
            for (int p = 0; p < 15; p++) {
                pinned[p] = fx.pool.fix(p, buf);
            }
            for (int round = 0; round < 3; round++) {
                for (long p = 15; p < 64; p++) {
                    fx.pool.unfix(fx.pool.fix(p, buf)); // all through the one unpinned frame
                }
            }
            long misses = fx.pool.counters().misses();
            for (int p = 0; p < 15; p++) {
                assertEquals(pinned[p], fx.pool.fix(p, buf), "page " + p + " stayed in its frame");
                assertEquals(p, PageFormat.pageId(fx.pool.frame(pinned[p])));
            }
            assertEquals(misses, fx.pool.counters().misses(), "no pinned page was read again");
        }
    }

    @Test
    void aTornPageIsAnErrorNamingItAndItsFrameIsGivenBack() throws IOException {
        try (PoolFixture fx = new PoolFixture(ENGINE.engine(), dir, 64, 16, 4); Arena arena = Arena.ofConfined()) {
            try (FileChannel ch = FileChannel.open(fx.db, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 5L * PageFormat.PAGE_SIZE + 100);
            }
            MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
            IOException e = assertThrows(IOException.class, () -> fx.pool.fix(5, buf));
            assertTrue(e.getMessage().contains("page 5") && e.getMessage().contains("TORN"), e.getMessage());
            for (long p = 6; p < 6 + 16; p++) {
                fx.pool.unfix(fx.pool.fix(p, buf)); // all 16 frames still usable
            }
        }
    }

    @Test
    void pagesOutsideTheDatabaseAreRefused() throws IOException {
        try (PoolFixture fx = new PoolFixture(ENGINE.engine(), dir, 64, 16, 4); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PageFormat.PAGE_SIZE, 4096);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fx.pool.fix(64, buf));
            assertTrue(e.getMessage().contains("page 64") && e.getMessage().contains("64 pages"), e.getMessage());
        }
    }
}
