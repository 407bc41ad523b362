package dev.jaio.internal.linux;

/** fallocate(2) modes, {@code include/uapi/linux/falloc.h}. */
public final class Falloc {

    /** Allocate the range, extending the file size if needed (the default mode, 0). */
    public static final int FALLOC_FL_ALLOCATE_RANGE = 0x00;
    /** Allocate without changing the file size. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** Deallocate the range; must be combined with KEEP_SIZE. */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** Reserved codepoint. */
    public static final int FALLOC_FL_NO_HIDE_STALE = 0x04;
    /** Remove the range and shift the rest of the file down; block-granular, not across EOF. */
    public static final int FALLOC_FL_COLLAPSE_RANGE = 0x08;
    /** Zero the range, possibly as unwritten extents. */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;
    /** Insert a hole and shift the rest of the file up. */
    public static final int FALLOC_FL_INSERT_RANGE = 0x20;
    /** Unshare reflinked blocks in the range. */
    public static final int FALLOC_FL_UNSHARE_RANGE = 0x40;
    /** Allocate written, zeroed extents with the device's write-zeroes (Linux 6.17; not with KEEP_SIZE). */
    public static final int FALLOC_FL_WRITE_ZEROES = 0x80;

    private Falloc() {
    }
}
