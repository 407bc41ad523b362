package dev.jaio.internal.uring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.EventFd;
import dev.jaio.internal.linux.Falloc;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Poll;
import dev.jaio.internal.linux.UringAbi;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The operations only io_uring has, on real files and descriptors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UringOperationsTest {

    private final Arena arena = Arena.ofShared();
    private Path dir;
    private int fd;
    private int efd;
    private UringQueue q;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target/jaio-test-files")).toAbsolutePath(), "uring-ops");
        fd = (int) Libc.open(arena.allocateFrom(dir.resolve("f").toString()), Fcntl.O_RDWR | Fcntl.O_CREAT | Fcntl.O_DIRECT, 0644);
        assertTrue(fd >= 0);
        efd = (int) Libc.eventfd(0, EventFd.EFD_CLOEXEC);
        // Owned by one platform thread, the test's, as an event loop's queue is: SINGLE_ISSUER.
        q = (UringQueue) new UringEngine().openQueue(new QueueOptions(16, false, 1, 0, true));
    }

    @AfterEach
    void tearDown() throws IOException {
        q.close();
        Libc.close(fd);
        Libc.close(efd);
        Files.deleteIfExists(dir.resolve("f"));
        Files.deleteIfExists(dir.resolve("buffered"));
        Files.deleteIfExists(dir);
        arena.close();
    }

    /** Submits and reaps until {@code n} completions are in; returns them by user data, in order of arrival. */
    private Map<Long, Long> run(int n) {
        q.submit();
        Map<Long, Long> got = new LinkedHashMap<>();
        while (got.size() < n) {
            q.reap(1, 16, TimeUnit.SECONDS.toNanos(10), got::put);
        }
        return got;
    }

    @Test
    void queuesOwnedByOnePlatformThreadUseSingleIssuerWithDeferredTaskRun() {
        prepareNop(q, 1);
        assertEquals(Map.of(1L, 0L), run(1));
        int want = UringAbi.IORING_SETUP_SINGLE_ISSUER | UringAbi.IORING_SETUP_DEFER_TASKRUN;
        assertEquals(want, q.ring.setupFlags & want, "this kernel (6.1+) accepts both");
        assertTrue((q.ring.features & UringAbi.IORING_FEAT_SINGLE_MMAP) != 0);
    }

    @Test
    void aQueueCreatedOnOneThreadIsDrivenByAnother() throws Exception {
        // The ring is enabled by its first user, so SINGLE_ISSUER binds it to the driving thread.
        Long res = CompletableFuture.supplyAsync(() -> {
            prepareNop(q, 9);
            return run(1).get(9L);
        }, r -> Thread.ofPlatform().start(r)).get(10, TimeUnit.SECONDS);
        assertEquals(0L, res);
    }

    /**
     * A queue its caller drives (IoContext's) is bound to no OS thread: its owner may be a virtual
     * thread, whose calls come from whichever carrier it is on. Here each step runs on another
     * platform thread, each its own OS thread, as the carriers of one virtual thread would be.
     */
    @Test
    void aCallerDrivenQueueIsBoundToNoThread() throws Exception {
        try (UringQueue free = (UringQueue) new UringEngine().openQueue(new QueueOptions(16, false, 1))) {
            assertEquals(0, free.ring.setupFlags & (UringAbi.IORING_SETUP_SINGLE_ISSUER | UringAbi.IORING_SETUP_DEFER_TASKRUN));
            MemorySegment buf = arena.allocate(8192, 4096);
            onAnotherThread(() -> assertEquals(0, free.registerBuffers(buf)));
            onAnotherThread(() -> assertEquals(0, free.registerFiles(fd)));
            onAnotherThread(() -> {
                free.prepareWriteFixed(fd, buf.asSlice(0, 4096), 0, 0, 0, 1);
                prepareNop(free, 2);
                assertEquals(2, free.submit());
            });
            Map<Long, Long> got = new LinkedHashMap<>();
            while (got.size() < 2) {
                onAnotherThread(() -> free.reap(1, 16, TimeUnit.SECONDS.toNanos(10), got::put));
            }
            assertEquals(Map.of(1L, 4096L, 2L, 0L), got);
            onAnotherThread(() -> {
                free.preparePoll(efd, Poll.POLLIN, 3); // never completes by itself: close cancels it
                free.submit();
            });
            onAnotherThread(() -> assertEquals(0, free.unregisterFiles()));
            onAnotherThread(() -> assertEquals(0, free.unregisterBuffers()));
            onAnotherThread(free::close);
        }
    }

    // io_uring requests jaio itself never makes, prepared through the queue's own SQE writing.

    /** NOP: completes with 0; it measures the ring itself (liburing's io_uring_prep_nop). */
    private static boolean prepareNop(UringQueue queue, long data) {
        return queue.prepare(UringAbi.IORING_OP_NOP, -1, 0, 0, 0, 0, 0, false, data);
    }

    /** FALLOCATE; liburing's io_uring_prep_fallocate: off = offset, addr = length, len = mode. */
    private static boolean prepareFallocate(UringQueue queue, int fd, int mode, long offset, long length, long data) {
        return queue.prepare(UringAbi.IORING_OP_FALLOCATE, fd, offset, length, mode, 0, 0, false, data);
    }

    /** FSYNC of {@code [offset, offset + length)} only (length 0: to the end), or fdatasync of it. */
    private static boolean prepareFsyncRange(UringQueue queue, int fd, boolean dataOnly, long offset, int length,
            long data) {
        return queue.prepare(UringAbi.IORING_OP_FSYNC, fd, offset, 0, length,
                dataOnly ? UringAbi.IORING_FSYNC_DATASYNC : 0, 0, false, data);
    }

    /**
     * POLL_REMOVE of the outstanding poll prepared with user data {@code target}. The removed poll
     * completes with -ECANCELED; this request with 0, or -ENOENT when there was no such poll.
     */
    private static boolean preparePollRemove(UringQueue queue, long target, long data) {
        return queue.prepareByTarget(UringAbi.IORING_OP_POLL_REMOVE, target, data);
    }

    /** Runs {@code step} on a new platform thread and waits for it; its failure is this thread's. */
    private static void onAnotherThread(Runnable step) throws Exception {
        CompletableFuture.runAsync(step, r -> Thread.ofPlatform().start(r)).get(20, TimeUnit.SECONDS);
    }

    /** A queue bound to its OS thread must not be driven by a virtual thread; it says so instead of EEXIST later. */
    @Test
    void aBoundQueueRefusesAVirtualThreadClearly() throws Exception {
        IllegalStateException e = CompletableFuture.supplyAsync(() -> {
            try {
                prepareNop(q, 1);
                return null;
            } catch (IllegalStateException x) {
                return x;
            }
        }, r -> Thread.ofVirtual().start(r)).get(10, TimeUnit.SECONDS);
        assertTrue(e != null && e.getMessage().contains("SINGLE_ISSUER") && e.getMessage().contains("virtual"),
                String.valueOf(e));
    }

    /**
     * Misuse: a wait on a bound ring from another thread. The kernel refuses it (EEXIST) and would
     * refuse every retry; reap says so instead of spinning forever.
     */
    @Test
    void aWaitTheKernelRefusesFailsInsteadOfSpinning() throws Exception {
        q.preparePoll(efd, Poll.POLLIN, 1); // never becomes readable
        q.submit(); // binds the ring to this thread
        IllegalStateException e = CompletableFuture.supplyAsync(() -> {
            try {
                q.reap(1, 16, -1, (d, r) -> { });
                return null;
            } catch (IllegalStateException x) {
                return x;
            }
        }, r -> Thread.ofPlatform().start(r)).get(10, TimeUnit.SECONDS);
        assertTrue(e != null && e.getMessage().contains("EEXIST"), String.valueOf(e));
    }

    /**
     * Misuse: a thread other than the single issuer submits. io_uring_enter refuses the whole call
     * (EEXIST); the requests it carried complete with that error instead of being lost, and close
     * still returns.
     */
    @Test
    void requestsOfARefusedEnterCompleteWithItsErrorAndCloseStillReturns() throws Exception {
        prepareNop(q, 1);
        assertEquals(Map.of(1L, 0L), run(1)); // binds the ring to this thread
        Map<Long, Long> got = CompletableFuture.supplyAsync(() -> {
            prepareNop(q, 2);
            q.submit();
            Map<Long, Long> m = new LinkedHashMap<>();
            q.reap(1, 16, TimeUnit.SECONDS.toNanos(5), m::put);
            return m;
        }, r -> Thread.ofPlatform().start(r)).get(10, TimeUnit.SECONDS);
        assertEquals(Map.of(2L, (long) -Errno.EEXIST), got);
        assertEquals(0, q.outstanding());
    }

    @Test
    void fixedBuffersAndFixedFiles() {
        MemorySegment buf = arena.allocate(8192, 4096);
        buf.asSlice(0, 4096).fill((byte) 5);
        assertEquals(0, q.registerBuffers(buf));
        assertEquals(0, q.registerFiles(fd));
        q.prepareWriteFixed(fd, buf.asSlice(0, 4096), 0, 0, 0, 1);
        assertEquals(4096L, run(1).get(1L));
        q.nextUsesFixedFile();
        q.prepareReadFixed(0, buf.asSlice(4096, 4096), 0, 0, 0, 2); // fd 0 is registered file index 0
        assertEquals(4096L, run(1).get(2L));
        assertEquals(-1, buf.asSlice(4096, 4096).mismatch(buf.asSlice(0, 4096)));
        assertEquals(0, q.unregisterFiles());
        assertEquals(0, q.unregisterBuffers());
    }

    @Test
    void linkedTimeoutCancelsASlowRequest() {
        q.linkNext();
        q.preparePoll(efd, Poll.POLLIN, 1); // never becomes readable
        q.prepareLinkTimeout(TimeUnit.MILLISECONDS.toNanos(20), 2);
        Map<Long, Long> got = run(2);
        assertEquals(-Errno.ECANCELED, got.get(1L));
        assertEquals(-Errno.ETIME, got.get(2L));
    }

    @Test
    void linkedTimeoutIsCancelledWhenTheRequestIsFast() {
        q.linkNext();
        prepareNop(q, 1);
        q.prepareLinkTimeout(TimeUnit.SECONDS.toNanos(30), 2);
        Map<Long, Long> got = run(2);
        assertEquals(0L, got.get(1L));
        assertEquals(-Errno.ECANCELED, got.get(2L));
    }

    @Test
    void linkedRequestsRunInOrderAndABrokenLinkCancelsTheRest() {
        MemorySegment buf = arena.allocate(4096, 4096);
        buf.fill((byte) 3);
        q.linkNext();
        q.prepareWrite(fd, buf, 0, 0, 1);
        q.prepareFsync(fd, true, 2);
        assertEquals(Map.of(1L, 4096L, 2L, 0L), run(2));
        q.linkNext();
        q.prepareWrite(fd, buf.asSlice(0, 100), 0, 0, 3); // misaligned for O_DIRECT: fails
        q.prepareFsync(fd, false, 4);
        Map<Long, Long> got = run(2);
        assertEquals(-Errno.EINVAL, got.get(3L));
        assertEquals(-Errno.ECANCELED, got.get(4L));
    }

    @Test
    void cancelAndPollRemoveStopAnOutstandingPoll() {
        q.preparePoll(efd, Poll.POLLIN, 1);
        q.submit();
        q.prepareCancel(1, 2);
        Map<Long, Long> got = run(2);
        assertEquals(-Errno.ECANCELED, got.get(1L));
        assertEquals(0L, got.get(2L));
        q.preparePoll(efd, Poll.POLLIN, 3);
        q.submit();
        preparePollRemove(q, 3, 4);
        got = run(2);
        assertEquals(-Errno.ECANCELED, got.get(3L));
        assertEquals(0L, got.get(4L));
        q.prepareCancel(12345, 5);
        assertEquals(-Errno.ENOENT, run(1).get(5L), "nothing outstanding has that user data");
    }

    @Test
    void timeoutsExpireOrCompleteAfterACount() {
        q.prepareTimeout(TimeUnit.MILLISECONDS.toNanos(10), 0, 1);
        assertEquals(-Errno.ETIME, run(1).get(1L));
        q.prepareTimeout(TimeUnit.SECONDS.toNanos(30), 1, 2);
        prepareNop(q, 3);
        Map<Long, Long> got = run(2);
        assertEquals(0L, got.get(3L));
        assertEquals(0L, got.get(2L), "completed by the count, not the clock");
    }

    @Test
    void fallocateAndRangedFsync() {
        prepareFallocate(q, fd, 0, 0, 1 << 20, 1);
        assertEquals(0L, run(1).get(1L));
        assertEquals(1 << 20, sizeOf());
        prepareFallocate(q, fd, Falloc.FALLOC_FL_KEEP_SIZE, 1 << 20, 1 << 20, 2);
        prepareFsyncRange(q, fd, false, 0, 4096, 3);
        prepareFsyncRange(q, fd, true, 4096, 0, 4);
        Map<Long, Long> got = run(3);
        assertEquals(Map.of(2L, 0L, 3L, 0L, 4L, 0L), got);
        assertEquals(1 << 20, sizeOf(), "KEEP_SIZE left the size alone");
    }

    private long sizeOf() {
        try {
            return Files.size(dir.resolve("f"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void closeCancelsWhatWouldNeverComplete() throws IOException {
        UringQueue other = (UringQueue) new UringEngine().openQueue(new QueueOptions(4, true, 1));
        other.preparePoll(efd, Poll.POLLIN, 1);
        other.prepareTimeout(TimeUnit.HOURS.toNanos(1), 0, 2);
        other.submit();
        other.close(); // returns: the poll, the timeout and the armed wakeup read were cancelled
        MemorySegment one = arena.allocate(JAVA_LONG);
        one.set(JAVA_LONG, 0, 1);
        assertEquals(8, Libc.write(efd, one, 8), "the eventfd is still ours and usable");
    }

    @Test
    void bufferedReadsOfACachedFileReturnItsContents() throws IOException {
        Path p = dir.resolve("buffered");
        byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        Files.write(p, data);
        int bfd = (int) Libc.open(arena.allocateFrom(p.toString()), Fcntl.O_RDONLY, 0);
        try {
            MemorySegment buf = arena.allocate(1 << 20, 4096);
            for (int i = 0; i < 16; i++) {
                q.prepareRead(bfd, buf.asSlice(65536L * i, 65536), 65536L * i, 0, i);
            }
            Map<Long, Long> got = run(16);
            got.values().forEach(v -> assertEquals(65536L, v));
            for (int i = 0; i < data.length; i += 4093) {
                assertEquals(data[i], buf.get(JAVA_BYTE, i));
            }
        } finally {
            Libc.close(bfd);
        }
    }
}
