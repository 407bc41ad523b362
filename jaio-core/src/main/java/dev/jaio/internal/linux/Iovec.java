package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct iovec} ({@code include/uapi/linux/uio.h}), the element of the arrays taken by
 * preadv/pwritev, IOCB_CMD_PREADV/PWRITEV and io_uring. Little-endian LP64.
 */
public final class Iovec {

    /**
     * {@code struct iovec}, 16 bytes.
     * <pre>
     * struct iovec { void __user *iov_base; __kernel_size_t iov_len; };
     * </pre>
     */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"),
            JAVA_LONG.withName("iov_len")).withName("iovec");

    /** Offset of {@code iovec.iov_base} (pointer). */
    public static final long IOVEC_IOV_BASE = offset(IOVEC, "iov_base");
    /** Offset of {@code iovec.iov_len} (size_t). */
    public static final long IOVEC_IOV_LEN = offset(IOVEC, "iov_len");

    /** {@code UIO_MAXIOV}: the most iovecs one call accepts; more fail with EINVAL. */
    public static final int UIO_MAXIOV = 1024;

    private Iovec() {
    }

    /**
     * Sets element {@code i} of the iovec array in {@code iovs} to {@code buf}: its address and
     * byte size. Allocates nothing.
     *
     * @throws IndexOutOfBoundsException when element {@code i} lies outside {@code iovs}
     */
    public static void set(MemorySegment iovs, int i, MemorySegment buf) {
        set(iovs, i, buf.address(), buf.byteSize());
    }

    /**
     * Sets element {@code i} of the iovec array in {@code iovs} to the {@code length} bytes at
     * native address {@code address} (part of a buffer the caller keeps alive: no slice of it
     * needed). Allocates nothing.
     *
     * @throws IndexOutOfBoundsException when element {@code i} lies outside {@code iovs}
     */
    public static void set(MemorySegment iovs, int i, long address, long length) {
        long iov = IOVEC.byteSize() * i;
        iovs.set(JAVA_LONG, iov + IOVEC_IOV_BASE, address);
        iovs.set(JAVA_LONG, iov + IOVEC_IOV_LEN, length);
    }

    /**
     * Sets elements 0 to {@code bufs.length - 1} of the iovec array in {@code iovs} to
     * {@code bufs}, in order. Allocates nothing.
     *
     * @throws IndexOutOfBoundsException when {@code iovs} holds fewer than {@code bufs.length} iovecs
     */
    public static void fill(MemorySegment iovs, MemorySegment[] bufs) {
        for (int i = 0; i < bufs.length; i++) {
            set(iovs, i, bufs[i]);
        }
    }
}
