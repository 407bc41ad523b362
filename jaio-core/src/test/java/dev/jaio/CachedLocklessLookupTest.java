package dev.jaio;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lookup of a CACHED read takes no lock (a lock-free tree walk, a reference only on a live
 * page, a second walk): with a cache of a few frames, pages are evicted and their frames reused
 * for other pages all the time while many threads read. A reader must never copy a frame that
 * holds another page than the one it looked up: every page of the file holds its own index in
 * each of its 512 longs, so a copy of a reused frame shows.
 */
class CachedLocklessLookupTest {

    private static final int PAGE = 4096;
    private static final int PAGES = 256;

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("lockless");
    }

    @AfterEach
    void tearDown() throws IOException {
        TestFiles.deleteRecursively(dir);
    }

    @Test
    void readersRacingEvictionAndDropsAlwaysCopyThePageTheyAskedFor() throws Exception {
        Path p = dir.resolve("pages");
        ByteBuffer content = ByteBuffer.allocate(PAGES * PAGE).order(ByteOrder.nativeOrder());
        for (long i = 0; i < PAGES * (PAGE / 8); i++) {
            content.putLong(i / (PAGE / 8));
        }
        Files.write(p, content.array());
        // 16 frames for 256 pages: nearly every read evicts a page, and a hit races a reuse.
        EngineConfig config = EngineConfig.defaults()
                .withPageCache(PageCacheConfig.defaults().withBudget(PageCacheConfig.MIN_BUDGET));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        // Each reader counts down once it did its share; the run lasts as long as that work.
        CountDownLatch quota = new CountDownLatch(8);
        try (IoEngine engine = IoEngine.open(config);
             AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.CACHED)) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    MemorySegment buf = MemorySegment.ofArray(new long[PAGE / 8]);
                    int done = 0;
                    try {
                        while (!stop.get() && failure.get() == null) {
                            // Mostly a few hot pages (hits), sometimes any page (misses that evict).
                            long index = rnd.nextInt(4) == 0 ? rnd.nextInt(PAGES) : rnd.nextInt(8);
                            assertEquals(PAGE, TestFiles.await(f.read(buf, index * PAGE)));
                            for (int i = 0; i < PAGE / 8; i += 64) {
                                long got = buf.getAtIndex(JAVA_LONG, i);
                                if (got != index) {
                                    throw new AssertionError("page " + index + " read as page " + got + " at long " + i);
                                }
                            }
                            reads.incrementAndGet();
                            if (++done == 5000) {
                                quota.countDown();
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            // Meanwhile drop the hot pages again and again (DONTNEED drops idle pages of jaio's cache).
            Thread dropper = Thread.ofPlatform().start(() -> {
                try {
                    while (!stop.get() && failure.get() == null) {
                        f.advise(0, 8L * PAGE, FileAdvice.DONTNEED);
                        Thread.onSpinWait();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            awaitQuota(quota, failure);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            dropper.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            PageCacheStats s = engine.pageCacheStats();
            assertTrue(reads.get() > 1000, "reads " + reads.get());
            assertTrue(s.evictions() > 100 && s.hits() > 100, s.toString());
            assertTrue(engine.fastPathStats().cachedHits() > 100, engine.fastPathStats().toString());
        }
    }

    /**
     * Another handle keeps rewriting the hot pages (each write drops their cached copies), and a
     * read that starts after a write of a page completed must see that write or a later one: a
     * lookup that kept a page dropped before the read began (a reference taken on it through
     * another reader's, with no second look) would copy the older version it holds. That window
     * is a few instructions wide, so this stress run rarely meets it; it holds the property for
     * the lookup, the drops and the re-reads together.
     */
    @Test
    void aReadThatStartsAfterAWriteCompletedNeverSeesTheOlderPage() throws Exception {
        Path p = dir.resolve("versions");
        int hot = 4;
        Files.write(p, new byte[PAGES * PAGE]);
        AtomicLong[] completed = new AtomicLong[hot];
        for (int i = 0; i < hot; i++) {
            completed[i] = new AtomicLong();
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong checked = new AtomicLong();
        // Each reader counts down once it did its share of reads and every hot page was rewritten often.
        CountDownLatch quota = new CountDownLatch(4);
        EngineConfig config = EngineConfig.defaults()
                .withPageCache(PageCacheConfig.defaults().withBudget(PageCacheConfig.MIN_BUDGET * 4));
        try (IoEngine engine = IoEngine.open(config);
             AsyncFile cached = AsyncFile.open(engine, p, FileOption.READ, FileOption.CACHED);
             AsyncFile writer = AsyncFile.open(engine, p, FileOption.WRITE);
             IoBuffer wbuf = writer.allocateBuffer(PAGE)) {
            Thread w = Thread.ofPlatform().start(() -> {
                try {
                    for (long version = 1; !stop.get() && failure.get() == null; version++) {
                        int index = (int) (version % hot);
                        for (int i = 0; i < PAGE / 8; i++) {
                            wbuf.segment().setAtIndex(JAVA_LONG, i, version << 20 | index);
                        }
                        TestFiles.await(writer.write(wbuf.segment().asSlice(0, PAGE), (long) index * PAGE));
                        completed[index].set(version);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                readers.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    MemorySegment buf = MemorySegment.ofArray(new long[PAGE / 8]);
                    int done = 0;
                    boolean counted = false;
                    try {
                        while (!stop.get() && failure.get() == null) {
                            int index = rnd.nextInt(hot);
                            long floor = completed[index].get();
                            assertEquals(PAGE, TestFiles.await(cached.read(buf, (long) index * PAGE)));
                            for (int i = 0; i < PAGE / 8; i += 32) {
                                long v = buf.getAtIndex(JAVA_LONG, i);
                                if (floor > 0 && ((v & 0xfffff) != index || (v >>> 20) < floor)) {
                                    throw new AssertionError("page " + index + " read version " + (v >>> 20) + " of page "
                                            + (v & 0xfffff) + " after version " + floor + " was written");
                                }
                            }
                            checked.incrementAndGet();
                            if (++done >= 3000 && !counted && completed[0].get() >= 50 * hot) {
                                counted = true;
                                quota.countDown();
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            awaitQuota(quota, failure);
            stop.set(true);
            w.join();
            for (Thread t : readers) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertTrue(checked.get() > 1000 && completed[1].get() > 10,
                    "reads " + checked.get() + ", writes of page 1 " + completed[1].get());
        }
    }

    /** Waits until every racing thread did its share, or one failed (which the caller then throws). */
    private static void awaitQuota(CountDownLatch quota, AtomicReference<Throwable> failure) throws InterruptedException {
        while (failure.get() == null && !quota.await(100, TimeUnit.MILLISECONDS)) {
            // the latch, or a failure, ends the wait
        }
    }
}
