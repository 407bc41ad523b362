package dev.jaio.cli.serve;

import java.util.List;

/**
 * One parsed HTTP/1.x request head, as {@link HttpRequestParser} returns it: immutable, and
 * independent of the parser (which may be {@linkplain HttpRequestParser#reset reset} and reused for
 * the connection's next request while this one is being answered).
 *
 * <p>Field values are the bytes received, read as ISO-8859-1 (so that obs-text bytes 0x80 to 0xFF
 * survive as the chars U+0080 to U+00FF), with leading and trailing whitespace removed.
 */
public final class HttpRequest {

    /** The protocol versions a request may have; the parser answers 505 to any other. */
    public enum Version {
        /** HTTP/1.0: the connection closes after the response unless the client asks for keep-alive. */
        HTTP_1_0("HTTP/1.0"),
        /** HTTP/1.1: the connection persists unless either side sends {@code Connection: close}. */
        HTTP_1_1("HTTP/1.1");

        private final String text;

        Version(String text) {
            this.text = text;
        }

        /** {@return the version as it appears on the request line, such as {@code HTTP/1.1}} */
        public String text() {
            return text;
        }
    }

    /**
     * One header field line.
     *
     * @param name  the field name, as received (case preserved; names compare case-insensitively)
     * @param value the field value without leading or trailing whitespace, possibly empty
     */
    public record Field(String name, String value) {
    }

    private final String method;
    private final String target;
    private final RequestTarget parsedTarget;
    private final Version version;
    private final List<Field> fields;
    private final boolean keepAlive;

    HttpRequest(String method, String target, RequestTarget parsedTarget, Version version, List<Field> fields) {
        this.method = method;
        this.target = target;
        this.parsedTarget = parsedTarget;
        this.version = version;
        this.fields = List.copyOf(fields);
        this.keepAlive = persistent(version, header("Connection"));
    }

    /**
     * {@return the method, exactly as received (case-sensitive, RFC 9110 §9.1): a token, but not
     * necessarily one the server implements} The server answers an unknown method (including
     * {@code get}, which is not {@code GET}) with 501, a known one it does not allow with 405.
     */
    public String method() {
        return method;
    }

    /** {@return the request target exactly as received (still percent-encoded, with its query)} */
    public String target() {
        return target;
    }

    /**
     * {@return the target's path, percent-decoded as UTF-8: starts with {@code /}, contains no NUL,
     * no other control character and no slash that was encoded as {@code %2F}} Dot segments and
     * empty segments are left as received: {@link PathResolver} deals with them.
     */
    public String path() {
        return parsedTarget.path();
    }

    /** {@return the raw query after the first {@code ?} (still percent-encoded), or null if none} */
    public String query() {
        return parsedTarget.query();
    }

    /** {@return the protocol version of the request line} */
    public Version version() {
        return version;
    }

    /** {@return every header field line in the order received} */
    public List<Field> fields() {
        return fields;
    }

    /**
     * Looks a field up by name, ignoring case.
     *
     * @param name a field name such as {@code Range}
     * @return the field's value; if the request has several lines of that name, their values joined
     *     by {@code ", "} in order (RFC 9110 §5.3: what a list-valued field means; for a singleton
     *     field such as Range or If-Modified-Since the joined value is invalid, and so ignored);
     *     null if the request has no such field
     */
    public String header(String name) {
        String found = null;
        StringBuilder joined = null;
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase(name)) {
                if (found == null) {
                    found = f.value();
                } else {
                    if (joined == null) {
                        joined = new StringBuilder(found);
                    }
                    joined.append(", ").append(f.value());
                }
            }
        }
        return joined != null ? joined.toString() : found;
    }

    /**
     * {@return whether the {@code Connection} field (all its lines) lists {@code option}, compared
     * without case} The field is a comma-separated token list (RFC 9110 §7.6.1); empty elements
     * and whitespace around elements are ignored.
     *
     * @param option a connection option such as {@code close}
     */
    public boolean hasConnectionOption(String option) {
        return listContains(header("Connection"), option);
    }

    /**
     * {@return whether the connection persists after the response, by RFC 9112 §9.3} {@code close}
     * among the Connection options ends it; otherwise an HTTP/1.1 request keeps it, and an
     * HTTP/1.0 request keeps it only with the {@code keep-alive} option (the response must then say
     * {@code Connection: keep-alive}, or an HTTP/1.0 client would wait for the connection to
     * close).
     */
    public boolean keepAlive() {
        return keepAlive;
    }

    @Override
    public String toString() {
        return method + " " + target + " " + version.text();
    }

    private static boolean persistent(Version version, String connection) {
        if (listContains(connection, "close")) {
            return false;
        }
        return version == Version.HTTP_1_1 || listContains(connection, "keep-alive");
    }

    /** Whether the comma-separated list {@code list} (null: empty) has the element {@code token}, ignoring case. */
    static boolean listContains(String list, String token) {
        if (list == null) {
            return false;
        }
        int n = list.length();
        int i = 0;
        while (i <= n) {
            int comma = list.indexOf(',', i);
            int end = comma < 0 ? n : comma;
            int s = i;
            int e = end;
            while (s < e && isOws(list.charAt(s))) {
                s++;
            }
            while (e > s && isOws(list.charAt(e - 1))) {
                e--;
            }
            if (e - s == token.length() && list.regionMatches(true, s, token, 0, token.length())) {
                return true;
            }
            i = end + 1;
        }
        return false;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
