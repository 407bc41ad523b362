package dev.jaio;

/**
 * Counters of the {@link FastPaths} of an engine's files since the engine was opened
 * ({@link IoEngine#fastPathStats()}); each request is counted once, in the first counter that
 * fits it.
 *
 * @param cachedHits reads of CACHED files copied whole on the calling thread
 * @param cachedFallbacks reads of CACHED files tried on the calling thread that met a page not
 *     ready (missing, being read, or a readahead marker) and went the retry-based way
 * @param nowaitReads kernel-buffered reads that {@code preadv2(RWF_NOWAIT)} served whole on the
 *     calling thread (or up to the end of the file)
 * @param nowaitReadsPartial reads of which the try served a part and the engine the rest
 * @param nowaitReadsBlocked reads the try could not start (EAGAIN: nothing cached at the offset;
 *     or the file's first try, on a file that then turned out to refuse NOWAIT), which went to the
 *     engine whole
 * @param nowaitReadsSkipped reads sent to the engine untried because the file's recent tries would
 *     have blocked: a try of an uncached page starts its readahead on the calling thread, tens of
 *     microseconds, so after a try that would block the next 1, 2, 4 ... 64 reads (while tries keep
 *     blocking) are not tried, and a cold random workload pays for one try in at most 64 reads
 * @param nowaitWrites kernel-buffered writes that {@code pwritev2(RWF_NOWAIT)} did whole
 * @param nowaitWritesPartial writes of which the try did a part and the engine the rest
 * @param nowaitWritesBlocked writes the try could not start (EAGAIN, or a file system that refuses
 *     NOWAIT buffered writes, found out once per file), which went to the engine whole
 */
public record FastPathStats(long cachedHits, long cachedFallbacks, long nowaitReads, long nowaitReadsPartial,
        long nowaitReadsBlocked, long nowaitReadsSkipped, long nowaitWrites, long nowaitWritesPartial, long nowaitWritesBlocked) {
}
