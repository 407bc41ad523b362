package dev.jaio.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * Golden values of the socket and epoll ABI (in.h, in6.h, eventpoll.h, socket.h, tcp.h; checked
 * with offsetof/sizeof on x86_64), never recomputed from the layouts under test, and the calls of
 * {@link NetCalls} against the real kernel.
 */
class NetAbiTest {

    @Test
    void sockaddrIn() {
        var l = Sockets.SOCKADDR_IN;
        assertAll(
                () -> assertEquals(16, l.byteSize()),
                () -> assertEquals(0, Sockets.SIN_FAMILY),
                () -> assertEquals(2, Sockets.SIN_PORT),
                () -> assertEquals(4, Sockets.SIN_ADDR),
                () -> assertEquals(4, l.byteOffset(PathElement.groupElement("sin_addr"))));
    }

    @Test
    void sockaddrIn6() {
        var l = Sockets.SOCKADDR_IN6;
        assertAll(
                () -> assertEquals(28, l.byteSize()),
                () -> assertEquals(28, Sockets.SOCKADDR_MAX),
                () -> assertEquals(8, Sockets.SIN6_ADDR),
                () -> assertEquals(24, Sockets.SIN6_SCOPE_ID),
                // The family and port of both structures share offsets 0 and 2 (the code uses one constant).
                () -> assertEquals(0, l.byteOffset(PathElement.groupElement("sin6_family"))),
                () -> assertEquals(2, l.byteOffset(PathElement.groupElement("sin6_port"))),
                () -> assertEquals(4, l.byteOffset(PathElement.groupElement("sin6_flowinfo"))));
    }

    @Test
    void msghdr() {
        var l = Sockets.MSGHDR;
        assertAll(
                () -> assertEquals(56, l.byteSize()),
                () -> assertEquals(0, l.byteOffset(PathElement.groupElement("msg_name"))),
                () -> assertEquals(8, l.byteOffset(PathElement.groupElement("msg_namelen"))),
                () -> assertEquals(16, Sockets.MSG_IOV),
                () -> assertEquals(24, Sockets.MSG_IOVLEN),
                () -> assertEquals(32, l.byteOffset(PathElement.groupElement("msg_control"))),
                () -> assertEquals(40, l.byteOffset(PathElement.groupElement("msg_controllen"))),
                () -> assertEquals(48, l.byteOffset(PathElement.groupElement("msg_flags"))));
    }

    @Test
    void epollEventIsPackedOnX86AndAlignedOnArm() {
        assertEquals(12, Epoll.EPOLL_EVENT_PACKED.byteSize());
        assertEquals(4, Epoll.EPOLL_EVENT_PACKED.byteOffset(PathElement.groupElement("data")));
        assertEquals(16, Epoll.EPOLL_EVENT_ALIGNED.byteSize());
        assertEquals(8, Epoll.EPOLL_EVENT_ALIGNED.byteOffset(PathElement.groupElement("data")));
        if (Arch.X86_64) {
            assertEquals(12, Epoll.EPOLL_EVENT.byteSize());
            assertEquals(4, Epoll.DATA);
        } else if (Arch.AARCH64) {
            assertEquals(16, Epoll.EPOLL_EVENT.byteSize());
            assertEquals(8, Epoll.DATA);
        }
        assertEquals(0, Epoll.EVENTS);
    }

    @Test
    void constants() {
        assertAll(
                () -> assertEquals(0, Sockets.AF_UNSPEC),
                () -> assertEquals(2, Sockets.AF_INET),
                () -> assertEquals(10, Sockets.AF_INET6),
                () -> assertEquals(1, Sockets.SOCK_STREAM),
                () -> assertEquals(04000, Sockets.SOCK_NONBLOCK),
                () -> assertEquals(02000000, Sockets.SOCK_CLOEXEC),
                () -> assertEquals(15, Sockets.SO_REUSEPORT),
                () -> assertEquals(4, Sockets.SO_ERROR),
                () -> assertEquals(0x4000, Sockets.MSG_NOSIGNAL),
                () -> assertEquals(0x100, Sockets.MSG_WAITALL),
                () -> assertEquals(0x8000, Sockets.MSG_MORE),
                () -> assertEquals(0x40, Sockets.MSG_DONTWAIT),
                () -> assertEquals(1, Epoll.EPOLL_CTL_ADD),
                () -> assertEquals(2, Epoll.EPOLL_CTL_DEL),
                () -> assertEquals(0x80000000, Epoll.EPOLLET),
                () -> assertEquals(0x2000, Epoll.EPOLLRDHUP),
                () -> assertEquals(1, Sockets.SOL_SOCKET),
                () -> assertEquals(2, Sockets.SO_REUSEADDR),
                () -> assertEquals(7, Sockets.SO_SNDBUF),
                () -> assertEquals(8, Sockets.SO_RCVBUF),
                () -> assertEquals(13, Sockets.SO_LINGER),
                () -> assertEquals(6, Sockets.IPPROTO_TCP),
                () -> assertEquals(1, Sockets.TCP_NODELAY),
                () -> assertEquals(0, Sockets.SHUT_RD),
                () -> assertEquals(1, Sockets.SHUT_WR),
                () -> assertEquals(2, Sockets.SHUT_RDWR),
                () -> assertEquals(3, Epoll.EPOLL_CTL_MOD),
                () -> assertEquals(1 << 30, Epoll.EPOLLONESHOT),
                () -> assertEquals(0x001, Epoll.EPOLLIN),
                () -> assertEquals(0x004, Epoll.EPOLLOUT),
                () -> assertEquals(0x008, Epoll.EPOLLERR),
                () -> assertEquals(0x010, Epoll.EPOLLHUP),
                () -> assertEquals(0x2000, Poll.POLLRDHUP),
                () -> assertEquals(Poll.POLLIN, Epoll.EPOLLIN),
                () -> assertEquals(Poll.POLLOUT, Epoll.EPOLLOUT));
    }

    @Test
    void addressesRoundTripInNetworkOrder() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(Sockets.SOCKADDR_MAX);
            InetSocketAddress v4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0x1F90); // 8080
            assertEquals(16, Sockets.writeAddress(sa, v4));
            // Port 8080 is 0x1F90: big endian bytes 0x1F, 0x90; 127.0.0.1 is 7F 00 00 01.
            assertArrayEquals(new byte[] {2, 0, 0x1F, (byte) 0x90, 0x7F, 0, 0, 1}, sa.asSlice(0, 8).toArray(JAVA_BYTE));
            assertEquals(v4, Sockets.readAddress(sa));
            InetSocketAddress v6 = new InetSocketAddress("::1", 443);
            assertEquals(28, Sockets.writeAddress(sa, v6));
            assertEquals(10, sa.get(JAVA_BYTE, 0));
            assertEquals(1, sa.get(JAVA_BYTE, 23)); // ::1: the last byte of sin6_addr
            assertEquals(v6, Sockets.readAddress(sa));
        }
    }

    @Test
    void epollReportsAPipeEdgeWithItsToken() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8);
            assertEquals(0, NetCalls.pipe2(fds, Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK));
            int r = fds.get(JAVA_INT, 0);
            int w = fds.get(JAVA_INT, 4);
            int ep = (int) NetCalls.epollCreate1(Epoll.EPOLL_CLOEXEC);
            assertTrue(ep >= 0);
            MemorySegment ev = a.allocate(Epoll.EPOLL_EVENT.byteSize() * 4, 8);
            ev.set(JAVA_INT, Epoll.EVENTS, Epoll.EPOLLIN | Epoll.EPOLLET);
            ev.set(JAVA_LONG_UNALIGNED, Epoll.DATA, 0x1234_5678_9ABCL);
            assertEquals(0, NetCalls.epollCtl(ep, Epoll.EPOLL_CTL_ADD, r, ev));
            assertEquals(0, NetCalls.epollWaitTry(ep, ev, 4, 0));
            MemorySegment one = a.allocate(1);
            assertEquals(1, Libc.write(w, one, 1));
            assertEquals(1, NetCalls.epollWaitTry(ep, ev, 4, 1000));
            assertEquals(Epoll.EPOLLIN, ev.get(JAVA_INT, Epoll.EVENTS));
            assertEquals(0x1234_5678_9ABCL, ev.get(JAVA_LONG_UNALIGNED, Epoll.DATA));
            assertEquals(0, NetCalls.epollWaitTry(ep, ev, 4, 0), "edge-triggered: reported once");
            assertEquals(-Errno.EBADF, NetCalls.epollCtl(-1, Epoll.EPOLL_CTL_ADD, r, ev));
            assertEquals(-1, NetCalls.epollWaitTry(-1, ev, 4, 0), "a failure, without errno: -1");
            // sendfile's try: -1 on a failure (a pipe is no file to send from), and the repeat says why.
            MemorySegment off = a.allocate(8, 8);
            assertEquals(-1, NetCalls.sendfileTry(w, r, off, 1));
            assertTrue(NetCalls.sendfile(w, r, off, 1) < 0);
            assertEquals(0L, off.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0), "a failed sendfile moves no offset");
            Libc.close(ep);
            Libc.close(r);
            Libc.close(w);
        }
    }
}
