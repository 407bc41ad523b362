package dev.jaio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void quotesAndEscapes() {
        assertEquals("\"plain\"", Json.quote("plain"));
        assertEquals("\"a\\\"b\\\\c\"", Json.quote("a\"b\\c"));
        assertEquals("\"\\n\\r\\t\\b\\f\\u0001\\u001f\"", Json.quote("\n\r\t\b\f\u0001\u001f"));
        assertEquals("\"\\u2028\\u2029\"", Json.quote("\u2028\u2029"));
        assertEquals("\"caf\u00e9 \uD83D\uDE00\"", Json.quote("caf\u00e9 \uD83D\uDE00"));
        assertEquals("\"\\ud83d\"", Json.quote("\uD83D"));
    }

    @Test
    void writesNestedValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "x");
        m.put("n", 42L);
        m.put("b", true);
        m.put("nil", null);
        m.put("list", Arrays.asList(1, "two", null));
        m.put("empty", List.of());
        m.put("obj", Map.of());
        assertEquals("""
                {
                  "s": "x",
                  "n": 42,
                  "b": true,
                  "nil": null,
                  "list": [
                    1,
                    "two",
                    null
                  ],
                  "empty": [],
                  "obj": {}
                }""", Json.write(m));
    }

    @Test
    void parsesWhatItWrites() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\u00e9");
        m.put("n", 42L);
        m.put("d", 1234.5);
        m.put("big", 12345678.25);
        m.put("neg", -0.001);
        m.put("b", false);
        m.put("nil", null);
        m.put("list", Arrays.asList(1L, "two", null, List.of()));
        m.put("obj", Map.of());
        assertEquals(m, Json.parse(Json.write(m)));
        assertEquals("12345678.25", Json.write(12345678.25));
        assertEquals("null", Json.write(Double.NaN));
    }

    @Test
    void parsesEscapesAndNumbersOfOtherWriters() {
        assertEquals(List.of("\u00e9/", 1.5e3, -2L, true), Json.parse(" [\"\\u00e9\\/\", 1.5e3, -2, true] "));
        assertEquals(Map.of("fio version", "fio-3.36"), Json.parse("{\"fio version\":\"fio-3.36\"}"));
    }

    @Test
    void refusesBrokenDocuments() {
        for (String bad : List.of("", "{", "[1,]", "{\"a\" 1}", "tru", "\"x", "1 2", "{\"a\":1,}")) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }
}
