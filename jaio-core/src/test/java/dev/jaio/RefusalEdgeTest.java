package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Requests refused after they began: a write whose try on the calling thread wrote a part before
 * its file closed, a buffer closed while its request waited for a place in the queue, appends
 * refused after their checks. Each must say what it did and take nothing it does not use.
 */
class RefusalEdgeTest {

    private Path dir;
    private Path mount;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("break13");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestMounts.umount(mount);
        TestFiles.deleteRecursively(dir);
    }

    /** A FIFO read on io_uring: a request that holds an admission place until a byte is written to the FIFO. */
    static Path fifo(Path dir) throws Exception {
        Path p = dir.resolve("fifo");
        assertEquals(0, TestMounts.run("mkfifo", p.toString()));
        return p;
    }

    static void feed(Path fifo) throws IOException {
        try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
            out.write(1);
        }
    }

    static void awaitWaits(IoEngine engine, long n) throws InterruptedException {
        for (int i = 0; i < 500 && engine.queueWaits() < n; i++) {
            Thread.sleep(10);
        }
        assertEquals(n, engine.queueWaits(), "a caller waits for a place");
    }

    /** Whether {@code f}'s calls are refused (its engine closing): its size, a call that takes no place. */
    static boolean refused(AsyncFile f) {
        try {
            f.size();
            return false;
        } catch (IOException e) {
            return e instanceof EngineClosedException;
        }
    }

    /** An XFS loop mount (XFS takes RWF_NOWAIT buffered writes) with about {@code freeKib} KiB left free. */
    private Path nearlyFullXfs(int freeKib) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mkfs.xfs")) || Files.isExecutable(Path.of("/sbin/mkfs.xfs")),
                "mkfs.xfs (xfsprogs) is needed for a file system that takes NOWAIT buffered writes");
        mount = TestMounts.loop(dir, "mkfs.xfs", 320);
        long avail = mount.toFile().getUsableSpace();
        assertEquals(0, TestMounts.run("fallocate", "-l", Long.toString(avail - freeKib * 1024L),
                mount.resolve("filler").toString()));
        return mount;
    }

    /** Dirties the file with a plain write so that its mtime is fresh: XFS then takes a NOWAIT write (no timestamp update). */
    private static void touch(Path p) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[4096]), 0);
        }
    }

    /**
     * A write whose NOWAIT try wrote a part on the calling thread (XFS nearly full), then waited for
     * a place, and whose file was closed meanwhile: the bytes the try wrote stay written, and the
     * caller must learn it (an IoOperationException with bytesTransferred, as for any write that
     * failed after a part), not get a FileClosedException that says the write was refused.
     */
    enum Refusal {
        /** The file is closed while the rest waits for a place. */
        FILE_CLOSED,
        /** The engine is closed while the rest waits for a place (its files refuse new requests at once). */
        ENGINE_CLOSED
    }

    @ParameterizedTest
    @EnumSource(Refusal.class)
    void aWriteThatATryDidInPartAndThenWasRefusedSaysHowManyBytesItWrote(Refusal refusal) throws Exception {
        Path m = nearlyFullXfs(512);
        Path fifo = fifo(dir);
        Path p = m.resolve("f");
        // XFS takes the NOWAIT write only when the file's mtime needs no update (the same clock tick
        // as the write before it): tried until a try writes a part.
        boolean tried = false;
        for (int attempt = 0; attempt < 10 && !tried; attempt++) {
            Files.write(p, new byte[0]);
            tried = partThenRefused(refusal, p, fifo);
        }
        assumeTrue(tried, "no try wrote a part in 10 attempts");
    }

    /** One attempt: false when the try did not write a part (nothing checked then). */
    private boolean partThenRefused(Refusal refusal, Path p, Path fifo) throws Exception {
        IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine("uring").withQueueDepth(1));
        try (IoBuffer one = IoBuffer.allocate(4096, 4096)) {
            IoBuffer big = IoBuffer.allocate(2 << 20, 4096);
            big.segment().fill((byte) 'x');
            AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE);
            // The file's first try learns that XFS takes NOWAIT writes.
            touch(p);
            TestFiles.await(f.write(big.segment().asSlice(0, 4096), 0));
            AsyncFile pipe = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE);
            CompletableFuture<Integer> held = pipe.read(one.segment().asSlice(0, 1), 0); // holds the only place
            try {
                assertTrue(!held.isDone());
                AtomicReference<CompletableFuture<Integer>> w = new AtomicReference<>();
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                FastPathStats before = engine.fastPathStats();
                Thread t = Thread.ofPlatform().start(() -> {
                    try {
                        touch(p);
                        w.set(f.write(big.segment(), 0));
                    } catch (Throwable e) {
                        thrown.set(e);
                    }
                });
                awaitWaits(engine, 1);
                FastPathStats after = engine.fastPathStats();
                if (after.nowaitWritesPartial() != before.nowaitWritesPartial() + 1) {
                    feed(fifo);
                    t.join(30_000);
                    return false;
                }
                long written = Files.size(p);
                assertTrue(written > 0 && written < big.size(), "the try wrote " + written + " bytes");
                Thread closer = null;
                switch (refusal) {
                    case FILE_CLOSED -> f.close(); // no request of f is in flight: it closes now
                    case ENGINE_CLOSED -> {
                        closer = Thread.ofPlatform().start(engine::close); // waits for the FIFO read
                        // Until the close began: a call that takes no place (statx) is refused then.
                        for (int i = 0; i < 1000 && !refused(f); i++) {
                            Thread.sleep(10);
                        }
                        assertTrue(refused(f), "the engine's close began");
                    }
                }
                feed(fifo);
                assertEquals(1, TestFiles.await(held));
                t.join(30_000);
                if (closer != null) {
                    closer.join(30_000);
                }
                Throwable failure = thrown.get() != null ? thrown.get() : TestFiles.failureOf(w.get());
                IoOperationException e = assertInstanceOf(IoOperationException.class, failure,
                        "the try wrote " + written + " bytes of the request, then it was refused: " + failure);
                assertEquals(written, e.bytesTransferred());
                return true;
            } finally {
                if (!held.isDone()) {
                    feed(fifo);
                }
                pipe.close();
                f.close();
                big.close();
            }
        } finally {
            engine.close();
        }
    }

    /**
     * An IoBuffer closed while a caller of write waits for a place (after the argument checks, before
     * the request pins the buffer): the request must then be refused (the buffer is closed) or keep
     * the memory pinned; it must never hand the kernel the freed memory. Today the pin finds no
     * jaio memory behind the freed segment (PinnedMemory.pin returns null for an unknown scope),
     * treats it as the caller's own memory, and the kernel writes whatever the allocator put
     * there: the file gets garbage, and a read would write into freed native memory.
     */
    @Test
    void aBufferClosedWhileItsWriteWaitsForAPlaceIsNeverUsedAfterItIsFreed() throws Exception {
        Path fifo = fifo(dir);
        Path p = dir.resolve("f");
        Files.write(p, new byte[4096]);
        IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine("uring").withQueueDepth(1)
                .withFastPaths(FastPaths.NONE));
        try (IoBuffer one = IoBuffer.allocate(4096, 4096);
             AsyncFile pipe = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE);
             AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE)) {
            // 64 MiB: above glibc's largest mmap threshold, so freeing it unmaps it.
            IoBuffer buf = IoBuffer.allocate(64 << 20, 4096);
            buf.segment().fill((byte) 'A');
            CompletableFuture<Integer> held = pipe.read(one.segment().asSlice(0, 1), 0); // holds the only place
            AtomicReference<Object> out = new AtomicReference<>();
            Thread t;
            try {
                t = Thread.ofPlatform().start(() -> {
                    try {
                        out.set(f.write(buf.segment().asSlice(0, 4096), 0));
                    } catch (Throwable e) {
                        out.set(e);
                    }
                });
                awaitWaits(engine, 1);
                buf.close(); // no request pins it yet: its memory is freed now
                // Whatever reuses the memory.
                try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                    for (int i = 0; i < 16; i++) {
                        a.allocate(4096 + 4096, 4096).fill((byte) 'Z');
                    }
                    feed(fifo);
                    assertEquals(1, TestFiles.await(held));
                    t.join(30_000);
                }
            } finally {
                if (!held.isDone()) {
                    feed(fifo);
                }
            }
            Object o = out.get();
            Throwable failure = o instanceof CompletableFuture<?> cf ? TestFiles.failureOf(cf) : (Throwable) o;
            byte[] back = Files.readAllBytes(p);
            if (failure == null) {
                for (int i = 0; i < back.length; i++) {
                    assertEquals('A', back[i], "the write succeeded, so it wrote the buffer's bytes; byte " + i
                            + " of the file is " + back[i]);
                }
            } else {
                // Refused for its closed buffer, on the calling thread or in its future: not a kernel
                // error from memory that was unmapped under it (EFAULT).
                assertInstanceOf(IllegalStateException.class, failure, "the kernel was handed the freed memory: "
                        + failure);
            }
        } finally {
            engine.close();
        }
    }

    /**
     * An append that is refused because its IoBuffer was closed (while another request still
     * pins it, so its memory is alive) must reserve nothing: the append position stays, as the
     * javadoc of OpenFile.append and AsyncFile.append promises for refused appends.
     */
    @Test
    void anAppendRefusedForAClosedBufferReservesNothing() throws Exception {
        Path fifo = fifo(dir);
        Path p = dir.resolve("log");
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine("uring").withQueueDepth(8));
             AsyncFile pipe = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE);
             AsyncFile log = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE, FileOption.CREATE)) {
            IoBuffer buf = IoBuffer.allocate(4096, 4096);
            CompletableFuture<Integer> held = pipe.read(buf.segment().asSlice(0, 1), 0); // pins buf
            buf.close(); // freed when the read ends
            assertEquals(0, log.appendPosition());
            try {
                assertThrows(IllegalStateException.class, () -> log.append(buf.segment().asSlice(100, 100)));
                assertEquals(0, log.appendPosition(), "a refused append takes no range");
            } finally {
                feed(fifo);
                assertEquals(1, TestFiles.await(held));
            }
        }
    }

    /** An append whose range would overflow a long is refused, and reserves nothing: the position stays usable. */
    @Test
    void anAppendThatWouldOverflowReservesNothing() throws Exception {
        Path p = dir.resolve("log");
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(8));
             AsyncFile log = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE, FileOption.CREATE);
             IoBuffer buf = IoBuffer.allocate(4096, 4096)) {
            log.appendPosition(Long.MAX_VALUE - 10);
            assertThrows(IllegalArgumentException.class, () -> log.append(buf.segment().asSlice(0, 100)));
            assertEquals(Long.MAX_VALUE - 10, log.appendPosition(), "a refused append takes no range");
        }
    }

}
