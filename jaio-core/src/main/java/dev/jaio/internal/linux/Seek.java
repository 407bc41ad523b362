package dev.jaio.internal.linux;

/** lseek(2) whence values, {@code include/uapi/linux/fs.h}. */
public final class Seek {

    public static final int SEEK_SET = 0;
    public static final int SEEK_CUR = 1;
    public static final int SEEK_END = 2;
    /** The next offset at or after the given one that holds data (ENXIO past the end). */
    public static final int SEEK_DATA = 3;
    /** The next hole at or after the given one; the end of the file counts as a hole (ENXIO past it). */
    public static final int SEEK_HOLE = 4;

    private Seek() {
    }
}
