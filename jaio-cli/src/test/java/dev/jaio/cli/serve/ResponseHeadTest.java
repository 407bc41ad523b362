package dev.jaio.cli.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponseHeadTest {

    private static final String DATE = "Sun, 06 Nov 1994 08:49:37 GMT";

    private final ByteBuffer buffer = ByteBuffer.allocateDirect(ResponseHead.MAX_HEAD_BYTES);
    private final ResponseHead head = new ResponseHead(buffer);

    /** What the buffer holds, from 0 to its position. */
    private String written() {
        ByteBuffer b = buffer.duplicate().flip();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    @Test
    void writesA200Head() {
        head.status(200).date(DATE).server().contentLength(1234).contentType(MimeTypes.forFileName("index.html"))
                .lastModified(784_111_777_999L).acceptRanges().connection(true).end();
        assertEquals("""
                HTTP/1.1 200 OK\r
                Date: Sun, 06 Nov 1994 08:49:37 GMT\r
                Server: jaio\r
                Content-Length: 1234\r
                Content-Type: text/html; charset=utf-8\r
                Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r
                Accept-Ranges: bytes\r
                Connection: keep-alive\r
                \r
                """, written());
        assertEquals(head.buffer(), buffer);
    }

    @Test
    void writesA206Head() {
        ByteRange.Partial range = (ByteRange.Partial) ByteRange.parse("bytes=-500", 10_000);
        head.status(206).contentRange(range).contentLength(range.count()).connection(false).end();
        assertEquals("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 9500-9999/10000\r\n"
                + "Content-Length: 500\r\nConnection: close\r\n\r\n", written());
    }

    @Test
    void writesNumbersExactly() {
        for (long n : new long[] {0, 1, 9, 10, 99, 100, 101, 1_000_000, 9_999_999_999L, Long.MAX_VALUE}) {
            buffer.clear();
            head.status(200).contentLength(n).end();
            assertEquals("HTTP/1.1 200 OK\r\nContent-Length: " + n + "\r\n\r\n", written());
        }
        assertThrows(IllegalArgumentException.class, () -> head.status(200).contentLength(-1));
    }

    @ParameterizedTest
    @CsvSource({
        "200, OK", "206, Partial Content", "304, Not Modified", "400, Bad Request", "403, Forbidden",
        "404, Not Found", "405, Method Not Allowed", "408, Request Timeout", "413, Content Too Large",
        "414, URI Too Long", "416, Range Not Satisfiable", "431, Request Header Fields Too Large",
        "500, Internal Server Error", "501, Not Implemented", "503, Service Unavailable",
        "505, HTTP Version Not Supported"})
    void statusLines(int status, String reason) {
        assertEquals(reason, ResponseHead.reasonPhrase(status));
        head.status(status).end();
        assertEquals("HTTP/1.1 " + status + " " + reason + "\r\n\r\n", written());
    }

    @Test
    void unknownStatusesAreRefused() {
        for (int s : new int[] {0, 99, 100, 201, 302, 418, 499, 502, 599, 600, -1, Integer.MAX_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> head.status(s), "status " + s);
            assertThrows(IllegalArgumentException.class, () -> ResponseHead.reasonPhrase(s));
        }
        assertEquals(0, buffer.position());
    }

    @Test
    void errorResponses() {
        head.error(404, DATE, true, true);
        assertEquals("""
                HTTP/1.1 404 Not Found\r
                Date: Sun, 06 Nov 1994 08:49:37 GMT\r
                Server: jaio\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Length: 14\r
                Connection: keep-alive\r
                \r
                404 Not Found
                """, written());

        buffer.clear();
        head.error(405, DATE, false, false);
        assertEquals("""
                HTTP/1.1 405 Method Not Allowed\r
                Date: Sun, 06 Nov 1994 08:49:37 GMT\r
                Server: jaio\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Length: 23\r
                Allow: GET, HEAD\r
                Connection: close\r
                \r
                """, written(), "HEAD: the GET's Content-Length, no body");

        buffer.clear();
        head.rangeNotSatisfiable(new ByteRange.Unsatisfiable(1234), DATE, true, true);
        assertEquals("""
                HTTP/1.1 416 Range Not Satisfiable\r
                Date: Sun, 06 Nov 1994 08:49:37 GMT\r
                Server: jaio\r
                Content-Range: bytes */1234\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Length: 26\r
                Connection: keep-alive\r
                \r
                416 Range Not Satisfiable
                """, written());
    }

    @Test
    void everyErrorResponseFitsAndItsLengthIsItsBody() {
        for (int status : new int[] {400, 403, 404, 405, 408, 413, 414, 431, 500, 501, 503, 505}) {
            buffer.clear();
            head.error(status, DATE, false, true);
            String response = written();
            String body = status + " " + ResponseHead.reasonPhrase(status) + "\n";
            assertTrue(response.endsWith("\r\n\r\n" + body), response);
            assertTrue(response.contains("\r\nContent-Length: " + body.length() + "\r\n"), response);
            assertArrayEquals(body.getBytes(StandardCharsets.US_ASCII), ResponseHead.errorBody(status));
        }
        assertThrows(IllegalArgumentException.class, () -> head.error(416, DATE, false, true));
        assertThrows(IllegalArgumentException.class, () -> head.error(200, DATE, false, true));
        assertThrows(IllegalArgumentException.class, () -> head.error(304, DATE, false, true));
        assertThrows(IllegalArgumentException.class, () -> ResponseHead.errorBody(206));
        ResponseHead.errorBody(404)[0] = 'x';
        assertEquals('4', ResponseHead.errorBody(404)[0], "a copy each call");
    }

    @Test
    void theLongestHeadFitsInMaxHeadBytes() {
        // Every typed field once, with the largest numbers and the longest Content-Type in MimeTypes.
        String longestType = "";
        for (String ext : new String[] {"html", "htm", "txt", "css", "js", "json", "png", "jpg", "jpeg", "gif", "svg",
            "ico", "wasm", "pdf", "bin"}) {
            String t = MimeTypes.forFileName("f." + ext);
            longestType = t.length() > longestType.length() ? t : longestType;
        }
        head.status(431).date(DATE).server().contentLength(Long.MAX_VALUE).contentType(longestType)
                .lastModified(253_402_300_799_000L).acceptRanges()
                .contentRange(new ByteRange.Partial(Long.MAX_VALUE - 2, Long.MAX_VALUE - 2, Long.MAX_VALUE - 1))
                .contentRange(new ByteRange.Unsatisfiable(Long.MAX_VALUE)).connection(true).allow().end();
        assertTrue(buffer.position() <= ResponseHead.MAX_HEAD_BYTES, "wrote " + buffer.position());
    }

    @Test
    void aFullBufferOverflows() {
        ResponseHead small = new ResponseHead(ByteBuffer.allocate(20));
        assertThrows(BufferOverflowException.class, () -> small.status(200).date(DATE));
    }

    @Test
    void otherFieldsAreChecked() {
        head.status(304).header("ETag", "\"abc\"").header("Cache-Control", "max-age=60, public").end();
        assertEquals("HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\nCache-Control: max-age=60, public\r\n\r\n", written());
        head.status(200);
        int at = buffer.position();
        for (Map.Entry<String, String> bad : Map.of(
                "X", "a\r\nSet-Cookie: x=1",
                "Y", "a\nb",
                "Z", "caf\u00e9",
                "W", "a\u0000",
                "V", " lead",
                "U", "trail\t").entrySet()) {
            assertThrows(IllegalArgumentException.class, () -> head.header(bad.getKey(), bad.getValue()), bad.getValue());
        }
        for (String badName : new String[] {"", "X Y", "X:", "X\r\n", "(x)", "caf\u00e9"}) {
            assertThrows(IllegalArgumentException.class, () -> head.header(badName, "v"), badName);
        }
        assertThrows(IllegalArgumentException.class, () -> head.contentType("text/html\r\nX: y"));
        assertThrows(IllegalArgumentException.class, () -> head.date("today"));
        assertEquals(at, buffer.position(), "a refused field writes nothing");
    }

    @Test
    void fieldsNeedAStatusFirst() {
        assertThrows(IllegalStateException.class, head::server);
        assertThrows(IllegalStateException.class, () -> head.contentLength(1));
        assertThrows(IllegalStateException.class, head::end);
        head.status(200).end();
        assertThrows(IllegalStateException.class, () -> head.connection(true), "after end()");
        assertEquals("HTTP/1.1 200 OK\r\n\r\n", written());
    }

    @Test
    void contentTypes() {
        assertEquals("text/html; charset=utf-8", MimeTypes.forFileName("index.html"));
        assertEquals("text/html; charset=utf-8", MimeTypes.forFileName("INDEX.HTM"));
        assertEquals("text/plain; charset=utf-8", MimeTypes.forFileName("a.b.txt"));
        assertEquals("text/css; charset=utf-8", MimeTypes.forFileName("site.css"));
        assertEquals("text/javascript; charset=utf-8", MimeTypes.forFileName("app.js"));
        assertEquals("application/json", MimeTypes.forFileName("data.json"));
        assertEquals("image/png", MimeTypes.forFileName("a.png"));
        assertEquals("image/jpeg", MimeTypes.forFileName("a.jpg"));
        assertEquals("image/jpeg", MimeTypes.forFileName("a.JPEG"));
        assertEquals("image/gif", MimeTypes.forFileName("a.gif"));
        assertEquals("image/svg+xml", MimeTypes.forFileName("a.svg"));
        assertEquals("image/vnd.microsoft.icon", MimeTypes.forFileName("favicon.ico"));
        assertEquals("application/wasm", MimeTypes.forFileName("m.wasm"));
        assertEquals("application/pdf", MimeTypes.forFileName("doc.pdf"));
        assertEquals("application/pdf", MimeTypes.forFileName("/srv/www/docs/doc.pdf"));
        assertEquals(MimeTypes.DEFAULT, MimeTypes.forFileName("archive.tar.gz"));
        assertEquals(MimeTypes.DEFAULT, MimeTypes.forFileName("README"));
        assertEquals(MimeTypes.DEFAULT, MimeTypes.forFileName(".json"));
        assertEquals(MimeTypes.DEFAULT, MimeTypes.forFileName("file."));
        assertEquals(MimeTypes.DEFAULT, MimeTypes.forFileName("dir.html/README"));
        assertEquals(MimeTypes.DEFAULT, MimeTypes.forFileName(""));
    }
}
