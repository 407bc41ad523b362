package dev.jaio.cli.vsjdk;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON-only measurements of a run. */
final class Extras {

    private Extras() {
    }

    /** {@code extra} with the threads that ran during the interval added. */
    static Map<String, Object> withInterval(Map<String, Object> extra, Interval interval) {
        Map<String, Object> m = new LinkedHashMap<>(extra);
        m.put("threadsThatRan", interval.threads().toJson());
        return m;
    }
}
