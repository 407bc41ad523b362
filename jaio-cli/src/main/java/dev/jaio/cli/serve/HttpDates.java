package dev.jaio.cli.serve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * HTTP dates (RFC 9110 §5.6.7): formats IMF-fixdate, {@code Sun, 06 Nov 1994 08:49:37 GMT}, the
 * only form a sender may generate, and parses it and the two obsolete forms a recipient must
 * accept, RFC 850 ({@code Sunday, 06-Nov-94 08:49:37 GMT}) and asctime
 * ({@code Sun Nov  6 08:49:37 1994}). Times are milliseconds since the epoch, UTC; HTTP dates have
 * whole seconds.
 *
 * <p>The calendar arithmetic is done here rather than with java.time so that formatting into a
 * buffer allocates nothing; it is the proleptic Gregorian calendar, as java.time's.
 */
public final class HttpDates {

    /** Characters in an IMF-fixdate. */
    public static final int IMF_FIXDATE_LENGTH = 29;

    private static final String[] DAYS = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    private static final String[] LONG_DAYS = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
        "Saturday"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};
    private static final long MILLIS_PER_DAY = 86_400_000L;
    /** The first and last instants an IMF-fixdate's four-digit year can show: 0000-01-01 and 9999-12-31T23:59:59.999. */
    private static final long MIN_MILLIS = daysFromCivil(0, 1, 1) * MILLIS_PER_DAY;
    private static final long MAX_MILLIS = daysFromCivil(10000, 1, 1) * MILLIS_PER_DAY - 1;

    private HttpDates() {
    }

    /**
     * Formats an instant as an IMF-fixdate, dropping the milliseconds.
     *
     * @param epochMillis milliseconds since 1970-01-01T00:00:00Z
     * @return 29 characters, such as {@code Sun, 06 Nov 1994 08:49:37 GMT}
     * @throws IllegalArgumentException if the year is outside 0000 to 9999 (four digits)
     */
    public static String format(long epochMillis) {
        ByteBuffer out = ByteBuffer.allocate(IMF_FIXDATE_LENGTH);
        write(out, epochMillis);
        return new String(out.array(), StandardCharsets.US_ASCII);
    }

    /**
     * Writes an instant as an IMF-fixdate: 29 ASCII bytes at the buffer's position, which advances.
     *
     * @param out         a buffer in write mode
     * @param epochMillis milliseconds since the epoch
     * @throws IllegalArgumentException if the year is outside 0000 to 9999
     * @throws java.nio.BufferOverflowException if fewer than 29 bytes remain (some may have been written)
     */
    static void write(ByteBuffer out, long epochMillis) {
        if (epochMillis < MIN_MILLIS || epochMillis > MAX_MILLIS) {
            throw new IllegalArgumentException("year outside 0000-9999: " + epochMillis + " ms");
        }
        long days = Math.floorDiv(epochMillis, MILLIS_PER_DAY);
        int secondOfDay = (int) (Math.floorMod(epochMillis, MILLIS_PER_DAY) / 1000);
        // civil_from_days (H. Hinnant): March-based years make February the year's last month.
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        int year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
        // 1970-01-01 was a Thursday (index 4 from Sunday).
        ascii(out, DAYS[Math.floorMod(days + 4, 7)]);
        out.put((byte) ',').put((byte) ' ');
        twoDigits(out, day);
        out.put((byte) ' ');
        ascii(out, MONTHS[month - 1]);
        out.put((byte) ' ');
        twoDigits(out, year / 100);
        twoDigits(out, year % 100);
        out.put((byte) ' ');
        twoDigits(out, secondOfDay / 3600);
        out.put((byte) ':');
        twoDigits(out, secondOfDay / 60 % 60);
        out.put((byte) ':');
        twoDigits(out, secondOfDay % 60);
        ascii(out, " GMT");
    }

    /**
     * Parses an HTTP-date in any of its three forms, with RFC 850's two-digit year read relative to
     * the current time (see {@link #parse(String, long)}).
     *
     * @param text the field value
     * @return milliseconds since the epoch (a multiple of 1000), or empty if {@code text} is null
     *     or not an HTTP-date
     */
    public static OptionalLong parse(String text) {
        return parse(text, System.currentTimeMillis());
    }

    /**
     * Parses an HTTP-date in any of its three forms (RFC 9110 §5.6.7), strictly: names are
     * case-sensitive, {@code GMT} is required where the form has it, the day must exist in its
     * month, hours run to 23, minutes to 59 and seconds to 60 (a leap second, read as the next
     * minute's first). The day name must be one of the seven but is not checked against the date:
     * RFC 9110 does not ask for it, and refusing would only lose a usable date.
     *
     * @param text        the field value
     * @param nowMillis   the current time: an RFC 850 two-digit year is the latest year ending in
     *                    those digits that is at most 50 years after {@code nowMillis}'s year
     *                    (RFC 9110 §5.6.7: a date more than 50 years in the future means the most
     *                    recent past year with those digits)
     * @return milliseconds since the epoch (a multiple of 1000), or empty if {@code text} is null
     *     or not an HTTP-date
     */
    public static OptionalLong parse(String text, long nowMillis) {
        if (text == null) {
            return OptionalLong.empty();
        }
        Cursor c = new Cursor(text);
        long t;
        if (text.length() == IMF_FIXDATE_LENGTH && text.charAt(3) == ',') {
            t = imfFixdate(c);
        } else if (text.length() == 24 && text.charAt(3) == ' ') {
            t = asctime(c);
        } else {
            t = rfc850(c, nowMillis);
        }
        return t == Long.MIN_VALUE || !c.atEnd() ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /**
     * Whether a response to a conditional GET or HEAD is 304 Not Modified (RFC 9110 §13.1.3): the
     * file has not changed since the If-Modified-Since date, compared in whole seconds since HTTP
     * dates have no more precision (a file modified at 12:00:00.700 with If-Modified-Since 12:00:00
     * is not modified). A value that is not an HTTP-date, or is several dates, is ignored (RFC 9110
     * §13.1.3 requires it).
     *
     * @param lastModifiedMillis the file's modification time, milliseconds since the epoch
     * @param ifModifiedSince    the If-Modified-Since field value, or null if the request has none
     * @return true to answer 304, false to answer as if the field were absent
     */
    public static boolean notModified(long lastModifiedMillis, String ifModifiedSince) {
        OptionalLong since = parse(ifModifiedSince);
        return since.isPresent() && Math.floorDiv(lastModifiedMillis, 1000) <= since.getAsLong() / 1000;
    }

    // IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT ; date1 = day SP month SP year
    private static long imfFixdate(Cursor c) {
        if (c.name(DAYS) < 0 || !c.literal(", ")) {
            return Long.MIN_VALUE;
        }
        int day = c.digits(2);
        int month = c.literal(" ") ? c.name(MONTHS) + 1 : 0;
        int year = c.literal(" ") ? c.digits(4) : -1;
        int time = c.literal(" ") ? timeOfDay(c) : -1;
        return c.literal(" GMT") ? instant(year, month, day, time) : Long.MIN_VALUE;
    }

    // rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT ; date2 = day "-" month "-" 2DIGIT
    private static long rfc850(Cursor c, long nowMillis) {
        if (c.name(LONG_DAYS) < 0 || !c.literal(", ")) {
            return Long.MIN_VALUE;
        }
        int day = c.digits(2);
        int month = c.literal("-") ? c.name(MONTHS) + 1 : 0;
        int yy = c.literal("-") ? c.digits(2) : -1;
        int time = c.literal(" ") ? timeOfDay(c) : -1;
        if (yy < 0 || !c.literal(" GMT")) {
            return Long.MIN_VALUE;
        }
        // The latest year ending in yy that is not more than 50 years ahead: the window is
        // (now - 50, now + 50], so "00" read in 1990 is 2000, and "76" read in 2025 is 1976.
        long limit = yearOf(nowMillis) + 50;
        long year = limit - Math.floorMod(limit - yy, 100);
        return year < 0 || year > 9999 ? Long.MIN_VALUE : instant((int) year, month, day, time);
    }

    // asctime-date = day-name SP date3 SP time-of-day SP year ; date3 = month SP ( 2DIGIT / ( SP DIGIT ) )
    private static long asctime(Cursor c) {
        if (c.name(DAYS) < 0 || !c.literal(" ")) {
            return Long.MIN_VALUE;
        }
        int month = c.name(MONTHS) + 1;
        if (month <= 0 || !c.literal(" ")) {
            return Long.MIN_VALUE;
        }
        int day = c.literal(" ") ? c.digits(1) : c.digits(2);
        int time = c.literal(" ") ? timeOfDay(c) : -1;
        int year = c.literal(" ") ? c.digits(4) : -1;
        return instant(year, month, day, time);
    }

    /** Reads time-of-day = hour ":" minute ":" second; returns the second of the day, or -1 if invalid. */
    private static int timeOfDay(Cursor c) {
        int hour = c.digits(2);
        int minute = c.literal(":") ? c.digits(2) : -1;
        int second = c.literal(":") ? c.digits(2) : -1;
        if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
            return -1;
        }
        return hour * 3600 + minute * 60 + second;
    }

    /** The instant of a date and second of day, or MIN_VALUE if any part is missing (negative) or the day does not exist. */
    private static long instant(int year, int month, int day, int secondOfDay) {
        if (year < 0 || month < 1 || secondOfDay < 0 || day < 1 || day > daysInMonth(year, month)) {
            return Long.MIN_VALUE;
        }
        return daysFromCivil(year, month, day) * MILLIS_PER_DAY + secondOfDay * 1000L;
    }

    private static int daysInMonth(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** days_from_civil (H. Hinnant): days since 1970-01-01 of a proleptic Gregorian date. */
    private static long daysFromCivil(long year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }

    private static long yearOf(long epochMillis) {
        long z = Math.floorDiv(epochMillis, MILLIS_PER_DAY) + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        return yoe + era * 400 + (mp >= 10 ? 1 : 0);
    }

    private static void twoDigits(ByteBuffer out, int n) {
        out.put((byte) ('0' + n / 10)).put((byte) ('0' + n % 10));
    }

    private static void ascii(ByteBuffer out, String s) {
        for (int i = 0; i < s.length(); i++) {
            out.put((byte) s.charAt(i));
        }
    }

    /** A read position in the text being parsed. */
    private static final class Cursor {
        private final String s;
        private int at;

        Cursor(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return at == s.length();
        }

        /** Consumes {@code lit} if the text continues with it (case-sensitive). */
        boolean literal(String lit) {
            if (s.startsWith(lit, at)) {
                at += lit.length();
                return true;
            }
            return false;
        }

        /** Consumes one of {@code names} (case-sensitive) and returns its index, or -1. */
        int name(String[] names) {
            for (int i = 0; i < names.length; i++) {
                if (literal(names[i])) {
                    return i;
                }
            }
            return -1;
        }

        /** Consumes exactly {@code n} ASCII digits and returns their value, or -1. */
        int digits(int n) {
            if (at + n > s.length()) {
                return -1;
            }
            int v = 0;
            for (int i = 0; i < n; i++) {
                char ch = s.charAt(at + i);
                if (ch < '0' || ch > '9') {
                    return -1;
                }
                v = v * 10 + (ch - '0');
            }
            at += n;
            return v;
        }
    }
}
