package dev.jaio.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * mmap(2) and munmap(2), through glibc, with errno captured: what maps the io_uring rings and SQE
 * array into the process.
 *
 * <p>The PROT_* and MAP_* values are those of {@code include/uapi/asm-generic/mman-common.h} and
 * {@code include/uapi/linux/mman.h} (MAP_SHARED, MAP_PRIVATE). x86_64 and aarch64 both include the
 * generic header unchanged ({@code arch/x86/include/uapi/asm/mman.h} adds only MAP_32BIT and
 * protection keys, {@code arch/arm64/include/uapi/asm/mman.h} only PROT_BTI and PROT_MTE), so the
 * values are the same on both.
 *
 * <p>Addresses are plain {@code long}s, not segments: a mapping outlives any arena, and only
 * {@link #segment} turns one into accessible memory.
 */
public final class Mman {

    /** Pages may be read. */
    public static final int PROT_READ = 0x1;
    /** Pages may be written. */
    public static final int PROT_WRITE = 0x2;

    /** Stores are shared with every other mapping of the object (for io_uring, with the kernel). */
    public static final int MAP_SHARED = 0x01;
    /** Copy-on-write private mapping. */
    public static final int MAP_PRIVATE = 0x02;
    /** Not backed by a file: zero-filled memory; pass fd -1 and offset 0. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** Prefault the page tables now, so the first ring access does not take a page fault. */
    public static final int MAP_POPULATE = 0x8000;

    /** madvise: back the range with transparent huge pages where possible (include/uapi/asm-generic/mman-common.h). */
    public static final int MADV_HUGEPAGE = 14;
    /** madvise: fault the range in now, writable (5.14). */
    public static final int MADV_POPULATE_WRITE = 23;

    private Mman() {
    }

    /**
     * {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)}: the
     * address of the new mapping, or {@code -errno}. glibc reports failure as MAP_FAILED,
     * {@code (void *) -1}, which is turned into {@code -errno} here. Success is never negative:
     * user-space addresses lie below 2^56 on x86_64 (5-level paging) and 2^52 on aarch64.
     * {@code addr} 0 lets the kernel choose.
     */
    public static long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        if (mmap.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) mmap.HANDLE.invokeExact(state, addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r != -1L ? r : -Downcalls.errno(state);
    }

    /**
     * {@code int munmap(void *addr, size_t length)}: 0, or {@code -errno} (EINVAL for an address
     * that is not page-aligned). Every segment made by {@link #segment} over the range must be dead
     * by then: touching it afterwards crashes the JVM.
     */
    public static long munmap(long addr, long length) {
        if (munmap.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) munmap.HANDLE.invokeExact(state, addr, length);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int madvise(void *addr, size_t length, int advice)}: 0, or {@code -errno}. */
    public static long madvise(long addr, long length, int advice) {
        if (madvise.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) madvise.HANDLE.invokeExact(state, addr, length, advice);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * The {@code length} bytes mapped at {@code address}, as a segment of the global scope. The
     * segment does not know when the range is unmapped: the caller must stop using it before
     * {@link #munmap}. A negative or zero address (an {@code -errno} passed by mistake, or NULL)
     * throws {@link IllegalArgumentException} instead of yielding a segment that would crash on
     * first access.
     */
    @SuppressWarnings("restricted") // the one place mapped memory gets a size: the caller vouches for the mapping
    public static MemorySegment segment(long address, long length) {
        if (address <= 0) {
            throw new IllegalArgumentException("not a mapped address: " + address);
        }
        return MemorySegment.ofAddress(address).reinterpret(length);
    }

    // One holder per symbol, linked on first use. The address arguments and the result are
    // JAVA_LONG rather than ADDRESS: on LP64 a pointer and a long travel in the same register, and
    // keeping them numbers avoids a zero-length segment per call and lets MAP_FAILED be compared.

    private static final class mmap {
        static final MethodHandle HANDLE = Downcalls.libc("mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    }

    private static final class madvise {
        static final MethodHandle HANDLE = Downcalls.libc("madvise",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    }

    private static final class munmap {
        static final MethodHandle HANDLE = Downcalls.libc("munmap",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    }
}
