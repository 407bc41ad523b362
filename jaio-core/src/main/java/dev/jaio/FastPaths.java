package dev.jaio;

/**
 * Which requests an {@link AsyncFile} tries to serve on the calling thread before it hands them to
 * the engine: the paper's §2.2 rule (try the operation without blocking first, and retry, here
 * asynchronously, only what would block), which is how a warm read costs no more than a plain
 * {@code FileChannel.read}. A request served this way returns an already completed future: no
 * trip through the engine's completion thread, no wakeup. What the caller sees otherwise is the
 * same (results, errors, memory rules); a kernel-buffered request that a try could not do whole
 * continues on the engine from where the try stopped, so no try returns a count the kernel would
 * not have returned, and a CACHED read that is not all hits starts over the retry-based way. Each
 * path is counted in {@link IoEngine#fastPathStats()}.
 *
 * @param cachedHits a read of a {@link FileOption#CACHED} file whose pages are all in jaio's page
 *     cache and uptodate is copied on the calling thread without making a cache request (no
 *     system call, no allocation but its future); a read that meets a missing or locked page, or a
 *     readahead marker, goes the retry-based way of §3. Without it, such a read still completes
 *     on the calling thread, in the first iteration of its request
 * @param nowaitReads a kernel-buffered read (neither {@link FileOption#DIRECT} nor CACHED) is first
 *     tried with {@code preadv2(RWF_NOWAIT)} on the calling thread (the kernel copies from its page
 *     cache or fails with EAGAIN without waiting for the device); what the kernel did not copy goes
 *     to the engine. A try of a page the kernel does not hold still starts its readahead on the
 *     calling thread (70-150 microseconds on the development VM), so a file whose tries keep blocking is tried less
 *     often ({@link FastPathStats#nowaitReadsSkipped()})
 * @param nowaitWrites a kernel-buffered write without SYNC or DSYNC is first tried with
 *     {@code pwritev2(RWF_NOWAIT)}; file systems that do not take NOWAIT buffered writes (ext4
 *     answers EOPNOTSUPP) are found out once per file, after which that file's writes go straight
 *     to the engine
 */
public record FastPaths(boolean cachedHits, boolean nowaitReads, boolean nowaitWrites) {

    /** Every fast path on: the default of {@link EngineConfig#defaults()}. */
    public static final FastPaths ALL = new FastPaths(true, true, true);
    /** Every request goes through the engine, as before jaio had fast paths. */
    public static final FastPaths NONE = new FastPaths(false, false, false);
}
