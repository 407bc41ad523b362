package dev.jaio.internal.linux;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * cachestat(2) (Linux 6.5): how many pages of a byte range of a file the kernel's page cache holds,
 * without mapping the file as mincore(2) needs. Structs from {@code include/uapi/linux/mman.h};
 * the syscall number is 451 in the generic table ({@code include/uapi/asm-generic/unistd.h}) and
 * on x86_64 ({@code arch/x86/entry/syscalls/syscall_64.tbl}). glibc has no wrapper: made through
 * libc's {@code syscall} with errno captured. ENOSYS on older kernels (and other architectures).
 */
public final class Cachestat {

    /** cachestat on x86_64 and aarch64. */
    public static final long NR_CACHESTAT = 451;

    /**
     * {@code struct cachestat_range}, 16 bytes: {@code __u64 off; __u64 len;} ({@code len} 0: to
     * the end of the file).
     */
    public static final StructLayout CACHESTAT_RANGE = MemoryLayout.structLayout(
            JAVA_LONG.withName("off"),
            JAVA_LONG.withName("len")).withName("cachestat_range");

    /**
     * {@code struct cachestat}, 40 bytes, in pages: {@code nr_cache} (resident), {@code nr_dirty},
     * {@code nr_writeback}, {@code nr_evicted}, {@code nr_recently_evicted}.
     */
    public static final StructLayout CACHESTAT = MemoryLayout.structLayout(
            JAVA_LONG.withName("nr_cache"),
            JAVA_LONG.withName("nr_dirty"),
            JAVA_LONG.withName("nr_writeback"),
            JAVA_LONG.withName("nr_evicted"),
            JAVA_LONG.withName("nr_recently_evicted")).withName("cachestat");

    /** Offset of {@code off} in {@link #CACHESTAT_RANGE}. */
    public static final long RANGE_OFF = offset(CACHESTAT_RANGE, "off");
    /** Offset of {@code len} in {@link #CACHESTAT_RANGE}. */
    public static final long RANGE_LEN = offset(CACHESTAT_RANGE, "len");
    /** Offset of {@code nr_cache} in {@link #CACHESTAT}. */
    public static final long NR_CACHE = offset(CACHESTAT, "nr_cache");

    private static final boolean KNOWN = Arch.LINUX && (Arch.X86_64 || Arch.AARCH64);

    /** The kernel's page size, the unit of cachestat's counts (getpagesize(2)). */
    public static final long PAGE_SIZE = pageSize();

    private Cachestat() {
    }

    /**
     * {@code cachestat(unsigned int fd, struct cachestat_range *range, struct cachestat *cstat,
     * unsigned int flags)} with flags 0: the pages of [off, off + len) the page cache holds, or
     * -errno (ENOSYS: no cachestat; EBADF; EOPNOTSUPP for a descriptor of something other than a
     * file, such as a hugetlbfs file).
     */
    public static long residentPages(int fd, long off, long len) {
        if (!KNOWN) {
            return -Errno.ENOSYS;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment range = arena.allocate(CACHESTAT_RANGE);
            MemorySegment stat = arena.allocate(CACHESTAT);
            range.set(JAVA_LONG, RANGE_OFF, off);
            range.set(JAVA_LONG, RANGE_LEN, len);
            MemorySegment state = Downcalls.callState();
            long r;
            try {
                r = (long) cachestat.HANDLE.invokeExact(state, NR_CACHESTAT, (long) fd, range, stat, 0L);
            } catch (Throwable t) {
                throw Downcalls.unexpected(t);
            }
            return r >= 0 ? stat.get(JAVA_LONG, NR_CACHE) : -Downcalls.errno(state);
        }
    }

    /**
     * Whether the page cache holds every page of [off, off + len) that lies before {@code size}
     * (the file's size): a read of the range would not wait for the device. False when cachestat
     * fails (ENOSYS on kernels before 6.5), so that the caller takes the way that may wait.
     */
    public static boolean allResident(int fd, long off, long len, long size) {
        try (Arena arena = Arena.ofConfined()) {
            return allResident(fd, off, len, size, arena.allocate(CACHESTAT_RANGE), arena.allocate(CACHESTAT));
        }
    }

    /**
     * {@link #allResident(int, long, long, long)} in the caller's memory for the range
     * ({@link #CACHESTAT_RANGE}) and the answer ({@link #CACHESTAT}), for a check on a hot path (a
     * loop's sendfile). The call captures no errno, which it does not need (any failure is "cannot
     * say"), so nothing is allocated even where the JIT does not inline the whole downcall (errno
     * capture slices its state segment, an object that then escapes).
     */
    public static boolean allResident(int fd, long off, long len, long size, MemorySegment range, MemorySegment stat) {
        long end = Math.min(size, off > Long.MAX_VALUE - len ? Long.MAX_VALUE : off + len);
        if (end <= off) {
            return true;
        }
        if (!KNOWN) {
            return false;
        }
        long pages = (end + PAGE_SIZE - 1) / PAGE_SIZE - off / PAGE_SIZE;
        range.set(JAVA_LONG, RANGE_OFF, off);
        range.set(JAVA_LONG, RANGE_LEN, end - off);
        long r;
        try {
            r = (long) cachestatNoErrno.HANDLE.invokeExact(NR_CACHESTAT, (long) fd, range, stat, 0L);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 && stat.get(JAVA_LONG, NR_CACHE) >= pages;
    }

    private static long pageSize() {
        try {
            return (int) getpagesize.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
    }

    private static final class getpagesize {
        static final MethodHandle HANDLE = Downcalls.libcNoErrno("getpagesize", FunctionDescriptor.of(JAVA_INT));
    }

    private static final class cachestat {
        static final MethodHandle HANDLE = Downcalls.syscall(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
    }

    private static final class cachestatNoErrno {
        static final MethodHandle HANDLE = Downcalls.syscallNoErrno(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
    }
}
