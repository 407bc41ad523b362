package dev.jaio.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Objects;

/**
 * The socket, pipe and epoll system calls of jaio's event loop, through glibc. Each returns what
 * the call returns, or {@code -errno} when it fails (never throws for a failed call), as
 * {@link Libc} does. Address arguments are {@link Sockets#SOCKADDR_IN}/{@link Sockets#SOCKADDR_IN6}
 * structures; epoll events are {@link Epoll#EPOLL_EVENT}s.
 */
public final class NetCalls {

    private NetCalls() {
    }

    /** {@code int socket(int domain, int type, int protocol)}: a new descriptor. */
    public static long socket(int domain, int type, int protocol) {
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) socket.HANDLE.invokeExact(state, domain, type, protocol);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int bind(int fd, const struct sockaddr *addr, socklen_t len)}: 0. */
    public static long bind(int fd, MemorySegment addr, int len) {
        Objects.checkFromIndexSize(0, len, addr.byteSize());
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) bind.HANDLE.invokeExact(state, fd, addr, len);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int listen(int fd, int backlog)}: 0. */
    public static long listen(int fd, int backlog) {
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) listen.HANDLE.invokeExact(state, fd, backlog);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)}: the accepted
     * descriptor. {@code addr} and {@code len} may be {@link MemorySegment#NULL}; {@code len} is an
     * int holding the room in {@code addr} on entry and the address length on return.
     */
    public static long accept4(int fd, MemorySegment addr, MemorySegment len, int flags) {
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) accept4.HANDLE.invokeExact(state, fd, addr, len, flags);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int connect(int fd, const struct sockaddr *addr, socklen_t len)}: 0, or -EINPROGRESS on a non-blocking socket. */
    public static long connect(int fd, MemorySegment addr, int len) {
        Objects.checkFromIndexSize(0, len, addr.byteSize());
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) connect.HANDLE.invokeExact(state, fd, addr, len);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int getsockopt(int fd, int level, int name, void *value, socklen_t *len)} for an int option: the value, or -errno. */
    public static long getsockoptInt(int fd, int level, int name, MemorySegment scratch) {
        // scratch: 8 bytes, the int value then its socklen_t
        scratch.set(JAVA_INT, 4, 4);
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) getsockopt.HANDLE.invokeExact(state, fd, level, name, scratch, scratch.asSlice(4, 4));
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? scratch.get(JAVA_INT, 0) : -Downcalls.errno(state);
    }

    /** {@code int setsockopt(int fd, int level, int name, const void *value, socklen_t len)}: 0. */
    public static long setsockopt(int fd, int level, int name, MemorySegment value, int len) {
        Objects.checkFromIndexSize(0, len, value.byteSize());
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) setsockopt.HANDLE.invokeExact(state, fd, level, name, value, len);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int shutdown(int fd, int how)} with a {@code SHUT_*} of {@link Sockets}: 0. */
    public static long shutdown(int fd, int how) {
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) shutdown.HANDLE.invokeExact(state, fd, how);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int getsockname(int fd, struct sockaddr *addr, socklen_t *len)}: 0; {@code len} as for accept4. */
    public static long getsockname(int fd, MemorySegment addr, MemorySegment len) {
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) getsockname.HANDLE.invokeExact(state, fd, addr, len);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int getpeername(int fd, struct sockaddr *addr, socklen_t *len)}: 0; {@code len} as for accept4. */
    public static long getpeername(int fd, MemorySegment addr, MemorySegment len) {
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) getpeername.HANDLE.invokeExact(state, fd, addr, len);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code ssize_t send(int fd, const void *buf, size_t len, int flags)}: bytes sent. */
    public static long send(int fd, MemorySegment buf, long len, int flags) {
        Objects.checkFromIndexSize(0, len, buf.byteSize());
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) send.HANDLE.invokeExact(state, fd, buf, len, flags);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code ssize_t recv(int fd, void *buf, size_t len, int flags)}: bytes received, 0 at end of stream. */
    public static long recv(int fd, MemorySegment buf, long len, int flags) {
        Objects.checkFromIndexSize(0, len, buf.byteSize());
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) recv.HANDLE.invokeExact(state, fd, buf, len, flags);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)}: bytes sent from
     * {@code inFd} at {@code *offset} (an 8-byte long, advanced by the call) to {@code outFd}.
     */
    public static long sendfile(int outFd, int inFd, MemorySegment offset, long count) {
        Objects.checkFromIndexSize(0, 8, offset.byteSize());
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) sendfile.HANDLE.invokeExact(state, outFd, inFd, offset, count);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@link #sendfile} without errno capture, for a loop's hot path: the bytes sent, or -1 on any
     * failure, which the caller then repeats with {@link #sendfile} to learn the errno (a failed
     * sendfile sent nothing and left {@code *offset} as it was, so the repeat is the same call).
     * Capture would slice the thread's state segment on every call, an object that escapes where the
     * JIT does not inline the whole downcall (a call made deep in a completion handler's stack).
     */
    public static long sendfileTry(int outFd, int inFd, MemorySegment offset, long count) {
        Objects.checkFromIndexSize(0, 8, offset.byteSize());
        try {
            return (long) sendfileNoErrno.HANDLE.invokeExact(outFd, inFd, offset, count);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
    }

    /** {@code int pipe2(int fds[2], int flags)}: 0, with the read end in {@code fds[0]} and the write end in {@code fds[1]}. */
    public static long pipe2(MemorySegment fds, int flags) {
        Objects.checkFromIndexSize(0, 8, fds.byteSize());
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) pipe2.HANDLE.invokeExact(state, fds, flags);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int epoll_create1(int flags)}: a new epoll descriptor. */
    public static long epollCreate1(int flags) {
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) epoll_create1.HANDLE.invokeExact(state, flags);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)}: 0. */
    public static long epollCtl(int epfd, int op, int fd, MemorySegment event) {
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) epoll_ctl.HANDLE.invokeExact(state, epfd, op, fd, event);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout)}: how many
     * events were written (0 on timeout; a negative timeout waits without limit), or -1 on any
     * failure, without errno capture: the loop treats a failure as "nothing ready" (EINTR, a
     * signal). Capture would slice the thread's state segment on each call, an object that escapes
     * where the JIT does not inline the whole downcall.
     */
    public static long epollWaitTry(int epfd, MemorySegment events, int max, int timeoutMillis) {
        Objects.checkFromIndexSize(0, max * Epoll.EPOLL_EVENT.byteSize(), events.byteSize());
        try {
            return (int) epollWaitNoErrno.HANDLE.invokeExact(epfd, events, max, timeoutMillis);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
    }

    // One holder per symbol, as in Libc: linked on first use, then a constant the JIT can inline.

    private static final class socket {
        static final MethodHandle HANDLE = Downcalls.libc("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class bind {
        static final MethodHandle HANDLE = Downcalls.libc("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class listen {
        static final MethodHandle HANDLE = Downcalls.libc("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class accept4 {
        static final MethodHandle HANDLE = Downcalls.libc("accept4",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    private static final class connect {
        static final MethodHandle HANDLE = Downcalls.libc("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class getsockopt {
        static final MethodHandle HANDLE = Downcalls.libc("getsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class setsockopt {
        static final MethodHandle HANDLE = Downcalls.libc("setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class shutdown {
        static final MethodHandle HANDLE = Downcalls.libc("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class getsockname {
        static final MethodHandle HANDLE = Downcalls.libc("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class getpeername {
        static final MethodHandle HANDLE = Downcalls.libc("getpeername", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class send {
        static final MethodHandle HANDLE = Downcalls.libc("send",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class recv {
        static final MethodHandle HANDLE = Downcalls.libc("recv",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class sendfile {
        static final MethodHandle HANDLE = Downcalls.libc("sendfile",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    private static final class sendfileNoErrno {
        static final MethodHandle HANDLE = Downcalls.libcNoErrno("sendfile",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    private static final class pipe2 {
        static final MethodHandle HANDLE = Downcalls.libc("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class epoll_create1 {
        static final MethodHandle HANDLE = Downcalls.libc("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class epoll_ctl {
        static final MethodHandle HANDLE = Downcalls.libc("epoll_ctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }

    private static final class epollWaitNoErrno {
        static final MethodHandle HANDLE = Downcalls.libcNoErrno("epoll_wait",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }
}
