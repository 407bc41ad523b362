package dev.jaio.internal.radix;

/**
 * The tags a {@link RadixTree} keeps per entry: small ints, each the index of one 64-bit bitmap in
 * every node. They are the page cache's tags, numbered as the kernel numbers its XArray marks
 * ({@code include/linux/fs.h}: {@code PAGECACHE_TAG_DIRTY} = {@code XA_MARK_0},
 * {@code PAGECACHE_TAG_WRITEBACK} = {@code XA_MARK_1}, {@code PAGECACHE_TAG_TOWRITE} =
 * {@code XA_MARK_2}).
 */
public final class Tag {

    /** The page holds data not yet written to the file. */
    public static final int DIRTY = 0;

    /** The page is being written to the file. */
    public static final int WRITEBACK = 1;

    /**
     * The page was dirty when an integrity sync began and that sync must write it
     * ({@link RadixTree#tagRange}, the kernel's {@code tag_pages_for_writeback}): pages dirtied later
     * are not chased, so the sync cannot livelock.
     */
    public static final int TOWRITE = 2;

    /** How many tags there are: valid tags are {@code 0 .. COUNT-1}. */
    public static final int COUNT = 3;

    private Tag() {
    }

    /** The tag's name, for messages. */
    public static String name(int tag) {
        return switch (tag) {
            case DIRTY -> "DIRTY";
            case WRITEBACK -> "WRITEBACK";
            case TOWRITE -> "TOWRITE";
            default -> "tag " + tag;
        };
    }

    /** Returns {@code tag}, or throws if it is not one of {@code 0 .. COUNT-1}. */
    static int check(int tag) {
        if (tag < 0 || tag >= COUNT) {
            throw new IllegalArgumentException("tag=" + tag + " is not in 0.." + (COUNT - 1));
        }
        return tag;
    }
}
