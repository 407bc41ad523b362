package dev.jaio.cli.serve;

/**
 * The current time as an IMF-fixdate, formatted at most once per second: every response carries a
 * Date field (RFC 9110 §6.6.1), and a busy loop answers many requests in the same second. Holds
 * one string, replaced when the second changes.
 *
 * <p>Not thread-safe: one per event-loop thread, which passes it the time it read.
 */
public final class DateCache {

    private long second = Long.MIN_VALUE;
    private String formatted;

    /** A cache holding nothing yet; the first {@link #get} formats. */
    public DateCache() {
    }

    /**
     * {@return the IMF-fixdate of {@code nowMillis}'s second, such as
     * {@code Sun, 06 Nov 1994 08:49:37 GMT}: the same instance for every call in one second}
     *
     * @param nowMillis the current time, milliseconds since the epoch ({@link System#currentTimeMillis()})
     * @throws IllegalArgumentException if the year is outside 0000 to 9999
     */
    public String get(long nowMillis) {
        long s = Math.floorDiv(nowMillis, 1000);
        if (s != second || formatted == null) {
            formatted = HttpDates.format(s * 1000);
            second = s;
        }
        return formatted;
    }
}
