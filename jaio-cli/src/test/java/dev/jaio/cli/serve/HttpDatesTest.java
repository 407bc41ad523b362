package dev.jaio.cli.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpDatesTest {

    /** RFC 9110 §5.6.7's example instant: Sun, 06 Nov 1994 08:49:37 GMT. */
    private static final long EXAMPLE = 784_111_777_000L;
    /** A "now" for RFC 850's two-digit years: 2025-06-01. */
    private static final long NOW_2025 = ZonedDateTime.of(2025, 6, 1, 0, 0, 0, 0, ZoneOffset.UTC).toInstant().toEpochMilli();
    /** java.time's pattern for IMF-fixdate, as a reference implementation. */
    private static final DateTimeFormatter IMF = DateTimeFormatter.ofPattern("EEE, dd MMM uuuu HH:mm:ss 'GMT'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    @Test
    void formatsTheRfcExample() {
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDates.format(EXAMPLE));
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDates.format(EXAMPLE + 999), "milliseconds dropped");
        assertEquals("Thu, 01 Jan 1970 00:00:00 GMT", HttpDates.format(0));
        assertEquals("Wed, 31 Dec 1969 23:59:59 GMT", HttpDates.format(-1), "floor, not truncation toward zero");
        assertEquals("Tue, 29 Feb 2000 12:00:00 GMT", HttpDates.format(951_825_600_000L));
        assertEquals("Sat, 01 Jan 0000 00:00:00 GMT", HttpDates.format(-62_167_219_200_000L));
        assertEquals("Fri, 31 Dec 9999 23:59:59 GMT", HttpDates.format(253_402_300_799_999L));
    }

    @Test
    void formatRefusesYearsBeyondFourDigits() {
        assertThrows(IllegalArgumentException.class, () -> HttpDates.format(253_402_300_800_000L));
        assertThrows(IllegalArgumentException.class, () -> HttpDates.format(-62_167_219_200_001L));
        assertThrows(IllegalArgumentException.class, () -> HttpDates.format(Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> HttpDates.format(Long.MIN_VALUE));
    }

    @Test
    void formatAgreesWithJavaTimeAndRoundTrips() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 20_000; i++) {
            // 1900 to 2200 mostly, and the whole range sometimes
            long millis = i % 10 == 0
                    ? random.nextLong(-62_135_596_800_000L, 253_402_300_799_999L)
                    : random.nextLong(-2_208_988_800_000L, 7_258_118_400_000L);
            String formatted = HttpDates.format(millis);
            assertEquals(IMF.format(Instant.ofEpochMilli(millis)), formatted);
            assertEquals(OptionalLong.of(Math.floorDiv(millis, 1000) * 1000), HttpDates.parse(formatted), formatted);
        }
    }

    @Test
    void parsesTheThreeForms() {
        OptionalLong example = OptionalLong.of(EXAMPLE);
        assertEquals(example, HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT", NOW_2025));
        assertEquals(example, HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT", NOW_2025));
        assertEquals(example, HttpDates.parse("Sun Nov  6 08:49:37 1994", NOW_2025));
        assertEquals(example, HttpDates.parse("Sun Nov 06 08:49:37 1994", NOW_2025), "date3 allows 2DIGIT too");
        assertEquals(OptionalLong.of(1_700_000_000_000L), HttpDates.parse("Tue, 14 Nov 2023 22:13:20 GMT"));
        assertEquals(OptionalLong.of(1_700_000_000_000L), HttpDates.parse("Tue Nov 14 22:13:20 2023"));
        assertEquals(OptionalLong.of(1_700_000_000_000L), HttpDates.parse("Tuesday, 14-Nov-23 22:13:20 GMT", NOW_2025));
        assertEquals(OptionalLong.of(1_700_000_000_000L), HttpDates.parse("Wednesday, 14-Nov-23 22:13:20 GMT", NOW_2025),
                "the day name is not checked against the date");
    }

    @Test
    void rfc850TwoDigitYearsAreAtMost50YearsAhead() {
        assertEquals(HttpDates.parse("Thu, 01 Jan 2075 00:00:00 GMT"), HttpDates.parse("Thursday, 01-Jan-75 00:00:00 GMT", NOW_2025));
        assertEquals(HttpDates.parse("Thu, 01 Jan 1976 00:00:00 GMT"), HttpDates.parse("Thursday, 01-Jan-76 00:00:00 GMT", NOW_2025));
        assertEquals(HttpDates.parse("Sat, 01 Jan 2000 00:00:00 GMT"), HttpDates.parse("Saturday, 01-Jan-00 00:00:00 GMT", NOW_2025));
        assertEquals(HttpDates.parse("Fri, 01 Jan 1999 00:00:00 GMT"), HttpDates.parse("Friday, 01-Jan-99 00:00:00 GMT", NOW_2025));
        long now1990 = ZonedDateTime.of(1990, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC).toInstant().toEpochMilli();
        assertEquals(HttpDates.parse("Sat, 01 Jan 2000 00:00:00 GMT"), HttpDates.parse("Saturday, 01-Jan-00 00:00:00 GMT", now1990));
        assertEquals(HttpDates.parse("Sat, 01 Jan 1944 00:00:00 GMT"), HttpDates.parse("Saturday, 01-Jan-44 00:00:00 GMT", now1990));
    }

    @Test
    void leapSecondsAndLeapDays() {
        assertEquals(OptionalLong.of(EXAMPLE - 37_000 + 60_000), HttpDates.parse("Sun, 06 Nov 1994 08:49:60 GMT"),
                "second 60 is the next minute's first");
        assertTrue(HttpDates.parse("Tue, 29 Feb 2000 00:00:00 GMT").isPresent());
        assertTrue(HttpDates.parse("Thu, 29 Feb 2024 00:00:00 GMT").isPresent());
        assertFalse(HttpDates.parse("Thu, 29 Feb 1900 00:00:00 GMT").isPresent(), "1900 was not a leap year");
        assertFalse(HttpDates.parse("Sun, 29 Feb 2023 00:00:00 GMT").isPresent());
        assertFalse(HttpDates.parse("Sun, 31 Apr 2023 00:00:00 GMT").isPresent());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "garbage",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 32 Jan 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37",
        "Sun, 06-Nov-94 08:49:37 GMT",
        "Sunday, 6-Nov-94 08:49:37 GMT",
        "Sunday 06-Nov-94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun Nov   6 08:49:37 1994",
        "Sun Nov  6 08:49:37  994",
        "Sunday Nov  6 08:49:37 1994",
        "1994-11-06T08:49:37Z",
        "784111777"})
    void refusesWhatIsNotAnHttpDate(String text) {
        assertEquals(OptionalLong.empty(), HttpDates.parse(text, NOW_2025), text);
    }

    @Test
    void refusesNull() {
        assertEquals(OptionalLong.empty(), HttpDates.parse(null));
    }

    @Test
    void notModifiedComparesWholeSeconds() {
        String since = "Sun, 06 Nov 1994 08:49:37 GMT";
        assertTrue(HttpDates.notModified(EXAMPLE, since), "same second");
        assertTrue(HttpDates.notModified(EXAMPLE + 999, since), "later in the same second");
        assertTrue(HttpDates.notModified(EXAMPLE - 1, since), "earlier");
        assertTrue(HttpDates.notModified(0, since));
        assertFalse(HttpDates.notModified(EXAMPLE + 1000, since), "the next second");
        assertTrue(HttpDates.notModified(EXAMPLE, "Sunday, 06-Nov-94 08:49:37 GMT"));
        assertTrue(HttpDates.notModified(EXAMPLE, "Sun Nov  6 08:49:37 1994"));
        assertTrue(HttpDates.notModified(-500, "Thu, 01 Jan 1970 00:00:00 GMT"), "-0.5 s is in 1969's last second");
        assertFalse(HttpDates.notModified(0, "Wed, 31 Dec 1969 23:59:59 GMT"));
    }

    @Test
    void notModifiedIgnoresWhatIsNotADate() {
        assertFalse(HttpDates.notModified(0, null));
        assertFalse(HttpDates.notModified(0, ""));
        assertFalse(HttpDates.notModified(0, "yesterday"));
        assertFalse(HttpDates.notModified(0, "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT"),
                "two If-Modified-Since lines, joined");
    }

    @Test
    void dateCacheFormatsOncePerSecond() {
        DateCache cache = new DateCache();
        String a = cache.get(EXAMPLE);
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", a);
        assertSame(a, cache.get(EXAMPLE + 500));
        assertSame(a, cache.get(EXAMPLE + 999));
        String b = cache.get(EXAMPLE + 1000);
        assertNotSame(a, b);
        assertEquals("Sun, 06 Nov 1994 08:49:38 GMT", b);
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", cache.get(EXAMPLE + 1), "a clock that steps back");
        assertEquals("Wed, 31 Dec 1969 23:59:59 GMT", cache.get(-1));
        assertEquals("Thu, 01 Jan 1970 00:00:00 GMT", cache.get(0));
    }
}
