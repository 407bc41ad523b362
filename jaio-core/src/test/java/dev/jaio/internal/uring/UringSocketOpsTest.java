package dev.jaio.internal.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.NetCalls;
import dev.jaio.internal.linux.Sockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** io_uring's socket requests (SocketOps) on real loopback sockets: multishot accept and splice. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UringSocketOpsTest {

    private final Arena arena = Arena.ofShared();
    private UringQueue q;
    private int listener;
    private int port;

    @BeforeEach
    void setUp() throws IOException {
        q = (UringQueue) new UringEngine().openQueue(new QueueOptions(16, false, 1, 0, true));
        listener = (int) NetCalls.socket(Sockets.AF_INET, Sockets.SOCK_STREAM | Sockets.SOCK_CLOEXEC, 0);
        assertTrue(listener >= 0);
        MemorySegment sa = arena.allocate(Sockets.SOCKADDR_MAX);
        int len = Sockets.writeAddress(sa, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        assertEquals(0, NetCalls.bind(listener, sa, len));
        assertEquals(0, NetCalls.listen(listener, 16));
        MemorySegment l = arena.allocate(4);
        l.set(JAVA_INT, 0, (int) Sockets.SOCKADDR_MAX);
        assertEquals(0, NetCalls.getsockname(listener, sa, l));
        port = Sockets.readAddress(sa).getPort();
    }

    @AfterEach
    void tearDown() {
        q.close();
        Libc.close(listener);
        arena.close();
    }

    /** Records completions: "more" ones and final ones. */
    static final class Recorder implements CompletionSink {
        final List<Long> more = new ArrayList<>();
        final List<Long> finals = new ArrayList<>();

        @Override
        public void complete(long userData, long result) {
            finals.add(result);
        }

        @Override
        public void completeMore(long userData, long result) {
            more.add(result);
        }
    }

    @Test
    void oneMultishotAcceptTakesEveryConnectionUntilCancelled() throws Exception {
        assertTrue(q.prepareAcceptMultishot(listener, Sockets.SOCK_CLOEXEC, 7));
        assertEquals(1, q.submit());
        Recorder r = new Recorder();
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            clients.add(new Socket(InetAddress.getLoopbackAddress(), port));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (r.more.size() < 3 && System.nanoTime() < deadline) {
            q.reap(1, 16, TimeUnit.MILLISECONDS.toNanos(100), r);
        }
        assertEquals(3, r.more.size(), "one CQE per connection, each with F_MORE: " + r.more + " finals " + r.finals);
        for (long fd : r.more) {
            assertTrue(fd >= 0, "an accepted descriptor: " + fd);
            Libc.close((int) fd);
        }
        assertEquals(1, q.outstanding(), "the one request stays in the ring");
        q.cancel(7);
        q.submit();
        while (r.finals.isEmpty()) {
            q.reap(1, 16, TimeUnit.SECONDS.toNanos(5), r);
        }
        assertEquals(List.of((long) -Errno.ECANCELED), r.finals);
        assertEquals(0, q.outstanding());
        for (Socket s : clients) {
            s.close();
        }
    }

    @Test
    void spliceMovesAFileThroughAPipeIntoASocket() throws Exception {
        Path file = Files.createTempFile("splice", ".bin");
        byte[] data = new byte[100_000];
        new Random(5).nextBytes(data);
        Files.write(file, data);
        int in = (int) Libc.open(arena.allocateFrom(file.toString()), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
        MemorySegment fds = arena.allocate(8);
        assertEquals(0, NetCalls.pipe2(fds, Fcntl.O_CLOEXEC));
        int pr = fds.get(JAVA_INT, 0);
        int pw = fds.get(JAVA_INT, 4);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            int server = (int) NetCalls.accept4(listener, MemorySegment.NULL, MemorySegment.NULL, Sockets.SOCK_CLOEXEC);
            assertTrue(server >= 0);
            Recorder r = new Recorder();
            // file [1000, 1000 + 50000) -> pipe
            assertTrue(q.prepareSplice(in, 1000, pw, -1, 50_000, 1));
            q.submit();
            while (r.finals.isEmpty()) {
                q.reap(1, 16, TimeUnit.SECONDS.toNanos(5), r);
            }
            long moved = r.finals.get(0);
            assertTrue(moved > 0 && moved <= 50_000, "moved " + moved);
            // pipe -> socket
            assertTrue(q.prepareSplice(pr, -1, server, -1, (int) moved, 2));
            q.submit();
            while (r.finals.size() < 2) {
                q.reap(1, 16, TimeUnit.SECONDS.toNanos(5), r);
            }
            assertEquals(moved, (long) r.finals.get(1));
            byte[] got = client.getInputStream().readNBytes((int) moved);
            org.junit.jupiter.api.Assertions.assertArrayEquals(
                    java.util.Arrays.copyOfRange(data, 1000, 1000 + (int) moved), got);
            Libc.close(server);
        } finally {
            Libc.close(pr);
            Libc.close(pw);
            Libc.close(in);
            Files.delete(file);
        }
    }
}
