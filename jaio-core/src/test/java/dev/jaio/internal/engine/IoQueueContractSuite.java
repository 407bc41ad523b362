package dev.jaio.internal.engine;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.EventFd;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Iovec;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Poll;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine SPI contract, checked directly on {@link IoQueue}: every engine's queue must pass it.
 * The public-API behaviour is the conformance suite's job; this pins what the layers above rely on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class IoQueueContractSuite {

    protected abstract EngineProvider provider();

    /** The options of every queue a test opens; a subclass may add engine options. */
    protected QueueOptions options(int capacity, boolean wakeup) {
        return new QueueOptions(capacity, wakeup, 4);
    }

    private final Arena arena = Arena.ofShared();
    private Path dir;
    private int fd;

    @BeforeEach
    void createFile() throws IOException {
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target/jaio-test-files")).toAbsolutePath(),
                "queue-" + provider().name());
        long rc = Libc.open(arena.allocateFrom(dir.resolve("f").toString()), Fcntl.O_RDWR | Fcntl.O_CREAT, 0644);
        assertTrue(rc >= 0, "open: " + rc);
        fd = (int) rc;
    }

    @AfterEach
    void cleanUp() throws IOException {
        Libc.close(fd);
        Files.deleteIfExists(dir.resolve("f"));
        Files.deleteIfExists(dir);
        arena.close();
    }

    private IoQueue open(int capacity, boolean wakeup) throws IOException {
        return provider().openQueue(options(capacity, wakeup));
    }

    /** Collects completions as (userData, result) pairs. */
    static final class Collected implements CompletionSink {
        final List<long[]> got = new ArrayList<>();

        @Override
        public void complete(long userData, long result) {
            got.add(new long[] {userData, result});
        }

        long resultOf(long userData) {
            return got.stream().filter(e -> e[0] == userData).findFirst().orElseThrow()[1];
        }
    }

    private static void reapAll(IoQueue q, int n, Collected sink) {
        while (sink.got.size() < n) {
            q.reap(1, n, TimeUnit.SECONDS.toNanos(10), sink);
        }
    }

    @Test
    void preparedRequestsReachTheKernelOnlyOnSubmitAndCompleteWithUserData() throws IOException {
        try (IoQueue q = open(8, false)) {
            MemorySegment buf = arena.allocate(4096, 4096);
            buf.fill((byte) 7);
            assertTrue(q.prepareWrite(fd, buf, 0, 0, 42));
            assertEquals(1, q.outstanding());
            assertEquals(1, q.unsubmitted());
            assertEquals(0, Libc.pread(fd, arena.allocate(1), 1, 0), "nothing written before submit");
            assertEquals(1, q.submit());
            assertEquals(0, q.unsubmitted());
            Collected sink = new Collected();
            reapAll(q, 1, sink);
            assertEquals(4096, sink.resultOf(42));
            assertEquals(0, q.outstanding());
        }
    }

    @Test
    void aFullQueueRefusesToPrepare() throws IOException {
        try (IoQueue q = open(2, false)) {
            MemorySegment buf = arena.allocate(512, 512);
            assertTrue(q.prepareRead(fd, buf, 0, 0, 1));
            assertTrue(q.prepareRead(fd, buf, 0, 0, 2));
            assertFalse(q.prepareRead(fd, buf, 0, 0, 3));
            q.submit();
            Collected sink = new Collected();
            reapAll(q, 2, sink);
            assertTrue(q.prepareRead(fd, buf, 0, 0, 4), "slots come back when reaped");
            q.submit();
            reapAll(q, 3, sink);
        }
    }

    @Test
    void requestsTheKernelRefusesCompleteWithNegativeErrnoAndDoNotStopTheBatch() throws IOException {
        try (IoQueue q = open(8, false)) {
            MemorySegment buf = arena.allocate(4096, 4096);
            assertTrue(q.prepareWrite(fd, buf, 0, 0, 1));
            assertTrue(q.prepareWrite(9999, buf, 0, 0, 2)); // not an open descriptor
            assertTrue(q.prepareWrite(fd, buf, 4096, 0, 3));
            q.submit();
            Collected sink = new Collected();
            reapAll(q, 3, sink);
            assertEquals(4096, sink.resultOf(1));
            assertEquals(-Errno.EBADF, sink.resultOf(2));
            assertEquals(4096, sink.resultOf(3));
        }
    }

    @Test
    void vectoredAndSyncRequests() throws IOException {
        try (IoQueue q = open(8, false)) {
            MemorySegment a = arena.allocate(4096, 4096);
            MemorySegment b = arena.allocate(4096, 4096);
            a.fill((byte) 1);
            b.fill((byte) 2);
            MemorySegment iov = arena.allocate(Iovec.IOVEC.byteSize() * 2, 8);
            Iovec.fill(iov, new MemorySegment[] {a, b});
            q.prepareWritev(fd, iov, 2, 0, 0, 1);
            q.submit();
            Collected sink = new Collected();
            reapAll(q, 1, sink);
            assertEquals(8192, sink.resultOf(1));
            a.fill((byte) 0);
            b.fill((byte) 0);
            q.prepareReadv(fd, iov, 2, 0, 0, 2);
            q.prepareFsync(fd, false, 3);
            q.prepareFsync(fd, true, 4);
            q.submit();
            reapAll(q, 4, sink);
            assertEquals(8192, sink.resultOf(2));
            assertEquals(1, a.get(JAVA_BYTE, 4095));
            assertEquals(2, b.get(JAVA_BYTE, 0));
            assertEquals(0, sink.resultOf(3));
            assertEquals(0, sink.resultOf(4));
        }
    }

    @Test
    void pollCompletesWhenTheDescriptorBecomesReadable() throws IOException {
        long efd = Libc.eventfd(0, EventFd.EFD_CLOEXEC);
        try (IoQueue q = open(4, false)) {
            q.preparePoll((int) efd, Poll.POLLIN, 5);
            q.submit();
            Collected sink = new Collected();
            assertEquals(0, q.reap(0, 4, 0, sink), "not readable yet");
            MemorySegment one = arena.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1);
            assertEquals(8, Libc.write((int) efd, one, 8));
            reapAll(q, 1, sink);
            assertTrue((sink.resultOf(5) & Poll.POLLIN) != 0, "POLLIN in " + sink.resultOf(5));
        } finally {
            Libc.close((int) efd);
        }
    }

    /**
     * A cancel never costs a request its one completion: one the queue still held is stopped
     * (-ECANCELED) on the engines that can take it back (io_uring hands it to the kernel together
     * with the cancel, so it may finish first), an unknown user data changes nothing.
     */
    @Test
    void cancelEndsARequestWithExactlyOneCompletion() throws IOException {
        try (IoQueue q = open(4, false)) {
            MemorySegment buf = arena.allocate(4096, 4096);
            assertTrue(q.prepareRead(fd, buf, 0, 0, 7));
            assertTrue(q.prepareRead(fd, buf, 0, 0, 8));
            q.cancel(7);
            q.cancel(12345); // no such request
            q.submit();
            Collected sink = new Collected();
            reapAll(q, 2, sink);
            assertEquals(2, sink.got.size());
            long cancelled = sink.resultOf(7);
            if (provider().name().equals("uring")) {
                assertTrue(cancelled == 0 || cancelled == -Errno.ECANCELED, "result " + cancelled);
            } else {
                assertEquals(-Errno.ECANCELED, cancelled, "taken back before the kernel saw it");
            }
            assertEquals(0, sink.resultOf(8), "the other request is untouched (an empty file reads 0)");
            assertEquals(0, q.outstanding());
            q.cancel(8); // completed: nothing happens
            assertEquals(0, q.reap(0, 4, 0, sink));
        }
    }

    @Test
    void closeCancelsAPollThatWouldNeverComplete() throws IOException {
        long efd = Libc.eventfd(0, EventFd.EFD_CLOEXEC);
        try {
            IoQueue q = open(4, false);
            q.preparePoll((int) efd, Poll.POLLIN, 1);
            q.submit();
            q.close(); // returns: the poll was cancelled rather than waited for
        } finally {
            Libc.close((int) efd);
        }
    }

    @Test
    void aTimedReapGivesUpAndAZeroTimeoutPolls() throws IOException {
        try (IoQueue q = open(4, false)) {
            Collected sink = new Collected();
            assertEquals(0, q.reap(0, 4, 0, sink));
            assertEquals(0, q.reap(1, 4, TimeUnit.MILLISECONDS.toNanos(20), sink));
        }
    }

    @Test
    void wakeupEndsABlockingReapFromAnotherThread() throws Exception {
        try (IoQueue q = open(4, true)) {
            assertTrue(q.supportsWakeup());
            CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(() -> q.reap(1, 4, -1, new Collected()));
            // Keep waking until the reaper has returned: a wakeup sent before it blocks is kept too.
            while (!blocked.isDone()) {
                q.wakeup();
                Thread.onSpinWait();
                try {
                    blocked.get(10, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    // still blocked: wake again
                }
            }
            assertEquals(0, blocked.get());
        }
    }

    @Test
    void closeWaitsForSubmittedRequests() throws IOException {
        MemorySegment buf = arena.allocate(1 << 20, 4096);
        IoQueue q = open(64, false);
        for (int i = 0; i < 64; i++) {
            q.prepareWrite(fd, buf.asSlice(0, 16384), 16384L * i, 0, i);
        }
        q.submit();
        q.close();
        assertEquals(64 * 16384, Libc.pread(fd, buf, 1 << 20, 0), "every submitted write finished before close returned");
    }

    @Test
    void cancelUnsubmittedTakesBackWhatWasNeverSubmittedAsCancelledCompletions() throws IOException {
        try (IoQueue q = open(8, false)) {
            MemorySegment buf = arena.allocate(4096, 4096);
            buf.fill((byte) 3);
            assertTrue(q.prepareWrite(fd, buf, 0, 0, 1));
            assertEquals(1, q.submit());
            assertTrue(q.prepareWrite(fd, buf, 4096, 0, 2));
            assertTrue(q.prepareWrite(fd, buf, 8192, 0, 3));
            assertEquals(2, q.cancelUnsubmitted());
            assertEquals(0, q.unsubmitted());
            assertEquals(3, q.outstanding(), "taken back, but each still owes its completion");
            assertEquals(0, q.submit(), "nothing left to submit");
            Collected sink = new Collected();
            reapAll(q, 3, sink);
            assertEquals(4096, sink.resultOf(1));
            assertEquals(-Errno.ECANCELED, sink.resultOf(2));
            assertEquals(-Errno.ECANCELED, sink.resultOf(3));
            assertEquals(0, q.outstanding());
            assertEquals(0, q.cancelUnsubmitted());
            assertEquals(4096, Libc.pread(fd, arena.allocate(16384), 16384, 0), "only the submitted write ran");
            assertTrue(q.prepareWrite(fd, buf, 4096, 0, 4), "the slots came back");
            assertEquals(1, q.submit());
            reapAll(q, 4, sink);
            assertEquals(4096, sink.resultOf(4));
        }
    }

    /**
     * Close with requests in every state: reaped, completed and not reaped, in flight, and prepared
     * but never submitted. Every submitted one has finished when close returns; none of the others
     * ever runs; a second close does nothing.
     */
    @Test
    void closeFinishesSubmittedRequestsInEveryStateAndDropsUnsubmittedOnes() throws IOException {
        MemorySegment buf = arena.allocate(64 * 4096, 4096);
        buf.fill((byte) 9);
        for (int round = 0; round < 20; round++) {
            IoQueue q = open(64, false);
            int submitted = 8 + round;
            for (int i = 0; i < submitted; i++) {
                assertTrue(q.prepareWrite(fd, buf.asSlice(4096L * i, 4096), 4096L * i, 0, i));
            }
            int accepted = 0;
            while (accepted < submitted) {
                accepted += q.submit();
            }
            q.reap(0, round % 4, 0, new Collected()); // some reaped, some not
            for (int i = 0; i < 4; i++) {
                // Far past the submitted ones: the file's size shows whether any of these ran.
                assertTrue(q.prepareWrite(fd, buf.asSlice(0, 4096), (1L << 20) + 4096L * i, 0, 100 + i));
            }
            q.close();
            q.close();
            long size = Files.size(dir.resolve("f"));
            assertEquals(4096L * submitted, size,
                    "round " + round + ": the submitted writes, and nothing never submitted");
            assertEquals(0, Libc.ftruncate(fd, 0));
        }
    }
}
