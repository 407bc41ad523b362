package dev.jaio.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.EngineConfig;
import dev.jaio.IoEngine;
import dev.jaio.internal.provider.Engines;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link JaioAsynchronousFileChannel} against the contract of
 * {@link java.nio.channels.AsynchronousFileChannel}, clause by clause, on every engine: reads and
 * writes with futures and with handlers (on the executor, with the attachment), -1 at the end of
 * the file, heap, direct and segment-backed buffers, size, truncate, force, locks (within the JVM and
 * against another process's JDK locks), close with operations pending, and the open options.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JaioAsynchronousFileChannelTest {

    private static final int PAGE = 4096;
    /** The JDK's {@code com.sun.nio.file.ExtendedOpenOption.DIRECT}, looked up by name (an internal API). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final OpenOption EXTENDED_DIRECT = (OpenOption) Enum.valueOf((Class<? extends Enum>) loadClass(
            "com.sun.nio.file.ExtendedOpenOption"), "DIRECT");

    private static Class<?> loadClass(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    private Path dir;
    private IoEngine engine;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("jaio-nio");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (engine != null) {
            engine.close();
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void useEngine(String name) throws IOException {
        String cause = Engines.byName(name).unavailabilityCause();
        assumeTrue(cause == null, () -> name + " unavailable: " + cause);
        engine = IoEngine.open(EngineConfig.defaults().withEngine(name));
    }

    private JaioAsynchronousFileChannel open(Path p, OpenOption... options) throws IOException {
        OpenOption[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = JaioOpenOption.engine(engine);
        JaioAsynchronousFileChannel ch = JaioAsynchronousFileChannel.open(p, all);
        toClose.add(ch);
        return ch;
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static <T> T get(Future<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static Throwable failureOf(Future<?> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return e.getCause();
    }

    // ---- reads and writes ----

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void futuresReadAndWriteHeapDirectAndSegmentBuffersAndAdvanceTheirPositions(String engineName) throws Exception {
        useEngine(engineName);
        byte[] data = bytes(3 * PAGE + 100, 1);
        Path p = file("rw", new byte[0]);
        AsynchronousFileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer heap = ByteBuffer.wrap(data);
        assertEquals(data.length, get(ch.write(heap, 0)));
        assertEquals(data.length, heap.position(), "the buffer's position advanced by the count");
        ByteBuffer direct = ByteBuffer.allocateDirect(50);
        direct.put(new byte[] {9, 9, 9}).flip();
        assertEquals(3, get(ch.write(direct, 10)));
        assertFalse(direct.hasRemaining());
        data[10] = data[11] = data[12] = 9;
        assertArrayEquals(data, Files.readAllBytes(p));

        ByteBuffer back = ByteBuffer.allocate(data.length + 10);
        back.position(5);
        assertEquals(data.length, get(ch.read(back, 0)), "a read stops at the end of the file");
        assertEquals(5 + data.length, back.position());
        assertArrayEquals(data, Arrays.copyOfRange(back.array(), 5, 5 + data.length));

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(PAGE);
            ByteBuffer overSegment = seg.asByteBuffer();
            assertEquals(PAGE, get(ch.read(overSegment, PAGE)));
            assertArrayEquals(Arrays.copyOfRange(data, PAGE, 2 * PAGE),
                    seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        ByteBuffer empty = ByteBuffer.allocate(0);
        assertEquals(0, get(ch.read(empty, 0)), "nothing to read into: 0, not -1");
        assertEquals(0, get(ch.write(empty, 0)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void aReadAtOrPastTheEndOfTheFileReturnsMinusOne(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("eof", bytes(1000, 2));
        AsynchronousFileChannel ch = open(p);
        ByteBuffer b = ByteBuffer.allocate(100);
        assertEquals(-1, get(ch.read(b, 1000)));
        assertEquals(-1, get(ch.read(b, 1 << 20)));
        assertEquals(0, b.position(), "-1 moves nothing");
        assertEquals(40, get(ch.read(b, 960)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void handlersRunOnTheChannelsExecutorWithTheirAttachment(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("h", bytes(PAGE, 3));
        AtomicInteger made = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> new Thread(r, "test-pool-" + made.incrementAndGet()));
        try {
            JaioAsynchronousFileChannel ch = JaioAsynchronousFileChannel.open(p,
                    Set.of(StandardOpenOption.READ, JaioOpenOption.engine(engine)), pool);
            toClose.add(ch);
            CompletableFuture<String> seen = new CompletableFuture<>();
            ch.read(ByteBuffer.allocate(PAGE), 0, "attachment", new CompletionHandler<Integer, String>() {
                @Override
                public void completed(Integer result, String attachment) {
                    seen.complete(result + " " + attachment + " " + Thread.currentThread().getName());
                }

                @Override
                public void failed(Throwable exc, String attachment) {
                    seen.completeExceptionally(exc);
                }
            });
            String s = seen.get(30, TimeUnit.SECONDS);
            assertTrue(s.startsWith(PAGE + " attachment test-pool-"), s);
            ch.close();
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            ch.read(ByteBuffer.allocate(1), 0, null, new CompletionHandler<Integer, Object>() {
                @Override
                public void completed(Integer result, Object attachment) {
                    failed.complete(null);
                }

                @Override
                public void failed(Throwable exc, Object attachment) {
                    failed.complete(exc);
                }
            });
            assertInstanceOf(ClosedChannelException.class, failed.get(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void withoutAnExecutorHandlersRunOnTheDefaultPoolNotTheEnginesThread(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("d", bytes(PAGE, 4));
        AsynchronousFileChannel ch = open(p);
        CompletableFuture<Thread> on = new CompletableFuture<>();
        ch.read(ByteBuffer.allocateDirect(PAGE), 0, null, new CompletionHandler<Integer, Object>() {
            @Override
            public void completed(Integer result, Object attachment) {
                on.complete(Thread.currentThread());
            }

            @Override
            public void failed(Throwable exc, Object attachment) {
                on.completeExceptionally(exc);
            }
        });
        Thread t = on.get(30, TimeUnit.SECONDS);
        assertTrue(t.getName().startsWith("jaio-nio-handler-") && t.isVirtual(), t::toString);
    }

    @Test
    void theDefaultPoolHonoursTheJdksProperties() throws Exception {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) HandlerPool.create(NamedFactory.class.getName(), "3");
        try {
            assertEquals(0, pool.getCorePoolSize(), "a cached pool, as the JDK's default: no thread kept idle");
            assertEquals("named-by-test", pool.submit(() -> Thread.currentThread().getName()).get());
        } finally {
            pool.shutdownNow();
        }
        ThreadPoolExecutor sized = (ThreadPoolExecutor) HandlerPool.create(null, "1");
        try {
            Thread t = sized.submit(Thread::currentThread).get();
            assertTrue(!t.isVirtual() && t.isDaemon() && t.getName().startsWith("jaio-nio-pool-"), t::toString);
        } finally {
            sized.shutdownNow();
        }
        ExecutorService virtual = HandlerPool.create(null, null);
        try {
            assertTrue(virtual.submit(Thread::currentThread).get().isVirtual(), "neither property: virtual threads");
        } finally {
            virtual.shutdownNow();
        }
        assertThrows(Error.class, () -> HandlerPool.create(null, "x"));
        assertThrows(Error.class, () -> HandlerPool.create(String.class.getName(), null));
    }

    /** A thread factory named in the JDK's property. */
    public static final class NamedFactory implements java.util.concurrent.ThreadFactory {
        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "named-by-test");
            t.setDaemon(true);
            return t;
        }
    }

    // ---- invalid arguments and closed channels ----

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void badArgumentsAreRefusedOnTheCallingThread(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("bad", bytes(PAGE, 5));
        AsynchronousFileChannel ro = open(p, StandardOpenOption.READ);
        AsynchronousFileChannel wo = open(p, StandardOpenOption.WRITE);
        ByteBuffer b = ByteBuffer.allocate(10);
        assertThrows(IllegalArgumentException.class, () -> ro.read(b, -1));
        assertThrows(IllegalArgumentException.class, () -> ro.read(b.asReadOnlyBuffer(), 0));
        assertThrows(NonReadableChannelException.class, () -> wo.read(b, 0));
        assertThrows(NonWritableChannelException.class, () -> ro.write(b, 0));
        assertThrows(IllegalArgumentException.class, () -> wo.write(b, -5));
        assertThrows(NullPointerException.class, () -> ro.read(b, 0, null, null));
        assertThrows(IllegalArgumentException.class, () -> wo.truncate(-1));
        assertThrows(NonWritableChannelException.class, () -> ro.truncate(0));
        assertThrows(IllegalArgumentException.class, () -> wo.tryLock(-1, 10, false));
        assertThrows(IllegalArgumentException.class, () -> wo.tryLock(0, -10, false));
        assertThrows(IllegalArgumentException.class, () -> wo.tryLock(Long.MAX_VALUE, 10, false));
        assertThrows(NonReadableChannelException.class, () -> wo.tryLock(0, 10, true));
        assertThrows(NonWritableChannelException.class, () -> ro.lock(0, 10, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void aClosedChannelRefusesEverything(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("closed", bytes(PAGE, 6));
        AsynchronousFileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        assertTrue(ch.isOpen());
        ch.close();
        ch.close(); // no effect
        assertFalse(ch.isOpen());
        assertInstanceOf(ClosedChannelException.class, failureOf(ch.read(ByteBuffer.allocate(1), 0)));
        assertInstanceOf(ClosedChannelException.class, failureOf(ch.write(ByteBuffer.allocate(1), 0)));
        assertInstanceOf(ClosedChannelException.class, failureOf(ch.lock()));
        assertThrows(ClosedChannelException.class, ch::size);
        assertThrows(ClosedChannelException.class, () -> ch.truncate(0));
        assertThrows(ClosedChannelException.class, () -> ch.force(true));
        assertThrows(ClosedChannelException.class, () -> ch.tryLock());
    }

    // ---- size, truncate, force ----

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void truncateShrinksButNeverGrowsAndForceSyncs(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("t", bytes(3 * PAGE, 7));
        AsynchronousFileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        assertEquals(3 * PAGE, ch.size());
        assertSame(ch, ch.truncate(10 * PAGE));
        assertEquals(3 * PAGE, ch.size(), "a larger size leaves the file as it is");
        ch.truncate(PAGE + 1);
        assertEquals(PAGE + 1, ch.size());
        assertEquals(PAGE + 1, Files.size(p));
        assertEquals(-1, get(ch.read(ByteBuffer.allocate(10), PAGE + 1)));
        assertEquals(5, get(ch.write(ByteBuffer.wrap(new byte[5]), 2 * PAGE)));
        ch.force(false);
        ch.force(true);
        assertEquals(2 * PAGE + 5, Files.size(p));
    }

    // ---- locks ----

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void locksWithinTheJvmOverlapOnlyOnceAndGoWithReleaseOrClose(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("l", bytes(PAGE, 8));
        AsynchronousFileChannel a = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        AsynchronousFileChannel b = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock la = a.tryLock(0, 100, false);
        assertNotNull(la);
        assertTrue(la.isValid() && !la.isShared() && la.acquiredBy() == a);
        assertThrows(OverlappingFileLockException.class, () -> b.tryLock(50, 100, true));
        assertThrows(OverlappingFileLockException.class, () -> a.tryLock(99, 1, false));
        assertThrows(OverlappingFileLockException.class, () -> b.lock(0, 10, false));
        FileLock lb = get(b.lock(100, 100, false));
        assertTrue(lb.isValid());
        la.release();
        assertFalse(la.isValid());
        la.release(); // no effect once invalid
        FileLock again = b.tryLock(0, 100, true);
        assertNotNull(again, "released: the range is free");
        assertTrue(again.isShared());
        b.close();
        assertFalse(lb.isValid() || again.isValid(), "closing the channel invalidates its locks");
        assertThrows(ClosedChannelException.class, lb::release);
        FileLock whole = a.tryLock();
        assertNotNull(whole, "b's locks went with its close");
        assertEquals(Long.MAX_VALUE, whole.size());
        whole.close();
    }

    /**
     * Another process holds an exclusive lock through the JDK's FileChannel (a classic fcntl record
     * lock): tryLock finds it and returns null, lock() waits until the process lets go, and while
     * jaio holds its lock the other process's JDK tryLock finds jaio's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"uring"})
    void locksConflictWithAnotherProcesssJdkLocks(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("x", bytes(PAGE, 9));
        Path src = dir.resolve("Holder.java");
        Files.writeString(src, """
                import java.nio.channels.*; import java.nio.file.*;
                public class Holder {
                    public static void main(String[] a) throws Exception {
                        try (FileChannel ch = FileChannel.open(Path.of(a[0]), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                            if (a[1].equals("hold")) {
                                FileLock l = ch.lock();
                                System.out.println("locked"); System.out.flush();
                                System.in.read(); // until the test says so
                                l.release();
                                System.out.println("released"); System.out.flush();
                            } else {
                                System.out.println(ch.tryLock(0, 100, false) == null ? "busy" : "free");
                            }
                        }
                    }
                }
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(java, src.toString(), p.toString(), "hold").redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                StandardCharsets.UTF_8)); OutputStream in = holder.getOutputStream()) {
            assertEquals("locked", out.readLine());
            AsynchronousFileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
            assertNull(ch.tryLock(0, 10, false), "the other process holds the whole file");
            Future<FileLock> waiting = ch.lock(0, 10, false);
            assertFalse(waiting.isDone());
            in.write('\n');
            in.flush();
            assertEquals("released", out.readLine());
            FileLock l = get(waiting);
            assertTrue(l.isValid());
            Process probe = new ProcessBuilder(java, src.toString(), p.toString(), "probe").redirectErrorStream(true)
                    .start();
            assertEquals("busy", new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
            l.release();
            Process probe2 = new ProcessBuilder(java, src.toString(), p.toString(), "probe").redirectErrorStream(true)
                    .start();
            assertEquals("free", new String(probe2.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        } finally {
            holder.destroyForcibly();
        }
    }

    // ---- close with operations pending ----

    /** A lock() waiting for another channel's lock is pending: close fails it with AsynchronousCloseException. */
    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void closeFailsPendingOperationsWithAsynchronousCloseException(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("c", bytes(PAGE, 10));
        AsynchronousFileChannel holder = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock held = holder.tryLock(0, 10, false);
        assertNotNull(held);
        // Another JVM-level channel cannot overlap (OverlappingFileLockException); the wait is
        // for the kernel's lock of a region this JVM's table does not know: taken outside jaio.
        held.release();
        try (var other = java.nio.channels.FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // The JDK's channel takes a classic record lock, owned by this process; an OFD lock of a
            // jaio channel conflicts with it all the same.
            FileLock jdk = other.lock(0, 10, false);
            AsynchronousFileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
            CompletableFuture<Throwable> viaHandler = new CompletableFuture<>();
            ch.lock(0, 10, false, null, new CompletionHandler<FileLock, Object>() {
                @Override
                public void completed(FileLock result, Object attachment) {
                    viaHandler.complete(null);
                }

                @Override
                public void failed(Throwable exc, Object attachment) {
                    viaHandler.complete(exc);
                }
            });
            assertThrows(OverlappingFileLockException.class, () -> ch.lock(5, 10, false),
                    "a pending lock counts as held within the JVM");
            ch.close();
            assertInstanceOf(AsynchronousCloseException.class, viaHandler.get(30, TimeUnit.SECONDS));
            jdk.release();
        }
        FileLock free = holder.tryLock(0, 10, false);
        assertNotNull(free, "the closed channel's pending lock left nothing in the JVM's table");
    }

    /** Reads in flight when close comes: each ends with its count or AsynchronousCloseException, none hangs. */
    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void closeUnderLoadEndsEveryOperation(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("load", bytes(64 * PAGE, 11));
        AsynchronousFileChannel ch = open(p);
        List<Future<Integer>> reads = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            reads.add(ch.read(ByteBuffer.allocateDirect(PAGE), (long) (i % 64) * PAGE));
        }
        ch.close();
        for (Future<Integer> f : reads) {
            try {
                assertEquals(PAGE, f.get(30, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            }
        }
    }

    // ---- open options ----

    @ParameterizedTest
    @ValueSource(strings = {"uring"})
    void openOptionsMeanWhatTheyMeanForTheJdk(String engineName) throws Exception {
        useEngine(engineName);
        Path missing = dir.resolve("missing");
        assertThrows(NoSuchFileException.class, () -> open(missing));
        assertThrows(NoSuchFileException.class, () -> open(missing, StandardOpenOption.CREATE),
                "CREATE without WRITE is ignored");
        assertThrows(UnsupportedOperationException.class,
                () -> open(missing, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
        assertThrows(UnsupportedOperationException.class, () -> open(missing, new OpenOption() { }));
        open(missing, StandardOpenOption.WRITE, StandardOpenOption.CREATE).close();
        assertTrue(Files.exists(missing));
        assertThrows(FileAlreadyExistsException.class,
                () -> open(missing, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW));

        Path t = file("trunc", bytes(100, 12));
        open(t, StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING).close();
        assertEquals(100, Files.size(t), "TRUNCATE_EXISTING without WRITE is ignored");
        open(t, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING).close();
        assertEquals(0, Files.size(t));

        Path gone = file("gone", bytes(100, 13));
        AsynchronousFileChannel d = open(gone, StandardOpenOption.READ, StandardOpenOption.DELETE_ON_CLOSE);
        assertEquals(100, get(d.read(ByteBuffer.allocate(200), 0)));
        d.close();
        assertFalse(Files.exists(gone));

        Path perms = dir.resolve("perms");
        JaioAsynchronousFileChannel c = JaioAsynchronousFileChannel.open(perms,
                Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW, JaioOpenOption.engine(engine)), null,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        c.close();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(perms)));

        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, t);
        assertThrows(FileSystemException.class, () -> open(link, LinkOption.NOFOLLOW_LINKS));
        open(link).close();

        JaioAsynchronousFileChannel direct = open(t, StandardOpenOption.READ,
                EXTENDED_DIRECT);
        assertTrue(direct.asyncFile().isDirect());
        Throwable misaligned = failureOf(direct.read(ByteBuffer.allocateDirect(100), 3));
        assertInstanceOf(IOException.class, misaligned);
        JaioAsynchronousFileChannel cached = open(t, StandardOpenOption.READ, JaioOpenOption.CACHED);
        assertTrue(cached.asyncFile().isCached());
        assertSame(engine, cached.asyncFile().engine());
        assertThrows(IllegalArgumentException.class,
                () -> open(t, JaioOpenOption.CACHED, EXTENDED_DIRECT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void aCachedChannelReadsItsOwnAndOtherChannelsWrites(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("coh", bytes(4 * PAGE, 14));
        AsynchronousFileChannel cached = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE,
                JaioOpenOption.CACHED);
        AsynchronousFileChannel plain = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer b = ByteBuffer.allocate(4 * PAGE);
        assertEquals(4 * PAGE, get(cached.read(b, 0))); // cached now
        assertEquals(3, get(plain.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), PAGE + 7)));
        ByteBuffer r = ByteBuffer.allocate(3);
        assertEquals(3, get(cached.read(r, PAGE + 7)));
        assertArrayEquals(new byte[] {1, 2, 3}, r.array());
        assertEquals(2, get(cached.write(ByteBuffer.wrap(new byte[] {7, 8}), 10)));
        ByteBuffer r2 = ByteBuffer.allocate(2);
        assertEquals(2, get(plain.read(r2, 10)));
        assertArrayEquals(new byte[] {7, 8}, r2.array());
    }
}
