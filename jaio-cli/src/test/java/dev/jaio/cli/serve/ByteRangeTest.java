package dev.jaio.cli.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jaio.cli.serve.ByteRange.Full;
import dev.jaio.cli.serve.ByteRange.Partial;
import dev.jaio.cli.serve.ByteRange.Unsatisfiable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ByteRangeTest {

    /** A result as the response it leads to: {@code 200}, {@code 206 first-last/length} or {@code 416 *}{@code /length}. */
    private static String response(ByteRange r) {
        return switch (r) {
            case Full f -> "200";
            case Partial p -> "206 " + p.contentRange().substring("bytes ".length());
            case Unsatisfiable u -> "416 " + u.contentRange().substring("bytes ".length());
        };
    }

    @ParameterizedTest(name = "[{0}] of {1} bytes -> {2}")
    @CsvSource(delimiter = '|', value = {
        // RFC 9110 §14.1.2's examples, on a 10000-byte file
        "bytes=0-499                  | 10000 | 206 0-499/10000",
        "bytes=500-999                | 10000 | 206 500-999/10000",
        "bytes=-500                   | 10000 | 206 9500-9999/10000",
        "bytes=9500-                  | 10000 | 206 9500-9999/10000",
        "bytes=0-0                    | 10000 | 206 0-0/10000",
        "bytes=-1                     | 10000 | 206 9999-9999/10000",
        // the bounds, on 100 bytes
        "bytes=5-                     | 100   | 206 5-99/100",
        "bytes=5-5                    | 100   | 206 5-5/100",
        "bytes=99-                    | 100   | 206 99-99/100",
        "bytes=0-99                   | 100   | 206 0-99/100",
        "bytes=0-                     | 100   | 206 0-99/100",
        "bytes=50-1000                | 100   | 206 50-99/100",
        "bytes=0-9223372036854775807  | 100   | 206 0-99/100",
        "bytes=-99                    | 100   | 206 1-99/100",
        "bytes=-100                   | 100   | 206 0-99/100",
        "bytes=-1000                  | 100   | 206 0-99/100",
        "bytes=-9223372036854775807   | 100   | 206 0-99/100",
        // unsatisfiable: 416
        "bytes=-0                     | 100   | 416 */100",
        "bytes=-00                    | 100   | 416 */100",
        "bytes=100-                   | 100   | 416 */100",
        "bytes=100-200                | 100   | 416 */100",
        "bytes=9223372036854775807-   | 100   | 416 */100",
        "bytes=0-0                    | 0     | 416 */0",
        "bytes=0-                     | 0     | 416 */0",
        "bytes=-5                     | 0     | 416 */0",
        "bytes=-0                     | 0     | 416 */0",
        // invalid: ignored, 200
        "bytes=100-50                 | 1000  | 200",
        "bytes=100-50                 | 0     | 200",
        "bytes=1-0                    | 100   | 200",
        "bytes=0-999999999999999999999 | 100  | 200",
        "bytes=99999999999999999999-  | 100   | 200",
        "bytes=-99999999999999999999  | 100   | 200",
        "bytes=9223372036854775808-   | 100   | 200",
        "bytes=                       | 100   | 200",
        "bytes=-                      | 100   | 200",
        "bytes=1                      | 100   | 200",
        "bytes=--1                    | 100   | 200",
        "bytes=0-1-2                  | 100   | 200",
        "bytes=+1-2                   | 100   | 200",
        "bytes=0x1-2                  | 100   | 200",
        "bytes=1 0-20                 | 100   | 200",
        "bytes=0-1;x                  | 100   | 200",
        "bytes=a-b                    | 100   | 200",
        "bytes 0-1                    | 100   | 200",
        "bytes=0-1=2                  | 100   | 200",
        "items=0-1                    | 100   | 200",
        "bytesx=0-1                   | 100   | 200",
        "=0-1                         | 100   | 200",
        "bytes=\u0663-5               | 100   | 200",
        "bytes=\u00a00-1              | 100   | 200",
        "bytes=,                      | 100   | 200",
        // several ranges: the whole file
        "'bytes=0-1,5-9'              | 100   | 200",
        "'bytes=0-1, 200-300'         | 100   | 200",
        "'bytes=500-600,601-999'      | 10000 | 200",
        "'bytes=-0,-0'                | 100   | 200",
        "'bytes=0-0,-1'               | 10000 | 200",
        // empty list elements are not ranges
        "'bytes=0-1,'                 | 100   | 206 0-1/100",
        "'bytes=, ,0-1, ,'            | 100   | 206 0-1/100",
        // whitespace and case
        "Bytes = 0-1                  | 100   | 206 0-1/100",
        "BYTES=0-1                    | 100   | 206 0-1/100",
        "'  bytes=0 - 1  '            | 100   | 206 0-1/100",
        "'bytes=\t0-\t1\t'            | 100   | 206 0-1/100",
        "'bytes= - 3'                 | 100   | 206 97-99/100"})
    void decides(String range, long length, String expected) {
        assertEquals(expected, response(ByteRange.parse(range, length)));
    }

    @Test
    void noFieldIsTheWholeFile() {
        assertSame(ByteRange.FULL, ByteRange.parse(null, 100));
        assertSame(ByteRange.FULL, ByteRange.parse(null, 0));
    }

    @Test
    void partialKnowsItsCountAndRange() {
        Partial p = (Partial) ByteRange.parse("bytes=10-19", 1234);
        assertEquals(10, p.count());
        assertEquals("bytes 10-19/1234", p.contentRange());
        assertEquals(new Partial(10, 19, 1234), p);
        assertEquals("bytes */7", new Unsatisfiable(7).contentRange());
    }

    @Test
    void partialChecksItsBounds() {
        assertThrows(IllegalArgumentException.class, () -> new Partial(-1, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new Partial(5, 4, 10));
        assertThrows(IllegalArgumentException.class, () -> new Partial(0, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> ByteRange.parse("bytes=0-1", -1));
    }
}
