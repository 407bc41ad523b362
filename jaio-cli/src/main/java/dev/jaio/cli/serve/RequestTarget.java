package dev.jaio.cli.serve;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A request target split into its decoded path and its raw query (RFC 9112 §3.2).
 *
 * <p>Accepted forms: origin-form ({@code /path?query}) and absolute-form
 * ({@code http://host/path?query}, which a server must accept, RFC 9112 §3.2.2; its authority is
 * dropped, as this server serves one site whatever the host). Authority-form (CONNECT's
 * {@code host:port}) and asterisk-form (OPTIONS {@code *}) are refused: this server implements
 * neither method, and refusing here means a server never sees a request without a path.
 *
 * @param path  the percent-decoded path, starting with {@code /}
 * @param query the raw query after the first {@code ?} (not decoded: a static server ignores it),
 *              or null if the target has none
 */
public record RequestTarget(String path, String query) {

    /**
     * Splits and decodes a request target.
     *
     * <p>The path is percent-decoded to bytes and those bytes decoded as UTF-8. Refused, by an
     * {@link IllegalArgumentException} whose message says why (the server answers 400):
     * <ul>
     * <li>a target with a character other than visible ASCII (0x21 to 0x7E);</li>
     * <li>a target in neither origin- nor absolute-form, or an absolute-form one with userinfo
     *     ({@code user@host}: RFC 9110 §4.2.4 says to treat it as an error);</li>
     * <li>a {@code #} (a fragment is never sent, RFC 9112 §3.2.1);</li>
     * <li>a {@code %} not followed by two hex digits ({@code %zz}, {@code %4});</li>
     * <li>{@code %2F}: an encoded slash decodes to a separator that was not one in the URI, and
     *     {@code a%2F..%2F..} is one segment to a proxy's rules but three here, so it is refused
     *     rather than decoded (Apache's default, AllowEncodedSlashes Off, refuses it too);</li>
     * <li>a decoded control character (0x00 to 0x1F, 0x7F): NUL ends a C path, and no file worth
     *     serving has a newline in its name;</li>
     * <li>bytes that are not well-formed UTF-8 (overlong forms, lone surrogates included).</li>
     * </ul>
     * Dot segments ({@code ..}, also encoded as {@code %2e%2e}) are decoded and kept:
     * {@link PathResolver} resolves them and refuses those that climb out of the root.
     *
     * @param target the request target as received: visible ASCII (the parser refuses other bytes)
     * @return the path and query
     * @throws IllegalArgumentException if the target is refused (see above)
     */
    public static RequestTarget parse(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                // The parser lets only these through; checked again for other callers.
                throw new IllegalArgumentException("request target has a byte that is not visible ASCII");
            }
        }
        String rest;
        if (target.startsWith("/")) {
            rest = target;
        } else {
            rest = stripAuthority(target);
        }
        if (rest.indexOf('#') >= 0) {
            throw new IllegalArgumentException("fragment in request target");
        }
        int q = rest.indexOf('?');
        String rawPath = q < 0 ? rest : rest.substring(0, q);
        String query = q < 0 ? null : rest.substring(q + 1);
        return new RequestTarget(decodePath(rawPath), query);
    }

    /** The part of an absolute-form target after its authority, {@code /} if none; refuses other forms. */
    private static String stripAuthority(String target) {
        int schemeEnd = target.indexOf("://");
        if (schemeEnd < 0) {
            throw new IllegalArgumentException("request target is neither origin-form nor absolute-form");
        }
        String scheme = target.substring(0, schemeEnd);
        if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
            throw new IllegalArgumentException("request target scheme is not http or https");
        }
        int authorityStart = schemeEnd + 3;
        int end = authorityStart;
        while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?'
                && target.charAt(end) != '#') {
            end++;
        }
        if (end == authorityStart) {
            throw new IllegalArgumentException("absolute-form target without a host");
        }
        if (target.substring(authorityStart, end).indexOf('@') >= 0) {
            throw new IllegalArgumentException("userinfo in request target");
        }
        String rest = target.substring(end);
        // http://host?q has the empty path, which is "/" (RFC 9110 §4.2.3)
        return rest.startsWith("/") ? rest : "/" + rest;
    }

    /**
     * Percent-decodes {@code raw} and reads the bytes as UTF-8; see {@link #parse} for what is refused.
     *
     * @param raw a path as received: visible ASCII, starting with {@code /}
     * @return the decoded path
     * @throws IllegalArgumentException if it is refused
     */
    static String decodePath(String raw) {
        if (raw.indexOf('%') < 0) {
            // The common case: visible ASCII, nothing to decode (the parser refused control bytes).
            return raw;
        }
        byte[] bytes = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                bytes[n++] = (byte) c;
                continue;
            }
            int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("invalid percent-encoding in path");
            }
            int b = hi << 4 | lo;
            if (b == '/') {
                throw new IllegalArgumentException("encoded slash (%2F) in path");
            }
            if (b < 0x20 || b == 0x7F) {
                throw new IllegalArgumentException("encoded control character in path");
            }
            bytes[n++] = (byte) b;
            i += 2;
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, n));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("path is not UTF-8", e);
        }
    }
}
