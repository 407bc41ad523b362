package dev.jaio.cli.aiostress;

import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Which page cache buffered I/O goes through: the kernel's (the default, or none with {@code -O}),
 * or jaio's own ({@code --cache[=SIZE]}, files opened with {@code FileOption.CACHED}), with its
 * readahead policy ({@code --readahead=legacy|upfront}) and largest window ({@code --max-readahead}).
 *
 * @param cacheBytes the budget of jaio's page cache; empty for the kernel's
 * @param readahead the readahead policy of jaio's page cache
 * @param maxReadaheadBytes the largest readahead window of jaio's page cache
 */
public record PageCacheOptions(OptionalLong cacheBytes, Readahead readahead, int maxReadaheadBytes) {

    /** {@code --cache} without a size: 256 MiB. */
    public static final long DEFAULT_CACHE_BYTES = 256L << 20;
    /** {@code --max-readahead} default: 128 KiB, the kernel's default read_ahead_kb. */
    public static final int DEFAULT_MAX_READAHEAD = 128 << 10;

    /** Readahead policies of jaio's page cache. */
    public enum Readahead {
        /** Linux 2.6.2's page-at-a-time readahead, whose window collapses under streaming random reads. */
        LEGACY,
        /** The paper's upfront readahead: the readahead logic sees each whole request. */
        UPFRONT;

        /** Parses {@code legacy} or {@code upfront}. */
        public static Readahead ofFlag(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidOptionException("--readahead=" + value + ": use legacy or upfront");
            }
        }

        /** The flag value. */
        public String flagValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public PageCacheOptions {
        Objects.requireNonNull(cacheBytes, "cacheBytes");
        Objects.requireNonNull(readahead, "readahead");
        if (cacheBytes.isPresent() && cacheBytes.getAsLong() < 16 * 4096) {
            throw new InvalidOptionException("--cache=" + cacheBytes.getAsLong() + "b: jaio's page cache needs at"
                    + " least 64k");
        }
        if (maxReadaheadBytes < 0 || maxReadaheadBytes > (64 << 20)) {
            throw new InvalidOptionException("--max-readahead=" + maxReadaheadBytes + "b: must be 0 to 64m");
        }
    }

    /** The kernel's page cache: the default. */
    public static PageCacheOptions kernel() {
        return new PageCacheOptions(OptionalLong.empty(), Readahead.UPFRONT, DEFAULT_MAX_READAHEAD);
    }

    /** jaio's page cache of {@code bytes}. */
    public static PageCacheOptions jaio(long bytes, Readahead readahead, int maxReadaheadBytes) {
        return new PageCacheOptions(OptionalLong.of(bytes), readahead, maxReadaheadBytes);
    }

    /** Whether jaio's own page cache is in use. */
    public boolean enabled() {
        return cacheBytes.isPresent();
    }
}
