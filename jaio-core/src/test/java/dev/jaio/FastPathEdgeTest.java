package dev.jaio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fast paths, appends and back-pressure at their edges: deadlock-prone callbacks, interrupts,
 * close under load, full file systems, odd buffers and devices, coherence with CACHED handles.
 */
class FastPathEdgeTest {

    private static final int PAGE = 4096;

    private Path dir;
    private Path mount;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("cover13");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestMounts.umount(mount);
        TestFiles.deleteRecursively(dir);
    }

    /** Stages on the completion thread that start more requests than the queue depth never wait, at depth 1. */
    @Test
    void callbacksStartingMoreRequestsThanTheDepthDoNotDeadlock() throws Exception {
        Path p = dir.resolve("f");
        Files.write(p, new byte[64 * PAGE]);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(1).withFastPaths(FastPaths.NONE));
             AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE);
             IoBuffer b = IoBuffer.allocate(PAGE, PAGE)) {
            List<CompletableFuture<Integer>> inner = new ArrayList<>();
            CompletableFuture<Void> outer = f.read(b.segment(), 0).thenRun(() -> {
                for (int i = 0; i < 16; i++) {
                    synchronized (inner) {
                        inner.add(f.write(b.segment(), (long) i * PAGE));
                    }
                }
            });
            outer.get(30, TimeUnit.SECONDS);
            synchronized (inner) {
                for (CompletableFuture<Integer> w : inner) {
                    assertEquals(PAGE, w.get(30, TimeUnit.SECONDS));
                }
            }
            // A caller holding many futures before joining any: it waits in its calls, nothing
            // deadlocks. The queue's one place is held by a read of an empty FIFO until the caller
            // waits for it (a read of the file could complete before the next call, and none wait).
            Path fifo = dir.resolve("place.fifo");
            assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor(), "mkfifo");
            try (AsyncFile pipe = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE);
                 IoBuffer pb = IoBuffer.allocate(PAGE, PAGE)) {
                CompletableFuture<Integer> held = pipe.read(pb.segment(), 0);
                long waitsBefore = engine.queueWaits();
                List<CompletableFuture<Integer>> many = new ArrayList<>();
                CompletableFuture<Void> caller = CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 32; i++) {
                        CompletableFuture<Integer> r = f.read(b.segment(), (long) i * PAGE);
                        synchronized (many) {
                            many.add(r);
                        }
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (engine.queueWaits() == waitsBefore && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertTrue(engine.queueWaits() > waitsBefore, "the caller waited for the held place");
                Files.write(fifo, new byte[PAGE]); // the FIFO's read completes, and gives its place up
                assertEquals(PAGE, held.get(30, TimeUnit.SECONDS));
                caller.get(30, TimeUnit.SECONDS);
                synchronized (many) {
                    assertEquals(32, many.size());
                    for (CompletableFuture<Integer> r : many) {
                        assertEquals(PAGE, r.get(30, TimeUnit.SECONDS));
                    }
                }
            }
        }
    }

    /** An interrupt does not end a wait for a place, and stays set afterwards. */
    @Test
    void aWaitForAPlaceIgnoresInterruptsButKeepsThem() throws Exception {
        Path p = dir.resolve("f");
        Files.write(p, new byte[PAGE]);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(1).withFastPaths(FastPaths.NONE));
             AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE);
             IoBuffer b = IoBuffer.allocate(PAGE, PAGE)) {
            Thread.currentThread().interrupt();
            List<CompletableFuture<Integer>> rs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                rs.add(f.read(b.segment(), 0));
            }
            assertTrue(Thread.interrupted(), "the interrupt is kept");
            for (CompletableFuture<Integer> r : rs) {
                assertEquals(PAGE, r.get(30, TimeUnit.SECONDS));
            }
        }
    }

    /**
     * Many virtual threads doing fast-path reads, writes and appends while the file, then the
     * engine, close: no crash, no hang, every future completes, and the file closes.
     */
    @Test
    void closingUnderFastPathLoadCompletesEveryRequest() throws Exception {
        Path p = dir.resolve("f");
        Files.write(p, TestFiles.randomBytes(64 * PAGE, 7));
        IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(4));
        AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        java.util.concurrent.CountDownLatch underLoad = new java.util.concurrent.CountDownLatch(300);
        List<Thread> threads = new ArrayList<>();
        try (IoBuffer shared = IoBuffer.allocate(PAGE, PAGE)) {
            for (int t = 0; t < 16; t++) {
                int id = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 2000; i++) {
                        try {
                            CompletableFuture<?> r = switch ((id + i) % 3) {
                                case 0 -> f.read(shared.segment().asSlice(id, 100), (long) (i % 64) * PAGE + id);
                                case 1 -> f.write(shared.segment().asSlice(0, 512), (long) (i % 64) * PAGE);
                                default -> f.append(shared.segment().asSlice(0, 64));
                            };
                            r.get(30, TimeUnit.SECONDS);
                            ok.incrementAndGet();
                            underLoad.countDown();
                        } catch (ExecutionException e) {
                            assertTrue(e.getCause() instanceof java.nio.channels.ClosedChannelException, e.toString());
                            refused.incrementAndGet();
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                }));
            }
            underLoad.await(); // the close comes while requests of all three kinds run
            f.close();
            for (Thread t : threads) {
                t.join(60_000);
                assertTrue(!t.isAlive());
            }
            assertEquals(0, shared.pinCount());
        } finally {
            engine.close();
        }
        assertEquals(16 * 2000, ok.get() + refused.get());
    }

    /** tmpfs refuses NOWAIT: a write that fills it fails with the exact count written. */
    @Test
    void aWriteThatFillsTmpfsSaysHowManyBytesItWrote() throws Exception {
        mount = TestMounts.tmpfs(dir, "1m");
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(8));
             AsyncFile f = AsyncFile.open(engine, mount.resolve("f"), FileOption.READ, FileOption.WRITE, FileOption.CREATE);
             IoBuffer b = IoBuffer.allocate(2 << 20, 4096)) {
            IoOperationException e = assertInstanceOf(IoOperationException.class, TestFiles.failureOf(f.write(b.segment(), 0)));
            assertEquals(Files.size(mount.resolve("f")), e.bytesTransferred());
            assertTrue(e.getMessage().contains("ENOSPC") && e.getMessage().contains("offset 0"), e.getMessage());
        }
    }

    /** XFS takes a NOWAIT write in part when nearly full: the engine's rest fails, the count is exact. */
    @Test
    void aWriteATryDidInPartOnANearlyFullFileSystemSaysHowManyBytesItWrote() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mkfs.xfs")) || Files.isExecutable(Path.of("/sbin/mkfs.xfs")),
                "mkfs.xfs (xfsprogs) is needed");
        mount = TestMounts.loop(dir, "mkfs.xfs", 320);
        assertEquals(0, TestMounts.run("fallocate", "-l", Long.toString(mount.toFile().getUsableSpace() - 512 * 1024),
                mount.resolve("filler").toString()));
        Path p = mount.resolve("f");
        Files.write(p, new byte[0]);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(8));
             AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE);
             IoBuffer big = IoBuffer.allocate(2 << 20, 4096)) {
            for (int i = 0; i < 3; i++) {
                try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(new byte[PAGE]), 0); // a fresh mtime: XFS takes the NOWAIT write
                }
                Throwable t = TestFiles.failureOf(f.write(big.segment(), 0));
                IoOperationException e = assertInstanceOf(IoOperationException.class, t);
                assertEquals(Files.size(p), e.bytesTransferred(), e.getMessage());
            }
        }
    }

    /** Odd addresses, direct ByteBuffers with a position, zero lengths, character devices. */
    @Test
    void oddBuffersAndDevicesGiveWhatPreadGives() throws Exception {
        byte[] content = TestFiles.randomBytes(3 * PAGE + 17, 9);
        Path p = dir.resolve("f");
        Files.write(p, content);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(8));
             AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE);
             IoBuffer b = IoBuffer.allocate(4 * PAGE, PAGE)) {
            MemorySegment odd = b.segment().asSlice(3, 2 * PAGE + 5);
            assertEquals(2 * PAGE + 5, TestFiles.await(f.read(odd, 1)));
            assertArrayEquals(java.util.Arrays.copyOfRange(content, 1, 1 + 2 * PAGE + 5), odd.toArray(JAVA_BYTE));
            assertEquals(18, TestFiles.await(f.read(odd, 3 * PAGE - 1)));
            assertEquals(0, TestFiles.await(f.read(odd.asSlice(0, 0), 0)));
            assertEquals(0, TestFiles.await(f.write(odd.asSlice(0, 0), 10 * PAGE)));
            assertEquals(content.length, f.size(), "a zero-length write does not extend");
            ByteBuffer bb = ByteBuffer.allocateDirect(1000).position(300).limit(900);
            assertEquals(600, TestFiles.await(f.read(bb, 5)));
            assertEquals(900, bb.position());
            ByteBuffer heap = ByteBuffer.allocate(1000).position(300);
            assertEquals(700, TestFiles.await(f.read(heap, 5)));
            assertEquals(1000, heap.position());
        }
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(8));
             AsyncFile zero = AsyncFile.open(engine, Path.of("/dev/zero"), FileOption.READ);
             AsyncFile nul = AsyncFile.open(engine, Path.of("/dev/null"), FileOption.READ, FileOption.WRITE);
             IoBuffer b = IoBuffer.allocate(PAGE, PAGE)) {
            b.segment().fill((byte) 1);
            assertEquals(PAGE, TestFiles.await(zero.read(b.segment(), 12345)));
            assertEquals(0, b.segment().get(JAVA_BYTE, PAGE - 1));
            assertEquals(0, TestFiles.await(nul.read(b.segment(), 0)));
            assertEquals(PAGE, TestFiles.await(nul.write(b.segment(), 0)));
        }
    }

    /** A kernel-buffered read right after a CACHED write of another handle on the engine sees the new bytes. */
    @Test
    void aBufferedReadAfterACachedWriteOfAnotherHandleSeesIt() throws Exception {
        Path p = dir.resolve("f");
        Files.write(p, new byte[8 * PAGE]);
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(8));
             AsyncFile cached = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
             AsyncFile plain = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE);
             IoBuffer b = IoBuffer.allocate(2 * PAGE, PAGE)) {
            for (int i = 1; i <= 20; i++) {
                assertEquals(2 * PAGE, TestFiles.await(plain.read(b.segment(), PAGE))); // warm in the kernel
                b.segment().fill((byte) i);
                assertEquals(100, TestFiles.await(cached.write(b.segment().asSlice(0, 100), PAGE + 50 * i)));
                b.segment().fill((byte) 0);
                assertEquals(2 * PAGE, TestFiles.await(plain.read(b.segment(), PAGE)));
                assertEquals((byte) i, b.segment().get(JAVA_BYTE, 50 * i + 99), "iteration " + i);
                // And a buffered write is seen by the next CACHED read.
                b.segment().fill((byte) (100 + i));
                assertEquals(10, TestFiles.await(plain.write(b.segment().asSlice(0, 10), 3 * PAGE)));
                assertEquals(10, TestFiles.await(cached.read(b.segment().asSlice(PAGE, 10), 3 * PAGE)));
                assertEquals((byte) (100 + i), b.segment().get(JAVA_BYTE, PAGE + 9));
            }
        }
    }

    /**
     * The engine closes while a caller waits for a place: the caller must not hang, and its request
     * fails with EngineClosedException.
     */
    @Test
    void aCallerWaitingForAPlaceWhenTheEngineClosesGetsEngineClosed() throws Exception {
        Path fifo = RefusalEdgeTest.fifo(dir);
        Path p = dir.resolve("f");
        Files.write(p, new byte[8192]);
        IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine("uring").withQueueDepth(1)
                .withFastPaths(FastPaths.NONE));
        AsyncFile pipe = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE);
        AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE);
        try (IoBuffer one = IoBuffer.allocate(4096, 4096); IoBuffer b = IoBuffer.allocate(4096, 4096)) {
            CompletableFuture<Integer> held = pipe.read(one.segment().asSlice(0, 1), 0);
            java.util.concurrent.atomic.AtomicReference<Object> out = new java.util.concurrent.atomic.AtomicReference<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    out.set(f.write(b.segment(), 0));
                } catch (Throwable e) {
                    out.set(e);
                }
            });
            RefusalEdgeTest.awaitWaits(engine, 1);
            Thread closer = Thread.ofPlatform().start(engine::close);
            for (int i = 0; i < 1000 && !RefusalEdgeTest.refused(f); i++) {
                Thread.sleep(10); // until the close began (it waits for the FIFO read)
            }
            assertTrue(RefusalEdgeTest.refused(f), "the engine's close began");
            RefusalEdgeTest.feed(fifo);
            closer.join(30_000);
            assertTrue(!closer.isAlive(), "engine close returned");
            t.join(30_000);
            assertTrue(!t.isAlive(), "the waiting caller returned");
            assertEquals(1, TestFiles.await(held));
            Object o = out.get();
            Throwable failure = o instanceof CompletableFuture<?> cf ? TestFiles.failureOf(cf) : (Throwable) o;
            assertInstanceOf(EngineClosedException.class, failure, String.valueOf(failure));
        } finally {
            engine.close();
        }
    }
}
