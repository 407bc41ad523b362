package dev.jaio.cli.serve;

/**
 * What a {@code Range} request field (RFC 9110 §14.2) asks of a file of known length: the whole
 * file (200), one range of it (206), or nothing it has (416).
 *
 * <p>{@link #parse} decides, by these rules:
 * <ul>
 * <li>No field, a unit other than {@code bytes} (compared without case, RFC 9110 §14.1), or a
 *     field that does not parse: {@link Full}. RFC 9110 §14.2 lets a server ignore Range, and
 *     requires it to ignore an invalid one. Invalid includes {@code bytes=100-50} (last-pos below
 *     first-pos, RFC 9110 §14.1.1) and a number too large for a long.</li>
 * <li>More than one range ({@code bytes=0-1,5-9}): {@link Full}, whatever the ranges. A
 *     multipart/byteranges response costs a boundary per part for what clients rarely ask, and
 *     ignoring Range is always allowed; serving one range of several would be wrong. Empty list
 *     elements ({@code bytes=0-1,}) are not ranges (RFC 9110 §5.6.1).</li>
 * <li>One range, satisfiable: {@link Partial}. {@code first-last} with last beyond the end is
 *     clamped to the last byte; {@code first-} runs to the end; {@code -n} is the last n bytes, or
 *     the whole file if it is shorter (RFC 9110 §14.1.2).</li>
 * <li>One range, not satisfiable: {@link Unsatisfiable} (416). That is first-pos at or beyond the
 *     length, the suffix {@code -0}, or any range of an empty file (a suffix range of an empty
 *     file would select zero bytes, which a 206's {@code Content-Range: bytes first-last/length}
 *     cannot express).</li>
 * </ul>
 * Whitespace (SP, HTAB) is tolerated around {@code =}, {@code -} and {@code ,} and at the ends,
 * although the grammar has none around {@code =} and {@code -}: it costs nothing and some
 * clients send it.
 *
 * <p>If-Range is the server's business: if the request has one that does not match, it does not
 * call {@code parse} and serves the whole file.
 */
public sealed interface ByteRange permits ByteRange.Full, ByteRange.Partial, ByteRange.Unsatisfiable {

    /** The one {@link Full}. */
    Full FULL = new Full();

    /** Send the whole file: 200. */
    record Full() implements ByteRange {
    }

    /**
     * Send bytes {@code start} to {@code endInclusive} of a file of {@code length} bytes: 206, with
     * {@code Content-Range: bytes start-endInclusive/length}.
     *
     * @param start        the first byte's offset, from 0
     * @param endInclusive the last byte's offset, at least {@code start} and below {@code length}
     * @param length       the file's length in bytes
     */
    record Partial(long start, long endInclusive, long length) implements ByteRange {

        /**
         * Checks the bounds.
         *
         * @throws IllegalArgumentException unless {@code 0 <= start <= endInclusive < length}
         */
        public Partial {
            if (start < 0 || endInclusive < start || endInclusive >= length) {
                throw new IllegalArgumentException("bad range " + start + "-" + endInclusive + "/" + length);
            }
        }

        /** {@return the number of bytes the range has: the response's Content-Length} */
        public long count() {
            return endInclusive - start + 1;
        }

        /** {@return the Content-Range field value, such as {@code bytes 0-499/1234}} */
        public String contentRange() {
            return "bytes " + start + "-" + endInclusive + "/" + length;
        }
    }

    /**
     * No byte of the file is in the range: 416, with {@code Content-Range: bytes *}{@code /length}.
     *
     * @param length the file's length in bytes
     */
    record Unsatisfiable(long length) implements ByteRange {

        /** {@return the Content-Range field value, such as {@code bytes *}{@code /1234}} */
        public String contentRange() {
            return "bytes */" + length;
        }
    }

    /**
     * Decides what a Range field asks of a file (see the interface comment for the rules).
     *
     * @param range  the Range field value, or null if the request has none
     * @param length the file's length in bytes
     * @return {@link Full}, {@link Partial} or {@link Unsatisfiable}
     * @throws IllegalArgumentException if {@code length} is negative
     */
    static ByteRange parse(String range, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        if (range == null) {
            return FULL;
        }
        int eq = range.indexOf('=');
        if (eq < 0 || !strip(range.substring(0, eq)).equalsIgnoreCase("bytes")) {
            return FULL;
        }
        String spec = null;
        for (String element : range.substring(eq + 1).split(",", -1)) {
            String e = strip(element);
            if (e.isEmpty()) {
                continue;
            }
            if (spec != null) {
                return FULL; // several ranges: see the interface comment
            }
            spec = e;
        }
        if (spec == null) {
            return FULL;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return FULL;
        }
        String first = strip(spec.substring(0, dash));
        String last = strip(spec.substring(dash + 1));
        if (first.isEmpty()) {
            // suffix-range = "-" suffix-length
            long suffix = digits(last);
            if (suffix < 0) {
                return FULL;
            }
            if (suffix == 0 || length == 0) {
                return new Unsatisfiable(length);
            }
            return new Partial(Math.max(0, length - suffix), length - 1, length);
        }
        // int-range = first-pos "-" [ last-pos ]
        long firstPos = digits(first);
        long lastPos = last.isEmpty() ? Long.MAX_VALUE : digits(last);
        if (firstPos < 0 || lastPos < 0 || lastPos < firstPos) {
            return FULL;
        }
        if (firstPos >= length) {
            return new Unsatisfiable(length);
        }
        return new Partial(firstPos, Math.min(lastPos, length - 1), length);
    }

    /** 1*DIGIT as a long; -1 if empty, not all ASCII digits, or too large for a long. */
    private static long digits(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            int d = c - '0';
            if (n > (Long.MAX_VALUE - d) / 10) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    /** Removes SP and HTAB (OWS) from both ends; {@link String#strip} would also take other whitespace. */
    private static String strip(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && (s.charAt(b) == ' ' || s.charAt(b) == '\t')) {
            b++;
        }
        while (e > b && (s.charAt(e - 1) == ' ' || s.charAt(e - 1) == '\t')) {
            e--;
        }
        return s.substring(b, e);
    }
}
