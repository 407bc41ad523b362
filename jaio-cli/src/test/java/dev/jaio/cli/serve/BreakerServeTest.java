package dev.jaio.cli.serve;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Breaker: {@code jaio serve} against hostile and unlucky clients. */
@Timeout(120)
class BreakerServeTest {

    @TempDir
    Path root;
    HttpServer server;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    HttpServer start(String backend, ServeConfig.Io io, int loops, long headerTimeoutMillis) throws IOException {
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        ServeConfig c = new ServeConfig(root, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), loops, backend, io,
                16 << 20, 256, 64 * 1024, headerTimeoutMillis, 60_000, 60_000, 5_000, 64, true);
        server = HttpServer.start(c, log::add);
        return server;
    }

    /** Closes the server, giving up (and leaving it) when its close hangs, so one test cannot hang the rest. */
    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            Thread t = Thread.ofPlatform().daemon().start(server::close);
            t.join(15_000);
            server = null;
        }
    }

    /** Sends raw bytes and reads until the server closes (or {@code readMillis} of silence). */
    String raw(String request, int readMillis) throws IOException {
        try (Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
            s.setSoTimeout(readMillis);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(US_ASCII));
            out.flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] b = new byte[65536];
            try {
                int n;
                while ((n = in.read(b)) > 0) {
                    got.write(b, 0, n);
                }
            } catch (java.net.SocketTimeoutException e) {
                // what arrived is the answer
            }
            return got.toString(US_ASCII);
        }
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /**
     * 20001 pipelined requests (740 KB) on one connection, written by one thread while another
     * reads the answers, after an 8 MiB response on the same connection has grown the server
     * socket's send buffer (so that the small answers never wait for ACKs). On the readiness
     * backends each response's write completes inside ch.write(), and the handler parses and
     * answers the next buffered request from there (HttpConnection.completed -> onWritten ->
     * finishResponse -> parseNext -> respond -> sendHeadOnly -> StreamChannel.write ->
     * StreamFd.tryWrite -> finishWrite -> Reactor.completed -> HttpConnection.completed ...; the
     * next 16 KiB read completes inside ch.read() the same way), so the loop thread's stack grows
     * with every pipelined request until an EAGAIN unwinds it, or StackOverflowError (seen after
     * 360 to 720 answers with a cold JIT, later with a warm one). The connection then hangs with no
     * more answers; once (1000 requests) the server's close() then hung for ever in
     * OpenFile.drainForEngineClose. One client: a denial of service. uring answers all of them.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"uring", "aio-poll", "epoll+aio", "threads"})
    void manyPipelinedRequestsAreAllAnswered(String backend) throws Exception {
        start(backend, ServeConfig.Io.CACHED, 1, 10_000);
        Files.write(root.resolve("big.bin"), new byte[8 << 20]);
        int n = 20_000;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        sb.append("GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        byte[] requests = sb.toString().getBytes(US_ASCII);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4 << 20);
            s.connect(server.address());
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
            InputStream in = s.getInputStream();
            String head = "";
            while (!head.endsWith("\r\n\r\n")) {
                head += (char) in.read();
            }
            assertEquals(8 << 20, in.readNBytes(8 << 20).length);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    s.getOutputStream().write(requests);
                } catch (IOException e) {
                    // the server stopped reading; the count below says so
                }
            });
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                byte[] b = new byte[65536];
                int k;
                while ((k = in.read(b)) > 0) {
                    got.write(b, 0, k);
                }
            } catch (java.net.SocketTimeoutException e) {
                // what arrived is the answer
            }
            s.close();
            writer.join(5_000);
            String r = got.toString(US_ASCII);
            assertEquals(n + 1, count(r, "HTTP/1.1 200 OK"), "responses to " + (n + 1) + " pipelined requests");
            assertTrue(r.endsWith("hello, world\n"));
        }
    }

    /**
     * --header-timeout is "seconds to finish a request head (408)" (ServeConfig: "a client that
     * started a request head must finish it within this"), nginx's client_header_timeout. But
     * HttpConnection.onRead and readMore reset {@code since} at every read, and LoopServer.sweep
     * measures the header timeout from {@code since}: a client that sends one byte per
     * (timeout - epsilon) holds the connection for as long as it likes (8 KiB heads: hours).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"uring", "epoll+aio"})
    void aSlowlorisHeadGets408WithinTheHeaderTimeout(String backend) throws Exception {
        start(backend, ServeConfig.Io.CACHED, 1, 1_000);
        byte[] head = ("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100) + "\r\n\r\n").getBytes(US_ASCII);
        try (Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
            long t0 = System.nanoTime();
            String outcome = null;
            for (int i = 0; i < head.length - 1 && outcome == null; i++) {
                try {
                    s.getOutputStream().write(head[i]);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    outcome = "closed";
                    break;
                }
                Thread.sleep(300);
                if (s.getInputStream().available() > 0) {
                    outcome = new String(s.getInputStream().readNBytes(12), US_ASCII);
                }
                if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(6)) {
                    break;
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(outcome != null, "a head trickled in for " + ms + " ms with a 1000 ms header timeout, and no 408");
            assertTrue(ms < 3_500, "408 only after " + ms + " ms");
            assertEquals("HTTP/1.1 408", outcome);
        }
    }

    /**
     * If-Range (RFC 9110 §13.1.5): a range request whose validator does not match the current
     * representation must get the whole file (200). ByteRange's javadoc leaves If-Range to the
     * server, and HttpConnection.respond never looks at it: a client resuming a download of a file
     * that changed since gets a 206 of the new file to splice onto the old one. nginx answers 200.
     */
    @Test
    void aRangeWithAStaleIfRangeGetsTheWholeFile() throws Exception {
        start("auto", ServeConfig.Io.CACHED, 1, 10_000);
        String r = raw("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n"
                + "If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: close\r\n\r\n", 5_000);
        assertTrue(r.startsWith("HTTP/1.1 200 "), r);
        assertTrue(r.endsWith("\r\n\r\nhello, world\n"), r);
        assertFalse(r.contains("Content-Range"), r);
    }

    /**
     * HttpServer.close() while CACHED responses are reading their files (two loops: a file's reads
     * run on its home loop and hop back to the connection's loop). The loops close one by one; a
     * read that completes on a home loop after the connection's loop has closed hops with
     * server.loop().execute(...), which throws RejectedExecutionException inside the read future's
     * whenComplete (HttpConnection.readChunk), where nobody sees it: the response never releases
     * its file (readInFlight stays true), and OpenFiles' entry, dropped by closeAll, waits for that
     * release to close the file. The server is closed, its files stay open. A race: some rounds
     * leak (2 to 24 descriptors), some do not, on every backend.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"uring", "aio-poll", "epoll+aio", "threads"})
    void closingTheServerMidResponseClosesEveryServedFile(String backend) throws Exception {
        for (int round = 0; round < 8; round++) {
            Path dir = Files.createDirectories(root.resolve("r" + round));
            for (int i = 0; i < 40; i++) {
                Files.write(dir.resolve("c" + i), new byte[1 << 20]);
            }
            ServeConfig c = new ServeConfig(dir, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2, backend,
                    ServeConfig.Io.CACHED, 16 << 20, 256, 64 * 1024, 10_000, 60_000, 60_000, 5_000, 64, true);
            HttpServer srv = HttpServer.start(c, log::add);
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    Socket s = new Socket(srv.address().getAddress(), srv.address().getPort());
                    s.setReceiveBufferSize(8192);
                    s.getOutputStream().write(("GET /c" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(US_ASCII));
                    clients.add(s);
                }
                Thread t = Thread.ofPlatform().daemon().start(srv::close);
                t.join(15_000);
                assertFalse(t.isAlive(), "HttpServer.close() hangs");
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
            assertEquals(0, descriptorsUnder(dir), "round " + round + ": files of a closed server still open");
        }
    }

    static long descriptorsUnder(Path dir) throws IOException {
        long n = 0;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).startsWith(dir)) {
                        n++;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }
}
