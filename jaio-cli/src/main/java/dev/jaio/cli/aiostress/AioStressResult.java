package dev.jaio.cli.aiostress;

import dev.jaio.EngineStats;
import dev.jaio.PageCacheStats;
import java.util.List;

/**
 * The outcome of a run.
 *
 * @param options what it ran with
 * @param settings the derived values
 * @param engine the engine that ran it (never {@code auto})
 * @param stages each stage that ran, in order
 * @param errors failed or short I/Os and failed fsyncs, over all stages
 * @param verifyErrors records {@code -v} found wrong
 * @param failure why the run stopped early (engine unavailable, file cannot be opened, ...), or null
 * @param engineStats the engine's counters at the end of the run ({@code IoEngine.stats()}), or
 *     null if no engine opened
 * @param pageCacheStats its page cache's ({@code IoEngine.pageCacheStats()}), or null
 */
public record AioStressResult(AioStressOptions options, Settings settings, String engine, List<StageResult> stages,
        long errors, long verifyErrors, String failure, EngineStats engineStats, PageCacheStats pageCacheStats) {

    public AioStressResult {
        stages = List.copyOf(stages);
    }

    /** 0 when every I/O succeeded and verified; 1 on any I/O error, verify mismatch or failure. */
    public int exitStatus() {
        return errors == 0 && verifyErrors == 0 && failure == null ? 0 : 1;
    }
}
