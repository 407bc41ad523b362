package dev.jaio.cli.serve;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code jaio serve} with real HTTP clients on loopback: the JDK's HttpClient, raw sockets for what
 * clients never send (pipelining, malformed and slow heads, traversal), and curl when it is
 * installed. Every loop backend and every --io mode.
 */
@Timeout(120)
class HttpServerTest {

    @TempDir
    Path root;
    HttpServer server;
    final List<String> log = new ArrayList<>();
    byte[] big;
    /** Start servers with --receive. */
    boolean receive;

    static Stream<Arguments> backendsAndModes() {
        List<Arguments> out = new ArrayList<>();
        for (String b : List.of("uring", "aio-poll", "epoll+aio", "threads")) {
            for (ServeConfig.Io io : ServeConfig.Io.values()) {
                out.add(Arguments.of(b, io));
            }
        }
        return out.stream();
    }

    HttpServer start(String backend, ServeConfig.Io io, long headerTimeoutMillis) throws IOException {
        return start(backend, io, headerTimeoutMillis, 64);
    }

    HttpServer start(String backend, ServeConfig.Io io, long headerTimeoutMillis, int openFiles) throws IOException {
        return start(backend, io, headerTimeoutMillis, openFiles, 5_000);
    }

    HttpServer start(String backend, ServeConfig.Io io, long headerTimeoutMillis, int openFiles, long validMillis)
            throws IOException {
        return start(backend, io, headerTimeoutMillis, openFiles, validMillis, 0);
    }

    HttpServer start(String backend, ServeConfig.Io io, long headerTimeoutMillis, int openFiles, long validMillis,
            long sendZeroCopyFrom) throws IOException {
        return start(backend, io, headerTimeoutMillis, openFiles, validMillis, sendZeroCopyFrom,
                ServeConfig.DEFAULT_OPEN_THREADS);
    }

    HttpServer start(String backend, ServeConfig.Io io, long headerTimeoutMillis, int openFiles, long validMillis,
            long sendZeroCopyFrom, int openThreads) throws IOException {
        big = new byte[3_000_017];
        new Random(7).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/index.html"), "<p>index</p>");
        Files.write(root.resolve("empty"), new byte[0]);
        ServeConfig c = new ServeConfig(root, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2, backend, io,
                16 << 20, 256, 64 * 1024, headerTimeoutMillis, 60_000, 60_000, validMillis, openFiles, true,
                sendZeroCopyFrom, receive, openThreads);
        server = HttpServer.start(c, log::add);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    static HttpResponse<byte[]> get(HttpClient c, URI u, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * Two paths, one file: the entry of {@code /sub/} keeps index.html open CACHED; after a rewrite
     * in place at the same size, the first request for {@code /sub/index.html} opens the file again
     * and must not be served the pages the first handle read before the rewrite.
     */
    @Test
    void aFileOpenUnderTwoPathsIsServedAsItIsNowAfterARewrite() throws Exception {
        start("auto", ServeConfig.Io.CACHED, 10_000);
        HttpClient c = client();
        assertEquals("<p>index</p>", new String(get(c, uri("/sub/")).body(), US_ASCII));
        Files.writeString(root.resolve("sub/index.html"), "<p>INDEX</p>");
        assertEquals("<p>INDEX</p>", new String(get(c, uri("/sub/index.html")).body(), US_ASCII));
    }

    /** --send-zc on uring: bodies go out as SEND_ZC; every byte arrives, ranges and keep-alive too. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = ServeConfig.Io.class, names = {"BUFFERED", "CACHED"})
    void zeroCopySendsServeWholeFilesAndRanges(ServeConfig.Io io) throws Exception {
        start("uring", io, 10_000, 1000, 60_000, 4096);
        HttpClient c = client();
        for (int i = 0; i < 3; i++) {
            HttpResponse<byte[]> r = get(c, uri("/big.bin"));
            assertEquals(200, r.statusCode());
            assertArrayEquals(big, r.body());
        }
        HttpResponse<byte[]> r = get(c, uri("/big.bin"), "Range", "bytes=5000-200000");
        assertEquals(206, r.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(big, 5000, 200_001), r.body());
        assertEquals(List.of(), log);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndModes")
    void filesRangesAndConditionalRequests(String backend, ServeConfig.Io io) throws Exception {
        start(backend, io, 10_000);
        HttpClient c = client();
        HttpResponse<byte[]> r = get(c, uri("/big.bin"));
        assertEquals(200, r.statusCode());
        assertArrayEquals(big, r.body(), "the whole file, in many chunks");
        assertEquals(String.valueOf(big.length), r.headers().firstValue("Content-Length").orElseThrow());
        assertEquals("bytes", r.headers().firstValue("Accept-Ranges").orElseThrow());
        String lastModified = r.headers().firstValue("Last-Modified").orElseThrow();

        r = get(c, uri("/hello.txt"));
        assertEquals(200, r.statusCode());
        assertEquals("hello, world\n", new String(r.body(), US_ASCII));
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));

        // A range that starts inside a 4 KiB block and crosses chunks (O_DIRECT reads around it).
        r = get(c, uri("/big.bin"), "Range", "bytes=5000-200000");
        assertEquals(206, r.statusCode());
        assertEquals("bytes 5000-200000/" + big.length, r.headers().firstValue("Content-Range").orElseThrow());
        assertArrayEquals(java.util.Arrays.copyOfRange(big, 5000, 200001), r.body());
        r = get(c, uri("/big.bin"), "Range", "bytes=-10");
        assertEquals(206, r.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(big, big.length - 10, big.length), r.body());
        r = get(c, uri("/big.bin"), "Range", "bytes=" + big.length + "-");
        assertEquals(416, r.statusCode());
        assertEquals("bytes */" + big.length, r.headers().firstValue("Content-Range").orElseThrow());

        r = get(c, uri("/big.bin"), "If-Modified-Since", lastModified);
        assertEquals(304, r.statusCode());
        assertEquals(0, r.body().length);
        r = get(c, uri("/big.bin"), "If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT");
        assertEquals(200, r.statusCode());
        // Entity tags as nginx makes them; If-None-Match decides over If-Modified-Since.
        String etag = r.headers().firstValue("ETag").orElseThrow();
        assertTrue(etag.matches("\"[0-9a-f]+-" + Long.toHexString(big.length) + "\""), etag);
        assertEquals(304, get(c, uri("/big.bin"), "If-None-Match", "\"x\", W/" + etag).statusCode());
        assertEquals(200, get(c, uri("/big.bin"), "If-None-Match", "\"other\"", "If-Modified-Since", lastModified)
                .statusCode());
        // If-Range: the range only for the same version (strong tag or Last-Modified), else the whole file.
        assertEquals(206, get(c, uri("/big.bin"), "Range", "bytes=0-9", "If-Range", etag).statusCode());
        assertEquals(206, get(c, uri("/big.bin"), "Range", "bytes=0-9", "If-Range", lastModified).statusCode());
        r = get(c, uri("/big.bin"), "Range", "bytes=0-9", "If-Range", "\"stale\"");
        assertEquals(200, r.statusCode());
        assertEquals(big.length, r.body().length);
        assertEquals(200, get(c, uri("/big.bin"), "Range", "bytes=0-9", "If-Range", "W/" + etag).statusCode());

        r = c.send(HttpRequest.newBuilder(uri("/big.bin")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals(0, r.body().length);
        assertEquals(String.valueOf(big.length), r.headers().firstValue("Content-Length").orElseThrow());

        assertEquals(404, get(c, uri("/missing")).statusCode());
        assertEquals(200, get(c, uri("/empty")).statusCode());
        assertEquals("<p>index</p>", new String(get(c, uri("/sub/")).body(), US_ASCII));
        assertEquals(405, c.send(HttpRequest.newBuilder(uri("/hello.txt")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());

        // Keep-alive: the client's pool reused one connection for every request above.
        // A request is counted once its response is sent, after the client may already have it.
        ServeStats.Totals t = server.totals();
        for (int i = 0; i < 100 && t.requests() < 18; i++) {
            Thread.sleep(20);
            t = server.totals();
        }
        assertEquals(1, t.accepted(), "connections: " + t);
        assertEquals(18, t.requests(), t.toString());
        assertEquals(3, t.status4xx(), t.toString()); // 416, 404, 405
        assertEquals(2, t.status304(), t.toString());
        assertEquals(List.of(), log);
    }

    /** Sends raw bytes and reads the whole answer until the server closes (or {@code readMillis}). */
    String raw(String request, int readMillis) throws IOException {
        try (Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
            s.setSoTimeout(readMillis);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(US_ASCII));
            out.flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] b = new byte[8192];
            try {
                int n;
                while ((n = in.read(b)) > 0) {
                    got.write(b, 0, n);
                }
            } catch (java.net.SocketTimeoutException e) {
                // kept open (keep-alive): what arrived is the answer
            }
            return got.toString(US_ASCII);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void malformedAndHostileRequests(String backend) throws Exception {
        start(backend, ServeConfig.Io.CACHED, 1_000);
        // Path traversal, raw (clients normalize it away).
        assertTrue(raw("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000)
                .startsWith("HTTP/1.1 400 "));
        assertTrue(raw("GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000)
                .startsWith("HTTP/1.1 400 "));
        // A symlink out of the root is refused.
        Path outside = Files.createTempFile("outside", ".txt");
        try {
            Files.writeString(outside, "secret");
            Files.createSymbolicLink(root.resolve("link"), outside);
            String r = raw("GET /link HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
            assertTrue(r.startsWith("HTTP/1.1 403 "), r);
            assertFalse(r.contains("secret"));
        } finally {
            Files.delete(outside);
        }
        // Garbage, a missing Host, a bad version.
        assertTrue(raw("BLAH\r\n\r\n", 5000).startsWith("HTTP/1.1 400 "));
        assertTrue(raw("GET / HTTP/1.1\r\n\r\n", 5000).startsWith("HTTP/1.1 400 "));
        assertTrue(raw("GET / HTTP/3.0\r\nHost: x\r\n\r\n", 5000).startsWith("HTTP/1.1 505 "));
        // A head over 8 KiB.
        assertTrue(raw("GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(20_000) + "\r\n\r\n", 5000).startsWith("HTTP/1.1 431 "));
        // A client that starts a head and stalls: 408 after the header timeout (1 s here), then close.
        long t0 = System.nanoTime();
        String slow = raw("GET /hello.txt HTTP/1.1\r\nHost: x\r\n", 10_000);
        assertTrue(slow.startsWith("HTTP/1.1 408 "), slow);
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(900));
        // A truncated head and a close: the server just closes its side.
        try (Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
            s.getOutputStream().write("GET /hello.txt HTTP/1.1\r\nHo".getBytes(US_ASCII));
        }
        // Pipelining: two requests in one write, two answers in order on one connection.
        String two = raw("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
        int first = two.indexOf("hello, world");
        int second = two.indexOf("<p>index</p>");
        assertTrue(first > 0 && second > first, two);
        // HTTP/1.0 without keep-alive: answered and closed.
        String ten = raw("GET /hello.txt HTTP/1.0\r\n\r\n", 5000);
        assertTrue(ten.startsWith("HTTP/1.1 200 ") && ten.contains("Connection: close") && ten.endsWith("hello, world\n"), ten + log);
        // The server is still fine.
        assertEquals(200, get(client(), uri("/hello.txt")).statusCode());
        assertEquals(List.of(), log);
    }

    /** --receive: the same hostile input, with requests taken by StreamChannel.receive. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void malformedAndHostileRequestsWithReceive(String backend) throws Exception {
        receive = true;
        malformedAndHostileRequests(backend);
    }

    /** --receive: files, ranges and conditional requests, with requests taken by StreamChannel.receive. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void filesRangesAndConditionalRequestsWithReceive(String backend) throws Exception {
        receive = true;
        filesRangesAndConditionalRequests(backend, ServeConfig.Io.BUFFERED);
    }

    /**
     * More pipelined requests in one write than the connection's buffer holds (with --receive the
     * receive stops while a chunk may not fit, and starts again as the answers free room): every
     * request answered once, in order, and the connection closed after the last.
     */
    @ParameterizedTest(name = "{0} receive={1}")
    @org.junit.jupiter.params.provider.CsvSource({"uring,true", "uring,false", "epoll+aio,true", "aio-poll,true",
            "threads,true"})
    void manyPipelinedRequestsAreAnsweredInOrder(String backend, boolean withReceive) throws Exception {
        receive = withReceive;
        start(backend, ServeConfig.Io.CACHED, 10_000);
        int n = 1500;
        for (int i = 0; i < 10; i++) {
            Files.writeString(root.resolve("p" + i), "body " + i + "\n");
        }
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < n; i++) {
            all.append("GET /p").append(i % 10).append(" HTTP/1.1\r\nHost: x\r\n")
                    .append(i == n - 1 ? "Connection: close\r\n" : "").append("\r\n");
        }
        String answers;
        try (Socket sock = new Socket(server.address().getAddress(), server.address().getPort())) {
            sock.setSoTimeout(20_000);
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    sock.getOutputStream().write(all.toString().getBytes(US_ASCII));
                } catch (IOException e) {
                    // the reads fail then
                }
            });
            answers = new String(sock.getInputStream().readAllBytes(), US_ASCII);
            writer.join();
        }
        int at = 0;
        for (int i = 0; i < n; i++) {
            int ok = answers.indexOf("HTTP/1.1 200 ", at);
            assertTrue(ok >= 0, "answer " + i + " of " + n + " missing; log " + log);
            int body = answers.indexOf("body ", ok);
            assertEquals("body " + (i % 10), answers.substring(body, body + 6), "answer " + i);
            at = body;
        }
        assertEquals(-1, answers.indexOf("HTTP/1.1 200 ", at), "more answers than requests");
        assertEquals(List.of(), log);
    }

    /**
     * A file the open-file cache misses is opened by the opener threads (off the loop: a cold
     * lookup waits for the disk), or, with none, on the loop; a hit opens nothing. Either way the
     * answers are the same: the file, 404, 403 for an escape, a directory's index.
     */
    @ParameterizedTest(name = "open threads {0}, {1}")
    @MethodSource("openThreadsAndBackends")
    void filesTheCacheMissesAreOpenedByTheOpenerThreads(int openThreads, String backend) throws Exception {
        start(backend, ServeConfig.Io.CACHED, 10_000, 64, 60_000, 0, openThreads);
        Path outside = Files.createTempFile("jaio-outside", ".txt");
        Files.createSymbolicLink(root.resolve("escape"), outside);
        HttpClient c = client();
        for (int round = 0; round < 2; round++) {
            assertEquals("hello, world\n", new String(get(c, uri("/hello.txt")).body(), US_ASCII));
            assertArrayEquals(big, get(c, uri("/big.bin")).body());
            assertEquals("<p>index</p>", new String(get(c, uri("/sub/")).body(), US_ASCII));
            assertEquals(404, get(c, uri("/missing")).statusCode());
            assertEquals(403, get(c, uri("/escape")).statusCode()); // a symlink out of the root
        }
        HttpResponse<byte[]> head = c.send(HttpRequest.newBuilder(uri("/big.bin?x"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        // Round 1 missed 3 files and refused 2 paths (refusals are not cached); round 2 hit the files.
        assertEquals(openThreads == 0 ? -1 : 2 + 2 + 3, server.opensOffLoop());
        assertEquals(List.of(), log);
        Files.delete(outside);
    }

    /**
     * A connection the server closes (here its send timeout) while its file is being opened on an
     * opener thread: the open's answer comes back to a closed connection, which lets go of the file
     * (it stays in the open-file cache with no user, not taken for good).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aConnectionClosedWhileItsFileOpensLetsGoOfTheFile(String backend) throws Exception {
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ThreadPoolExecutor gated = gatedOpener(release);
        server = HttpServer.start(cachedConfig(backend, 1, 300), log::add, gated);
        try (java.net.Socket s = new java.net.Socket(server.address().getAddress(), server.address().getPort())) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
            // The sweep (each second) closes a connection whose response made no progress for 300 ms.
            int first;
            try {
                first = s.getInputStream().read();
            } catch (java.net.SocketException reset) {
                first = -1;
            }
            assertEquals(-1, first, "the server answered a request whose file was never opened");
        }
        assertEquals(-1, server.files().users("/hello.txt"), "not opened yet");
        release.countDown();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.files().users("/hello.txt") != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, server.files().users("/hello.txt"), "the closed connection kept the file taken");
    }

    /**
     * The opener threads refuse the open (they are shutting down: the server is stopping): the
     * request gets 503 and the connection closes, rather than waiting for an answer that will
     * never come.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aRequestWhoseOpenTheStoppingOpenerRefusesGets503AndTheConnectionCloses(String backend) throws Exception {
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        java.util.concurrent.ThreadPoolExecutor stopped = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0,
                java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>());
        stopped.shutdown(); // it refuses every task (RejectedExecutionException)
        server = HttpServer.start(cachedConfig(backend, 1, 10_000), log::add, stopped);
        try (java.net.Socket s = new java.net.Socket(server.address().getAddress(), server.address().getPort())) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), US_ASCII); // to the server's close
            assertTrue(response.startsWith("HTTP/1.1 503 "), response);
            assertTrue(response.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n"), response);
        }
        assertEquals(-1, server.files().users("/hello.txt"), "a refused open opened the file");
    }

    /**
     * The open ends after the connection's loop closed (a loop stopping while an opener thread
     * still ran): the opener thread cannot hand the file back to that loop, so it lets go of it
     * there (the file stays in the open-file cache with no user, not taken for good). Two loops,
     * and a file whose engine is the other loop's, so that the open itself succeeds.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void anOpenThatEndsAfterTheConnectionsLoopClosedLetsGoOfTheFile(String backend) throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ThreadPoolExecutor gated = gatedOpener(release);
        server = HttpServer.start(cachedConfig(backend, 2, 10_000), log::add, gated);
        List<LoopServer> loops = server.loopServers();
        try (java.net.Socket s = new java.net.Socket(server.address().getAddress(), server.address().getPort())) {
            s.setSoTimeout(15_000);
            long deadline = System.nanoTime() + 10_000_000_000L;
            int mine = -1;
            while (mine < 0 && System.nanoTime() < deadline) {
                for (int i = 0; i < loops.size(); i++) {
                    if (loops.get(i).stats().accepted.get() == 1) {
                        mine = i;
                    }
                }
                Thread.sleep(1);
            }
            assertTrue(mine >= 0, "no loop accepted the connection");
            String name = null;
            for (int i = 0; name == null; i++) {
                Path p = root.resolve("other-" + i + ".txt");
                Files.writeString(p, "file " + i + "\n");
                if (server.homeIndex(p.toRealPath()) != mine) {
                    name = p.getFileName().toString();
                }
            }
            s.getOutputStream().write(("GET /" + name + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(US_ASCII));
            while (gated.getQueue().isEmpty() && gated.getActiveCount() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1); // until the open is the opener's
            }
            loops.get(mine).close(); // the connection's loop closes (and with it the connection)
            release.countDown();
            while (server.files().users("/" + name) != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, server.files().users("/" + name), "the open's file stayed taken after its loop closed");
            gated.shutdown(); // the task counts as completed once it returned, a moment after the release
            assertTrue(gated.awaitTermination(10, TimeUnit.SECONDS), "the open did not end");
            assertEquals(1, gated.getCompletedTaskCount(), "the open ran");
        }
    }

    /** A CACHED server of {@code loops} loops on {@code backend} whose send timeout is {@code sendTimeoutMillis}, for a given opener. */
    private ServeConfig cachedConfig(String backend, int loops, long sendTimeoutMillis) {
        return new ServeConfig(root, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), loops, backend,
                ServeConfig.Io.CACHED, 16 << 20, 256, 64 * 1024, 10_000, 60_000, sendTimeoutMillis, 60_000, 64, true, 0,
                receive, 1);
    }

    /** One opener thread whose every open first waits for {@code release}, as one of a cold inode would. */
    private static java.util.concurrent.ThreadPoolExecutor gatedOpener(java.util.concurrent.CountDownLatch release) {
        return new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>()) {
            @Override
            protected void beforeExecute(Thread t, Runnable r) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> openThreadsAndBackends() {
        return Stream.of(0, 2).flatMap(n -> backends().map(b -> org.junit.jupiter.params.provider.Arguments.of(n, b)));
    }

    /** Kernel-buffered reads go to a thread pool exactly where the loops' engine would run them inside io_submit. */
    @Test
    void bufferedReadsLeaveTheLoopOnlyWhereNativeAioWouldBlock() {
        for (ServeConfig.Io io : ServeConfig.Io.values()) {
            boolean buffered = io == ServeConfig.Io.BUFFERED || io == ServeConfig.Io.SENDFILE;
            assertEquals(buffered, HttpServer.readsGoToThreads(io, "aio"), io.id());
            assertFalse(HttpServer.readsGoToThreads(io, "uring"), io.id());
            assertFalse(HttpServer.readsGoToThreads(io, "threads"), io.id());
        }
    }

    /**
     * On the native AIO backends a buffered read that misses the kernel's page cache would be read
     * inside io_submit on the loop thread: it runs on the loop's thread pool instead, and the
     * bytes come back whole; on uring it stays on the loop's ring.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndBufferedModes")
    void aBufferedReadThatMissesThePageCacheDoesNotRunOnANativeAioLoop(String backend, ServeConfig.Io io)
            throws Exception {
        // DONTNEED empties the page cache of a file on a disk, not on tmpfs (whose pages are the file).
        assumeTrue(!Files.getFileStore(root).type().equals("tmpfs"), "the temporary directory is on tmpfs");
        start(backend, io, 10_000);
        try (dev.jaio.AsyncFile f = dev.jaio.AsyncFile.open(root.resolve("big.bin"), dev.jaio.FileOption.READ,
                dev.jaio.FileOption.WRITE)) {
            f.fsync().get();
            f.advise(0, 0, dev.jaio.FileAdvice.DONTNEED); // the next read of it misses the page cache
        }
        HttpResponse<byte[]> r = get(client(), uri("/big.bin"));
        assertEquals(200, r.statusCode());
        assertArrayEquals(big, r.body());
        if (backend.equals("uring")) {
            assertEquals(0, server.readsOnThreads(), "uring reads on its ring");
            assertTrue(server.fileReads().contains("(uring)"), server.fileReads());
        } else {
            assertTrue(server.fileReads().contains("a pool of"), server.fileReads());
            assertTrue(server.readsOnThreads() > 0, "no read reached a loop's pool");
        }
        assertEquals(List.of(), log);
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> backendsAndBufferedModes() {
        return Stream.of("uring", "aio-poll", "epoll+aio").flatMap(b -> Stream.of(ServeConfig.Io.BUFFERED,
                ServeConfig.Io.SENDFILE).map(io -> org.junit.jupiter.params.provider.Arguments.of(b, io)));
    }

    static Stream<String> backends() {
        return Stream.of("uring", "aio-poll", "epoll+aio", "threads");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ServeConfig.Io.class)
    void moreFilesThanTheOpenFileCacheHolds(ServeConfig.Io io) throws Exception {
        start("auto", io, 10_000, 3);
        for (int i = 0; i < 40; i++) {
            Files.writeString(root.resolve("f" + i), "file " + i);
        }
        HttpClient c = client();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 40; i++) {
                HttpResponse<byte[]> r = get(c, uri("/f" + i));
                assertEquals(200, r.statusCode());
                assertEquals("file " + i, new String(r.body(), US_ASCII));
            }
        }
        // At most 3 files stay open (2 descriptors each when cached): not 40.
        assertTrue(openFileDescriptorsUnder(root) <= 2 * 3, "descriptors of served files still open");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ServeConfig.Io.class)
    void aChangedFileIsServedAnewOnceItsValidityEnds(ServeConfig.Io io) throws Exception {
        start("auto", io, 10_000, 64, 0);
        HttpClient c = client();
        assertEquals("hello, world\n", new String(get(c, uri("/hello.txt")).body(), US_ASCII));
        Files.writeString(root.resolve("hello.txt"), "changed, and longer\n");
        assertEquals("changed, and longer\n", new String(get(c, uri("/hello.txt")).body(), US_ASCII));
        Files.delete(root.resolve("hello.txt"));
        assertEquals(404, get(c, uri("/hello.txt")).statusCode());
    }

    static long openFileDescriptorsUnder(Path dir) throws IOException {
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

    @Test
    void aSlowReaderOfABigFileDoesNotStallOthers() throws Exception {
        start("auto", ServeConfig.Io.CACHED, 10_000);
        try (Socket slow = new Socket(server.address().getAddress(), server.address().getPort())) {
            slow.setReceiveBufferSize(4096);
            slow.getOutputStream().write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
            // It reads nothing yet; the server's write waits on it, and others are served meanwhile.
            HttpClient c = client();
            for (int i = 0; i < 20; i++) {
                assertEquals(200, get(c, uri("/hello.txt")).statusCode());
            }
            InputStream in = slow.getInputStream();
            byte[] all = in.readNBytes(200_000);
            assertTrue(new String(all, 0, 20, US_ASCII).startsWith("HTTP/1.1 200 "));
        }
    }

    @Test
    void curlFetchesRangesOverOneKeptAliveConnection() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        start("auto", ServeConfig.Io.CACHED, 10_000);
        Path out1 = root.resolve("../curl1").normalize();
        Path out2 = root.resolve("../curl2").normalize();
        // --next starts the second transfer's own options (-r applies to the first only) on the same handle.
        Process p = new ProcessBuilder("/usr/bin/curl", "-s", "-S", "-w", "%{http_code} %{num_connects}\\n",
                "-r", "100-199", "-o", out1.toString(), uri("/big.bin").toString(), "--next", "-s", "-S",
                "-w", "%{http_code} %{num_connects}\\n", "-o", out2.toString(), uri("/hello.txt").toString())
                .redirectErrorStream(true).start();
        String got = new String(p.getInputStream().readAllBytes(), US_ASCII);
        assertEquals(0, p.waitFor(), got);
        // The second transfer reused the first's connection: 0 new connects.
        assertEquals("206 1\n200 0\n", got);
        assertArrayEquals(java.util.Arrays.copyOfRange(big, 100, 200), Files.readAllBytes(out1));
        assertEquals("hello, world\n", Files.readString(out2));
        Files.deleteIfExists(out1);
        Files.deleteIfExists(out2);
    }
}
