package dev.jaio.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.EngineConfig;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.AsynchronousCloseException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Zero-copy sends on the uring loop ({@link LoopConfig#sendZeroCopyFrom()}): the bytes arrive
 * whole and in order, a write completes only after the kernel's notification, and a close with a
 * zero-copy send in flight fails it without the kernel reading freed memory.
 */
@Timeout(60)
class UringZeroCopySendTest {

    private EventLoop loop;

    @BeforeEach
    void open() throws IOException {
        loop = EventLoop.open(LoopConfig.defaults().withBackend("uring").withSendZeroCopyFrom(4096)
                .withFiles(EngineConfig.defaults().withQueueDepth(64)));
    }

    @AfterEach
    void close() {
        loop.close();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Accepts one connection on {@code server} and reads it to its end, on another thread. */
    private static CompletableFuture<byte[]> readAllOfOneClient(ServerSocket server) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    private StreamChannel connect(ServerSocket server) throws Exception {
        return loop.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()))
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void aLargeWriteArrivesWholeAndCountsAsAZeroCopySend() throws Exception {
        byte[] data = random(4 << 20, 1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Arena arena = Arena.ofShared()) {
            CompletableFuture<byte[]> got = readAllOfOneClient(server);
            StreamChannel c = connect(server);
            MemorySegment m = arena.allocate(data.length);
            MemorySegment.copy(data, 0, m, ValueLayout.JAVA_BYTE, 0, data.length);
            assertEquals(data.length, c.write(m).get(20, TimeUnit.SECONDS));
            c.shutdownOutput();
            assertArrayEquals(data, got.get(20, TimeUnit.SECONDS));
            EventLoop.ZeroCopySends z = loop.zeroCopySends();
            assertTrue(z.sends() >= 1, z::toString);
            assertTrue(z.copied() <= z.sends(), z::toString);
            c.close();
        }
    }

    /**
     * The allowance for a turn cuts plain SENDs, not zero-copy ones (the next part could only follow
     * the last one's notification, a round trip on TCP): with the threshold at 1 MiB and 64 KiB a
     * turn, a 1 MiB write is one zero-copy SEND, a 512 KiB one goes as plain SENDs of 64 KiB; every
     * byte arrives in order.
     */
    @Test
    void theAllowanceCutsPlainSendsButNotZeroCopyOnes() throws Exception {
        byte[] data = random(1 << 20, 3);
        try (EventLoop cut = EventLoop.open(LoopConfig.defaults().withBackend("uring").withSendZeroCopyFrom(1 << 20)
                .withSendBytesPerTurn(64 * 1024).withFiles(EngineConfig.defaults().withQueueDepth(64)));
                ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Arena arena = Arena.ofShared()) {
            CompletableFuture<byte[]> got = readAllOfOneClient(server);
            StreamChannel c = cut.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()))
                    .get(10, TimeUnit.SECONDS);
            MemorySegment m = arena.allocate(data.length);
            MemorySegment.copy(data, 0, m, ValueLayout.JAVA_BYTE, 0, data.length);
            assertEquals(data.length, c.write(m).get(20, TimeUnit.SECONDS));
            assertEquals(1, cut.zeroCopySends().sends(), cut.zeroCopySends()::toString);
            assertEquals(0, cut.sendsContinuedForTest(), "a zero-copy SEND was cut");
            assertEquals(data.length / 2, c.write(m.asSlice(0, data.length / 2)).get(20, TimeUnit.SECONDS));
            assertEquals(1, cut.zeroCopySends().sends(), "a write under the threshold went zero-copy");
            long cuts = cut.sendsContinuedForTest();
            assertTrue(cuts >= 7, "plain SENDs cut at 64 KiB: " + cuts); // more if the socket took part of one
            c.shutdownOutput();
            byte[] expected = java.util.Arrays.copyOf(data, data.length + data.length / 2);
            System.arraycopy(data, 0, expected, data.length, data.length / 2);
            assertArrayEquals(expected, got.get(20, TimeUnit.SECONDS));
            c.close();
        }
    }

    @Test
    void smallWritesStayPlainAndEveryByteArrivesInOrder() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Arena arena = Arena.ofShared()) {
            int rounds = 200;
            CompletableFuture<byte[]> got = readAllOfOneClient(server);
            StreamChannel c = connect(server);
            java.io.ByteArrayOutputStream expect = new java.io.ByteArrayOutputStream();
            MemorySegment m = arena.allocate(16 * 1024);
            for (int i = 0; i < rounds; i++) {
                int n = i % 2 == 0 ? 100 : 8192; // below and above the threshold, in turn
                byte[] part = random(n, 100 + i);
                MemorySegment.copy(part, 0, m, ValueLayout.JAVA_BYTE, 0, n);
                assertEquals(n, c.write(m.asSlice(0, n)).get(10, TimeUnit.SECONDS)); // the buffer is ours again
                expect.write(part);
            }
            c.shutdownOutput();
            assertArrayEquals(expect.toByteArray(), got.get(20, TimeUnit.SECONDS));
            assertEquals(rounds / 2, loop.zeroCopySends().sends(), loop.zeroCopySends()::toString);
            c.close();
        }
    }

    @Test
    void closingWithAZeroCopySendInFlightFailsItAndTheMemoryCanGo() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> peer = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept(); // and never reads: the send fills the socket buffers
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            StreamChannel c = connect(server);
            Arena arena = Arena.ofShared();
            MemorySegment m = arena.allocate(32 << 20);
            CompletableFuture<Long> w = c.write(m);
            for (int turn = 0; turn < 2; turn++) { // the loop took the write, then submitted its SEND_ZC
                CompletableFuture<Void> t = new CompletableFuture<>();
                loop.execute(() -> t.complete(null));
                t.get(10, TimeUnit.SECONDS);
            }
            assertFalse(w.isDone(), "32 MiB went to a peer that never reads");
            c.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> w.get(20, TimeUnit.SECONDS));
            assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            arena.close(); // the write ended: the kernel no longer reads it
            peer.get(10, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void aNegativeThresholdIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoopConfig.defaults().withSendZeroCopyFrom(-1));
        assertTrue(e.getMessage().contains("sendZeroCopyFrom"), e.getMessage());
    }
}
