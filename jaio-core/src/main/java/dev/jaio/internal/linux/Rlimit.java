package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Resource limits: getrlimit(2) resources of {@code include/uapi/asm-generic/resource.h} and
 * {@code struct rlimit} of {@code include/uapi/linux/resource.h} (two {@code rlim_t}, 64-bit on
 * x86_64 and aarch64).
 */
public final class Rlimit {

    /** Largest file the process may create or extend: RLIMIT_FSIZE (a write at or past it fails with EFBIG). */
    public static final int RLIMIT_FSIZE = 1;
    /** Locked memory: RLIMIT_MEMLOCK. */
    public static final int RLIMIT_MEMLOCK = 8;
    /** No limit: RLIM_INFINITY, {@code ~0UL} (read as -1 in a Java long). */
    public static final long RLIM_INFINITY = -1L;

    /** {@code struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }}. */
    public static final StructLayout RLIMIT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rlim_cur"),
            JAVA_LONG.withName("rlim_max"));
    public static final long RLIM_CUR_OFFSET = 0;
    public static final long RLIM_MAX_OFFSET = 8;

    private Rlimit() {
    }
}
