package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.provider.Engines;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CLOCK, through the production read path: a hit sets the page's reference bit (the kernel's
 * folio_mark_accessed), so a hot set read again and again survives a one-pass scan of a range
 * eight times the cache. Only placing a page used to set the bit: eviction was FIFO, and the scan
 * pushed the hot pages out on every turn of the cache.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CachedClockTest {

    private static final int PAGE = 4096;
    private static final int CACHE_PAGES = 64;
    private static final int HOT_PAGES = 16;
    private static final int SCAN_PAGES = 512;
    private static final int CHUNK = 8;

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestFiles.newDirectory("clock");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestFiles.deleteRecursively(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void aHotSetSurvivesAScanLargerThanTheCache(String engineName) throws Exception {
        String cause = Engines.byName(engineName).unavailabilityCause();
        assumeTrue(cause == null, () -> engineName + " unavailable: " + cause);
        Path path = dir.resolve("f");
        Files.write(path, TestFiles.randomBytes((HOT_PAGES + SCAN_PAGES) * PAGE, 5));
        // No readahead: each read brings in exactly its own pages.
        PageCacheConfig cache = PageCacheConfig.defaults().withBudget((long) CACHE_PAGES * PAGE).withMaxReadahead(0);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName).withPageCache(cache));
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.CACHED);
             Arena arena = Arena.ofShared()) {
            MemorySegment page = arena.allocate(PAGE);
            MemorySegment chunk = arena.allocate((long) CHUNK * PAGE);
            readHotSet(f, page);
            long hotMisses = 0;
            long scanMisses = 0;
            // Counted once the scan has turned the cache over: until then every page still has the
            // bit its placing set, and the hand's first pass clears them all alike.
            int warm = 2 * CACHE_PAGES / CHUNK;
            for (int c = 0; c < SCAN_PAGES / CHUNK; c++) {
                long before = engine.pageCacheStats().misses();
                long at = (long) (HOT_PAGES + c * CHUNK) * PAGE;
                assertEquals(CHUNK * PAGE, (int) f.read(chunk, at).get(10, TimeUnit.SECONDS));
                long afterScan = engine.pageCacheStats().misses();
                scanMisses += afterScan - before;
                readHotSet(f, page);
                if (c >= warm) {
                    hotMisses += engine.pageCacheStats().misses() - afterScan;
                }
            }
            assertTrue(scanMisses >= SCAN_PAGES / CHUNK, "the scan went through the cache: " + scanMisses + " misses");
            assertEquals(0, hotMisses, "hot pages evicted by a one-pass scan; " + engine.pageCacheStats());
        }
    }

    private static void readHotSet(AsyncFile f, MemorySegment page) throws Exception {
        for (int i = 0; i < HOT_PAGES; i++) {
            assertEquals(PAGE, (int) f.read(page, (long) i * PAGE).get(10, TimeUnit.SECONDS));
        }
    }
}
