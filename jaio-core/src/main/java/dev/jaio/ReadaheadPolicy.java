package dev.jaio;

/**
 * How jaio's page cache reads ahead for a {@link FileOption#CACHED} file handle.
 *
 * @see AsyncFile#setReadahead(ReadaheadPolicy)
 */
public enum ReadaheadPolicy {
    /**
     * The paper's upfront readahead (§3.4), as today's kernel does it: the readahead logic sees a
     * whole request before the next one is submitted. A random request reads exactly its pages, each
     * contiguous run as one device read; sequential reads open a window sized from the request and
     * grow it as the reader reaches its marker, never past {@link PageCacheConfig#maxReadaheadBytes()}
     * per window, so large and partial reads keep pipelining (§3.5). The default.
     */
    UPFRONT,
    /**
     * Linux 2.6.2's readahead (§3.3): the logic sees one page at a time, and under streaming random
     * requests its window shrinks until it turns off, after which every page is read alone. Kept to
     * reproduce the paper's "vanilla" curve; not for production use.
     */
    LEGACY
}
