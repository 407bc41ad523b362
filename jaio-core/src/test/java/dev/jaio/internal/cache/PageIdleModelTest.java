package dev.jaio.internal.cache;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.engine.EventLoop;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.provider.Engines;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The model of a page's life (issue 11, kind 2): every holder of a page is transient (a device
 * read's lock and reference, a request's reference while it copies, a waiter's WAITERS bit), so
 * once every request and device read has ended every page in the cache is idle: unlocked, not
 * waited on, referenced by its file's tree alone, and so evictable and droppable; no waiter is
 * left in the wait table; and every frame in use belongs to a page in a tree.
 *
 * <p>The load mixes what makes holders come and go in odd orders on a cache much smaller than the
 * file: concurrent random reads (small, 16 KiB, and longer than a request's held range), RWF_NOWAIT
 * reads, reads past the end of the file, DONTNEED and invalidations of ranges being read, and
 * blocking waiters on the page that ends the file; with keyed and unkeyed wait tables, on every
 * engine. Every read's bytes are checked, and every read must complete within 10 s.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PageIdleModelTest {

    private static final int PAGE = PageFrames.PAGE_SIZE;
    /** Not a whole number of pages: the last page is partial, and is the blocking waiters' page. */
    private static final int FILE_SIZE = (8 << 20) - 1000;
    private static final int FRAMES = 64;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(2000);

    private Path dir;
    private int directFd = -1;
    private int bufferedFd = -1;

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

        synchronized void awaitIdle(long timeoutMillis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMillis;
            while (ops > 0) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    fail(ops + " device reads of the cache never completed");
                }
                wait(left);
            }
        }
    }

    /** A read's owner and future: the cache's request reports here. */
    private static final class Read extends CompletableFuture<Long> implements RequestOwner {
        private final CachedRead request;

        Read(CacheHandle h, MemorySegment dst, long position, boolean nowait) {
            this.request = new CachedRead(h, dst, null, position, dst.byteSize(), nowait, this);
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

    static Stream<Arguments> enginesAndTables() {
        List<Arguments> all = new ArrayList<>();
        for (String engine : List.of("threads", "uring", "aio")) {
            for (boolean keyed : new boolean[] {true, false}) {
                all.add(Arguments.of(engine, keyed));
            }
        }
        return all.stream();
    }

    @BeforeEach
    void setUp() throws IOException {
        Path base = Path.of(System.getProperty("jaio.test.dir", "target/jaio-test-files"));
        Files.createDirectories(base);
        dir = Files.createTempDirectory(base.toAbsolutePath(), "page-idle");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (directFd >= 0) {
            Libc.close(directFd);
        }
        if (bufferedFd >= 0) {
            Libc.close(bufferedFd);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static int open(Path path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            long fd = Libc.open(a.allocateFrom(path.toString()), flags, 0);
            assumeTrue(fd >= 0, () -> "cannot open " + path + " with flags " + flags + ": errno " + -fd);
            return (int) fd;
        }
    }

    @ParameterizedTest(name = "{0}, keyed={1}")
    @MethodSource("enginesAndTables")
    void everyPageIsIdleOnceEveryRequestHasEnded(String engine, boolean keyed) throws Exception {
        String cause = Engines.byName(engine).unavailabilityCause();
        assumeTrue(cause == null, () -> engine + " unavailable: " + cause);
        Path path = dir.resolve("model.dat");
        byte[] data = new byte[FILE_SIZE];
        new SplittableRandom(21).nextBytes(data);
        Files.write(path, data);
        directFd = open(path, Fcntl.O_RDONLY | Fcntl.O_DIRECT);
        bufferedFd = open(path, Fcntl.O_RDONLY);
        EventLoop loop = new EventLoop(Engines.byName(engine).openQueue(new QueueOptions(64, true, 2, 0)),
                "page-idle-" + engine);
        try (PageCache cache = new PageCache((long) FRAMES * PAGE, 64 << 10, keyed, loop)) {
            FileCache file = cache.acquire("model", FILE_SIZE);
            Ops ops = new Ops();
            CacheHandle h = new CacheHandle(file, false, directFd, bufferedFd, ops);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicBoolean stop = new AtomicBoolean();
            long deadline = System.nanoTime() + RUN_NANOS;
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = 100 + t;
                threads.add(Thread.ofPlatform().name("model-reader-" + t).start(() -> {
                    try {
                        readers(h, data, new SplittableRandom(seed), deadline, stop);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        stop.set(true);
                    }
                }));
            }
            threads.add(Thread.ofPlatform().name("model-dropper").start(() -> {
                SplittableRandom rnd = new SplittableRandom(7);
                long lastPage = (FILE_SIZE - 1) / PAGE;
                // Only in the first half: in the second the readers alone decide what stays, so a
                // page they leave busy is not cleaned up by an invalidation before the check.
                long dropUntil = deadline - RUN_NANOS / 2;
                try {
                    while (!stop.get() && System.nanoTime() - dropUntil < 0) {
                        long first = rnd.nextLong(lastPage + 1);
                        long last = Math.min(lastPage, first + rnd.nextInt(32));
                        switch (rnd.nextInt(3)) {
                            case 0 -> file.dropIdle(first, last); // DONTNEED
                            case 1 -> file.invalidate(first, last); // pages being read go STALE
                            default -> file.endTruncate(FILE_SIZE); // blocks on the last page's lock
                        }
                        Thread.onSpinWait();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    stop.set(true);
                }
            }));
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            ops.awaitIdle(10_000);

            // The model: nothing holds or waits for any page.
            assertEquals(0, cache.waits().queuedWaiters(), "waiters left in the wait table");
            List<String> busy = new ArrayList<>();
            int[] inTree = new int[1];
            PageTrees.forEachPage(file, p -> {
                inTree[0]++;
                int s = p.get();
                int transient_ = PageState.LOCKED | PageState.WAITERS | PageState.WRITEBACK | PageState.DIRTY
                        | PageState.STALE;
                if ((s & transient_) != 0 || p.refs() != 1 || !p.evictable()) {
                    busy.add(p + " refs " + p.refs());
                }
            });
            assertTrue(busy.isEmpty(), busy.size() + " of " + inTree[0] + " pages not idle: " + busy);
            PageCache.Stats s = cache.stats();
            assertTrue(s.evictions() > 0, "the load must overflow the cache: " + s);
            assertEquals(inTree[0], s.residentPages(), "frames held by pages out of the tree: " + s);
            file.dropIdle(0, FileCache.MAX_INDEX);
            assertEquals(0, PageTrees.cachedPages(file), "DONTNEED left pages");
            assertEquals(0, cache.stats().residentPages(), "DONTNEED left frames in use");
            cache.release(file);
        } finally {
            loop.close();
        }
    }

    /** Batches of 1 to 4 concurrent reads until the deadline; each must complete with the right bytes. */
    private static void readers(CacheHandle h, byte[] data, SplittableRandom rnd, long deadline, AtomicBoolean stop)
            throws Exception {
        Read[] reads = new Read[4];
        MemorySegment[] bufs = new MemorySegment[4];
        long[] positions = new long[4];
        boolean[] nowait = new boolean[4];
        while (!stop.get() && System.nanoTime() - deadline < 0) {
            int n = 1 + rnd.nextInt(4);
            for (int i = 0; i < n; i++) {
                int len = switch (rnd.nextInt(8)) {
                    case 0 -> 1 + rnd.nextInt(PAGE);
                    case 1 -> 300 << 10; // longer than a request's held range (64 pages)
                    default -> 16 << 10;
                };
                // Now and then past the end of the file, or straddling it.
                long pos = rnd.nextInt(16) == 0 ? FILE_SIZE - rnd.nextInt(2 * PAGE) : rnd.nextLong(FILE_SIZE);
                bufs[i] = Arena.ofAuto().allocate(len);
                positions[i] = pos;
                nowait[i] = rnd.nextInt(8) == 0;
                reads[i] = new Read(h, bufs[i], pos, nowait[i]);
                reads[i].start();
            }
            for (int i = 0; i < n; i++) {
                long r;
                try {
                    r = reads[i].get(10, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("a cached read of " + bufs[i].byteSize() + " bytes at " + positions[i]
                            + " did not complete within 10 s: " + h.file().cache().stats(), e);
                }
                long pos = positions[i];
                long want = Math.max(0, Math.min(bufs[i].byteSize(), FILE_SIZE - pos));
                if (r == -Errno.EAGAIN) {
                    continue; // RWF_NOWAIT found nothing cached
                }
                if (r < 0 || r > want || (r < want && !nowait[i])) {
                    fail("read of " + bufs[i].byteSize() + " at " + pos + " returned " + r + ", wanted " + want);
                }
                if (!Arrays.equals(data, (int) pos, (int) (pos + r), bufs[i].asSlice(0, r).toArray(JAVA_BYTE), 0,
                        (int) r)) {
                    fail("wrong bytes in the read of " + r + " at " + pos);
                }
            }
        }
    }
}
