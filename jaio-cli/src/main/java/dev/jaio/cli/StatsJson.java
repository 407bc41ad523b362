package dev.jaio.cli;

import dev.jaio.EngineStats;
import dev.jaio.IoEngine;
import dev.jaio.PageCacheStats;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine's own counters in a command's {@code --json}: {@link IoEngine#stats()} and
 * {@link IoEngine#pageCacheStats()}, one key per record component, so that the JSON follows the
 * library's records as they grow.
 */
public final class StatsJson {

    private StatsJson() {
    }

    /** {@code "engineStats"} and {@code "pageCacheStats"} of {@code engine}, now. */
    public static Map<String, Object> of(IoEngine engine) {
        return of(engine.stats(), engine.pageCacheStats());
    }

    /** {@code "engineStats"} and {@code "pageCacheStats"} from snapshots. */
    public static Map<String, Object> of(EngineStats engine, PageCacheStats cache) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engineStats", record(engine));
        m.put("pageCacheStats", record(cache));
        return m;
    }

    /** A record as a map of its components, in declaration order. */
    static Map<String, Object> record(Record r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                m.put(c.getName(), c.getAccessor().invoke(r));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getName(), e);
            }
        }
        return m;
    }
}
