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
}
