package dev.jaio.cli.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jaio.cli.serve.HttpRequest.Field;
import dev.jaio.cli.serve.HttpRequest.Version;
import dev.jaio.cli.serve.HttpRequestParser.Done;
import dev.jaio.cli.serve.HttpRequestParser.NeedMore;
import dev.jaio.cli.serve.HttpRequestParser.Rejected;
import dev.jaio.cli.serve.HttpRequestParser.Result;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpRequestParserTest {

    private static final String SIMPLE = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";

    /** Heads whose outcome must not depend on how they are split: valid ones and invalid ones. */
    private static final List<String> CORPUS = List.of(
            SIMPLE,
            "GET /a%20b/%C3%A9?x=1&y=%zz HTTP/1.1\r\nHost: example.com:8080\r\nRange: bytes=0-99\r\n"
                    + "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: keep-alive\r\n"
                    + "X-Empty:\r\nX-Spaces: \t a  b \t\r\n\r\n",
            "\r\n\nHEAD / HTTP/1.0\nConnection: Keep-Alive\n\n",
            "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\n",
            "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "get / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: b\u0001\r\n\r\n",
            "GET /%2e%2e/%2fetc HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1\rHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n");

    // ---- helpers ----

    /** Parses {@code head} fed in the given chunks; returns the last result. */
    private static Result feed(HttpRequestParser parser, byte[] head, int... cuts) {
        Result r = null;
        int from = 0;
        int[] ends = new int[cuts.length + 1];
        System.arraycopy(cuts, 0, ends, 0, cuts.length);
        ends[cuts.length] = head.length;
        int consumed = 0;
        for (int end : ends) {
            ByteBuffer chunk = ByteBuffer.wrap(head, from, end - from);
            r = parser.parse(chunk);
            switch (r) {
                case NeedMore n -> {
                    assertEquals(end - from, n.consumed(), "NeedMore consumes all");
                    assertEquals(end, chunk.position());
                    consumed += n.consumed();
                }
                case Done d -> {
                    consumed += d.consumed();
                    assertEquals(from + d.consumed(), chunk.position());
                    return new Done(consumed, d.request());
                }
                case Rejected x -> {
                    return r;
                }
            }
            from = end;
        }
        return r;
    }

    private static Result parse(String head) {
        return feed(new HttpRequestParser(), bytes(head));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static HttpRequest done(String head) {
        Result r = parse(head);
        if (r instanceof Done d) {
            return d.request();
        }
        return fail("expected Done for " + head.replace("\r", "\\r").replace("\n", "\\n") + ", got " + r);
    }

    private static void assertRejected(int status, String head) {
        Result r = parse(head);
        if (!(r instanceof Rejected x) || x.status() != status) {
            fail("expected " + status + " for " + head.replace("\r", "\\r").replace("\n", "\\n") + ", got " + r);
        }
    }

    /** A result as a comparable string: what the request holds, or the rejection's status. */
    private static String describe(Result r) {
        return switch (r) {
            case NeedMore n -> "NeedMore";
            case Rejected x -> "Rejected " + x.status();
            case Done d -> "Done " + d.consumed() + " " + d.request().method() + " " + d.request().target() + " "
                    + d.request().path() + " " + d.request().query() + " " + d.request().version() + " "
                    + d.request().fields() + " " + d.request().keepAlive();
        };
    }

    // ---- split invariance, pipelining, truncation ----

    @Test
    void everySplitPointParsesTheSame() {
        for (String head : CORPUS) {
            byte[] b = bytes(head);
            String whole = describe(feed(new HttpRequestParser(), b));
            for (int cut = 0; cut <= b.length; cut++) {
                assertEquals(whole, describe(feed(new HttpRequestParser(), b, cut)), head + " cut at " + cut);
            }
        }
    }

    @Test
    void everyPairOfSplitPointsParsesTheSame() {
        for (String head : List.of(CORPUS.get(0), CORPUS.get(2), CORPUS.get(3), CORPUS.get(9))) {
            byte[] b = bytes(head);
            String whole = describe(feed(new HttpRequestParser(), b));
            for (int i = 0; i <= b.length; i++) {
                for (int j = i; j <= b.length; j++) {
                    assertEquals(whole, describe(feed(new HttpRequestParser(), b, i, j)), head + " cut at " + i + "," + j);
                }
            }
        }
    }

    @Test
    void oneByteAtATimeParsesTheSame() {
        for (String head : CORPUS) {
            byte[] b = bytes(head);
            int[] cuts = new int[b.length];
            for (int i = 0; i < b.length; i++) {
                cuts[i] = i;
            }
            assertEquals(describe(feed(new HttpRequestParser(), b)), describe(feed(new HttpRequestParser(), b, cuts)), head);
        }
    }

    @Test
    void corpusOutcomes() {
        // The split tests compare against the one-piece parse; these pin what that parse is.
        List<String> expected = List.of("Done", "Done", "Done", "Done", "Done", "Done", "Rejected 505",
                "Rejected 400", "Rejected 400", "Rejected 400", "Rejected 400", "Rejected 400", "Rejected 413",
                "Rejected 501", "Rejected 400", "Rejected 400");
        List<String> actual = new ArrayList<>();
        for (String head : CORPUS) {
            String d = describe(parse(head));
            actual.add(d.startsWith("Done") ? "Done" : d);
        }
        assertEquals(expected, actual);
    }

    @Test
    void pipelinedRequestsStayInTheBuffer() {
        String first = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n";
        String second = "HEAD /two HTTP/1.1\nHost: a\nConnection: close\n\n";
        String third = "GET /three HTTP/1.1\r\nHost: a\r\n\r\n";
        ByteBuffer in = ByteBuffer.wrap(bytes(first + second + third.substring(0, 20)));
        HttpRequestParser p = new HttpRequestParser();

        Done d1 = assertInstanceOf(Done.class, p.parse(in));
        assertEquals(first.length(), d1.consumed());
        assertEquals(first.length(), in.position());
        assertEquals("/one", d1.request().path());
        assertSame(d1.request(), p.request());
        assertThrows(IllegalStateException.class, () -> p.parse(in), "parse after Done without reset");
        assertEquals(first.length(), in.position(), "the refused call consumed nothing");

        p.reset();
        Done d2 = assertInstanceOf(Done.class, p.parse(in));
        assertEquals(second.length(), d2.consumed());
        assertEquals("HEAD", d2.request().method());
        assertFalse(d2.request().keepAlive());
        assertEquals("/one", d1.request().path(), "a request outlives the parser's reset");

        p.reset();
        assertEquals(new NeedMore(20), p.parse(in));
        assertFalse(in.hasRemaining());
        Done d3 = assertInstanceOf(Done.class, p.parse(ByteBuffer.wrap(bytes(third.substring(20)))));
        assertEquals(third.length() - 20, d3.consumed());
        assertEquals("/three", d3.request().path());
    }

    @Test
    void aKeepAliveClientsRepeatedFieldsAreTheLastRequestsObjects() {
        String a = "GET /a HTTP/1.1\r\nHost: example.com\r\nUser-Agent: wrk\r\n\r\n";
        String b = "GET /b?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: wrk\r\n\r\n";
        String c = "GET /c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl\r\n\r\n";
        String d = "GET /d HTTP/1.1\r\nHost: example.com\r\n\r\n";
        HttpRequestParser p = new HttpRequestParser();
        HttpRequest ra = assertInstanceOf(Done.class, feed(p, bytes(a))).request();
        p.reset();
        HttpRequest rb = assertInstanceOf(Done.class, feed(p, bytes(b))).request();
        // Every field repeats byte for byte: the same Field objects, the same list.
        assertSame(ra.fields(), rb.fields());
        assertEquals("/b", rb.path());
        assertEquals("q=1", rb.query());
        assertSame("GET", rb.method(), "a known method is the constant");
        assertSame("Host", rb.fields().get(0).name(), "a common name in its usual spelling is the constant");
        p.reset();
        HttpRequest rc = assertInstanceOf(Done.class, feed(p, bytes(c))).request();
        // One value differs: that field is new, the other is shared, the list is new.
        assertSame(rb.fields().get(0), rc.fields().get(0));
        assertEquals(new HttpRequest.Field("User-Agent", "curl"), rc.fields().get(1));
        assertEquals("wrk", rb.header("User-Agent"), "an earlier request keeps its own fields");
        p.reset();
        HttpRequest rd = assertInstanceOf(Done.class, feed(p, bytes(d))).request();
        // Fewer fields: a list of its own, with the shared first field.
        assertEquals(1, rd.fields().size());
        assertSame(rc.fields().get(0), rd.fields().get(0));
        assertEquals(2, rc.fields().size());
        // A repeated head is still checked: a second Host is refused however the first one parsed.
        p.reset();
        Result twice = feed(p, bytes("GET /e HTTP/1.1\r\nHost: example.com\r\nHost: example.com\r\n\r\n"));
        assertEquals(400, assertInstanceOf(Rejected.class, twice).status());
        // Other spellings and unknown methods are new Strings with the bytes received.
        p.reset();
        HttpRequest re = assertInstanceOf(Done.class, feed(p, bytes("get /f HTTP/1.1\r\nHOST: example.com\r\n\r\n")))
                .request();
        assertEquals("get", re.method());
        assertEquals("HOST", re.fields().get(0).name());
        assertEquals("example.com", re.header("host"));
    }

    @Test
    void reusedFieldsAreAlwaysTheBytesOfTheRequestAtHand() {
        HttpRequestParser p = new HttpRequestParser();
        java.util.function.Function<String, HttpRequest> next = head -> {
            p.reset();
            return assertInstanceOf(Done.class, feed(p, bytes(head))).request();
        };
        // obs-text (bytes 0x80-0xFF, read as ISO-8859-1) repeats like any other value.
        HttpRequest a = next.apply("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\u00e9\r\n\r\n");
        HttpRequest b = next.apply("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\u00e9\r\n\r\n");
        assertSame(a.fields(), b.fields());
        assertEquals("caf\u00e9", b.header("X-Name"));
        HttpRequest c = next.apply("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\u00e8\r\n\r\n");
        assertEquals("caf\u00e8", c.header("X-Name"));
        // Whitespace around a value is not part of it: the same value, the same field.
        HttpRequest d = next.apply("GET / HTTP/1.1\r\nHost:   h  \r\nX-Name: caf\u00e8\r\n\r\n");
        assertSame(c.fields(), d.fields());
        // The same fields in another order: each is compared at its own place, none is mixed up.
        HttpRequest e = next.apply("GET / HTTP/1.1\r\nX-Name: caf\u00e8\r\nHost: h\r\n\r\n");
        assertEquals(List.of(new HttpRequest.Field("X-Name", "caf\u00e8"), new HttpRequest.Field("Host", "h")), e.fields());
        // A rejected head in between leaves nothing that the next request would take.
        p.reset();
        assertInstanceOf(Rejected.class, feed(p, bytes("GET / HTTP/1.1\r\nHost: h\r\nHost: other\r\n\r\n")));
        HttpRequest f = next.apply("GET / HTTP/1.1\r\nX-Name: caf\u00e8\r\nHost: h\r\n\r\n");
        assertSame(e.fields(), f.fields());
        assertEquals("h", f.header("Host"));
    }

    @Test
    void aLargeHeadIsNotKeptForTheNextRequest() {
        HttpRequestParser p = new HttpRequestParser();
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 0; i < HttpRequestParser.REUSE_MAX_FIELDS + 10; i++) {
            many.append("X-").append(i).append(": v").append(i).append("\r\n");
        }
        String head = many.append("\r\n").toString();
        HttpRequest a = assertInstanceOf(Done.class, feed(p, bytes(head))).request();
        p.reset();
        HttpRequest b = assertInstanceOf(Done.class, feed(p, bytes(head))).request();
        assertEquals(HttpRequestParser.REUSE_MAX_FIELDS + 11, b.fields().size());
        assertEquals(a.fields(), b.fields());
        // Over the limit: nothing of it stays with the parser, so nothing is shared.
        assertTrue(a.fields().get(1) != b.fields().get(1), "a field of a large head was kept");
        assertEquals("v41", b.header("X-41"));
        // And a small head after it is parsed on its own.
        p.reset();
        HttpRequest c = assertInstanceOf(Done.class, feed(p, bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))).request();
        assertEquals(List.of(new HttpRequest.Field("Host", "h")), c.fields());
    }

    @Test
    void truncatedHeadsNeedMoreForever() {
        for (String head : CORPUS.subList(0, 6)) {
            byte[] b = bytes(head);
            for (int len = 0; len < b.length; len++) {
                HttpRequestParser p = new HttpRequestParser();
                ByteBuffer prefix = ByteBuffer.wrap(b, 0, len);
                assertEquals(new NeedMore(len), p.parse(prefix), head + " prefix " + len);
                for (int again = 0; again < 3; again++) {
                    assertEquals(new NeedMore(0), p.parse(ByteBuffer.allocate(0)));
                }
                assertThrows(IllegalStateException.class, p::request);
            }
        }
    }

    @Test
    void directBuffersAndOffsetPositionsWork() {
        byte[] b = bytes("junk" + SIMPLE);
        ByteBuffer direct = ByteBuffer.allocateDirect(b.length + 10);
        direct.put(b).flip().position(4);
        Done d = assertInstanceOf(Done.class, new HttpRequestParser().parse(direct));
        assertEquals(SIMPLE.length(), d.consumed());
        assertEquals(b.length, direct.position());
        assertEquals("/index.html", d.request().path());
    }

    // ---- the request's parts ----

    @Test
    void exposesTheRequestParts() {
        HttpRequest r = done("GET /dir/a%20b.txt?x=1&y=2 HTTP/1.1\r\nhOsT: example.com\r\nRange:  bytes=0-1 \r\n"
                + "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nX-Empty:\r\nX-Blank: \t \r\n"
                + "X-Inner: a  \t b\r\nX-Obs: caf\u00e9\r\n\r\n");
        assertEquals("GET", r.method());
        assertEquals("/dir/a%20b.txt?x=1&y=2", r.target());
        assertEquals("/dir/a b.txt", r.path());
        assertEquals("x=1&y=2", r.query());
        assertEquals(Version.HTTP_1_1, r.version());
        assertEquals("example.com", r.header("Host"));
        assertEquals("example.com", r.header("HOST"));
        assertEquals("bytes=0-1", r.header("range"));
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", r.header("If-Modified-Since"));
        assertEquals("", r.header("X-Empty"));
        assertEquals("", r.header("X-Blank"));
        assertEquals("a  \t b", r.header("X-Inner"));
        assertEquals("caf\u00e9", r.header("X-Obs"), "obs-text kept as ISO-8859-1");
        assertNull(r.header("If-Range"));
        assertEquals(new Field("hOsT", "example.com"), r.fields().get(0));
        assertEquals(7, r.fields().size());
        assertTrue(r.keepAlive());
        assertEquals("GET /dir/a%20b.txt?x=1&y=2 HTTP/1.1", r.toString());
    }

    @Test
    void repeatedFieldsJoinInOrder() {
        HttpRequest r = done("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2, 3\r\nX-B: z\r\nX-A: 4\r\n\r\n");
        assertEquals("1, 2, 3, 4", r.header("X-A"));
        assertEquals("z", r.header("x-b"));
        assertEquals(5, r.fields().size());
    }

    @Test
    void noQueryIsNullAndEmptyQueryIsEmpty() {
        assertNull(done("GET /a HTTP/1.1\r\nHost: h\r\n\r\n").query());
        assertEquals("", done("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n").query());
        assertEquals("/a", done("GET /a?b?c HTTP/1.1\r\nHost: h\r\n\r\n").path());
        assertEquals("b?c", done("GET /a?b?c HTTP/1.1\r\nHost: h\r\n\r\n").query());
        assertEquals("/a%zz", done("GET /a%25zz?%zz HTTP/1.1\r\nHost: h\r\n\r\n").path(),
                "an invalid escape in the query is not decoded, so not refused");
    }

    @Test
    void bareLfAndMixedLineEndings() {
        assertEquals("/x", done("GET /x HTTP/1.1\nHost: a\n\n").path());
        assertEquals("b", done("GET /x HTTP/1.1\r\nHost: a\nX: b\r\n\n").header("X"));
        assertEquals("b", done("GET /x HTTP/1.1\nHost: a\r\nX: b\n\r\n").header("X"));
    }

    @Test
    void leadingEmptyLinesAreSkippedAndCounted() {
        Done d = assertInstanceOf(Done.class, parse("\r\n\n\r\n" + SIMPLE));
        assertEquals(5 + SIMPLE.length(), d.consumed());
        assertEquals("/index.html", d.request().path());
        assertRejected(400, " GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "\r\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "HEAD", "get", "FOO", "M-SEARCH", "!#$%&'*+-.^_`|~09azAZ", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"})
    void anyTokenIsAMethodForTheServerToJudge(String method) {
        assertEquals(method, done(method + " / HTTP/1.1\r\nHost: a\r\n\r\n").method());
    }

    @Test
    void nonTokenOrOverlongMethodsAreRejected() {
        assertRejected(400, "G(T / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GE\"T / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "G\u00e9T / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GET\r\n\r\n");
        assertRejected(501, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456 / HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    @Test
    void malformedRequestLinesAreRejected() {
        assertRejected(400, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GET /  HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1 \r\nHost: a\r\n\r\n");
        assertRejected(400, "GET /\r\n\r\n");
        assertRejected(400, "GET / \r\nHost: a\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\rX\r\n\r\n");
    }

    @ParameterizedTest
    @CsvSource({
        "HTTP/1.0, 0", "HTTP/1.1, 0",
        "HTTP/2.0, 505", "HTTP/0.9, 505", "HTTP/1.2, 505", "HTTP/3.0, 505", "HTTP/9.9, 505",
        "http/1.1, 400", "HTTP/1.10, 400", "HTTP/11, 400", "HTTP/1, 400", "HTTPS/1.1, 400", "HTTP/a.1, 400",
        "HTTP-1.1, 400", "HTTP/1.1x, 400", "HTTP1.1, 400"})
    void versions(String version, int status) {
        String head = "GET / " + version + "\r\nHost: a\r\n\r\n";
        if (status == 0) {
            assertEquals(version, done(head).version().text());
        } else {
            assertRejected(status, head);
        }
    }

    @Test
    void versionErrorComesAtTheEndOfTheRequestLine() {
        HttpRequestParser p = new HttpRequestParser();
        Rejected r = assertInstanceOf(Rejected.class, p.parse(ByteBuffer.wrap(bytes("GET / HTTP/2.0\r"))));
        assertEquals(505, r.status());
    }

    // ---- Host ----

    @Test
    void hostRules() {
        assertRejected(400, "GET / HTTP/1.1\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHostname: a\r\n\r\n");
        assertNull(done("GET / HTTP/1.0\r\n\r\n").header("Host"), "HTTP/1.0 needs no Host");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n");
        assertEquals("", done("GET / HTTP/1.1\r\nHost:\r\n\r\n").header("Host"));
        assertEquals("[::1]:8080", done("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").header("Host"));
        assertEquals("xn--caf-dma.example", done("GET / HTTP/1.1\r\nHost: xn--caf-dma.example\r\n\r\n").header("Host"));
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: caf\u00e9\r\n\r\n");
    }

    // ---- field syntax ----

    @Test
    void whitespaceBeforeColonIsRejected() {
        assertRejected(400, "GET / HTTP/1.1\r\nHost : a\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nX A: b\r\n\r\n");
    }

    @Test
    void obsFoldAndLeadingWhitespaceAreRejected() {
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\n Host: a\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\nHost: a\n c\n\n");
    }

    @Test
    void malformedFieldNamesAreRejected() {
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nX(: b\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nX\u00e9: b\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nX\r: b\r\n\r\n");
    }

    @Test
    void controlCharactersInFieldValuesAreRejected() {
        for (int c = 0; c < 0x20; c++) {
            if (c == '\t' || c == '\r' || c == '\n') {
                continue;
            }
            assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nX: b" + (char) c + "c\r\n\r\n");
        }
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nX: b\u007fc\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nX: b\rc\r\n\r\n");
        assertEquals("b\tc", done("GET / HTTP/1.1\r\nHost: a\r\nX: b\tc\r\n\r\n").header("X"));
        assertEquals("\u0080\u00ff", done("GET / HTTP/1.1\r\nHost: a\r\nX: \u0080\u00ff\r\n\r\n").header("X"));
    }

    @Test
    void controlAndNonAsciiBytesInTheTargetAreRejected() {
        for (int c = 0; c < 0x20; c++) {
            if (c == '\r' || c == '\n') {
                continue; // those end the line: "GET /a" without a version, rejected too
            }
            assertRejected(400, "GET /a" + (char) c + "b HTTP/1.1\r\nHost: a\r\n\r\n");
        }
        assertRejected(400, "GET /a\u007fb HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GET /caf\u00c3\u00a9 HTTP/1.1\r\nHost: a\r\n\r\n"); // raw UTF-8
    }

    @Test
    void crWithoutLfIsRejectedEverywhere() {
        assertRejected(400, "GET / HTTP/1.1\rHost: a\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\n\rX");
        assertRejected(400, "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    // ---- targets ----

    @Test
    void percentDecoding() {
        assertEquals("/a b", done("GET /a%20b HTTP/1.1\r\nHost: h\r\n\r\n").path());
        assertEquals("/\u00e9\u20ac\uD83D\uDE00", done("GET /%C3%a9%E2%82%AC%F0%9F%98%80 HTTP/1.1\r\nHost: h\r\n\r\n").path());
        assertEquals("/100%", done("GET /100%25 HTTP/1.1\r\nHost: h\r\n\r\n").path());
        assertEquals("/../x", done("GET /%2e%2E/x HTTP/1.1\r\nHost: h\r\n\r\n").path(),
                "encoded dot segments are decoded; PathResolver refuses them");
        for (String bad : List.of("/%zz", "/%4", "/%", "/a%2", "/%g0", "/%2F", "/a%2fb", "/%2e%2e%2fetc", "/%00",
                "/a%0Ab", "/%7F", "/%C3", "/%C3%28", "/%C0%AF", "/%ED%A0%80", "/%FF", "/%F8%88%80%80%80")) {
            assertRejected(400, "GET " + bad + " HTTP/1.1\r\nHost: h\r\n\r\n");
        }
    }

    @Test
    void targetForms() {
        assertEquals("/a b", done("GET http://example.com/a%20b?q HTTP/1.1\r\nHost: example.com\r\n\r\n").path());
        assertEquals("/", done("GET HTTP://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n").path());
        assertEquals("/", done("GET https://example.com:443?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n").path());
        assertEquals("q=1", done("GET https://example.com:443?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n").query());
        assertRejected(400, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        assertRejected(400, "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GET ftp://example.com/ HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GET http://user:pw@example.com/ HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected(400, "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    // ---- limits ----

    @Test
    void headOverTheLimitIs431AndAtTheLimitIsDone() {
        String start = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
        String end = "\r\n\r\n";
        String exact = start + "v".repeat(HttpRequestParser.DEFAULT_MAX_HEAD_BYTES - start.length() - end.length()) + end;
        assertEquals(8192, exact.length());
        assertEquals(8192, assertInstanceOf(Done.class, parse(exact)).consumed());
        String over = start + "v".repeat(8192 - start.length() - end.length() + 1) + end;
        assertRejected(431, over);
        // Leading empty lines count too.
        assertRejected(431, "\r\n" + exact);
    }

    @Test
    void manyHeadersAre431AsSoonAsTheLimitIsCrossed() {
        HttpRequestParser p = new HttpRequestParser();
        ByteBuffer line = ByteBuffer.wrap(bytes("X-Filler: 0123456789012345678901234567890123456789\r\n"));
        assertInstanceOf(NeedMore.class, p.parse(ByteBuffer.wrap(bytes("GET / HTTP/1.1\r\nHost: a\r\n"))));
        Result r;
        int lines = 0;
        do {
            r = p.parse(line.rewind());
            lines++;
        } while (r instanceof NeedMore && lines < 1000);
        assertEquals(431, assertInstanceOf(Rejected.class, r).status());
        assertTrue(lines <= 8192 / 52 + 1, "rejected as soon as the limit was crossed, after " + lines + " lines");
        int at = line.position();
        assertSame(r, p.parse(ByteBuffer.wrap(bytes("more"))), "a rejection sticks");
        assertEquals(at, line.position());
        p.reset();
        assertInstanceOf(Done.class, p.parse(ByteBuffer.wrap(bytes(SIMPLE))), "reset after a rejection");
    }

    @Test
    void longTargetIs414() {
        String target = "/" + "a".repeat(10 * 1024);
        assertRejected(414, "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n");
        // Found while the target arrives, before its end or the head limit.
        HttpRequestParser p = new HttpRequestParser();
        Result r = p.parse(ByteBuffer.wrap(bytes("GET " + target.substring(0, 5000))));
        assertEquals(414, assertInstanceOf(Rejected.class, r).status());
    }

    @Test
    void targetLimitIsExact() {
        String ok = "/" + "a".repeat(99);
        HttpRequestParser p = new HttpRequestParser(200, 100);
        assertEquals(ok, assertInstanceOf(Done.class,
                feed(p, bytes("GET " + ok + " HTTP/1.1\r\nHost: a\r\n\r\n"))).request().path());
        Result r = feed(new HttpRequestParser(200, 100), bytes("GET " + ok + "b HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals(414, assertInstanceOf(Rejected.class, r).status());
        // A head over its limit with a long but allowed target is 431, not 414.
        Result r2 = feed(new HttpRequestParser(120, 100), bytes("GET " + ok + " HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals(431, assertInstanceOf(Rejected.class, r2).status());
    }

    @Test
    void limitsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new HttpRequestParser(100, 100));
        assertThrows(IllegalArgumentException.class, () -> new HttpRequestParser(100, 0));
        assertThrows(IllegalArgumentException.class, () -> new HttpRequestParser(0, -1));
    }

    // ---- content ----

    @Test
    void contentIsRefused() {
        assertEquals("0", done("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").header("Content-Length"));
        assertEquals("/", done("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0, 0\r\nContent-Length: 00\r\n\r\n").path());
        assertRejected(413, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n");
        assertRejected(413, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n");
        assertRejected(413, "HEAD / HTTP/1.0\r\nContent-Length: 999999999999999999\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 1\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +0\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0,\r\n\r\n");
        assertRejected(400, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n");
        assertRejected(501, "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertRejected(501, "GET / HTTP/1.0\r\ntransfer-encoding: identity\r\n\r\n");
        assertRejected(501, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    }

    // ---- keep-alive ----

    @ParameterizedTest(name = "{0} Connection: [{1}] -> {2}")
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1 |                     | true",
        "HTTP/1.1 | close               | false",
        "HTTP/1.1 | Close               | false",
        "HTTP/1.1 | CLOSE               | false",
        "HTTP/1.1 | keep-alive          | true",
        "HTTP/1.1 | Keep-Alive          | true",
        "HTTP/1.1 | 'upgrade, close'    | false",
        "HTTP/1.1 | 'close,upgrade'     | false",
        "HTTP/1.1 | ' , close ,'        | false",
        "HTTP/1.1 | 'keep-alive, close' | false",
        "HTTP/1.1 | closed              | true",
        "HTTP/1.1 | 'upgrade'           | true",
        "HTTP/1.0 |                     | false",
        "HTTP/1.0 | close               | false",
        "HTTP/1.0 | keep-alive          | true",
        "HTTP/1.0 | Keep-Alive          | true",
        "HTTP/1.0 | 'upgrade, close'    | false",
        "HTTP/1.0 | 'foo,\tkeep-alive'  | true",
        "HTTP/1.0 | 'keep-alive, close' | false",
        "HTTP/1.0 | keep-alives         | false",
        "HTTP/1.0 | 'keep alive'        | false"})
    void keepAlive(String version, String connection, boolean keepAlive) {
        String field = connection == null ? "" : "Connection: " + connection + "\r\n";
        HttpRequest r = done("GET / " + version + "\r\nHost: a\r\n" + field + "\r\n");
        assertEquals(keepAlive, r.keepAlive());
    }

    @Test
    void keepAliveReadsEveryConnectionLine() {
        assertFalse(done("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nConnection: close\r\n\r\n").keepAlive());
        assertTrue(done("GET / HTTP/1.0\r\nConnection: foo\r\nConnection: keep-alive\r\n\r\n").keepAlive());
        assertFalse(done("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n").keepAlive());
        HttpRequest r = done("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, x\r\n\r\n");
        assertTrue(r.hasConnectionOption("upgrade"));
        assertTrue(r.hasConnectionOption("X"));
        assertFalse(r.hasConnectionOption("close"));
    }

    @Test
    void inProgressIsBetweenTheFirstByteAndTheEnd() {
        HttpRequestParser p = new HttpRequestParser();
        assertFalse(p.inProgress(), "idle");
        p.parse(ByteBuffer.allocate(0));
        assertFalse(p.inProgress(), "nothing arrived");
        p.parse(ByteBuffer.wrap(bytes("\r\n")));
        assertTrue(p.inProgress(), "an empty line before the request line");
        p.parse(ByteBuffer.wrap(bytes(SIMPLE)));
        assertFalse(p.inProgress(), "done");
        p.reset();
        assertFalse(p.inProgress(), "reset");
        p.parse(ByteBuffer.wrap(bytes("G")));
        assertTrue(p.inProgress(), "one byte");
        p.parse(ByteBuffer.wrap(bytes("(")));
        assertFalse(p.inProgress(), "rejected");
    }

    @Test
    void requestBeforeDoneIsAnError() {
        HttpRequestParser p = new HttpRequestParser();
        assertThrows(IllegalStateException.class, p::request);
        p.parse(ByteBuffer.wrap(bytes("GET / HTTP/1.1\r\n")));
        assertThrows(IllegalStateException.class, p::request);
        p.parse(ByteBuffer.wrap(bytes("Host : a\r\n")));
        assertThrows(IllegalStateException.class, p::request);
    }
}
