package dev.jaio.cli.serve;

/**
 * The validators of RFC 9110 §8.8 and §13.1: entity-tag lists of If-None-Match and the If-Range
 * condition. No I/O, no state.
 */
final class Validators {

    private Validators() {
    }

    /**
     * Whether an If-None-Match field value matches {@code etag} by weak comparison (§13.1.2):
     * {@code *}, or a comma-separated list holding the tag with or without {@code W/}.
     */
    static boolean noneMatch(String field, String etag) {
        String v = field.strip();
        if (v.equals("*")) {
            return true;
        }
        String opaque = strip(etag);
        int i = 0;
        while (i < v.length()) {
            int comma = v.indexOf(',', i);
            String tag = (comma < 0 ? v.substring(i) : v.substring(i, comma)).strip();
            if (!tag.isEmpty() && strip(tag).equals(opaque)) {
                return true;
            }
            if (comma < 0) {
                break;
            }
            i = comma + 1;
        }
        return false;
    }

    /**
     * Whether an If-Range field value allows the range (§13.1.5): an entity tag by strong
     * comparison (a weak tag never matches), or an HTTP date equal to the file's Last-Modified
     * second. Anything else does not match (the whole file is sent).
     */
    static boolean ifRangeMatches(String field, String etag, long lastModifiedMillis) {
        String v = field.strip();
        if (v.startsWith("W/")) {
            return false;
        }
        if (v.startsWith("\"")) {
            return v.equals(etag);
        }
        java.util.OptionalLong date = HttpDates.parse(v);
        return date.isPresent() && date.getAsLong() / 1000 == lastModifiedMillis / 1000;
    }

    private static String strip(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }
}
