package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the future of a request promises: it is done only once the kernel is done with the
 * request's memory, whatever the caller does to it (cancel, timeouts, complete); a write writes all
 * of its buffer or fails saying how much it wrote; every failure names the request.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RequestFutureTest {

    private Path dir;

    @BeforeEach
    void makeDirectory() throws IOException {
        dir = TestFiles.newDirectory("futures");
    }

    @AfterEach
    void removeDirectory() throws IOException {
        TestFiles.deleteRecursively(dir);
    }

    private static IoEngine open(String engine, int depth) throws IOException {
        return open(engine, depth, FastPaths.ALL);
    }

    private static IoEngine open(String engine, int depth, FastPaths fastPaths) throws IOException {
        EngineStatus status = IoEngine.probeAll().stream().filter(s -> s.name().equals(engine)).findFirst().orElseThrow();
        assumeTrue(status.available(), engine + " is not available here: " + status.detail());
        return IoEngine.open(EngineConfig.defaults().withEngine(engine).withQueueDepth(depth).withFastPaths(fastPaths));
    }

    /**
     * A FIFO opened read-write: a read of it waits in the kernel until someone writes, which is how
     * a request the kernel holds is made to stay there (io_uring arms a poll for it).
     */
    private Path fifo(String name) throws Exception {
        Path p = dir.resolve(name);
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor(), "mkfifo " + p);
        return p;
    }

    /** Unblocks whatever still reads the FIFO, so a failed test cannot hang the engine's close. */
    private static void feed(Path fifo) throws IOException {
        Files.write(fifo, new byte[4096]);
    }

    @Test
    void cancelOfARequestTheKernelHoldsAsksTheKernelAndCompletesOnlyWhenTheMemoryIsReleased() throws Exception {
        try (IoEngine engine = open("uring", 8)) {
            Path fifo = fifo("cancel.fifo");
            try (AsyncFile file = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE);
                 IoBuffer buf = IoBuffer.allocate(4096, 4096)) {
                try {
                    CompletableFuture<Integer> read = file.read(buf.segment(), 0);
                    // The read waits in the kernel: nothing will ever be written.
                    assertFalse(waitDone(read, 200), "a read of an empty FIFO waits");
                    assertEquals(1, buf.pinCount());
                    assertFalse(read.cancel(true), "the kernel holds the request: cancel only asks it to stop");
                    // Done only together with the release of the buffer, never before it.
                    assertTrue(!read.isDone() || buf.pinCount() == 0);
                    CancellationException e = assertThrows(CancellationException.class, read::join);
                    assertTrue(read.isCancelled());
                    assertEquals(0, buf.pinCount(), "the kernel released the buffer before the future completed");
                    // join wraps the future's own CancellationException, which names the request.
                    Throwable own = e.getCause() != null ? e.getCause() : e;
                    assertTrue(own.getMessage().startsWith("pread " + fifo + " at offset 0 (4096 bytes): cancelled"),
                            own.getMessage());
                } finally {
                    feed(fifo);
                }
            }
        }
    }

    @Test
    void aCallerPastTheQueueDepthWaitsInItsCallUntilARequestCompletes() throws Exception {
        // Depth 2: two FIFO reads that wait in the kernel take both places.
        try (IoEngine engine = open("uring", 2)) {
            Path fifo = fifo("depth.fifo");
            try (AsyncFile pipe = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE);
                 IoBuffer one = IoBuffer.allocate(4096, 4096);
                 IoBuffer two = IoBuffer.allocate(4096, 4096);
                 IoBuffer three = IoBuffer.allocate(4096, 4096)) {
                try {
                    CompletableFuture<Integer> a = pipe.read(one.segment(), 0);
                    CompletableFuture<Integer> b = pipe.read(two.segment(), 0);
                    assertEquals(0, engine.queueWaits());
                    CompletableFuture<CompletableFuture<Integer>> third = new CompletableFuture<>();
                    Thread caller = Thread.ofVirtual().start(() -> third.complete(pipe.read(three.segment(), 0)));
                    // The third call does not return: it waits for a place, visibly.
                    assertFalse(waitDone(third, 300), "a caller past the queue depth waits in read()");
                    assertEquals(1, engine.queueWaits());
                    assertTrue(caller.isAlive());
                    // A completion gives its place to the waiting caller, whose request then runs.
                    Files.write(fifo, new byte[4096]);
                    assertEquals(4096, TestFiles.await(CompletableFuture.anyOf(a, b)));
                    assertTrue(waitDone(third, 10_000), "the waiting caller got the place");
                    caller.join();
                    Files.write(fifo, new byte[8192]);
                    assertEquals(4096, TestFiles.await(a));
                    assertEquals(4096, TestFiles.await(b));
                    assertEquals(4096, TestFiles.await(third.join()));
                } finally {
                    feed(fifo);
                }
            }
        }
    }

    @Test
    void aRequestOfAClosedFileIsRefusedWithoutWaitingForAPlace() throws Exception {
        try (IoEngine engine = open("uring", 1, FastPaths.NONE)) {
            Path fifo = fifo("closed.fifo");
            Path data = dir.resolve("closed-data");
            Files.write(data, new byte[4096]);
            try (AsyncFile pipe = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE);
                 IoBuffer one = IoBuffer.allocate(4096, 4096);
                 IoBuffer two = IoBuffer.allocate(4096, 4096)) {
                CompletableFuture<Integer> held = pipe.read(one.segment(), 0); // holds the only place
                try {
                    AsyncFile file = AsyncFile.open(engine, data, FileOption.READ);
                    file.close();
                    // Returns at once, refused, though no place is free.
                    CompletableFuture<Integer> r = file.read(two.segment(), 0);
                    assertTrue(r.isCompletedExceptionally());
                    assertThrows(FileClosedException.class, () -> TestFiles.await(r));
                    assertEquals(0, engine.queueWaits());
                    assertEquals(0, two.pinCount());
                } finally {
                    feed(fifo);
                }
                assertEquals(4096, TestFiles.await(held));
            }
        }
    }

    @Test
    void cancelOfARequestNotYetInTheKernelEndsItAtOnce() throws Exception {
        // Depth 2, no fast path. A caller past the depth waits in its call, so a request waits
        // inside the engine only when the completion thread makes it (callbacks never wait): a
        // callback fills the ring with a FIFO read, and the read it makes next waits in the engine.
        try (IoEngine engine = open("uring", 2, FastPaths.NONE)) {
            Path fifo = fifo("queue.fifo");
            Path fifo2 = fifo("queue2.fifo");
            Path data = dir.resolve("data");
            Files.write(data, new byte[8192]);
            try (AsyncFile pipe = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE);
                 AsyncFile pipe2 = AsyncFile.open(engine, fifo2, FileOption.READ, FileOption.WRITE);
                 AsyncFile file = AsyncFile.open(engine, data, FileOption.READ);
                 IoBuffer first = IoBuffer.allocate(4096, 4096);
                 IoBuffer trigger = IoBuffer.allocate(4096, 4096);
                 IoBuffer third = IoBuffer.allocate(4096, 4096);
                 IoBuffer second = IoBuffer.allocate(4096, 4096)) {
                try {
                    CompletableFuture<Integer> blocked = pipe.read(first.segment(), 0);
                    CompletableFuture<Integer> armed = pipe2.read(trigger.segment(), 0);
                    CompletableFuture<CompletableFuture<Integer>> fromCallback = new CompletableFuture<>();
                    CompletableFuture<CompletableFuture<Integer>> waitingHolder = new CompletableFuture<>();
                    armed.thenRun(() -> {
                        // The completion thread: its requests take no place and never wait.
                        fromCallback.complete(pipe.read(third.segment(), 0));
                        waitingHolder.complete(file.read(second.segment(), 0));
                    });
                    assertFalse(armed.isDone());
                    Files.write(fifo2, new byte[4096]);
                    CompletableFuture<Integer> blocked2 = fromCallback.get(10, TimeUnit.SECONDS);
                    CompletableFuture<Integer> waiting = waitingHolder.get(10, TimeUnit.SECONDS);
                    assertFalse(waitDone(waiting, 200), "the ring is full: the read waits in the engine");
                    assertTrue(waiting.cancel(true), "never handed to the kernel: cancelled at once");
                    assertTrue(waiting.isCancelled());
                    assertEquals(0, second.pinCount());
                    assertFalse(blocked.cancel(true));
                    assertThrows(CancellationException.class, blocked::join);
                    assertEquals(0, first.pinCount());
                    assertFalse(blocked2.cancel(true));
                    assertThrows(CancellationException.class, blocked2::join);
                    // The engine goes on: the cancelled request left no trace in its queue.
                    assertEquals(4096, TestFiles.await(file.read(second.segment(), 4096)));
                } finally {
                    feed(fifo);
                }
            }
        }
    }

    @Test
    void orTimeoutStopsTheRequestInTheKernelAndFailsOnlyOnceTheMemoryIsReleased() throws Exception {
        try (IoEngine engine = open("uring", 8)) {
            Path fifo = fifo("timeout.fifo");
            try (AsyncFile file = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE);
                 IoBuffer buf = IoBuffer.allocate(4096, 4096)) {
                try {
                    CompletableFuture<Integer> read = file.read(buf.segment(), 0);
                    assertTrue(read == read.orTimeout(50, TimeUnit.MILLISECONDS));
                    ExecutionException e = assertThrows(ExecutionException.class, () -> read.get(30, TimeUnit.SECONDS));
                    assertInstanceOf(TimeoutException.class, e.getCause());
                    assertTrue(e.getCause().getMessage().contains(fifo.toString()), e.getCause().getMessage());
                    assertEquals(0, buf.pinCount());

                    CompletableFuture<Integer> again = file.read(buf.segment(), 0).completeOnTimeout(-7, 50,
                            TimeUnit.MILLISECONDS);
                    assertEquals(-7, again.get(30, TimeUnit.SECONDS));
                    assertEquals(0, buf.pinCount());
                } finally {
                    feed(fifo);
                }
            }
        }
    }

    @Test
    void memoryOfTheCallersOwnArenaMayBeFreedOnceACancelledFutureIsDone() throws Exception {
        try (IoEngine engine = open("uring", 8)) {
            Path fifo = fifo("arena.fifo");
            try (AsyncFile file = AsyncFile.open(engine, fifo, FileOption.READ, FileOption.WRITE)) {
                try {
                    CompletableFuture<Integer> read;
                    try (Arena arena = Arena.ofShared()) {
                        read = file.read(arena.allocate(4096, 4096), 0);
                        read.cancel(true);
                        // join returns (throws) only once the kernel no longer holds the memory.
                        assertThrows(CancellationException.class, read::join);
                    }
                    assertTrue(read.isCancelled());
                    // Had the kernel still held the memory, the next bytes into the FIFO would land in
                    // the freed memory; they must reach the next reader instead.
                    byte[] sent = TestFiles.randomBytes(4096, 11);
                    Files.write(fifo, sent);
                    try (IoBuffer next = IoBuffer.allocate(4096, 4096)) {
                        assertEquals(4096, TestFiles.await(file.read(next.segment(), 0)));
                        assertArrayEquals(sent, next.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    }
                } finally {
                    feed(fifo);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"uring", "aio", "threads"})
    void callersCannotCompleteTheFutureOfARequest(String engineName) throws Exception {
        try (IoEngine engine = open(engineName, 8)) {
            for (FileOption mode : new FileOption[] {FileOption.READ, FileOption.CACHED}) {
                Path p = dir.resolve("complete-" + engineName + "-" + mode);
                Files.write(p, new byte[8192]);
                try (AsyncFile file = AsyncFile.open(engine, p, FileOption.READ, mode);
                     IoBuffer buf = file.allocateBuffer(4096)) {
                    CompletableFuture<Integer> read = file.read(buf.segment(), 4096);
                    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                            () -> read.complete(1));
                    assertTrue(e.getMessage().startsWith("pread " + p + " at offset 4096 (4096 bytes): complete()"),
                            e.getMessage());
                    assertThrows(UnsupportedOperationException.class,
                            () -> read.completeExceptionally(new IOException("mine")));
                    assertThrows(UnsupportedOperationException.class, () -> read.completeAsync(() -> 3));
                    assertThrows(UnsupportedOperationException.class, () -> read.obtrudeValue(2));
                    assertThrows(UnsupportedOperationException.class, () -> read.obtrudeException(new IOException()));
                    assertEquals(4096, TestFiles.await(read));
                    assertFalse(read.cancel(true), "a completed request is not cancelled");
                    assertEquals(4096, read.join());
                    // Whatever cancel does to a request in flight, its future is done only with the buffer free.
                    CompletableFuture<Integer> racing = file.read(buf.segment(), 0);
                    racing.cancel(true);
                    try {
                        assertEquals(4096, racing.join());
                    } catch (CancellationException stopped) {
                        assertTrue(racing.isCancelled());
                    }
                    assertEquals(0, buf.pinCount());
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"uring", "aio", "threads"})
    void requestsOnAClosedEngineFailNamingTheRequest(String engineName) throws Exception {
        IoEngine engine = open(engineName, 8);
        Path p = dir.resolve("closed-engine");
        Files.write(p, new byte[8192]);
        try (AsyncFile plain = AsyncFile.open(engine, p, FileOption.READ);
             AsyncFile cached = AsyncFile.open(engine, p, FileOption.READ, FileOption.CACHED);
             IoBuffer buf = plain.allocateBuffer(4096)) {
            engine.close();
            for (AsyncFile file : new AsyncFile[] {plain, cached}) {
                CompletionException e = assertThrows(CompletionException.class,
                        () -> file.read(buf.segment(), 4096).join());
                AsynchronousCloseException closed = assertInstanceOf(AsynchronousCloseException.class, e.getCause());
                assertInstanceOf(EngineClosedException.class, closed);
                assertEquals("pread " + p + " at offset 4096 (4096 bytes): the " + engineName + " engine is closed",
                        closed.getMessage());
            }
        }
    }

    @Test
    void requestsOnAClosedFileNameTheRequest() throws Exception {
        try (IoEngine engine = open("threads", 8)) {
            Path p = dir.resolve("closed-file");
            Files.write(p, new byte[8192]);
            AsyncFile file = AsyncFile.open(engine, p, FileOption.READ);
            file.close();
            try (IoBuffer buf = IoBuffer.allocate(4096, 4096)) {
                CompletionException e = assertThrows(CompletionException.class, () -> file.read(buf.segment(), 4096).join());
                assertEquals("pread " + p + " at offset 4096 (4096 bytes): the file is closed", e.getCause().getMessage());
            }
            try (AsyncFile open = AsyncFile.open(engine, p, FileOption.READ)) {
                IoBuffer closedBuffer = IoBuffer.allocate(4096, 4096);
                closedBuffer.close();
                MemorySegment stale = closedBuffer.segment();
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> open.read(stale, 0));
                assertTrue(e.getMessage().startsWith("pread " + p), e.getMessage());
            }
        }
    }

    // ---- short writes ----

    /** A tmpfs of {@code size} bytes mounted on a fresh directory; null (the test is skipped) when not root. */
    private Path mountTmpfs(String name, long size) throws Exception {
        Path mnt = Files.createDirectory(dir.resolve(name));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "jaio-test", mnt.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assumeTrue(p.waitFor() == 0, "cannot mount a tmpfs here (not root?): " + out);
        return mnt;
    }

    private static void unmount(Path mnt) throws Exception {
        Process p = new ProcessBuilder("umount", mnt.toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "umount " + mnt);
    }

    @ParameterizedTest
    @ValueSource(strings = {"uring", "aio", "threads"})
    void aWriteLargerThanTheFreeSpaceFailsSayingHowMuchItWrote(String engineName) throws Exception {
        Path mnt = mountTmpfs("small-" + engineName, 512 << 10);
        long free = Files.getFileStore(mnt).getUnallocatedSpace();
        try (IoEngine engine = open(engineName, 8)) {
            // One buffer, then the same bytes in two: either way all of it, or a failure that says what was written.
            for (int vectored = 0; vectored < 2; vectored++) {
                Path p = mnt.resolve("big-" + vectored);
                try (AsyncFile file = AsyncFile.open(engine, p, FileOption.WRITE, FileOption.CREATE);
                     IoBuffer buf = IoBuffer.allocate(1 << 20, 4096)) {
                    CompletableFuture<?> write = vectored == 0 ? file.write(buf.segment(), 0)
                            : file.writev(new MemorySegment[] {buf.segment().asSlice(0, 300_000),
                                buf.segment().asSlice(300_000)}, 0);
                    ExecutionException e = assertThrows(ExecutionException.class, () -> write.get(60, TimeUnit.SECONDS));
                    IoOperationException io = assertInstanceOf(IoOperationException.class, e.getCause());
                    assertEquals("ENOSPC", io.errnoName());
                    assertEquals(0, io.offset());
                    long onDisk = Files.size(p);
                    assertTrue(onDisk > 0 && onDisk < 1 << 20, "the filesystem took part of it: " + onDisk);
                    assertEquals(onDisk, io.bytesTransferred(), "the failure says how much was written");
                    assertEquals((vectored == 0 ? "pwrite " : "pwritev ") + p + " at offset 0 (1048576 bytes): ENOSPC"
                            + " (No space left on device) after " + onDisk + " bytes were written", io.getMessage());
                    assertEquals(0, buf.pinCount());
                }
                Files.delete(p);
                // The blocks come back when the kernel drops its last reference to the file, which
                // can come after close(2) returns (io_uring's workers drop theirs asynchronously):
                // the next write must start from an empty file system, or it may get nothing.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (Files.getFileStore(mnt).getUnallocatedSpace() < free && System.nanoTime() - deadline < 0) {
                    Thread.sleep(1);
                }
            }
            // A write that fits is not affected: it writes all.
            try (AsyncFile file = AsyncFile.open(engine, mnt.resolve("fits"), FileOption.WRITE, FileOption.CREATE);
                 IoBuffer buf = IoBuffer.allocate(64 << 10, 4096)) {
                assertEquals(64 << 10, TestFiles.await(file.write(buf.segment(), 0)));
            }
        } finally {
            unmount(mnt);
        }
    }

    /** Whether {@code f} completes within {@code millis}. */
    private static boolean waitDone(CompletableFuture<?> f, long millis) {
        try {
            f.copy().get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (Exception e) {
            return true;
        }
    }
}
