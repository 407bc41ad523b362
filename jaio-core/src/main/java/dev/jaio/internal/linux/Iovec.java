package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
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
}
