package dev.jaio;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CachedDirtyCountTest {

    /**
     * Writes racing truncates (plain writes, no sync) leak the cache's dirty-page count; once it
     * passes the dirty limit every writer waits forever, and close waits for it forever too.
     * (Engine and file are deliberately not closed on failure: close hangs.)
     */
    @Test
    void truncateRacingWritesKeepsTheDirtyCountRight() throws Exception {
        Path dir = TestFiles.newDirectory("adv-dirty");
        Path path = dir.resolve("f");
        IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine("uring")
                .withPageCache(PageCacheConfig.defaults().withBudget(1L << 20))); // 256 pages, limit 51
        Arena arena = Arena.ofShared();
        AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                FileOption.CACHED);
        MemorySegment src = arena.allocate(256 * 1024);
        src.fill((byte) 1);
        AtomicBoolean stop = new AtomicBoolean();
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            while (!stop.get()) {
                try {
                    f.truncate(0);
                } catch (Exception e) {
                    return;
                }
            }
        });
        long end = System.nanoTime() + 5_000_000_000L;
        int i = 0;
        CompletableFuture<Integer> stuck = null;
        while (System.nanoTime() < end) {
            CompletableFuture<Integer> w = f.write(src, (i++ % 4) * 4096L);
            try {
                w.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                stuck = w;
                break;
            }
        }
        stop.set(true);
        t.join();
        PageCacheStats st = engine.pageCacheStats();
        System.out.println(i + " writes: " + st);
        if (stuck != null) {
            Thread closer = Thread.ofVirtual().start(f::close);
            closer.join(5000);
            fail("write " + i + " waits forever (10 s) over the dirty limit with no page dirty: " + st
                    + (closer.isAlive() ? "; and AsyncFile.close() hangs behind it" : ""));
        }
        f.truncate(0);
        TestFiles.await(f.fsync());
        st = engine.pageCacheStats();
        assertEquals(0, st.dirtyPages(), "file empty and synced, yet dirty pages counted: " + st);
        f.close();
        engine.close();
        arena.close();
        TestFiles.deleteRecursively(dir);
    }
}
