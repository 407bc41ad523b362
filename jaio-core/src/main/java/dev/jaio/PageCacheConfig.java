package dev.jaio;

/**
 * How to build an engine's page cache, used by {@link FileOption#CACHED} files.
 *
 * @param budgetBytes page memory, rounded down to 4 KiB pages; taken from the system in 2 MiB slabs
 *     as it is first needed, never more than this
 * @param maxReadaheadBytes the largest readahead window (the device's read_ahead_kb); 0 turns
 *     readahead off
 * @param readahead the policy new handles start with
 * @param preTouch whether to take the whole budget from the system when the cache is made (when
 *     the engine opens its first {@link FileOption#CACHED} file) instead of 2 MiB at a time as
 *     pages are first read: the process then holds the whole budget, but no read waits for the
 *     kernel to find and zero fresh memory. Benchmarks want it (the kernel's page cache lives in
 *     memory it already has); a cache that may never fill does not.
 * @param dirty when the cleaner writes dirty pages back and when writers wait for it
 */
public record PageCacheConfig(long budgetBytes, int maxReadaheadBytes, ReadaheadPolicy readahead, boolean preTouch,
        DirtyLimits dirty) {

    /**
     * The cache's dirty-page policy, the kernel's vm.dirty_* settings for jaio's cache.
     *
     * @param backgroundPercent share of the budget dirty pages may fill before the cleaner writes
     *     them back (dirty_background_ratio; default 10)
     * @param limitPercent share past which a writer waits, as a queued retry, until the cleaner has
     *     written some back (dirty_ratio; default 20); more than {@code backgroundPercent}
     * @param expireMillis age at which a file's dirty pages are written back whatever their share
     *     (dirty_expire_centisecs; default 30 s)
     */
    public record DirtyLimits(int backgroundPercent, int limitPercent, long expireMillis) {

        /**
         * Checks the values; see the record's components for their meaning.
         *
         * @param backgroundPercent percent of the budget, at least 1 and below {@code limitPercent}
         * @param limitPercent percent of the budget, above {@code backgroundPercent} and at most 90
         * @param expireMillis milliseconds, at least 1
         * @throws IllegalArgumentException when a value is out of range; the message names the values
         */
        public DirtyLimits {
            if (backgroundPercent < 1 || limitPercent <= backgroundPercent || limitPercent > 90) {
                throw new IllegalArgumentException("dirty limits need 1 <= background (" + backgroundPercent
                        + "%) < limit (" + limitPercent + "%) <= 90");
            }
            if (expireMillis < 1) {
                throw new IllegalArgumentException("dirty expiry must be at least 1 ms: " + expireMillis);
            }
        }

        /**
         * The kernel's defaults.
         *
         * @return background 10%, limit 20%, expiry 30 s
         */
        public static DirtyLimits defaults() {
            return new DirtyLimits(10, 20, 30_000);
        }
    }

    /** Default {@link #budgetBytes()}: 256 MiB. */
    public static final long DEFAULT_BUDGET = 256L << 20;
    /** Default {@link #maxReadaheadBytes()}: 128 KiB, the kernel's VM_READAHEAD_PAGES. */
    public static final int DEFAULT_MAX_READAHEAD = 128 << 10;
    /** Smallest {@link #budgetBytes()}: 16 pages. */
    public static final long MIN_BUDGET = 16 * 4096;

    /**
     * Checks the values; see the record's components for their meaning.
     *
     * @param budgetBytes page memory in bytes, {@link #MIN_BUDGET} to 2<sup>31</sup>-1 pages of 4 KiB
     * @param maxReadaheadBytes the largest readahead window in bytes, 0 (off) to 64 MiB
     * @param readahead the policy new handles start with, not null
     * @param preTouch whether to take the whole budget from the system when the cache is made
     * @param dirty the dirty-page policy, not null
     * @throws IllegalArgumentException when a value is null or out of range; the message names it
     *     and its range
     */
    public PageCacheConfig {
        if (budgetBytes < MIN_BUDGET || budgetBytes / 4096 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page cache budget must be between " + MIN_BUDGET + " bytes and "
                    + (long) Integer.MAX_VALUE * 4096 + " bytes: " + budgetBytes);
        }
        if (maxReadaheadBytes < 0 || maxReadaheadBytes > (64 << 20)) {
            throw new IllegalArgumentException("maximum readahead must be in [0, 64 MiB]: " + maxReadaheadBytes);
        }
        if (readahead == null) {
            throw new IllegalArgumentException("readahead policy is null; use UPFRONT or LEGACY");
        }
        if (dirty == null) {
            throw new IllegalArgumentException("dirty limits are null; use DirtyLimits.defaults()");
        }
    }

    /**
     * A configuration with the default {@link DirtyLimits}.
     *
     * @param budgetBytes page memory in bytes, {@link #MIN_BUDGET} to 2<sup>31</sup>-1 pages of 4 KiB
     * @param maxReadaheadBytes the largest readahead window in bytes, 0 (off) to 64 MiB
     * @param readahead the policy new handles start with, not null
     * @param preTouch whether to take the whole budget from the system when the cache is made
     * @throws IllegalArgumentException when a value is null or out of range
     */
    public PageCacheConfig(long budgetBytes, int maxReadaheadBytes, ReadaheadPolicy readahead, boolean preTouch) {
        this(budgetBytes, maxReadaheadBytes, readahead, preTouch, DirtyLimits.defaults());
    }

    /**
     * A configuration that takes its memory as pages are first read (no {@link #preTouch()}), with
     * the default {@link DirtyLimits}.
     *
     * @param budgetBytes page memory in bytes, {@link #MIN_BUDGET} to 2<sup>31</sup>-1 pages of 4 KiB
     * @param maxReadaheadBytes the largest readahead window in bytes, 0 (off) to 64 MiB
     * @param readahead the policy new handles start with, not null
     * @throws IllegalArgumentException when a value is null or out of range
     */
    public PageCacheConfig(long budgetBytes, int maxReadaheadBytes, ReadaheadPolicy readahead) {
        this(budgetBytes, maxReadaheadBytes, readahead, false);
    }

    /**
     * The same configuration with other dirty limits.
     *
     * @param limits when the cleaner writes dirty pages back and when writers wait
     * @return a new configuration
     * @throws IllegalArgumentException when {@code limits} is null
     */
    public PageCacheConfig withDirtyLimits(DirtyLimits limits) {
        return new PageCacheConfig(budgetBytes, maxReadaheadBytes, readahead, preTouch, limits);
    }

    /**
     * The default configuration.
     *
     * @return a 256 MiB budget, 128 KiB readahead, {@link ReadaheadPolicy#UPFRONT}, memory taken as
     *     needed, {@link DirtyLimits#defaults()}
     */
    public static PageCacheConfig defaults() {
        return new PageCacheConfig(DEFAULT_BUDGET, DEFAULT_MAX_READAHEAD, ReadaheadPolicy.UPFRONT);
    }

    /**
     * The same configuration, taking (or not) its whole budget when the cache is made.
     *
     * @param on true to take the whole budget when the cache is made, false to take it 2 MiB at a
     *     time as pages are first read
     * @return a new configuration
     */
    public PageCacheConfig withPreTouch(boolean on) {
        return new PageCacheConfig(budgetBytes, maxReadaheadBytes, readahead, on, dirty);
    }

    /**
     * The same configuration with another budget.
     *
     * @param bytes page memory in bytes, {@link #MIN_BUDGET} to 2<sup>31</sup>-1 pages of 4 KiB;
     *     rounded down to whole pages
     * @return a new configuration
     * @throws IllegalArgumentException when {@code bytes} is out of range
     */
    public PageCacheConfig withBudget(long bytes) {
        return new PageCacheConfig(bytes, maxReadaheadBytes, readahead, preTouch, dirty);
    }

    /**
     * The same configuration with another maximum readahead window.
     *
     * @param bytes the largest readahead window in bytes, 0 (off) to 64 MiB
     * @return a new configuration
     * @throws IllegalArgumentException when {@code bytes} is out of range
     */
    public PageCacheConfig withMaxReadahead(int bytes) {
        return new PageCacheConfig(budgetBytes, bytes, readahead, preTouch, dirty);
    }

    /**
     * The same configuration with another default readahead policy.
     *
     * @param policy the policy new handles start with ({@link AsyncFile#setReadahead} changes one
     *     handle's)
     * @return a new configuration
     * @throws IllegalArgumentException when {@code policy} is null
     */
    public PageCacheConfig withReadahead(ReadaheadPolicy policy) {
        return new PageCacheConfig(budgetBytes, maxReadaheadBytes, policy, preTouch, dirty);
    }
}
