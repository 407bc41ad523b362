package dev.jaio.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.AsyncFile;
import dev.jaio.EngineConfig;
import dev.jaio.FileOption;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The uring loop's sendFile grows its channel's pipe to 1 MiB at its first range larger than the
 * pipe holds (io_uring runs every SPLICE in an io-wq worker, and each pipeful costs two
 * hand-offs), whatever the allowance for a turn, which cuts SENDs, not SPLICEs; a channel that
 * sends only small ranges keeps the pipe it was made with. The capacity is read back from the
 * kernel (F_GETPIPE_SZ on the pipe the channel opened), and every byte arrives in order. (The
 * budget that keeps an unprivileged process's pipes small: SplicePipesTest.)
 */
@Timeout(60)
class UringSendFilePipeTest {

    @TempDir
    Path dir;

    @Test
    void aLargeSendFileGrowsItsChannelsPipeTo1MiB() throws Exception {
        assumeKernelGives1MiBPipes();
        assertEquals(1 << 20, pipeCapacityAfterSendFile(LoopConfig.DEFAULT_SEND_BYTES_PER_TURN, (3 << 20) + 100));
    }

    @Test
    void aSmallAllowanceDoesNotShrinkThePipe() throws Exception {
        assumeKernelGives1MiBPipes();
        assertEquals(1 << 20, pipeCapacityAfterSendFile(4096, (3 << 20) + 100));
    }

    /**
     * A process with a pipe budget (an unprivileged one) shrinks the pipe back once the send that
     * grew it ended, so an idle keep-alive connection holds none of the budget.
     */
    @Test
    void underABudgetThePipeShrinksBackAfterTheSend() throws Exception {
        assumeKernelGives1MiBPipes();
        int made = (int) Libc.fcntlInt(scratchPipe()[0], Fcntl.F_GETPIPE_SZ, 0);
        long pages = (1 << 20) / dev.jaio.internal.linux.Cachestat.PAGE_SIZE;
        long was = EventLoop.splicePipeBudgetForTest(EventLoop.splicePipePagesForTest() + pages); // room for one
        try {
            // Twice: the first send's pages went back to the budget, or the second could not grow.
            for (int round = 0; round < 2; round++) {
                Sent sent = sendFile(LoopConfig.DEFAULT_SEND_BYTES_PER_TURN, 16 << 20, true);
                assertEquals(pages, sent.pagesWhileWaiting(), "round " + round + ": grown pages while the send waited for the peer");
                assertEquals(0, sent.pagesAfter(), "round " + round + ": grown pages after the send");
                assertEquals(made, sent.capacitiesAfter().get(0), "round " + round + ": the channel's pipe after the send");
            }
        } finally {
            EventLoop.splicePipeBudgetForTest(was);
        }
    }

    /**
     * A range the pipe holds at once leaves the pipe as it was made. (A range in the page cache
     * that one turn's allowance holds goes from a staging buffer, without a pipe: an allowance below
     * the range sends this one by SPLICE.)
     */
    @Test
    void aSmallRangeLeavesThePipeAsItWasMade() throws Exception {
        int made = (int) Libc.fcntlInt(scratchPipe()[0], Fcntl.F_GETPIPE_SZ, 0); // what pipe2 gives now
        assertEquals(made, pipeCapacityAfterSendFile(4096, 10_000));
    }

    /** Skips where the kernel refuses (fs.pipe-max-size below 1 MiB, or this user past its pipe pages). */
    private static void assumeKernelGives1MiBPipes() {
        int[] p = scratchPipe();
        long got = Libc.fcntlInt(p[1], Fcntl.F_SETPIPE_SZ, 1 << 20);
        Libc.fcntlInt(p[1], Fcntl.F_SETPIPE_SZ, 64 * 1024); // its pages back to the user at once
        assumeTrue(got == 1 << 20, "the kernel refuses a 1 MiB pipe here");
    }

    private static final List<int[]> SCRATCH = new ArrayList<>();

    /** A pipe, closed after the class. */
    private static int[] scratchPipe() {
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment fds = a.allocate(8, 4);
            assertEquals(0, dev.jaio.internal.linux.NetCalls.pipe2(fds, Fcntl.O_CLOEXEC));
            int[] p = {fds.get(java.lang.foreign.ValueLayout.JAVA_INT, 0), fds.get(java.lang.foreign.ValueLayout.JAVA_INT, 4)};
            SCRATCH.add(p);
            return p;
        }
    }

    @org.junit.jupiter.api.AfterAll
    static void closeScratch() {
        for (int[] p : SCRATCH) {
            Libc.close(p[0]);
            Libc.close(p[1]);
        }
    }

    /** What a sendFile did: pages of grown pipes (over those before) while it waited and after, and the channel's pipe after it. */
    private record Sent(long pagesWhileWaiting, long pagesAfter, List<Integer> capacitiesAfter) {
    }

    /**
     * Sends a file of {@code size} bytes on a uring loop with that allowance to a peer that, if
     * {@code peerWaits}, reads nothing until the send has grown its pipe (the socket fills, so the
     * send waits), then everything. Nothing looks at the pipe while the send runs: a SPLICE into a
     * full socket holds the pipe's lock in its io-wq worker, and fcntl would wait for it.
     */
    private Sent sendFile(long allowance, int size, boolean peerWaits) throws Exception {
        byte[] data = new byte[size];
        new Random(allowance + size).nextBytes(data);
        Path p = dir.resolve("f" + allowance + "-" + size);
        Files.write(p, data);
        long base = EventLoop.splicePipePagesForTest();
        try (EventLoop loop = EventLoop.open(LoopConfig.defaults().withBackend("uring").withSendBytesPerTurn(allowance)
                .withFiles(EngineConfig.defaults().withQueueDepth(64)));
                AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ);
                LoopConformanceSuite.Connected conn = LoopConformanceSuite.connectToPeer(loop)) {
            Set<String> before = pipes();
            LoopConformanceSuite.FutureLong sent = new LoopConformanceSuite.FutureLong();
            conn.channel().sendFile(f, 0, data.length, null, sent);
            long waiting = 0;
            for (int i = 0; peerWaits && i < 500 && waiting == 0; i++) {
                Thread.sleep(10);
                waiting = EventLoop.splicePipePagesForTest() - base;
            }
            assertTrue(!peerWaits || !sent.isDone(), "the send ended with the peer reading nothing: make the file larger");
            assertArrayEquals(data, conn.peer().getInputStream().readNBytes(data.length));
            assertEquals(data.length, sent.get(20, TimeUnit.SECONDS));
            long after = EventLoop.splicePipePagesForTest() - base;
            List<Integer> capacities = new ArrayList<>();
            for (String fd : pipes()) {
                if (!before.contains(fd)) {
                    capacities.add((int) Libc.fcntlInt(Integer.parseInt(fd), Fcntl.F_GETPIPE_SZ, 0));
                }
            }
            assertEquals(2, capacities.size(), "the channel's pipe, both ends: " + capacities);
            assertEquals(capacities.get(0), capacities.get(1));
            assertTrue(capacities.get(0) > 0, "F_GETPIPE_SZ: " + capacities);
            return new Sent(waiting, after, capacities);
        }
    }

    /** The capacity of the channel's pipe after a sendFile of {@code size} bytes at that allowance. */
    private int pipeCapacityAfterSendFile(long allowance, int size) throws Exception {
        return sendFile(allowance, size, false).capacitiesAfter().get(0);
    }

    /** This process's descriptors that are pipes, by number. */
    private static Set<String> pipes() throws IOException {
        Set<String> fds = new TreeSet<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) s::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("pipe:")) {
                        fds.add(fd.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // closed meanwhile (the listing's own descriptor, another test's)
                }
            }
        }
        return fds;
    }
}
