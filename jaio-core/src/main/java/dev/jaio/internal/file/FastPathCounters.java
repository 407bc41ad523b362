package dev.jaio.internal.file;

import dev.jaio.FastPathStats;
import dev.jaio.FastPaths;
import java.util.concurrent.atomic.LongAdder;

/**
 * An engine's {@link FastPaths} policy and what its files' tries did. Counters are striped
 * ({@link LongAdder}): many caller threads count at once, and a count must not make them share a
 * cache line.
 */
public final class FastPathCounters {

    private final FastPaths policy;
    final LongAdder cachedHits = new LongAdder();
    final LongAdder cachedFallbacks = new LongAdder();
    final LongAdder nowaitReads = new LongAdder();
    final LongAdder nowaitReadsPartial = new LongAdder();
    final LongAdder nowaitReadsBlocked = new LongAdder();
    final LongAdder nowaitReadsSkipped = new LongAdder();
    final LongAdder nowaitWrites = new LongAdder();
    final LongAdder nowaitWritesPartial = new LongAdder();
    final LongAdder nowaitWritesBlocked = new LongAdder();

    public FastPathCounters(FastPaths policy) {
        this.policy = policy;
    }

    public FastPaths policy() {
        return policy;
    }

    /** A snapshot (each counter read once; not atomic across counters). */
    public FastPathStats snapshot() {
        return new FastPathStats(cachedHits.sum(), cachedFallbacks.sum(), nowaitReads.sum(), nowaitReadsPartial.sum(),
                nowaitReadsBlocked.sum(), nowaitReadsSkipped.sum(), nowaitWrites.sum(), nowaitWritesPartial.sum(), nowaitWritesBlocked.sum());
    }
}
