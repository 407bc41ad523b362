package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * statx(2): {@code struct statx} and its request/result mask bits, from
 * {@code include/uapi/linux/stat.h} (the current layout, up to stx_atomic_write_unit_max_opt).
 * Little-endian LP64.
 *
 * <p>Field offsets are named after the C fields ({@code STX_SIZE} for {@code stx_size}); the
 * kernel's {@code STATX_*} names are the mask bits. A field is valid only if its bit is set in
 * {@code stx_mask} on return: the kernel clears the bit, and zeroes the field, when the file
 * system cannot supply it, and older kernels leave fields they do not know as zero.
 */
public final class Statx {

    /**
     * {@code struct statx_timestamp}, 16 bytes.
     * <pre>
     * struct statx_timestamp { __s64 tv_sec; __u32 tv_nsec; __s32 __reserved; };
     * </pre>
     */
    public static final StructLayout STATX_TIMESTAMP = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_INT.withName("tv_nsec"),
            JAVA_INT.withName("__reserved")).withName("statx_timestamp");

    /** Offset of {@code statx_timestamp.tv_sec} (s64). */
    public static final long STATX_TIMESTAMP_TV_SEC = offset(STATX_TIMESTAMP, "tv_sec");
    /** Offset of {@code statx_timestamp.tv_nsec} (u32). */
    public static final long STATX_TIMESTAMP_TV_NSEC = offset(STATX_TIMESTAMP, "tv_nsec");

    /**
     * {@code struct statx}, 256 bytes.
     * <pre>
     * struct statx {
     *     __u32 stx_mask;  __u32 stx_blksize;  __u64 stx_attributes;                 // 0x00
     *     __u32 stx_nlink; __u32 stx_uid; __u32 stx_gid; __u16 stx_mode; __u16 __spare0[1]; // 0x10
     *     __u64 stx_ino; __u64 stx_size; __u64 stx_blocks; __u64 stx_attributes_mask; // 0x20
     *     struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;         // 0x40
     *     __u32 stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;        // 0x80
     *     __u64 stx_mnt_id;                                                          // 0x90
     *     __u32 stx_dio_mem_align; __u32 stx_dio_offset_align;                       // 0x98
     *     __u64 stx_subvol;                                                          // 0xa0
     *     __u32 stx_atomic_write_unit_min, stx_atomic_write_unit_max;                // 0xa8
     *     __u32 stx_atomic_write_segments_max, stx_dio_read_offset_align;            // 0xb0
     *     __u32 stx_atomic_write_unit_max_opt; __u32 __spare2[1];                    // 0xb8
     *     __u64 __spare3[8];                                                         // 0xc0
     * };
     * </pre>
     * The kernel copies the whole struct out, so the buffer must hold all 256 bytes; newer kernels
     * carve new fields out of {@code __spare3}.
     */
    public static final StructLayout STATX = MemoryLayout.structLayout(
            JAVA_INT.withName("stx_mask"),
            JAVA_INT.withName("stx_blksize"),
            JAVA_LONG.withName("stx_attributes"),
            JAVA_INT.withName("stx_nlink"),
            JAVA_INT.withName("stx_uid"),
            JAVA_INT.withName("stx_gid"),
            JAVA_SHORT.withName("stx_mode"),
            MemoryLayout.sequenceLayout(1, JAVA_SHORT).withName("__spare0"),
            JAVA_LONG.withName("stx_ino"),
            JAVA_LONG.withName("stx_size"),
            JAVA_LONG.withName("stx_blocks"),
            JAVA_LONG.withName("stx_attributes_mask"),
            STATX_TIMESTAMP.withName("stx_atime"),
            STATX_TIMESTAMP.withName("stx_btime"),
            STATX_TIMESTAMP.withName("stx_ctime"),
            STATX_TIMESTAMP.withName("stx_mtime"),
            JAVA_INT.withName("stx_rdev_major"),
            JAVA_INT.withName("stx_rdev_minor"),
            JAVA_INT.withName("stx_dev_major"),
            JAVA_INT.withName("stx_dev_minor"),
            JAVA_LONG.withName("stx_mnt_id"),
            JAVA_INT.withName("stx_dio_mem_align"),
            JAVA_INT.withName("stx_dio_offset_align"),
            JAVA_LONG.withName("stx_subvol"),
            JAVA_INT.withName("stx_atomic_write_unit_min"),
            JAVA_INT.withName("stx_atomic_write_unit_max"),
            JAVA_INT.withName("stx_atomic_write_segments_max"),
            JAVA_INT.withName("stx_dio_read_offset_align"),
            JAVA_INT.withName("stx_atomic_write_unit_max_opt"),
            MemoryLayout.sequenceLayout(1, JAVA_INT).withName("__spare2"),
            MemoryLayout.sequenceLayout(8, JAVA_LONG).withName("__spare3")).withName("statx");

    /** Offset of {@code stx_mask} (u32): the STATX_* bits actually filled in. */
    public static final long STX_MASK = offset(STATX, "stx_mask");
    /** Offset of {@code stx_blksize} (u32): preferred I/O size. */
    public static final long STX_BLKSIZE = offset(STATX, "stx_blksize");
    /** Offset of {@code stx_attributes} (u64). */
    public static final long STX_ATTRIBUTES = offset(STATX, "stx_attributes");
    /** Offset of {@code stx_nlink} (u32). */
    public static final long STX_NLINK = offset(STATX, "stx_nlink");
    /** Offset of {@code stx_uid} (u32). */
    public static final long STX_UID = offset(STATX, "stx_uid");
    /** Offset of {@code stx_gid} (u32). */
    public static final long STX_GID = offset(STATX, "stx_gid");
    /** Offset of {@code stx_mode} (u16): file type and permission bits. */
    public static final long STX_MODE = offset(STATX, "stx_mode");
    /** Offset of {@code stx_ino} (u64). */
    public static final long STX_INO = offset(STATX, "stx_ino");
    /** Offset of {@code stx_size} (u64). */
    public static final long STX_SIZE = offset(STATX, "stx_size");
    /** Offset of {@code stx_blocks} (u64): 512-byte blocks allocated. */
    public static final long STX_BLOCKS = offset(STATX, "stx_blocks");
    /** Offset of {@code stx_attributes_mask} (u64). */
    public static final long STX_ATTRIBUTES_MASK = offset(STATX, "stx_attributes_mask");
    /** Offset of {@code stx_atime} (statx_timestamp). */
    public static final long STX_ATIME = offset(STATX, "stx_atime");
    /** Offset of {@code stx_btime} (statx_timestamp). */
    public static final long STX_BTIME = offset(STATX, "stx_btime");
    /** Offset of {@code stx_ctime} (statx_timestamp). */
    public static final long STX_CTIME = offset(STATX, "stx_ctime");
    /** Offset of {@code stx_mtime} (statx_timestamp). */
    public static final long STX_MTIME = offset(STATX, "stx_mtime");
    /** Offset of {@code stx_rdev_major} (u32). */
    public static final long STX_RDEV_MAJOR = offset(STATX, "stx_rdev_major");
    /** Offset of {@code stx_rdev_minor} (u32). */
    public static final long STX_RDEV_MINOR = offset(STATX, "stx_rdev_minor");
    /** Offset of {@code stx_dev_major} (u32): device holding the file. */
    public static final long STX_DEV_MAJOR = offset(STATX, "stx_dev_major");
    /** Offset of {@code stx_dev_minor} (u32). */
    public static final long STX_DEV_MINOR = offset(STATX, "stx_dev_minor");
    /** Offset of {@code stx_mnt_id} (u64). */
    public static final long STX_MNT_ID = offset(STATX, "stx_mnt_id");
    /** Offset of {@code stx_dio_mem_align} (u32): O_DIRECT buffer alignment, 0 if no O_DIRECT. */
    public static final long STX_DIO_MEM_ALIGN = offset(STATX, "stx_dio_mem_align");
    /** Offset of {@code stx_dio_offset_align} (u32): O_DIRECT offset and length alignment, 0 if no O_DIRECT. */
    public static final long STX_DIO_OFFSET_ALIGN = offset(STATX, "stx_dio_offset_align");
    /** Offset of {@code stx_subvol} (u64). */
    public static final long STX_SUBVOL = offset(STATX, "stx_subvol");
    /** Offset of {@code stx_atomic_write_unit_min} (u32). */
    public static final long STX_ATOMIC_WRITE_UNIT_MIN = offset(STATX, "stx_atomic_write_unit_min");
    /** Offset of {@code stx_atomic_write_unit_max} (u32). */
    public static final long STX_ATOMIC_WRITE_UNIT_MAX = offset(STATX, "stx_atomic_write_unit_max");
    /** Offset of {@code stx_atomic_write_segments_max} (u32). */
    public static final long STX_ATOMIC_WRITE_SEGMENTS_MAX = offset(STATX, "stx_atomic_write_segments_max");
    /** Offset of {@code stx_dio_read_offset_align} (u32): O_DIRECT read offset alignment (Linux 6.14). */
    public static final long STX_DIO_READ_OFFSET_ALIGN = offset(STATX, "stx_dio_read_offset_align");
    /** Offset of {@code stx_atomic_write_unit_max_opt} (u32). */
    public static final long STX_ATOMIC_WRITE_UNIT_MAX_OPT = offset(STATX, "stx_atomic_write_unit_max_opt");

    /** Want/got the file type bits of stx_mode. */
    public static final int STATX_TYPE = 0x0000_0001;
    /** Want/got the permission bits of stx_mode. */
    public static final int STATX_MODE = 0x0000_0002;
    /** Want/got stx_nlink. */
    public static final int STATX_NLINK = 0x0000_0004;
    /** Want/got stx_uid. */
    public static final int STATX_UID = 0x0000_0008;
    /** Want/got stx_gid. */
    public static final int STATX_GID = 0x0000_0010;
    /** Want/got stx_atime. */
    public static final int STATX_ATIME = 0x0000_0020;
    /** Want/got stx_mtime. */
    public static final int STATX_MTIME = 0x0000_0040;
    /** Want/got stx_ctime. */
    public static final int STATX_CTIME = 0x0000_0080;
    /** Want/got stx_ino. */
    public static final int STATX_INO = 0x0000_0100;
    /** Want/got stx_size. */
    public static final int STATX_SIZE = 0x0000_0200;
    /** Want/got stx_blocks. */
    public static final int STATX_BLOCKS = 0x0000_0400;
    /** Everything stat(2) returns. */
    public static final int STATX_BASIC_STATS = 0x0000_07ff;
    /** Want/got stx_btime. */
    public static final int STATX_BTIME = 0x0000_0800;
    /** Got stx_mnt_id (Linux 5.8). */
    public static final int STATX_MNT_ID = 0x0000_1000;
    /** Want/got stx_dio_mem_align and stx_dio_offset_align (Linux 6.1). */
    public static final int STATX_DIOALIGN = 0x0000_2000;
    /** Want/got the unique 64-bit stx_mnt_id (Linux 6.8). */
    public static final int STATX_MNT_ID_UNIQUE = 0x0000_4000;
    /** Want/got stx_subvol (Linux 6.10). */
    public static final int STATX_SUBVOL = 0x0000_8000;
    /** Want/got the stx_atomic_write_* fields (Linux 6.11). */
    public static final int STATX_WRITE_ATOMIC = 0x0001_0000;
    /** Want/got stx_dio_read_offset_align (Linux 6.14). */
    public static final int STATX_DIO_READ_ALIGN = 0x0002_0000;

    // File types in stx_mode (include/uapi/linux/stat.h).

    /** Mask of the file type bits of stx_mode. */
    public static final int S_IFMT = 0xf000;
    /** Socket. */
    public static final int S_IFSOCK = 0xc000;
    /** Symbolic link. */
    public static final int S_IFLNK = 0xa000;
    /** Regular file. */
    public static final int S_IFREG = 0x8000;
    /** Block device. */
    public static final int S_IFBLK = 0x6000;
    /** Directory. */
    public static final int S_IFDIR = 0x4000;
    /** Character device. */
    public static final int S_IFCHR = 0x2000;
    /** FIFO (named pipe). */
    public static final int S_IFIFO = 0x1000;

    /** The file type of a stx_mode in words, for messages: "a directory", "a FIFO". */
    public static String typeName(int mode) {
        return switch (mode & S_IFMT) {
            case S_IFREG -> "a regular file";
            case S_IFDIR -> "a directory";
            case S_IFBLK -> "a block device";
            case S_IFCHR -> "a character device";
            case S_IFIFO -> "a FIFO";
            case S_IFSOCK -> "a socket";
            case S_IFLNK -> "a symbolic link";
            default -> "a file of type 0" + Integer.toOctalString(mode & S_IFMT);
        };
    }

    private Statx() {
    }
}
