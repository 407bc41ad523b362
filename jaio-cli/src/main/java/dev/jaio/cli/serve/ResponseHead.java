package dev.jaio.cli.serve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes a response head (status line, header fields, empty line) as ASCII straight into a
 * buffer, typically one direct buffer per connection that is then written to the socket as is: no
 * intermediate string or array. Status lines and field names are encoded once, in constants, and
 * copied in bulk; numbers and dates are written digit by digit, so writing a head allocates
 * nothing (except {@link #header} with a string the caller made).
 *
 * <p>Use: {@code buffer.clear(); head.status(200).date(d).server()...end(); buffer.flip();} and
 * write. Every method writes at the buffer's position and advances it. The typed methods write
 * fields whose values the server computes (numbers, dates, constants), never bytes from a request,
 * so a head cannot carry an injected CR or LF; {@link #header} checks its arguments.
 *
 * <p>Size: a head of a status line and each typed field at most once (Content-Type from
 * {@link MimeTypes}) fits in {@value #MAX_HEAD_BYTES} bytes; an error response with its body too.
 * If the buffer is too small, a {@link java.nio.BufferOverflowException} leaves a partial head in
 * it, to be cleared.
 *
 * <p>Responses are always HTTP/1.1 (RFC 9110 §6.2: a server sends its highest conformant version,
 * also to an HTTP/1.0 client). Not thread-safe: one per connection.
 */
public final class ResponseHead {

    /** The Server field's value. */
    public static final String SERVER = "jaio";
    /** The methods this server allows: the Allow field of a 405 (RFC 9110 §15.5.6 requires it). */
    public static final String ALLOWED_METHODS = "GET, HEAD";
    /** The Content-Type of the error bodies. */
    public static final String ERROR_CONTENT_TYPE = "text/plain; charset=utf-8";
    /** Bytes that always hold a head of the typed fields (see the class comment), or an error response. */
    public static final int MAX_HEAD_BYTES = 512;

    /** The statuses this class writes. */
    private static final int[] STATUSES = {200, 206, 304, 400, 403, 404, 405, 408, 413, 414, 416, 431, 500, 501,
        503, 505};
    /** Indexed by status - 100; null for a status not in {@link #STATUSES}. */
    private static final String[] REASONS = new String[500];
    private static final byte[][] STATUS_LINES = new byte[500][];
    private static final byte[][] ERROR_BODIES = new byte[500][];

    static {
        for (int s : STATUSES) {
            String reason = switch (s) {
                case 200 -> "OK";
                case 206 -> "Partial Content";
                case 304 -> "Not Modified";
                case 400 -> "Bad Request";
                case 403 -> "Forbidden";
                case 404 -> "Not Found";
                case 405 -> "Method Not Allowed";
                case 408 -> "Request Timeout";
                case 413 -> "Content Too Large"; // RFC 9110's name (RFC 7231: Payload Too Large)
                case 414 -> "URI Too Long";
                case 416 -> "Range Not Satisfiable";
                case 431 -> "Request Header Fields Too Large"; // RFC 6585 §5
                case 500 -> "Internal Server Error";
                case 501 -> "Not Implemented";
                case 503 -> "Service Unavailable";
                case 505 -> "HTTP Version Not Supported";
                default -> throw new AssertionError(s);
            };
            REASONS[s - 100] = reason;
            STATUS_LINES[s - 100] = ascii("HTTP/1.1 " + s + " " + reason + "\r\n");
            ERROR_BODIES[s - 100] = ascii(s + " " + reason + "\n");
        }
    }

    private static final byte[] CRLF = ascii("\r\n");
    private static final byte[] DATE = ascii("Date: ");
    private static final byte[] SERVER_FIELD = ascii("Server: " + SERVER + "\r\n");
    private static final byte[] CONTENT_LENGTH = ascii("Content-Length: ");
    private static final byte[] CONTENT_TYPE = ascii("Content-Type: ");
    private static final byte[] LAST_MODIFIED = ascii("Last-Modified: ");
    private static final byte[] ACCEPT_RANGES = ascii("Accept-Ranges: bytes\r\n");
    private static final byte[] CONTENT_RANGE = ascii("Content-Range: bytes ");
    private static final byte[] KEEP_ALIVE = ascii("Connection: keep-alive\r\n");
    private static final byte[] CLOSE = ascii("Connection: close\r\n");
    private static final byte[] ALLOW = ascii("Allow: " + ALLOWED_METHODS + "\r\n");

    private final ByteBuffer out;
    private boolean inHead;

    /**
     * A writer into {@code out}.
     *
     * @param out the buffer to write heads into, in write mode; kept, for every head this writer writes
     */
    public ResponseHead(ByteBuffer out) {
        this.out = out;
    }

    /** {@return the buffer this writer writes into} */
    public ByteBuffer buffer() {
        return out;
    }

    /**
     * {@return the reason phrase of a status, such as {@code Not Found} for 404}
     *
     * @param status one of 200, 206, 304, 400, 403, 404, 405, 408, 413, 414, 416, 431, 500, 501, 503, 505
     * @throws IllegalArgumentException for another status
     */
    public static String reasonPhrase(int status) {
        return REASONS[index(status)];
    }

    /**
     * {@return the body of an error response: the status and its reason phrase and a newline, such
     * as {@code 404 Not Found\n}, as ASCII (a new array each call)}
     *
     * @param status an error status (400 and above) that {@link #reasonPhrase} knows
     * @throws IllegalArgumentException for another status
     */
    public static byte[] errorBody(int status) {
        if (status < 400) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
        return ERROR_BODIES[index(status)].clone();
    }

    /**
     * Starts a head: writes the status line, {@code HTTP/1.1 <status> <reason>}. Starts over if a
     * previous head was not ended (the caller cleared the buffer after an overflow).
     *
     * @param status one of the statuses {@link #reasonPhrase} knows
     * @return this writer
     * @throws IllegalArgumentException for another status
     */
    public ResponseHead status(int status) {
        byte[] line = STATUS_LINES[index(status)];
        out.put(line);
        inHead = true;
        return this;
    }

    /**
     * Writes {@code Date: <imfFixdate>}.
     *
     * @param imfFixdate the current time as an IMF-fixdate, as {@link DateCache#get} gives it
     * @return this writer
     * @throws IllegalArgumentException if it is not 29 characters of visible ASCII and spaces
     */
    public ResponseHead date(String imfFixdate) {
        if (imfFixdate.length() != HttpDates.IMF_FIXDATE_LENGTH) {
            throw new IllegalArgumentException("not an IMF-fixdate: " + imfFixdate);
        }
        return field(DATE, imfFixdate);
    }

    /**
     * Writes {@code Server: jaio}.
     *
     * @return this writer
     */
    public ResponseHead server() {
        begun().put(SERVER_FIELD);
        return this;
    }

    /**
     * Writes {@code Content-Length: <bytes>}.
     *
     * @param bytes the content's length in bytes (for HEAD and 304: what a GET's would be)
     * @return this writer
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public ResponseHead contentLength(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative Content-Length " + bytes);
        }
        begun().put(CONTENT_LENGTH);
        number(bytes);
        out.put(CRLF);
        return this;
    }

    /**
     * Writes {@code Content-Type: <type>}.
     *
     * @param type a media type, such as {@link MimeTypes#forFileName} gives
     * @return this writer
     * @throws IllegalArgumentException if it has a character other than visible ASCII, SP or HTAB
     */
    public ResponseHead contentType(String type) {
        return field(CONTENT_TYPE, type);
    }

    /**
     * Writes {@code Last-Modified: <IMF-fixdate>}, the seconds of {@code epochMillis}.
     *
     * @param epochMillis the file's modification time, milliseconds since the epoch
     * @return this writer
     * @throws IllegalArgumentException if its year is outside 0000 to 9999
     */
    public ResponseHead lastModified(long epochMillis) {
        begun().put(LAST_MODIFIED);
        HttpDates.write(out, epochMillis);
        out.put(CRLF);
        return this;
    }

    /**
     * Writes {@code Accept-Ranges: bytes} (RFC 9110 §14.3: range requests are welcome).
     *
     * @return this writer
     */
    public ResponseHead acceptRanges() {
        begun().put(ACCEPT_RANGES);
        return this;
    }

    /**
     * Writes {@code Content-Range: bytes <start>-<end>/<length>}, for a 206.
     *
     * @param range the range being sent
     * @return this writer
     */
    public ResponseHead contentRange(ByteRange.Partial range) {
        begun().put(CONTENT_RANGE);
        number(range.start());
        out.put((byte) '-');
        number(range.endInclusive());
        out.put((byte) '/');
        number(range.length());
        out.put(CRLF);
        return this;
    }

    /**
     * Writes {@code Content-Range: bytes *}{@code /<length>}, for a 416 (RFC 9110 §15.5.17).
     *
     * @param range the unsatisfiable range, which knows the file's length
     * @return this writer
     */
    public ResponseHead contentRange(ByteRange.Unsatisfiable range) {
        begun().put(CONTENT_RANGE);
        out.put((byte) '*').put((byte) '/');
        number(range.length());
        out.put(CRLF);
        return this;
    }

    /**
     * Writes {@code Connection: keep-alive} or {@code Connection: close}. An HTTP/1.1 client needs
     * only the latter, but an HTTP/1.0 client keeps the connection only if it sees the former, and
     * it costs 24 bytes to always say.
     *
     * @param keepAlive whether the server keeps the connection after this response
     * @return this writer
     */
    public ResponseHead connection(boolean keepAlive) {
        begun().put(keepAlive ? KEEP_ALIVE : CLOSE);
        return this;
    }

    /**
     * Writes {@code Allow: GET, HEAD}, which a 405 must have.
     *
     * @return this writer
     */
    public ResponseHead allow() {
        begun().put(ALLOW);
        return this;
    }

    /**
     * Writes any other field.
     *
     * @param name  a field name: a token
     * @param value its value: visible ASCII, SP and HTAB, no leading or trailing whitespace
     * @return this writer
     * @throws IllegalArgumentException if the name is not a token or the value has another
     *     character (a CR or LF would let a value inject fields)
     */
    public ResponseHead header(String name, String value) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty field name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7F || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                throw new IllegalArgumentException("field name is not a token: " + name);
            }
        }
        if (!value.isEmpty() && (isWhitespace(value.charAt(0)) || isWhitespace(value.charAt(value.length() - 1)))) {
            throw new IllegalArgumentException("field value with leading or trailing whitespace");
        }
        checkValue(value);
        begun();
        putAscii(name);
        out.put((byte) ':').put((byte) ' ');
        putAscii(value);
        out.put(CRLF);
        return this;
    }

    /**
     * Ends the head with the empty line. The buffer then holds the complete head, from where the
     * caller began to its position.
     */
    public void end() {
        begun().put(CRLF);
        inHead = false;
    }

    /**
     * Writes a complete error response: status line, Date, Server, Content-Type
     * ({@value #ERROR_CONTENT_TYPE}), Content-Length, Allow (for 405), Connection, the empty line,
     * and the body {@link #errorBody} unless {@code withBody} is false.
     *
     * <p>After a {@link HttpRequestParser.Rejected} head, {@code keepAlive} must be false: the
     * stream cannot be framed beyond it.
     *
     * @param status     an error status (400 or above) other than 416, which has its own method
     * @param date       the current IMF-fixdate ({@link DateCache#get})
     * @param keepAlive  whether the connection persists
     * @param withBody   false for a response to HEAD (which has the GET's Content-Length but no body)
     * @throws IllegalArgumentException for a status that is not an error, or 416
     */
    public void error(int status, String date, boolean keepAlive, boolean withBody) {
        if (status == 416) {
            throw new IllegalArgumentException("416 needs the file length: use rangeNotSatisfiable");
        }
        byte[] body = ERROR_BODIES[errorIndex(status)];
        status(status).date(date).server().contentType(ERROR_CONTENT_TYPE).contentLength(body.length);
        if (status == 405) {
            allow();
        }
        connection(keepAlive).end();
        if (withBody) {
            out.put(body);
        }
    }

    /**
     * Writes a complete 416 response: as {@link #error}, with {@code Content-Range: bytes *}{@code /length}.
     *
     * @param range     the unsatisfiable range
     * @param date      the current IMF-fixdate
     * @param keepAlive whether the connection persists (it may: the request was read whole)
     * @param withBody  false for a response to HEAD
     */
    public void rangeNotSatisfiable(ByteRange.Unsatisfiable range, String date, boolean keepAlive,
            boolean withBody) {
        byte[] body = ERROR_BODIES[416 - 100];
        status(416).date(date).server().contentRange(range).contentType(ERROR_CONTENT_TYPE)
                .contentLength(body.length).connection(keepAlive).end();
        if (withBody) {
            out.put(body);
        }
    }

    private ByteBuffer begun() {
        if (!inHead) {
            throw new IllegalStateException("no head begun: status() first");
        }
        return out;
    }

    private ResponseHead field(byte[] nameColonSpace, String value) {
        checkValue(value);
        begun().put(nameColonSpace);
        putAscii(value);
        out.put(CRLF);
        return this;
    }

    /** Refuses a field value with characters other than visible ASCII, SP and HTAB; checked before anything is written. */
    private static void checkValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c >= 0x7F) {
                throw new IllegalArgumentException("field value has a control or non-ASCII character");
            }
        }
    }

    private void putAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            out.put((byte) s.charAt(i));
        }
    }

    /** Writes a non-negative long in decimal, without allocating. */
    private void number(long n) {
        long divisor = 1;
        while (n / divisor >= 10) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            out.put((byte) ('0' + n / divisor % 10));
        }
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    private static int index(int status) {
        if (status < 100 || status >= 600 || REASONS[status - 100] == null) {
            throw new IllegalArgumentException("unsupported status " + status);
        }
        return status - 100;
    }

    private static int errorIndex(int status) {
        if (status < 400) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
        return index(status);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
