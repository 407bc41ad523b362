package dev.jaio.cli.aiostress;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * Room for jaio's own page cache (the page-cache issue): {@code --cache[=SIZE]} and
 * {@code --readahead=legacy|upfront}. Not implemented yet: the only accepted value is
 * {@link #kernel()}, I/O through the kernel's page cache (or none, with {@code -O}).
 *
 * @param cacheBytes the size of jaio's page cache; empty for the kernel's
 * @param readahead the readahead policy of jaio's page cache
 */
public record PageCacheOptions(OptionalLong cacheBytes, Readahead readahead) {

    /** Readahead policies of jaio's page cache. */
    public enum Readahead {
        /** The kernel's on-demand readahead, as Linux 2.6 did it. */
        LEGACY,
        /** The paper's upfront readahead: the whole request's window issued at once. */
        UPFRONT
    }

    public PageCacheOptions {
        Objects.requireNonNull(cacheBytes, "cacheBytes");
        Objects.requireNonNull(readahead, "readahead");
        if (cacheBytes.isPresent()) {
            throw new InvalidOptionException("--cache: jaio's page cache is not implemented yet");
        }
    }

    /** The kernel's page cache: what every run uses today. */
    public static PageCacheOptions kernel() {
        return new PageCacheOptions(OptionalLong.empty(), Readahead.LEGACY);
    }

    /** Whether jaio's own page cache is in use. */
    public boolean enabled() {
        return cacheBytes.isPresent();
    }
}
