package dev.jaio.loop;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.AsyncFile;
import dev.jaio.FileOption;
import dev.jaio.internal.linux.NetCalls;
import dev.jaio.internal.linux.Sockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The uring loop's sendFile of a range in the page cache that one turn's allowance holds: the
 * range is read (preadv2, RWF_NOWAIT) into a staging buffer of the loop's and one SENDMSG sends the
 * head and the buffer, run inline by io_uring, with no pipe and no io-wq worker. The buffer is the
 * kernel's to read until the request ends, whatever the caller does: it stays taken while a send
 * waits for a peer that does not read, and goes back to the loop when the send ended, by
 * completion or by a close of the channel. When the loop's buffers are all taken by waiting sends,
 * the next send takes the pipe.
 */
@Timeout(60)
class UringStagedSendFileTest {

    @TempDir
    Path dir;

    @Test
    void aResidentRangeGoesWithItsHeadWithoutAPipe() throws Exception {
        Path p = dir.resolve("resident");
        byte[] data = LoopConformanceSuite.randomFile(p, 200_000, 1);
        try (EventLoop loop = uringLoop(LoopConfig.DEFAULT_SEND_BYTES_PER_TURN);
                AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ);
                LoopConformanceSuite.Connected conn = LoopConformanceSuite.connectToPeer(loop);
                Arena arena = Arena.ofShared()) {
            String headText = "HTTP/1.1 206 Partial Content\r\n\r\n";
            MemorySegment head = arena.allocateFrom(headText, US_ASCII).asSlice(0, headText.length());
            List<String> pipesBefore = pipes();
            LoopConformanceSuite.FutureLong sent = new LoopConformanceSuite.FutureLong();
            loop.execute(() -> conn.channel().sendFile(head, f, 12_345, 150_000, null, sent));
            byte[] got = conn.peer().getInputStream().readNBytes(headText.length() + 150_000);
            assertEquals(headText.length() + 150_000L, (long) sent.get(20, TimeUnit.SECONDS));
            assertEquals(headText, new String(got, 0, headText.length(), US_ASCII));
            assertArrayEquals(Arrays.copyOfRange(data, 12_345, 162_345), Arrays.copyOfRange(got, headText.length(), got.length));
            assertEquals(pipesBefore, pipes(), "the staged send made no pipe");
            assertEquals(0, loop.sendStagingTakenForTest(), "staging buffers taken after the send ended");
        }
    }

    /**
     * A send waiting for a peer that reads nothing holds its staging buffer; closing the channel
     * ends it (AsynchronousCloseException), and only then is the buffer the loop's again.
     */
    @Test
    void aCloseWithTheSendWaitingGivesItsBufferBackWhenTheRequestEnded() throws Exception {
        Path p = dir.resolve("waiting");
        LoopConformanceSuite.randomFile(p, 1 << 20, 2);
        try (EventLoop loop = uringLoop(1 << 20);
                AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ)) {
            List<String> pipesBefore = pipes();
            Stalled s = stalledSend(loop, f);
            assertEquals(1, loop.sendStagingTakenForTest(), "the waiting send's buffer");
            assertEquals(pipesBefore, pipes(), "a staged send, not a pipe");
            s.channel().close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> s.sent().get(20, TimeUnit.SECONDS));
            assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            assertEquals(0, loop.sendStagingTakenForTest(), "buffers taken after the close ended the send");
            s.peer().close();
        }
    }

    /**
     * With every staging buffer held by a send waiting for its peer, the next send takes the pipe
     * (SPLICE); once the peers read, every send ends whole and every buffer is back.
     */
    @Test
    void withEveryBufferTakenTheNextSendTakesThePipe() throws Exception {
        Path p = dir.resolve("many");
        byte[] data = LoopConformanceSuite.randomFile(p, 256 << 10, 3);
        try (EventLoop loop = uringLoop(256 << 10);
                AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ)) {
            List<Stalled> stalled = new ArrayList<>();
            int max = loop.sendStagingMaxForTest();
            assertEquals(64, max, "16 MiB of 256 KiB buffers");
            try {
                for (int i = 0; i < max; i++) {
                    stalled.add(stalledSend(loop, f));
                }
                assertEquals(max, loop.sendStagingTakenForTest());
                List<String> pipesBefore = pipes();
                LoopConformanceSuite.Connected conn = LoopConformanceSuite.connectToPeer(loop);
                LoopConformanceSuite.FutureLong sent = new LoopConformanceSuite.FutureLong();
                loop.execute(() -> conn.channel().sendFile(f, 0, data.length, null, sent));
                assertArrayEquals(data, conn.peer().getInputStream().readNBytes(data.length));
                assertEquals(data.length, (long) sent.get(20, TimeUnit.SECONDS));
                assertEquals(pipesBefore.size() + 2, pipes().size(), "the next send's pipe, both ends");
                conn.close();
                for (Stalled s : stalled) {
                    assertArrayEquals(data, s.peer().getInputStream().readNBytes(data.length));
                    assertEquals(data.length, (long) s.sent().get(20, TimeUnit.SECONDS));
                }
                assertEquals(0, loop.sendStagingTakenForTest(), "buffers taken after every send ended");
            } finally {
                for (Stalled s : stalled) {
                    s.channel().close();
                    s.peer().close();
                }
            }
        }
    }

    /**
     * A head larger than the socket's buffers, to a peer that reads slowly: the first SENDMSG
     * takes part of the head, and the sends that follow go on from inside the head, then the
     * range; every byte arrives once, in order, and the handler gets both sizes.
     */
    @Test
    void aShortSendInsideTheHeadGoesOnFromWhereItStopped() throws Exception {
        Path p = dir.resolve("big-head");
        byte[] data = LoopConformanceSuite.randomFile(p, 100_000, 6);
        try (EventLoop loop = uringLoop(LoopConfig.DEFAULT_SEND_BYTES_PER_TURN);
                AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ);
                Arena arena = Arena.ofShared()) {
            byte[] headBytes = new byte[64 << 10];
            new java.util.Random(7).nextBytes(headBytes);
            MemorySegment head = arena.allocate(headBytes.length);
            MemorySegment.copy(headBytes, 0, head, ValueLayout.JAVA_BYTE, 0, headBytes.length);
            Connection conn = smallBuffers(loop);
            List<String> pipesBefore = pipes();
            LoopConformanceSuite.FutureLong sent = new LoopConformanceSuite.FutureLong();
            loop.execute(() -> conn.channel().sendFile(head, f, 1000, 90_000, null, sent));
            assertEquals(1, loop.sendStagingTakenForTest(), "a staged send");
            assertFalse(sent.isDone(), "the head alone is more than the socket takes");
            byte[] got = conn.peer().getInputStream().readNBytes(headBytes.length + 90_000);
            assertEquals(headBytes.length + 90_000L, (long) sent.get(20, TimeUnit.SECONDS));
            assertArrayEquals(headBytes, Arrays.copyOfRange(got, 0, headBytes.length));
            assertArrayEquals(Arrays.copyOfRange(data, 1000, 91_000), Arrays.copyOfRange(got, headBytes.length, got.length));
            assertEquals(pipesBefore, pipes(), "no pipe");
            assertEquals(0, loop.sendStagingTakenForTest());
            conn.channel().close();
            conn.peer().close();
        }
    }

    /**
     * The head is copied into the staging buffer during the call: memory the caller frees as soon
     * as sendFile returns is not sent (the kernel reads the buffer at the loop's next submit), and
     * a head whose memory is already freed fails the call.
     */
    @Test
    void aHeadFreedRightAfterTheCallIsSentAsItWas() throws Exception {
        Path p = dir.resolve("freed-head");
        byte[] data = LoopConformanceSuite.randomFile(p, 100_000, 8);
        try (EventLoop loop = uringLoop(LoopConfig.DEFAULT_SEND_BYTES_PER_TURN);
                AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.READ);
                LoopConformanceSuite.Connected conn = LoopConformanceSuite.connectToPeer(loop)) {
            LoopConformanceSuite.FutureLong sent = new LoopConformanceSuite.FutureLong();
            loop.execute(() -> {
                Arena a = Arena.ofShared();
                MemorySegment head = a.allocate(64);
                head.fill((byte) 'H');
                conn.channel().sendFile(head, f, 0, 100_000, null, sent);
                a.close();
            });
            byte[] got = conn.peer().getInputStream().readNBytes(64 + 100_000);
            assertEquals(64 + 100_000L, (long) sent.get(20, TimeUnit.SECONDS));
            byte[] h = new byte[64];
            Arrays.fill(h, (byte) 'H');
            assertArrayEquals(h, Arrays.copyOf(got, 64));
            assertArrayEquals(data, Arrays.copyOfRange(got, 64, got.length));

            Arena gone = Arena.ofShared();
            MemorySegment freed = gone.allocate(64);
            gone.close();
            java.util.concurrent.CompletableFuture<Throwable> thrown = new java.util.concurrent.CompletableFuture<>();
            loop.execute(() -> {
                try {
                    conn.channel().sendFile(freed, f, 0, 100_000, null, new LoopConformanceSuite.FutureLong());
                    thrown.complete(null);
                } catch (RuntimeException e) {
                    thrown.complete(e);
                }
            });
            assertInstanceOf(IllegalStateException.class, thrown.get(10, TimeUnit.SECONDS));
            assertEquals(0, loop.sendStagingTakenForTest(), "the buffer is back after the refused call");
        }
    }

    /**
     * A file opened for writing only cannot be read into the buffer (preadv2: EBADF): the send
     * takes the pipe, whose SPLICE fails with EBADF, and the buffer is back.
     */
    @Test
    void aFileThatCannotBeReadFailsAsASpliceDoes() throws Exception {
        Path p = dir.resolve("write-only");
        byte[] data = LoopConformanceSuite.randomFile(p, 100_000, 4);
        try (EventLoop loop = uringLoop(LoopConfig.DEFAULT_SEND_BYTES_PER_TURN);
                AsyncFile f = AsyncFile.open(loop.engine(), p, FileOption.WRITE);
                LoopConformanceSuite.Connected conn = LoopConformanceSuite.connectToPeer(loop)) {
            LoopConformanceSuite.FutureLong sent = new LoopConformanceSuite.FutureLong();
            loop.execute(() -> conn.channel().sendFile(f, 0, data.length, null, sent));
            ExecutionException e = assertThrows(ExecutionException.class, () -> sent.get(20, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("EBADF") || e.getCause().getMessage().contains("Bad file"),
                    e.getCause().getMessage());
            assertEquals(0, loop.sendStagingTakenForTest());
        }
    }

    private static EventLoop uringLoop(long allowance) throws IOException {
        return EventLoop.open(LoopConfig.defaults().withBackend("uring").withSendBytesPerTurn(allowance));
    }

    /** A staged send of all of a file to a peer that reads nothing yet, seen waiting. */
    private record Stalled(StreamChannel channel, Socket peer, LoopConformanceSuite.FutureLong sent) {
    }

    /**
     * Sends all of {@code f} (more than the small socket buffers below hold) on a new connection
     * whose peer reads nothing, and waits until the send is seen waiting with its buffer taken.
     */
    private static Stalled stalledSend(EventLoop loop, AsyncFile f) throws Exception {
        Connection conn = smallBuffers(loop);
        StreamChannel c = conn.channel();
        Socket peer = conn.peer();
        int takenBefore = loop.sendStagingTakenForTest();
        LoopConformanceSuite.FutureLong sent = new LoopConformanceSuite.FutureLong();
        long size = f.size();
        loop.execute(() -> c.sendFile(f, 0, size, null, sent));
        assertEquals(takenBefore + 1, loop.sendStagingTakenForTest(), "the send took a staging buffer");
        assertFalse(sent.isDone(), "the send waits for the peer");
        return new Stalled(c, peer, sent);
    }

    /** A connection of the loop to a JDK socket, both with small buffers: a send of more than a few KiB waits for the peer. */
    private record Connection(StreamChannel channel, Socket peer) {
    }

    private static Connection smallBuffers(EventLoop loop) throws Exception {
        StreamChannel c;
        Socket peer;
        try (ServerSocket ss = new ServerSocket()) {
            ss.setReceiveBufferSize(4096); // inherited by the accepted socket: a small window
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            c = loop.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()))
                    .get(10, TimeUnit.SECONDS);
            peer = ss.accept();
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            v.set(ValueLayout.JAVA_INT, 0, 4096); // the kernel doubles it, and keeps it from autotuning
            assertEquals(0, NetCalls.setsockopt(c.fd.fd(), Sockets.SOL_SOCKET, Sockets.SO_SNDBUF, v, 4));
        }
        return new Connection(c, peer);
    }

    /** This process's descriptors that are pipes, by number. */
    private static List<String> pipes() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("pipe:");
                } catch (IOException gone) {
                    return false;
                }
            }).map(fd -> fd.getFileName().toString()).sorted().toList();
        }
    }
}
