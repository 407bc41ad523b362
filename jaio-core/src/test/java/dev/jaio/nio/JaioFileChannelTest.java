package dev.jaio.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.EngineConfig;
import dev.jaio.IoEngine;
import dev.jaio.internal.provider.Engines;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileLockInterruptionException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link JaioFileChannel} against the contract of {@link FileChannel}, on every engine: relative and
 * positional reads and writes, scatter/gather, -1 at the end, position, size, truncate (with the
 * position), force, APPEND, transfers, map, locks, interrupts ({@link ClosedByInterruptException},
 * {@link FileLockInterruptionException}), and that virtual threads park in it instead of pinning
 * or multiplying carriers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JaioFileChannelTest {

    private static final int PAGE = 4096;
    /** The JDK's {@code com.sun.nio.file.ExtendedOpenOption.DIRECT}, looked up by name (an internal API). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final OpenOption DIRECT = (OpenOption) Enum.valueOf((Class<? extends Enum>) loadClass(
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
        dir = Files.createTempDirectory("jaio-fc");
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

    private JaioFileChannel open(Path p, OpenOption... options) throws IOException {
        OpenOption[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = JaioOpenOption.engine(engine);
        JaioFileChannel ch = JaioFileChannel.open(p, all);
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

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void channelsOfDifferentEnginesAndModesSeeEachOthersWrites(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("coherent", new byte[16 * PAGE]);
        // A CACHED FileChannel on this engine, an AsynchronousFileChannel on the shared engine and
        // an O_DIRECT FileChannel on a third engine: one file, as kernel handles see it.
        FileChannel cached = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE, JaioOpenOption.CACHED);
        JaioAsynchronousFileChannel async = JaioAsynchronousFileChannel.open(p, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        toClose.add(async);
        IoEngine third = IoEngine.open(EngineConfig.defaults().withEngine(engineName));
        toClose.add(third);
        FileChannel direct = JaioFileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE, DIRECT,
                JaioOpenOption.engine(third));
        toClose.add(direct);

        byte[] a = bytes(300, 40);
        assertEquals(300, cached.write(ByteBuffer.wrap(a), PAGE + 5));
        ByteBuffer got = ByteBuffer.allocate(300);
        assertEquals(300, async.read(got, PAGE + 5).get(10, TimeUnit.SECONDS));
        assertArrayEquals(a, got.array(), "the shared engine's channel sees the CACHED channel's write");
        ByteBuffer aligned = ByteBuffer.allocateDirect(2 * PAGE).alignedSlice(PAGE);
        aligned.limit(PAGE);
        assertEquals(PAGE, direct.read(aligned, PAGE));
        assertArrayEquals(a, Arrays.copyOfRange(toArray(aligned.flip()), 5, 305), "and so does the O_DIRECT one");

        ByteBuffer cachedPage = ByteBuffer.allocate(PAGE);
        assertEquals(PAGE, cached.read(cachedPage, 3 * PAGE)); // the page is in jaio's cache now
        byte[] b = bytes(PAGE, 41);
        aligned.clear().limit(PAGE);
        aligned.put(b).flip();
        assertEquals(PAGE, direct.write(aligned, 3 * PAGE));
        cachedPage.clear();
        assertEquals(PAGE, cached.read(cachedPage, 3 * PAGE));
        assertArrayEquals(b, cachedPage.array(), "the CACHED channel sees the O_DIRECT channel's write");
        byte[] c = bytes(10, 42);
        assertEquals(10, async.write(ByteBuffer.wrap(c), 3 * PAGE + 100).get(10, TimeUnit.SECONDS));
        cachedPage.clear();
        assertEquals(PAGE, cached.read(cachedPage, 3 * PAGE));
        assertArrayEquals(c, Arrays.copyOfRange(cachedPage.array(), 100, 110),
                "the CACHED channel sees the asynchronous channel's write");

        assertEquals(300, cached.write(ByteBuffer.wrap(a), 9 * PAGE));
        async.force(false); // writes jaio's dirty pages back first, as fsync(2) on any descriptor
        assertArrayEquals(a, Arrays.copyOfRange(Files.readAllBytes(p), 9 * PAGE, 9 * PAGE + 300));
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /**
     * A read the kernel's page cache holds is done on the calling thread (counted as a fast-path
     * read, no request made), whole; at and across the end of the file it says what a blocking read
     * says; a read the cache holds only in part is still whole.
     */
    /**
     * A CACHED channel's reads of pages in jaio's cache are copied on the calling thread into
     * direct and heap buffers alike (no request, no future), each counted once as a hit.
     */
    @Test
    void cachedHitsAreCopiedOnTheCallingThreadIntoDirectAndHeapBuffers() throws Exception {
        useEngine("uring");
        byte[] data = bytes(4 * PAGE, 61);
        Path p = file("cachedhits", data);
        FileChannel ch = open(p, StandardOpenOption.READ, JaioOpenOption.CACHED);
        ByteBuffer warm = ByteBuffer.allocateDirect(4 * PAGE);
        assertEquals(4 * PAGE, ch.read(warm, 0)); // misses: into jaio's cache
        for (ByteBuffer b : new ByteBuffer[] {ByteBuffer.allocateDirect(PAGE), ByteBuffer.allocate(PAGE)}) {
            dev.jaio.FastPathStats before = engine.fastPathStats();
            assertEquals(PAGE, ch.read(b, PAGE + 7));
            assertArrayEquals(Arrays.copyOfRange(data, PAGE + 7, 2 * PAGE + 7), toArray(b.flip()));
            dev.jaio.FastPathStats after = engine.fastPathStats();
            assertEquals(before.cachedHits() + 1, after.cachedHits(), (b.isDirect() ? "direct" : "heap") + ": one hit");
            assertEquals(before.cachedFallbacks(), after.cachedFallbacks(), "and no fallback");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void warmReadsAreDoneOnTheCallingThreadAndWhole(String engineName) throws Exception {
        useEngine(engineName);
        byte[] data = bytes(8 * PAGE + 100, 60);
        Path p = file("warm", data);
        FileChannel ch = open(p, StandardOpenOption.READ);
        Files.readAllBytes(p); // into the kernel's page cache
        dev.jaio.FastPathStats before = engine.fastPathStats();
        ByteBuffer b = ByteBuffer.allocateDirect(PAGE);
        assertEquals(PAGE, ch.read(b, 2 * PAGE));
        assertArrayEquals(Arrays.copyOfRange(data, 2 * PAGE, 3 * PAGE), toArray(b.flip()));
        assertEquals(before.nowaitReads() + 1, engine.fastPathStats().nowaitReads(), "done on this thread");
        b.clear();
        assertEquals(100, ch.read(b, 8 * PAGE), "across the end: what is there");
        b.clear();
        assertEquals(-1, ch.read(b, 8 * PAGE + 100), "at the end: -1");
        assertEquals(-1, ch.read(b, 100 * PAGE), "past the end: -1");
        // Pages 4 and 5 cached, 6 not: the read is whole all the same.
        try (dev.jaio.AsyncFile f = dev.jaio.AsyncFile.open(engine, p, dev.jaio.FileOption.READ)) {
            for (int i = 0; i < 1000; i++) {
                f.advise(6 * PAGE, PAGE, dev.jaio.FileAdvice.DONTNEED);
                if (dev.jaio.internal.linux.Cachestat.residentPages(
                        dev.jaio.internal.file.HandleAccess.openFile(f).fd(), 6 * PAGE, PAGE) <= 0) {
                    break;
                }
            }
        }
        ByteBuffer three = ByteBuffer.allocateDirect(3 * PAGE);
        assertEquals(3 * PAGE, ch.read(three, 4 * PAGE));
        assertArrayEquals(Arrays.copyOfRange(data, 4 * PAGE, 7 * PAGE), toArray(three.flip()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void relativeAndPositionalReadsAndWritesMoveOnlyWhatTheSpecSays(String engineName) throws Exception {
        useEngine(engineName);
        byte[] data = bytes(3 * PAGE, 1);
        Path p = file("rw", data);
        FileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        assertEquals(0, ch.position());
        ByteBuffer b = ByteBuffer.allocate(100);
        assertEquals(100, ch.read(b));
        assertEquals(100, ch.position());
        assertArrayEquals(Arrays.copyOf(data, 100), b.array());
        ByteBuffer pb = ByteBuffer.allocateDirect(50);
        assertEquals(50, ch.read(pb, 1000));
        assertEquals(100, ch.position(), "a positional read leaves the position");
        assertEquals(3, ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3})));
        assertEquals(103, ch.position());
        assertEquals(2, ch.write(ByteBuffer.wrap(new byte[] {4, 5}), 3 * PAGE + 10), "a write past the end grows it");
        assertEquals(3 * PAGE + 12, ch.size());
        assertEquals(103, ch.position());
        assertSame(ch, ch.position(3 * PAGE + 12));
        assertEquals(-1, ch.read(ByteBuffer.allocate(10)), "at the end: -1");
        assertEquals(-1, ch.read(ByteBuffer.allocate(10), 1 << 20));
        assertEquals(0, ch.read(ByteBuffer.allocate(0)));
        ch.position(1 << 20);
        assertEquals(1, ch.write(ByteBuffer.wrap(new byte[] {9})));
        assertEquals((1 << 20) + 1, ch.size());
        ch.force(true);
        ch.force(false);
        byte[] on = Files.readAllBytes(p);
        assertEquals(1, on[100]);
        assertEquals(5, on[3 * PAGE + 11]);
        assertEquals(9, on[1 << 20]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void scatteringReadsAndGatheringWritesFillAndDrainInOrder(String engineName) throws Exception {
        useEngine(engineName);
        byte[] data = bytes(1000, 2);
        Path p = file("sg", data);
        FileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer[] dsts = {ByteBuffer.allocate(300), ByteBuffer.allocateDirect(0), ByteBuffer.allocate(900)};
        assertEquals(1000, ch.read(dsts));
        assertEquals(300, dsts[0].position());
        assertEquals(700, dsts[2].position(), "stops at the end of the file");
        assertEquals(-1, ch.read(dsts, 2, 1));
        ch.position(0);
        ByteBuffer[] srcs = {ByteBuffer.wrap(new byte[] {1, 2}), ByteBuffer.allocateDirect(3).put(new byte[] {3, 4, 5})
                .flip()};
        assertEquals(5, ch.write(srcs));
        assertEquals(5, ch.position());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, Arrays.copyOf(Files.readAllBytes(p), 5));
        assertThrows(IndexOutOfBoundsException.class, () -> ch.read(dsts, 2, 2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void truncateMovesThePositionBackAndAppendWritesAtTheEnd(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("ta", bytes(1000, 3));
        FileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        ch.position(900);
        ch.truncate(2000);
        assertEquals(1000, ch.size(), "a larger size changes nothing");
        assertEquals(900, ch.position());
        ch.truncate(500);
        assertEquals(500, ch.size());
        assertEquals(500, ch.position(), "the position comes back to the new size");
        FileChannel app = open(p, StandardOpenOption.APPEND);
        assertEquals(500, app.position(), "append mode: the position is the size");
        assertEquals(3, app.write(ByteBuffer.wrap(new byte[] {7, 7, 7})));
        assertEquals(2, app.write(ByteBuffer.wrap(new byte[] {8, 8}), 0), "O_APPEND: even a positional write appends");
        assertEquals(505, app.size());
        byte[] on = Files.readAllBytes(p);
        assertArrayEquals(new byte[] {7, 7, 7, 8, 8}, Arrays.copyOfRange(on, 500, 505));
        assertThrows(IllegalArgumentException.class, () -> open(p, StandardOpenOption.READ, StandardOpenOption.APPEND));
        assertThrows(IllegalArgumentException.class,
                () -> open(p, StandardOpenOption.APPEND, StandardOpenOption.TRUNCATE_EXISTING));
        assertThrows(NonReadableChannelException.class, () -> app.read(ByteBuffer.allocate(1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void badArgumentsAndClosedChannels(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("bad", bytes(100, 4));
        FileChannel ro = open(p, StandardOpenOption.READ);
        assertThrows(NonWritableChannelException.class, () -> ro.write(ByteBuffer.allocate(1)));
        assertThrows(NonWritableChannelException.class, () -> ro.truncate(0));
        assertThrows(IllegalArgumentException.class, () -> ro.read(ByteBuffer.allocate(1), -1));
        assertThrows(IllegalArgumentException.class, () -> ro.position(-1));
        assertThrows(IllegalArgumentException.class, () -> ro.read(ByteBuffer.allocate(1).asReadOnlyBuffer()));
        assertThrows(NonWritableChannelException.class, () -> ro.map(FileChannel.MapMode.READ_WRITE, 0, 10));
        ro.close();
        assertFalse(ro.isOpen());
        assertThrows(ClosedChannelException.class, () -> ro.read(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, ro::size);
        assertThrows(ClosedChannelException.class, ro::position);
        assertThrows(ClosedChannelException.class, () -> ro.tryLock(0, 1, true));
        ro.close(); // no effect
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void transfersAndMapsCopyTheBytes(String engineName) throws Exception {
        useEngine(engineName);
        byte[] data = bytes(600_000, 5);
        Path p = file("src", data);
        FileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Path out = dir.resolve("out");
        try (FileChannel jdk = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            assertEquals(data.length - 1000, ch.transferTo(1000, 10_000_000, jdk));
        }
        assertArrayEquals(Arrays.copyOfRange(data, 1000, data.length), Files.readAllBytes(out));
        assertEquals(0, ch.transferTo(data.length, 10, FileChannel.open(out, StandardOpenOption.WRITE)));
        Pipe pipe = Pipe.open();
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        pipe.sink().close();
        assertEquals(4, ch.transferFrom(pipe.source(), 10, 100));
        pipe.source().close();
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Arrays.copyOfRange(Files.readAllBytes(p), 10, 14));
        assertEquals(0, ch.position(), "transfers leave the position");

        MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, 100);
        assertEquals(1, m.get(10));
        m.put(0, (byte) 42);
        m.force();
        assertEquals(42, Files.readAllBytes(p)[0]);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, 100, arena);
            assertEquals(2, seg.get(ValueLayout.JAVA_BYTE, 11));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void kernelTransfersMoveTheRightPositionsAndAreCoherentWithJaiosCache(String engineName) throws Exception {
        useEngine(engineName);
        byte[] data = bytes(300_000, 50);
        Path p = file("tsrc", data);
        FileChannel src = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE, JaioOpenOption.CACHED);
        // Dirty in jaio's cache only: the kernel's copy must see it.
        byte[] dirty = bytes(5000, 51);
        assertEquals(dirty.length, src.write(ByteBuffer.wrap(dirty), 10_000));
        System.arraycopy(dirty, 0, data, 10_000, dirty.length);

        Path out = dir.resolve("tout");
        try (FileChannel jdk = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            jdk.position(7);
            assertEquals(data.length, src.transferTo(0, Long.MAX_VALUE, jdk));
            assertEquals(7 + data.length, jdk.position(), "the JDK target's position moved by the count");
        }
        assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(out), 7, 7 + data.length),
                "the JDK's file got the bytes, the cache's dirty ones included");

        // jaio to jaio: the target's pages cached before the copy are dropped, its position moves.
        Path q = file("tdst", new byte[200_000]);
        FileChannel dst = open(q, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel dstCached = open(q, StandardOpenOption.READ, JaioOpenOption.CACHED);
        ByteBuffer before = ByteBuffer.allocate(60_000);
        assertEquals(60_000, dstCached.read(before, 1000)); // cached now
        dst.position(1000);
        assertEquals(50_000, src.transferTo(5000, 50_000, dst));
        assertEquals(51_000, dst.position());
        assertEquals(0, src.position(), "transferTo leaves the source's position");
        ByteBuffer after = ByteBuffer.allocate(50_000);
        assertEquals(50_000, dstCached.read(after, 1000));
        assertArrayEquals(Arrays.copyOfRange(data, 5000, 55_000), after.array(),
                "the target's CACHED handle sees the kernel's copy");

        // transferFrom a JDK file channel (whose position moves) and from a jaio one (whose too).
        try (FileChannel jdkSrc = FileChannel.open(p, StandardOpenOption.READ)) {
            jdkSrc.position(100);
            assertEquals(20_000, dst.transferFrom(jdkSrc, 150_000, 20_000));
            assertEquals(20_100, jdkSrc.position());
        }
        ByteBuffer got = ByteBuffer.allocate(20_000);
        assertEquals(20_000, dstCached.read(got, 150_000));
        assertArrayEquals(Arrays.copyOfRange(data, 100, 20_100), got.array());
        src.position(299_000);
        assertEquals(1000, dst.transferFrom(src, 199_500, 5000), "up to the source's end");
        assertEquals(300_000, src.position());
        assertEquals(200_500, dst.size(), "the copy grew the file");
        assertEquals(200_500, dstCached.size(), "and jaio's cache knows it");
        got = ByteBuffer.allocate(1000);
        assertEquals(1000, dstCached.read(got, 199_500));
        assertArrayEquals(Arrays.copyOfRange(data, 299_000, 300_000), got.array());

        // An append channel appends, whatever the position says (its writes are O_APPEND).
        FileChannel app = open(q, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        assertEquals(10, src.transferTo(0, 10, app));
        assertEquals(200_510, dstCached.size());
        got = ByteBuffer.allocate(10);
        assertEquals(10, dstCached.read(got, 200_500));
        assertArrayEquals(Arrays.copyOf(data, 10), got.array());
    }

    /**
     * A read the kernel's page cache could serve on the calling thread is still interruptible: a
     * thread with its interrupt status set gets ClosedByInterruptException and the channel closes,
     * as the JDK's does (direct buffers, which the calling-thread read takes).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anInterruptedThreadsWarmReadClosesTheChannel(boolean virtual) throws Exception {
        useEngine("uring");
        Path p = file("warm-interrupt", bytes(4 * PAGE, 61));
        Files.readAllBytes(p);
        FileChannel ch = open(p, StandardOpenOption.READ);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Runnable task = () -> {
            Thread.currentThread().interrupt();
            try {
                ch.read(ByteBuffer.allocateDirect(10), 0);
                outcome.set(new AssertionError("read without ClosedByInterruptException"));
            } catch (Throwable e) {
                outcome.set(e);
            }
        };
        Thread t = virtual ? Thread.ofVirtual().start(task) : Thread.ofPlatform().start(task);
        t.join();
        assertTrue(outcome.get() instanceof ClosedByInterruptException, () -> "got " + outcome.get());
        assertFalse(ch.isOpen());
    }

    /**
     * A transfer blocked in the kernel (writing to a pipe nobody reads) ends at an interrupt with
     * ClosedByInterruptException and the channel closed, on a platform thread (which runs the copy)
     * and on a virtual thread (which parks while a thread of jaio's runs it).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anInterruptEndsAKernelTransferThatBlocks(boolean virtual) throws Exception {
        useEngine("uring");
        Path p = file("big", bytes(4 << 20, 52));
        FileChannel ch = open(p, StandardOpenOption.READ);
        Pipe pipe = Pipe.open();
        toClose.add(pipe.sink());
        toClose.add(pipe.source());
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stillInterrupted = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable task = () -> {
            try {
                ch.transferTo(0, 4 << 20, pipe.sink());
                outcome.set(new AssertionError("the transfer ended without a reader"));
            } catch (Throwable e) {
                outcome.set(e);
            }
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        };
        Thread t = virtual ? Thread.ofVirtual().start(task) : Thread.ofPlatform().start(task);
        // Blocked: the pipe (64 KiB) is full and its reader never reads.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!blockedInKernelCopy(t) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(t.isAlive() && outcome.get() == null, () -> "the transfer never blocked: " + outcome.get());
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(t.isAlive(), "the interrupt ended the transfer");
        assertTrue(outcome.get() instanceof ClosedByInterruptException, () -> "got " + outcome.get());
        assertTrue(stillInterrupted.get(), "the interrupt status stays set");
        assertFalse(ch.isOpen(), "the interrupt closed the channel");
    }

    /** Whether {@code t} waits for a kernel copy: in the copy itself, or (a virtual thread) parked for it. */
    private static boolean blockedInKernelCopy(Thread t) {
        StackTraceElement[] stack = t.getStackTrace();
        boolean inTransfer = Arrays.stream(stack).anyMatch(e -> e.getMethodName().equals("kernelCopy"));
        if (!inTransfer) {
            return false;
        }
        if (t.isVirtual()) {
            return t.getState() == Thread.State.WAITING
                    && Thread.getAllStackTraces().keySet().stream()
                            .anyMatch(x -> x.getName().startsWith("jaio-nio-transfer-")
                                    && Arrays.stream(x.getStackTrace()).anyMatch(StackTraceElement::isNativeMethod));
        }
        return t.getState() == Thread.State.RUNNABLE && Arrays.stream(stack).anyMatch(StackTraceElement::isNativeMethod);
    }

    /**
     * Virtual threads whose copies may wait (the source is not in the page cache) park while jaio's
     * transfer threads copy: no pinned carrier, no carrier added.
     */
    @Test
    void kernelTransfersOnVirtualThreadsNeitherPinNorGrowTheScheduler() throws Exception {
        useEngine("uring");
        byte[] data = bytes(1 << 20, 53);
        Path p = file("vtsrc", data);
        FileChannel ch = open(p, StandardOpenOption.READ);
        Thread.ofVirtual().start(() -> {
            try (FileChannel out = FileChannel.open(dir.resolve("warm"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                ch.transferTo(0, data.length, out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).join();
        // Out of the page cache: every copy may wait for the device, so each virtual thread hands
        // its copy to a thread of jaio's and parks (a resident source is copied on the caller).
        try (dev.jaio.AsyncFile f = dev.jaio.AsyncFile.open(engine, p, dev.jaio.FileOption.READ)) {
            f.advise(0, 0, dev.jaio.FileAdvice.DONTNEED);
        }
        Set<String> carriersBefore = carriers();
        Path jfr = dir.resolve("vt-transfer.jfr");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Recording r = new Recording()) {
            r.enable("jdk.VirtualThreadPinned").withThreshold(java.time.Duration.ZERO);
            r.start();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                Path out = dir.resolve("vtout" + i);
                threads.add(Thread.ofVirtual().start(() -> {
                    try (FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE)) {
                        assertEquals(data.length, ch.transferTo(0, data.length, target));
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            r.stop();
            r.dump(jfr);
        }
        assertNull(failure.get());
        for (int i = 0; i < 32; i++) {
            assertArrayEquals(data, Files.readAllBytes(dir.resolve("vtout" + i)));
        }
        assertNoPinningAndNoCarrierAdded(jfr, carriersBefore);
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void locksShareTheJvmsTableAndConflictWithTheJdksRecordLocks(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("l", bytes(100, 6));
        JaioFileChannel a = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        JaioAsynchronousFileChannel b = JaioAsynchronousFileChannel.open(p, StandardOpenOption.READ,
                StandardOpenOption.WRITE, JaioOpenOption.engine(engine));
        toClose.add(b);
        FileLock la = a.lock(0, 10, false);
        assertTrue(la.isValid());
        assertThrows(OverlappingFileLockException.class, () -> b.tryLock(5, 10, false));
        la.release();
        try (FileChannel jdk = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock held = jdk.lock(0, 10, false)) {
            assertNull(a.tryLock(0, 10, false), "the JDK's record lock of this process conflicts with the OFD lock");
            assertNotNull(a.tryLock(20, 10, true));
            assertTrue(held.isValid());
        }
        assertNotNull(a.tryLock(0, 10, false));
        a.close();
        assertNotNull(b.tryLock(0, 10, false), "the closed channel's locks left the table");
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "uring", "aio"})
    void anInterruptClosesTheChannelAndEndsTheCallWithClosedByInterrupt(String engineName) throws Exception {
        useEngine(engineName);
        Path p = file("i", bytes(PAGE, 7));
        JaioFileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            Thread.currentThread().interrupt();
            try {
                ch.read(ByteBuffer.allocate(10), 0);
            } catch (Throwable e) {
                thrown.set(e);
            }
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status stays set");
        });
        t.join();
        assertTrue(thrown.get() instanceof ClosedByInterruptException, String.valueOf(thrown.get()));
        assertFalse(ch.isOpen());

        // A lock that waits (the JDK's record lock holds the range), then the interrupt.
        JaioFileChannel waiter = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try (FileChannel jdk = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock held = jdk.lock(0, 10, false)) {
            CompletableFuture<Throwable> lockOutcome = new CompletableFuture<>();
            CountDownLatch waiting = new CountDownLatch(1);
            Thread w = Thread.ofVirtual().start(() -> {
                waiting.countDown();
                try {
                    waiter.lock(0, 10, false);
                    lockOutcome.complete(null);
                } catch (Throwable e) {
                    lockOutcome.complete(e);
                }
            });
            waiting.await();
            while (w.getState() != Thread.State.TIMED_WAITING && !lockOutcome.isDone()) {
                Thread.onSpinWait(); // until it waits for the lock
            }
            w.interrupt();
            Throwable e = lockOutcome.get(30, TimeUnit.SECONDS);
            assertTrue(e instanceof FileLockInterruptionException, String.valueOf(e));
            assertFalse(waiter.isOpen(), "as the JDK's: the interrupt closed the channel");
            assertTrue(held.isValid());
        }
        FileLock after = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE).tryLock(0, 10, false);
        assertNotNull(after, "the interrupted lock left nothing in the JVM's table");
    }

    /**
     * 500 virtual threads each read pages through one channel: none pins its carrier (no
     * jdk.VirtualThreadPinned event) and the scheduler adds no carrier to make up for a blocked one
     * (no carrier thread beyond those that existed or the scheduler's parallelism).
     */
    @Test
    void virtualThreadsParkInsteadOfPinningOrGrowingTheScheduler() throws Exception {
        useEngine("uring");
        Path p = file("vt", bytes(256 * PAGE, 8));
        // O_DIRECT: every read goes to the device through the engine (no read is done on the
        // calling thread by a fast path), so every one of them waits.
        // (The JDK's FileChannel fails this test: 28 carriers added on the 2-core development VM.)
        FileChannel ch = open(p, StandardOpenOption.READ, DIRECT);
        // Warm up first: the first requests initialize classes, and a virtual thread that waits for
        // another thread's class initialization pins its carrier (a JDK limitation, once per class).
        for (int i = 0; i < 4; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    ch.read(ByteBuffer.allocateDirect(2 * PAGE).alignedSlice(PAGE).limit(PAGE).slice(), 0);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).join();
        }
        Set<String> carriersBefore = carriers();
        Path jfr = dir.resolve("vt.jfr");
        try (Recording r = new Recording()) {
            r.enable("jdk.VirtualThreadPinned").withThreshold(java.time.Duration.ZERO);
            r.start();
            List<Thread> threads = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int i = 0; i < 500; i++) {
                int id = i;
                threads.add(Thread.ofVirtual().start(() -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(2 * PAGE).alignedSlice(PAGE).limit(PAGE).slice();
                    try {
                        for (int k = 0; k < 20; k++) {
                            b.clear();
                            if (ch.read(b, (long) ((id * 7 + k) % 256) * PAGE) != PAGE) {
                                throw new AssertionError("short read");
                            }
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            r.stop();
            r.dump(jfr);
            assertNull(failure.get());
        }
        assertNoPinningAndNoCarrierAdded(jfr, carriersBefore);
    }

    /**
     * No {@code jdk.VirtualThreadPinned} event in the recording, and no carrier thread beyond those
     * that existed before or the scheduler's parallelism.
     */
    private static void assertNoPinningAndNoCarrierAdded(Path jfr, Set<String> carriersBefore) throws IOException {
        List<RecordedEvent> pinned = RecordingFile.readAllEvents(jfr).stream()
                .filter(e -> e.getEventType().getName().equals("jdk.VirtualThreadPinned")).toList();
        assertTrue(pinned.isEmpty(), () -> "virtual threads pinned while waiting in jaio's FileChannel: " + pinned);
        Set<String> added = new HashSet<>(carriers());
        added.removeAll(carriersBefore);
        int parallelism = Runtime.getRuntime().availableProcessors();
        added.removeIf(name -> workerIndex(name) <= parallelism);
        assertTrue(added.isEmpty(), () -> "carriers added beyond the parallelism: " + added);
    }

    private static Set<String> carriers() {
        Set<String> names = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("ForkJoinPool-") && t.getName().contains("-worker-")) {
                names.add(t.getName());
            }
        }
        return names;
    }

    private static int workerIndex(String name) {
        return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    }
}
