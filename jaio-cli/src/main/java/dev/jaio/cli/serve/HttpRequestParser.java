package dev.jaio.cli.serve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * An incremental parser of one HTTP/1.x request head (RFC 9112 §2 to §5): the request line and
 * the header fields, up to the empty line that ends them. It does no I/O: the caller feeds it what
 * it read, in as many chunks as it arrived in, and the parser keeps its state between calls, so a
 * head split at any byte (inside a CRLF too) parses exactly as if it came in one piece.
 *
 * <p><b>Input.</b> {@link #parse(ByteBuffer)} takes a buffer in read mode (position to limit are
 * the new bytes) and advances its position past what it consumed. Consumed bytes are copied into
 * the parser (at most {@code maxHeadBytes}, in an array that grows as needed and is kept across
 * {@link #reset}), so the caller may clear or compact its buffer after every call. The parser
 * stops right after the head: bytes that follow it (a pipelined request) stay in the buffer, for
 * the next request's parse after {@link #reset}.
 *
 * <p><b>Result.</b> {@link NeedMore}: the head is incomplete and every byte was consumed; call
 * again when more arrive. A connection that ends here simply ends (a truncated head is never
 * {@link Done}). {@link Done}: the head is complete; {@link #request()} and the result carry it.
 * {@link Rejected}: the head is invalid; the result carries the status to answer. After a
 * rejection the rest of the stream cannot be framed, so the server answers the status with
 * {@code Connection: close} and closes.
 *
 * <p><b>Line endings.</b> CRLF, or a bare LF (RFC 9112 §2.2 lets a recipient accept it); a CR
 * not followed by LF is refused (400). Empty lines before the request line are skipped (RFC 9112
 * §2.2: some clients send a CRLF after a body) but count toward the head limit.
 *
 * <p><b>Statuses of a rejection.</b>
 * <ul>
 * <li>431: the head (request line, fields and line endings) exceeds {@code maxHeadBytes}.</li>
 * <li>414: the request target exceeds {@code maxTargetBytes}; found as soon as it does, before
 *     the head limit, which must be larger.</li>
 * <li>501: a method longer than {@value #MAX_METHOD_BYTES} bytes (RFC 9112 §3: a method longer
 *     than any implemented one gets 501); a request with {@code Transfer-Encoding} (RFC 9112 §6.1:
 *     this server decodes no transfer coding, because it takes no content).</li>
 * <li>413: a well-formed {@code Content-Length} other than 0. This server takes no request
 *     content and does not read it, so 413 (Content Too Large: larger than the server is willing
 *     to process, RFC 9110 §15.5.14) is the accurate status, whatever the method; the unread
 *     content is why the connection must close.</li>
 * <li>505: an HTTP-version of valid syntax other than HTTP/1.0 and HTTP/1.1 (HTTP/2.0, HTTP/0.9).</li>
 * <li>400: everything else that is malformed (RFC 9112 and RFC 9110 say 400 or "invalid"):
 *     a method that is not a token; a target with a byte other than visible ASCII (so control
 *     characters, spaces and raw UTF-8) or that {@link RequestTarget#parse} refuses (bad
 *     percent-encoding, {@code %2F}, a fragment, authority- or asterisk-form); a malformed
 *     request line or version; a missing {@code Host} in an HTTP/1.1 request, more than one
 *     {@code Host} line, or a Host value with a character a host cannot have (RFC 9112 §3.2);
 *     whitespace between a field name and its colon (RFC 9112 §5.1); a line starting with
 *     whitespace, which is obs-fold after a field and forbidden before the first (RFC 9112 §5.2,
 *     §2.2); a field name that is not a token; a control character other than HTAB in a field
 *     value; a CR without LF; a {@code Content-Length} that is not a list of identical digit
 *     strings (RFC 9110 §8.6, RFC 9112 §6.3).</li>
 * </ul>
 * The parser does not judge the method beyond its syntax: the server answers 501 to a method it
 * does not know (including lowercase {@code get}: methods are case-sensitive) and 405 to one it
 * knows but does not allow.
 *
 * <p>Not thread-safe: one parser per connection, used by the thread that reads it.
 */
public final class HttpRequestParser {

    /** The default limit on a head's bytes, line endings included: 8 KiB, nginx's and Tomcat's default too. */
    public static final int DEFAULT_MAX_HEAD_BYTES = 8192;
    /** The default limit on a request target's bytes: 4 KiB, half the head, so a long target gets 414 rather than 431. */
    public static final int DEFAULT_MAX_TARGET_BYTES = 4096;
    /** Methods longer than this get 501; the longest registered method names are about 17 bytes. */
    public static final int MAX_METHOD_BYTES = 32;

    /** The outcome of one {@link #parse} call. */
    public sealed interface Result permits NeedMore, Done, Rejected {
    }

    /**
     * The head is not complete yet; all the bytes given were consumed.
     *
     * @param consumed bytes consumed by this call (all that remained in the buffer)
     */
    public record NeedMore(int consumed) implements Result {
    }

    /**
     * The head is complete.
     *
     * @param consumed bytes consumed by this call, up to and including the head's last LF; the
     *                 buffer's position is right after them, at whatever follows (a pipelined request)
     * @param request  the request
     */
    public record Done(int consumed, HttpRequest request) implements Result {
    }

    /**
     * The head is invalid; answer {@code status} and close the connection.
     *
     * @param status the HTTP status to answer: 400, 413, 414, 431, 501 or 505 (see the class comment)
     * @param reason what was wrong, in English, for a log (not for the response: it may describe
     *               the client's bytes)
     */
    public record Rejected(int status, String reason) implements Result {
    }

    // States; one per position in the grammar where the next byte means something different.
    private static final int LEADING = 0;       // before the request line: skipping empty lines
    private static final int LEADING_CR = 1;    // a CR before the request line
    private static final int METHOD = 2;
    private static final int TARGET = 3;
    private static final int VERSION = 4;
    private static final int REQUEST_LINE_CR = 5;
    private static final int FIELD_START = 6;   // at the start of a field line, or of the empty line
    private static final int NAME = 7;
    private static final int VALUE = 8;
    private static final int FIELD_CR = 9;
    private static final int END_CR = 10;       // a CR at the start of a line: the empty line's
    private static final int DONE = 11;
    private static final int REJECTED = 12;

    /** The longest HTTP-version, {@code HTTP/1.1}. */
    private static final int VERSION_BYTES = 8;
    /** Bytes 0 to 127 that are tchar (RFC 9110 §5.6.2). */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'A'; c <= 'Z'; c++) {
            TCHAR[c] = true;
            TCHAR[c + ('a' - 'A')] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private final int maxHeadBytes;
    private final int maxTargetBytes;

    private int state = LEADING;
    /** Bytes of this request consumed so far, skipped empty lines included: what the limit counts. */
    private int total;
    /** The head from its request line on, as received. */
    private byte[] head = new byte[512];
    private int length;
    private int methodEnd;
    private int targetStart;
    private int targetEnd;
    private int versionStart;
    private int versionEnd;
    /** Per field line: name start, name end, value start, value end (offsets into {@link #head}). */
    private int[] fields = new int[4 * 16];
    private int fieldCount;
    /**
     * The fields of the last request this parser completed. A keep-alive client
     * sends most fields byte for byte again (Host, User-Agent, Accept): such a field is the last
     * request's {@link HttpRequest.Field} again, and a request whose fields all repeat gets the same
     * list, so a repeated head costs no String, Field or list. Both are immutable, so sharing them
     * with a request still being answered is safe. Kept across {@link #reset}, but only for a
     * head of at most {@value #REUSE_MAX_FIELDS} fields and {@value #REUSE_MAX_HEAD_BYTES} bytes,
     * so that an idle connection holds no large head's Strings.
     */
    private List<HttpRequest.Field> lastList = List.of();
    /** The fields of the request being finished, before it is known whether they all repeat. */
    private HttpRequest.Field[] nextFields = new HttpRequest.Field[REUSE_MAX_FIELDS];
    /** The most fields of a head whose fields the next request may reuse. */
    static final int REUSE_MAX_FIELDS = 32;
    /** The most bytes of a head whose fields the next request may reuse. */
    static final int REUSE_MAX_HEAD_BYTES = 2048;

    /** Methods returned as these Strings rather than a new one (compared byte for byte: case-sensitive). */
    private static final String[] KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
        "TRACE", "CONNECT"};
    /** Field names returned as these Strings when received in exactly this spelling. */
    private static final String[] COMMON_NAMES = {"Host", "User-Agent", "Accept", "Accept-Encoding",
        "Accept-Language", "Connection", "Range", "If-Range", "If-Modified-Since", "If-None-Match", "Cache-Control",
        "Pragma", "Referer", "Cookie", "Content-Length", "Transfer-Encoding", "Upgrade-Insecure-Requests",
        "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-Dest", "DNT", "Priority"};
    private int nameStart;
    private int nameEnd;
    /** First non-whitespace byte of the value, -1 while none has been seen. */
    private int valueStart;
    /** One past the value's last non-whitespace byte. */
    private int valueEnd;
    private HttpRequest request;
    private Rejected rejected;

    /** A parser with the default limits, {@value #DEFAULT_MAX_HEAD_BYTES} and {@value #DEFAULT_MAX_TARGET_BYTES} bytes. */
    public HttpRequestParser() {
        this(DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_TARGET_BYTES);
    }

    /**
     * A parser with the given limits.
     *
     * @param maxHeadBytes   the most bytes a head may have, line endings and leading empty lines
     *                       included; more gets 431
     * @param maxTargetBytes the most bytes a request target may have; more gets 414
     * @throws IllegalArgumentException if {@code maxTargetBytes} is not positive or not below
     *     {@code maxHeadBytes} (a target must fit in a request line inside the head)
     */
    public HttpRequestParser(int maxHeadBytes, int maxTargetBytes) {
        if (maxTargetBytes <= 0 || maxTargetBytes >= maxHeadBytes) {
            throw new IllegalArgumentException("need 0 < maxTargetBytes < maxHeadBytes, got "
                    + maxTargetBytes + " and " + maxHeadBytes);
        }
        this.maxHeadBytes = maxHeadBytes;
        this.maxTargetBytes = maxTargetBytes;
    }

    /**
     * Consumes bytes of the head from {@code in}, from its position to its limit or to the end of
     * the head, whichever comes first, and advances its position past them.
     *
     * @param in the bytes received, in read mode; heap or direct
     * @return {@link NeedMore} (all consumed), {@link Done} (the head ended; what follows it is
     *     still in {@code in}) or {@link Rejected}; after a rejection every call returns the same
     *     rejection and consumes nothing, until {@link #reset}
     * @throws IllegalStateException if the previous call returned {@link Done} and the parser was
     *     not reset since
     */
    public Result parse(ByteBuffer in) {
        if (state == DONE) {
            throw new IllegalStateException("head already parsed: reset() before the next request");
        }
        if (state == REJECTED) {
            return rejected;
        }
        int start = in.position();
        int limit = in.limit();
        for (int i = start; i < limit; i++) {
            Result r = step(in.get(i));
            if (r != null) {
                // Done: the byte that finished the head is consumed. Rejected: the offending byte
                // is consumed too (the caller closes the connection; the count is informative).
                in.position(i + 1);
                return r instanceof Done ? new Done(i + 1 - start, request) : r;
            }
        }
        in.position(limit);
        return new NeedMore(limit - start);
    }

    /**
     * {@return the request of the last {@link Done}}
     *
     * @throws IllegalStateException if the head is not complete
     */
    public HttpRequest request() {
        if (state != DONE) {
            throw new IllegalStateException("no complete request head");
        }
        return request;
    }

    /**
     * {@return whether part of a head has arrived but not all of it: the state in which an idle
     * timeout deserves a 408 (RFC 9110 §15.5.9), whereas a connection idle between requests is
     * closed silently (RFC 9112 §9.5)} Leading empty lines count as part of the head.
     */
    public boolean inProgress() {
        return total > 0 && state != DONE && state != REJECTED;
    }

    /** Forgets the request (or the partial or rejected head) so the parser can read the connection's next request. */
    public void reset() {
        clearNextFields(); // a rejected head's fields, if any
        state = LEADING;
        total = 0;
        length = 0;
        fieldCount = 0;
        request = null;
        rejected = null;
    }

    /** One byte; returns null to go on, or a terminal result (Done's consumed is filled in by the caller). */
    private Result step(byte b) {
        if (++total > maxHeadBytes) {
            return state == TARGET && targetLength() >= maxTargetBytes
                    ? reject(414, "request target longer than " + maxTargetBytes + " bytes")
                    : reject(431, "request head longer than " + maxHeadBytes + " bytes");
        }
        int c = b & 0xFF;
        switch (state) {
            case LEADING -> {
                if (c == '\r') {
                    state = LEADING_CR;
                } else if (c != '\n') {
                    if (!isTchar(c)) {
                        return reject(400, "request line does not start with a method");
                    }
                    store(b);
                    state = METHOD;
                }
            }
            case LEADING_CR -> {
                if (c != '\n') {
                    return reject(400, "CR without LF");
                }
                state = LEADING;
            }
            case METHOD -> {
                if (c == ' ') {
                    methodEnd = length;
                    store(b);
                    targetStart = length;
                    state = TARGET;
                } else if (!isTchar(c)) {
                    return reject(400, "method is not a token");
                } else if (length >= MAX_METHOD_BYTES) {
                    return reject(501, "method longer than " + MAX_METHOD_BYTES + " bytes");
                } else {
                    store(b);
                }
            }
            case TARGET -> {
                if (c == ' ') {
                    if (length == targetStart) {
                        return reject(400, "empty request target");
                    }
                    targetEnd = length;
                    store(b);
                    versionStart = length;
                    state = VERSION;
                } else if (c <= 0x20 || c >= 0x7F) {
                    // CR or LF here is a request line without a version (HTTP/0.9): refused too.
                    return reject(400, "request target has a byte that is not visible ASCII");
                } else if (targetLength() >= maxTargetBytes) {
                    return reject(414, "request target longer than " + maxTargetBytes + " bytes");
                } else {
                    store(b);
                }
            }
            case VERSION -> {
                if (c == '\r' || c == '\n') {
                    versionEnd = length;
                    Rejected bad = checkVersion();
                    if (bad != null) {
                        return bad;
                    }
                    store(b);
                    state = c == '\r' ? REQUEST_LINE_CR : FIELD_START;
                } else if (length - versionStart >= VERSION_BYTES) {
                    return reject(400, "malformed HTTP-version");
                } else {
                    store(b);
                }
            }
            case REQUEST_LINE_CR, FIELD_CR -> {
                if (c != '\n') {
                    return reject(400, "CR without LF");
                }
                store(b);
                state = FIELD_START;
            }
            case FIELD_START -> {
                if (c == '\r') {
                    store(b);
                    state = END_CR;
                } else if (c == '\n') {
                    store(b);
                    return finish();
                } else if (c == ' ' || c == '\t') {
                    return reject(400, fieldCount == 0
                            ? "whitespace before the first header field"
                            : "obsolete line folding (obs-fold)");
                } else if (!isTchar(c)) {
                    return reject(400, "field name is not a token");
                } else {
                    nameStart = length;
                    store(b);
                    state = NAME;
                }
            }
            case NAME -> {
                if (c == ':') {
                    nameEnd = length;
                    store(b);
                    valueStart = -1;
                    valueEnd = length;
                    state = VALUE;
                } else if (c == ' ' || c == '\t') {
                    return reject(400, "whitespace between field name and colon");
                } else if (!isTchar(c)) {
                    return reject(400, "field name is not a token");
                } else {
                    store(b);
                }
            }
            case VALUE -> {
                if (c == '\r' || c == '\n') {
                    endField();
                    store(b);
                    state = c == '\r' ? FIELD_CR : FIELD_START;
                } else if (c == ' ' || c == '\t') {
                    store(b);
                } else if (c < 0x20 || c == 0x7F) {
                    return reject(400, "control character in field value");
                } else {
                    // VCHAR or obs-text (0x80 to 0xFF, RFC 9110 §5.5)
                    if (valueStart < 0) {
                        valueStart = length;
                    }
                    store(b);
                    valueEnd = length;
                }
            }
            case END_CR -> {
                if (c != '\n') {
                    return reject(400, "CR without LF");
                }
                store(b);
                return finish();
            }
            default -> throw new AssertionError(state);
        }
        return null;
    }

    private int targetLength() {
        return length - targetStart;
    }

    private void store(byte b) {
        if (length == head.length) {
            // Grows to at most maxHeadBytes: total, which counts every stored byte, is checked first.
            head = Arrays.copyOf(head, Math.min(head.length * 2, maxHeadBytes));
        }
        head[length++] = b;
    }

    private void endField() {
        if (fieldCount * 4 == fields.length) {
            fields = Arrays.copyOf(fields, fields.length * 2);
        }
        int f = fieldCount * 4;
        fields[f] = nameStart;
        fields[f + 1] = nameEnd;
        fields[f + 2] = valueStart < 0 ? valueEnd : valueStart;
        fields[f + 3] = valueEnd;
        fieldCount++;
    }

    /** HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3, case-sensitive); null if 1.0 or 1.1. */
    private Rejected checkVersion() {
        int n = versionEnd - versionStart;
        int v = versionStart;
        if (n != VERSION_BYTES || head[v] != 'H' || head[v + 1] != 'T' || head[v + 2] != 'T'
                || head[v + 3] != 'P' || head[v + 4] != '/' || !isDigit(head[v + 5])
                || head[v + 6] != '.' || !isDigit(head[v + 7])) {
            return reject(400, "malformed HTTP-version");
        }
        if (head[v + 5] != '1' || (head[v + 7] != '0' && head[v + 7] != '1')) {
            return reject(505, "HTTP version " + ascii(v, versionEnd) + " not supported");
        }
        return null;
    }

    /** The head is complete: checks what needs all the fields, and builds the request. */
    private Result finish() {
        HttpRequest.Version version = head[versionStart + 7] == '1'
                ? HttpRequest.Version.HTTP_1_1 : HttpRequest.Version.HTTP_1_0;
        if (nextFields.length < fieldCount) {
            nextFields = new HttpRequest.Field[Math.max(fieldCount, nextFields.length * 2)];
        }
        boolean repeated = fieldCount == lastList.size();
        int hosts = 0;
        boolean transferEncoding = false;
        long contentLength = -1;
        for (int i = 0; i < fieldCount; i++) {
            int f = i * 4;
            HttpRequest.Field last = i < lastList.size() ? lastList.get(i) : null;
            HttpRequest.Field field;
            if (last != null && bytesAre(last.name(), fields[f], fields[f + 1])
                    && bytesAre(last.value(), fields[f + 2], fields[f + 3])) {
                field = last;
            } else {
                repeated = false;
                String known = known(COMMON_NAMES, fields[f], fields[f + 1]);
                field = new HttpRequest.Field(known != null ? known : ascii(fields[f], fields[f + 1]),
                        new String(head, fields[f + 2], fields[f + 3] - fields[f + 2], StandardCharsets.ISO_8859_1));
            }
            nextFields[i] = field;
            String name = field.name();
            String value = field.value();
            if (name.equalsIgnoreCase("Host")) {
                // RFC 9112 §3.2: 400 for more than one Host line, even with equal values.
                if (++hosts > 1) {
                    return reject(400, "more than one Host field");
                }
                if (!isHostValue(value)) {
                    return reject(400, "invalid Host field value");
                }
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                transferEncoding = true;
            } else if (name.equalsIgnoreCase("Content-Length")) {
                long n = contentLength(value);
                if (n < 0 || (contentLength >= 0 && n != contentLength)) {
                    return reject(400, "invalid or conflicting Content-Length");
                }
                contentLength = n;
            }
        }
        if (hosts == 0 && version == HttpRequest.Version.HTTP_1_1) {
            return reject(400, "HTTP/1.1 request without Host");
        }
        // Transfer-Encoding before Content-Length: with both, the message is a smuggling attempt
        // or broken (RFC 9112 §6.3); either way it has content we will not read.
        if (transferEncoding) {
            return reject(501, "Transfer-Encoding in a request (no request content is accepted)");
        }
        if (contentLength > 0) {
            return reject(413, "request content (Content-Length " + contentLength + ") is not accepted");
        }
        String target = ascii(targetStart, targetEnd);
        RequestTarget parsed;
        try {
            parsed = RequestTarget.parse(target);
        } catch (IllegalArgumentException e) {
            return reject(400, e.getMessage());
        }
        List<HttpRequest.Field> list;
        if (repeated) {
            list = lastList;
        } else {
            list = List.of(Arrays.copyOf(nextFields, fieldCount));
            boolean small = fieldCount <= REUSE_MAX_FIELDS && total <= REUSE_MAX_HEAD_BYTES;
            lastList = small ? list : List.of();
        }
        clearNextFields();
        String method = known(KNOWN_METHODS, 0, methodEnd);
        request = new HttpRequest(method != null ? method : ascii(0, methodEnd), target, parsed, version, list);
        state = DONE;
        return new Done(0, request);
    }

    /**
     * A Content-Length value: 1*DIGIT, or a list of identical ones (RFC 9110 §8.6 lets a recipient
     * accept {@code 42, 42}); -1 if invalid, different or too large for a long.
     */
    private static long contentLength(String value) {
        long result = -1;
        for (String part : value.split(",", -1)) {
            String p = part.strip();
            if (p.isEmpty() || p.length() > 18) {
                return -1; // 18 digits always fit in a long; more is not a length we would take anyway
            }
            long n = 0;
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                n = n * 10 + (c - '0');
            }
            if (result >= 0 && n != result) {
                return -1;
            }
            result = n;
        }
        return result;
    }

    /**
     * Whether {@code value} can be a Host (RFC 9110 §7.2: uri-host [":" port]); characters only:
     * unreserved, sub-delims, {@code %} (pct-encoded), {@code :} and the brackets of an IP literal.
     * Empty is valid (RFC 9112 §3.2: a target URI without authority).
     */
    private static boolean isHostValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~!$&'()*+,;=%:[]".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private Rejected reject(int status, String reason) {
        state = REJECTED;
        rejected = new Rejected(status, reason);
        return rejected;
    }

    /** Drops the references of {@link #nextFields}, and its room beyond the default after a long head. */
    private void clearNextFields() {
        if (nextFields.length > REUSE_MAX_FIELDS) {
            nextFields = new HttpRequest.Field[REUSE_MAX_FIELDS];
        } else {
            Arrays.fill(nextFields, 0, Math.min(fieldCount, nextFields.length), null);
        }
    }

    /** {@code s} if the head's bytes {@code from} to {@code to} spell it (as ISO-8859-1 chars), with no allocation. */
    private boolean bytesAre(String s, int from, int to) {
        int n = to - from;
        if (s.length() != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if ((head[from + i] & 0xFF) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The entry of {@code table} that the head's bytes {@code from} to {@code to} spell, or null. */
    private String known(String[] table, int from, int to) {
        for (String k : table) {
            if (bytesAre(k, from, to)) {
                return k;
            }
        }
        return null;
    }

    private String ascii(int from, int to) {
        return new String(head, from, to - from, StandardCharsets.US_ASCII);
    }

    private static boolean isTchar(int c) {
        return c < 128 && TCHAR[c];
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
