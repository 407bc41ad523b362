package dev.jaio.internal.linux;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * TCP sockets: the address structures and constants of {@code include/linux/socket.h},
 * {@code include/uapi/linux/in.h}, {@code include/uapi/linux/in6.h},
 * {@code include/uapi/asm-generic/socket.h} and {@code include/uapi/linux/tcp.h} that jaio's event
 * loop uses. x86_64 and aarch64 share every value here.
 *
 * <p>Port and address fields are in network byte order (big endian); {@link #writeAddress} and
 * {@link #readAddress} convert.
 */
public final class Sockets {

    /**
     * No family ({@code AF_UNSPEC}): connect(2) to a sockaddr of it disconnects a TCP socket
     * (tcp_disconnect: its queues purged, a RST sent) while the descriptor stays open.
     */
    public static final int AF_UNSPEC = 0;
    /** IPv4 ({@code AF_INET}). */
    public static final int AF_INET = 2;
    /** IPv6 ({@code AF_INET6}). */
    public static final int AF_INET6 = 10;

    /** A byte stream ({@code SOCK_STREAM}). */
    public static final int SOCK_STREAM = 1;
    /** socket(2), accept4(2) flag: O_NONBLOCK on the new descriptor. */
    public static final int SOCK_NONBLOCK = Fcntl.O_NONBLOCK;
    /** socket(2), accept4(2) flag: O_CLOEXEC on the new descriptor. */
    public static final int SOCK_CLOEXEC = Fcntl.O_CLOEXEC;

    /** setsockopt level of the socket itself. */
    public static final int SOL_SOCKET = 1;
    /** Rebind a port in TIME_WAIT. */
    public static final int SO_REUSEADDR = 2;
    /** Read (and clear) the pending error, e.g. of a non-blocking connect. */
    public static final int SO_ERROR = 4;
    /** Send buffer size, bytes (the kernel doubles what is set). */
    public static final int SO_SNDBUF = 7;
    /** Receive buffer size, bytes (the kernel doubles what is set). */
    public static final int SO_RCVBUF = 8;
    /** struct linger: close(2) with {@code l_onoff=1, l_linger=0} sends a reset. */
    public static final int SO_LINGER = 13;
    /** Several sockets bound to one port, connections spread between them by hash. */
    public static final int SO_REUSEPORT = 15;

    /** setsockopt level of TCP. */
    public static final int IPPROTO_TCP = 6;
    /** Send small segments at once (no Nagle). */
    public static final int TCP_NODELAY = 1;

    /** shutdown(2): no more receptions. */
    public static final int SHUT_RD = 0;
    /** shutdown(2): no more transmissions (sends FIN). */
    public static final int SHUT_WR = 1;
    /** shutdown(2): both. */
    public static final int SHUT_RDWR = 2;

    /** send(2) flag: do not raise SIGPIPE on a connection the peer closed; EPIPE is returned. */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** send(2)/recv(2) flag: this call does not block, even on a blocking socket (EAGAIN instead). */
    public static final int MSG_DONTWAIT = 0x40;
    /** send(2)/recv(2) flag: the whole length (a ring request retries a short one itself). */
    public static final int MSG_WAITALL = 0x100;
    /**
     * send(2) flag: more data follows; TCP holds a part of a segment back (as TCP_CORK does, for
     * this call) until a send without it, or a sendfile(2)'s last part, pushes it out.
     */
    public static final int MSG_MORE = 0x8000;

    /**
     * {@code struct sockaddr_in}, 16 bytes.
     * <pre>
     * struct sockaddr_in { sa_family_t sin_family; __be16 sin_port; struct in_addr sin_addr; unsigned char __pad[8]; };
     * </pre>
     */
    public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin_family"),
            JAVA_SHORT.withName("sin_port"),
            JAVA_INT.withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("__pad")).withName("sockaddr_in");

    /**
     * {@code struct sockaddr_in6}, 28 bytes.
     * <pre>
     * struct sockaddr_in6 { unsigned short sin6_family; __be16 sin6_port; __be32 sin6_flowinfo;
     *                       struct in6_addr sin6_addr; __u32 sin6_scope_id; };
     * </pre>
     */
    public static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin6_family"),
            JAVA_SHORT.withName("sin6_port"),
            JAVA_INT.withName("sin6_flowinfo"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("sin6_addr"),
            JAVA_INT.withName("sin6_scope_id")).withName("sockaddr_in6");

    /** Offset of {@code sin_family} (and of {@code sin6_family}). */
    public static final long SIN_FAMILY = offset(SOCKADDR_IN, "sin_family");
    /** Offset of {@code sin_port} (and of {@code sin6_port}), big endian. */
    public static final long SIN_PORT = offset(SOCKADDR_IN, "sin_port");
    /** Offset of {@code sin_addr}, big endian. */
    public static final long SIN_ADDR = offset(SOCKADDR_IN, "sin_addr");
    /** Offset of {@code sin6_addr}. */
    public static final long SIN6_ADDR = offset(SOCKADDR_IN6, "sin6_addr");
    /** Offset of {@code sin6_scope_id}. */
    public static final long SIN6_SCOPE_ID = offset(SOCKADDR_IN6, "sin6_scope_id");

    /**
     * {@code struct msghdr} as sendmsg(2) and io_uring's SENDMSG take it ({@code struct
     * user_msghdr}, {@code include/linux/socket.h}), 56 bytes on LP64.
     * <pre>
     * struct user_msghdr { void __user *msg_name; int msg_namelen; struct iovec __user *msg_iov;
     *                      __kernel_size_t msg_iovlen; void __user *msg_control;
     *                      __kernel_size_t msg_controllen; unsigned int msg_flags; };
     * </pre>
     */
    public static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4)).withName("msghdr");

    /** Offset of {@code msg_iov} (pointer to the iovec array). */
    public static final long MSG_IOV = offset(MSGHDR, "msg_iov");
    /** Offset of {@code msg_iovlen} (size_t: iovecs in the array). */
    public static final long MSG_IOVLEN = offset(MSGHDR, "msg_iovlen");

    /** Room for either address: {@code sizeof(struct sockaddr_in6)}. */
    public static final long SOCKADDR_MAX = SOCKADDR_IN6.byteSize();

    private static final ValueLayout.OfShort BE_SHORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    private Sockets() {
    }

    /** The address family of {@code address}: {@link #AF_INET} or {@link #AF_INET6}. */
    public static int family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet6Address ? AF_INET6 : AF_INET;
    }

    /**
     * Writes {@code address} as a {@code sockaddr_in} or {@code sockaddr_in6} at the start of
     * {@code sa} (at least {@link #SOCKADDR_MAX} bytes).
     *
     * @return the structure's length, for the addrlen argument
     * @throws IllegalArgumentException for an unresolved address
     */
    public static int writeAddress(MemorySegment sa, InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved address: " + address);
        }
        sa.asSlice(0, SOCKADDR_MAX).fill((byte) 0);
        short port = (short) address.getPort();
        sa.set(BE_SHORT, SIN_PORT, port);
        if (ip instanceof Inet4Address) {
            sa.set(JAVA_SHORT, SIN_FAMILY, (short) AF_INET);
            MemorySegment.copy(ip.getAddress(), 0, sa, JAVA_BYTE, SIN_ADDR, 4);
            return (int) SOCKADDR_IN.byteSize();
        }
        sa.set(JAVA_SHORT, SIN_FAMILY, (short) AF_INET6);
        MemorySegment.copy(ip.getAddress(), 0, sa, JAVA_BYTE, SIN6_ADDR, 16);
        sa.set(JAVA_INT, SIN6_SCOPE_ID, ((Inet6Address) ip).getScopeId());
        return (int) SOCKADDR_IN6.byteSize();
    }

    /** Reads the {@code sockaddr_in} or {@code sockaddr_in6} at the start of {@code sa}; null for another family. */
    public static InetSocketAddress readAddress(MemorySegment sa) {
        int family = sa.get(JAVA_SHORT, SIN_FAMILY);
        int port = Short.toUnsignedInt(sa.get(BE_SHORT, SIN_PORT));
        try {
            if (family == AF_INET) {
                byte[] a = new byte[4];
                MemorySegment.copy(sa, JAVA_BYTE, SIN_ADDR, a, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(a), port);
            }
            if (family == AF_INET6) {
                byte[] a = new byte[16];
                MemorySegment.copy(sa, JAVA_BYTE, SIN6_ADDR, a, 0, 16);
                return new InetSocketAddress(Inet6Address.getByAddress(null, a, sa.get(JAVA_INT, SIN6_SCOPE_ID)), port);
            }
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only for a wrong length, which the copies above rule out
        }
        return null;
    }
}
