package dev.jaio.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * glibc wrappers for the file, eventfd, poll and uname calls.
 *
 * <p>Each returns the call's non-negative result, or {@code -errno}; EINTR is returned, not retried.
 * Paths are NUL-terminated segments of the name's bytes: {@link PathBytes#allocate} for a
 * {@link java.nio.file.Path}, never {@code arena.allocateFrom(path.toString())}, which encodes the
 * decoded name again in UTF-8 and can name another file. See the package
 * documentation for the shared conventions (errno capture, buffer bounds checks, -ENOSYS for a
 * missing symbol).
 */
public final class Libc {

    private Libc() {
    }

    /**
     * {@code int open(const char *path, int flags, ... mode_t mode)}: a new file descriptor.
     * {@code mode} applies only with O_CREAT (or O_TMPFILE).
     */
    public static long open(MemorySegment cPath, int flags, int mode) {
        if (open.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) open.HANDLE.invokeExact(state, cPath, flags, mode);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code int close(int fd)}. Never retry on EINTR: Linux releases the descriptor before it can
     * fail, so a retry could close a descriptor another thread has just been given.
     */
    public static long close(int fd) {
        if (close.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) close.HANDLE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code ssize_t read(int fd, void *buf, size_t count)}: bytes read, 0 at end of file. */
    public static long read(int fd, MemorySegment buf, long count) {
        Objects.checkFromIndexSize(0, count, buf.byteSize());
        if (read.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) read.HANDLE.invokeExact(state, fd, buf, count);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@link #read} without errno capture, for a caller that does not look at why a read failed (an
     * event loop draining its eventfd's counter): bytes read, or -1. Capture would slice the
     * thread's state segment on each call, an object that escapes where the JIT does not inline
     * the whole downcall.
     */
    public static long readTry(int fd, MemorySegment buf, long count) {
        Objects.checkFromIndexSize(0, count, buf.byteSize());
        if (readNoErrno.HANDLE == null) {
            return -1;
        }
        try {
            return (long) readNoErrno.HANDLE.invokeExact(fd, buf, count);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
    }

    /** {@code ssize_t write(int fd, const void *buf, size_t count)}: bytes written. */
    public static long write(int fd, MemorySegment buf, long count) {
        Objects.checkFromIndexSize(0, count, buf.byteSize());
        if (write.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) write.HANDLE.invokeExact(state, fd, buf, count);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code ssize_t pread(int fd, void *buf, size_t count, off_t offset)}: bytes read, 0 at end of file. */
    public static long pread(int fd, MemorySegment buf, long count, long offset) {
        Objects.checkFromIndexSize(0, count, buf.byteSize());
        if (pread.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) pread.HANDLE.invokeExact(state, fd, buf, count, offset);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)}: bytes written. */
    public static long pwrite(int fd, MemorySegment buf, long count, long offset) {
        Objects.checkFromIndexSize(0, count, buf.byteSize());
        if (pwrite.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) pwrite.HANDLE.invokeExact(state, fd, buf, count, offset);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t offset)}: bytes read.
     * {@code iov} must hold {@code iovcnt} {@link Iovec#IOVEC}s; the buffers they point to are the
     * caller's to keep alive.
     */
    public static long preadv(int fd, MemorySegment iov, int iovcnt, long offset) {
        Objects.checkFromIndexSize(0, iovcnt * Iovec.IOVEC.byteSize(), iov.byteSize());
        if (preadv.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) preadv.HANDLE.invokeExact(state, fd, iov, iovcnt, offset);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset)}: bytes written. */
    public static long pwritev(int fd, MemorySegment iov, int iovcnt, long offset) {
        Objects.checkFromIndexSize(0, iovcnt * Iovec.IOVEC.byteSize(), iov.byteSize());
        if (pwritev.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) pwritev.HANDLE.invokeExact(state, fd, iov, iovcnt, offset);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code ssize_t preadv2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags)}
     * (glibc 2.26): preadv with {@link Rwf} flags; offset -1 reads at the file position. Unknown
     * flags fail with EOPNOTSUPP.
     */
    public static long preadv2(int fd, MemorySegment iov, int iovcnt, long offset, int rwfFlags) {
        Objects.checkFromIndexSize(0, iovcnt * Iovec.IOVEC.byteSize(), iov.byteSize());
        if (preadv2.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) preadv2.HANDLE.invokeExact(state, fd, iov, iovcnt, offset, rwfFlags);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * A try on the calling thread: {@code preadv2(fd, {buf}, 1, offset, rwfFlags)} of one native
     * buffer, meant with {@link Rwf#RWF_NOWAIT} (the page cache serves it or it fails with EAGAIN;
     * it never waits for the device's data, though a try of an uncached page starts its readahead).
     * Without errno capture and with a per-thread iovec, so a thread's tries allocate nothing after
     * its first: the count, or -1 on any failure (call {@link #preadv2} to learn the errno). Not
     * linked critical: the readahead a try starts, or a fault on the destination, may block.
     */
    public static long preadv2Try(int fd, MemorySegment buf, long offset, int rwfFlags) {
        return preadv2Try(fd, buf.address(), buf.byteSize(), offset, rwfFlags);
    }

    /**
     * {@link #preadv2Try} into the {@code count} bytes at native address {@code address} (part of
     * a buffer the caller keeps alive), so that reading into part of a larger buffer needs no
     * slice of it: the bytes read (possibly fewer), or -1 on any failure.
     */
    public static long preadv2Try(int fd, long address, long count, long offset, int rwfFlags) {
        if (preadv2Try.HANDLE == null) {
            return -1;
        }
        MemorySegment iov = Downcalls.threadIovec();
        Iovec.set(iov, 0, address, count);
        try {
            return (long) preadv2Try.HANDLE.invokeExact(fd, iov, 1, offset, rwfFlags);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
    }

    /**
     * A try on the calling thread, as {@link #preadv2Try}: {@code pwritev2(fd, {buf}, 1, offset,
     * rwfFlags)} with {@link Rwf#RWF_NOWAIT}: the count (possibly short), or -1 on any failure.
     */
    public static long pwritev2Try(int fd, MemorySegment buf, long offset, int rwfFlags) {
        if (pwritev2Try.HANDLE == null) {
            return -1;
        }
        MemorySegment iov = Downcalls.threadIovec();
        Iovec.set(iov, 0, buf);
        try {
            return (long) pwritev2Try.HANDLE.invokeExact(fd, iov, 1, offset, rwfFlags);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
    }

    /**
     * {@code ssize_t pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags)}
     * (glibc 2.26): pwritev with {@link Rwf} flags; offset -1 writes at the file position.
     */
    public static long pwritev2(int fd, MemorySegment iov, int iovcnt, long offset, int rwfFlags) {
        Objects.checkFromIndexSize(0, iovcnt * Iovec.IOVEC.byteSize(), iov.byteSize());
        if (pwritev2.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) pwritev2.HANDLE.invokeExact(state, fd, iov, iovcnt, offset, rwfFlags);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int fsync(int fd)}: 0 once data and metadata are on stable storage. */
    public static long fsync(int fd) {
        if (fsync.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) fsync.HANDLE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int fdatasync(int fd)}: fsync without metadata not needed to read the data back. */
    public static long fdatasync(int fd) {
        if (fdatasync.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) fdatasync.HANDLE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int fallocate(int fd, int mode, off_t offset, off_t len)} with {@link Falloc} modes. */
    public static long fallocate(int fd, int mode, long offset, long len) {
        if (fallocate.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) fallocate.HANDLE.invokeExact(state, fd, mode, offset, len);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code off_t lseek(int fd, off_t offset, int whence)} with {@link Seek} values. */
    public static long lseek(int fd, long offset, int whence) {
        if (lseek.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        long r;
        try {
            r = (long) lseek.HANDLE.invokeExact(state, fd, offset, whence);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * The soft limit of {@code resource} ({@code int getrlimit(int resource, struct rlimit *rlim)},
     * {@link Rlimit}): {@link Long#MAX_VALUE} for RLIM_INFINITY, or {@code -errno}.
     */
    public static long getrlimitCurrent(int resource) {
        if (getrlimit.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rlim = arena.allocate(Rlimit.RLIMIT);
            MemorySegment state = Downcalls.callState();
            int r;
            try {
                r = (int) getrlimit.HANDLE.invokeExact(state, resource, rlim);
            } catch (Throwable t) {
                throw Downcalls.unexpected(t);
            }
            if (r < 0) {
                return -Downcalls.errno(state);
            }
            long cur = rlim.get(JAVA_LONG, Rlimit.RLIM_CUR_OFFSET);
            return cur == Rlimit.RLIM_INFINITY || cur < 0 ? Long.MAX_VALUE : cur;
        }
    }

    /** {@code int ftruncate(int fd, off_t length)}. */
    public static long ftruncate(int fd, long length) {
        if (ftruncate.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) ftruncate.HANDLE.invokeExact(state, fd, length);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code int fcntl(int fd, int cmd, int arg)} for the commands that take an int ({@link Fcntl#F_GETFL},
     * {@link Fcntl#F_SETFL}, {@link Fcntl#F_SETPIPE_SZ}, {@link Fcntl#F_GETPIPE_SZ}): the command's
     * result (F_GETFL: the flags; the pipe commands: the capacity), or -errno.
     */
    public static long fcntlInt(int fd, int cmd, int arg) {
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) fcntlInt.HANDLE.invokeExact(state, fd, cmd, arg);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code int fcntl(int fd, int cmd, struct flock *lock)} for the byte-range lock commands of
     * {@link Flock} ({@code F_OFD_SETLK}, {@code F_OFD_SETLKW}, {@code F_OFD_GETLK}): 0, or -errno
     * (EAGAIN or EACCES: a conflicting lock is held; EINTR: a signal ended a wait; EDEADLK).
     */
    public static long fcntlLock(int fd, int cmd, MemorySegment flock) {
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) fcntlLock.HANDLE.invokeExact(state, fd, cmd, flock);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code int posix_fadvise(int fd, off_t offset, off_t len, int advice)} with {@link Fadvise}
     * advice; {@code len} 0 means to the end of the file.
     */
    public static long posixFadvise(int fd, long offset, long len, int advice) {
        if (posix_fadvise.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        int r;
        try {
            r = (int) posix_fadvise.HANDLE.invokeExact(fd, offset, len, advice);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        // POSIX has posix_fadvise return the error number itself (0 on success); errno is untouched.
        return -r;
    }

    /**
     * {@code int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)}
     * (glibc 2.28): fills {@code statxBuf}, a {@link Statx#STATX}, and returns 0. Use
     * {@link Fcntl#AT_FDCWD} for a path relative to the working directory, or an fd with an empty
     * path and {@link Fcntl#AT_EMPTY_PATH}.
     */
    public static long statx(int dirfd, MemorySegment cPath, int flags, int mask, MemorySegment statxBuf) {
        Objects.checkFromIndexSize(0, Statx.STATX.byteSize(), statxBuf.byteSize());
        if (statx.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) statx.HANDLE.invokeExact(state, dirfd, cPath, flags, mask, statxBuf);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int eventfd(unsigned int initval, int flags)} with {@link EventFd} flags: a new descriptor. */
    public static long eventfd(int initval, int flags) {
        if (eventfd.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) eventfd.HANDLE.invokeExact(state, initval, flags);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}: the number of entries with
     * nonzero revents, 0 on timeout. {@code pollfds} holds {@code nfds} {@link Poll#POLLFD}s;
     * a negative timeout waits forever.
     */
    public static long poll(MemorySegment pollfds, long nfds, int timeoutMillis) {
        Objects.checkFromIndexSize(0, nfds * Poll.POLLFD.byteSize(), pollfds.byteSize());
        if (poll.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) poll.HANDLE.invokeExact(state, pollfds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /** {@code int uname(struct utsname *buf)}: fills {@code utsname}, a {@link Utsname#UTSNAME}, and returns 0. */
    public static long uname(MemorySegment utsname) {
        Objects.checkFromIndexSize(0, Utsname.UTSNAME.byteSize(), utsname.byteSize());
        if (uname.HANDLE == null) {
            return -Errno.ENOSYS;
        }
        MemorySegment state = Downcalls.callState();
        int r;
        try {
            r = (int) uname.HANDLE.invokeExact(state, utsname);
        } catch (Throwable t) {
            throw Downcalls.unexpected(t);
        }
        return r >= 0 ? r : -Downcalls.errno(state);
    }

    /**
     * The running kernel's release string ({@code uname -r}, e.g. "6.8.0-45-generic"), read once.
     * Off Linux, or should uname fail, it is the {@code os.version} system property.
     */
    public static String kernelRelease() {
        return KernelRelease.VALUE;
    }

    private static final class KernelRelease {
        static final String VALUE = read();

        private static String read() {
            if (Arch.LINUX) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(Utsname.UTSNAME);
                    if (uname(buf) == 0) {
                        return buf.asSlice(Utsname.UTSNAME_RELEASE, Utsname.UTSNAME_LENGTH).getString(0);
                    }
                }
            }
            return System.getProperty("os.version", "");
        }
    }

    // One holder per symbol: linked on first use, then a constant the JIT can inline.
    // On LP64, off_t, size_t, ssize_t and nfds_t are JAVA_LONG.

    private static final class open {
        static final MethodHandle HANDLE = Downcalls.libcVariadic("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    }

    private static final class close {
        static final MethodHandle HANDLE = Downcalls.libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class read {
        static final MethodHandle HANDLE = Downcalls.libc("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    private static final class readNoErrno {
        static final MethodHandle HANDLE = Downcalls.libcNoErrno("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    /**
     * Links the downcalls a file's reads and writes make on the calling thread (the RWF_NOWAIT
     * tries, preadv2/pwritev2, the engine's eventfd wakeup), which are otherwise linked on first use.
     * For the thread that opens a file: linking takes milliseconds inside a class initializer, and a
     * virtual thread that waits for another thread's class initialization pins its carrier (a JDK
     * limitation), so 10,000 virtual threads making a file's first reads at once would pin.
     */
    public static void linkRequestPath() {
        for (MethodHandle h : new MethodHandle[] {write.HANDLE, preadv2.HANDLE, preadv2Try.HANDLE, pwritev2.HANDLE,
                pwritev2Try.HANDLE}) {
            Objects.requireNonNull(h);
        }
        // A first call finishes what linking leaves to it (fd -1: EBADF, nothing read).
        try (Arena arena = Arena.ofConfined()) {
            preadv2Try(-1, arena.allocate(1), 0, 0);
        }
    }

    private static final class write {
        static final MethodHandle HANDLE = Downcalls.libc("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    private static final class pread {
        static final MethodHandle HANDLE = Downcalls.libc("pread",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    private static final class pwrite {
        static final MethodHandle HANDLE = Downcalls.libc("pwrite",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    private static final class preadv {
        static final MethodHandle HANDLE = Downcalls.libc("preadv",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    }

    private static final class pwritev {
        static final MethodHandle HANDLE = Downcalls.libc("pwritev",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    }

    private static final class preadv2 {
        static final MethodHandle HANDLE = Downcalls.libc("preadv2",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private static final class preadv2Try {
        static final MethodHandle HANDLE = Downcalls.libcNoErrno("preadv2",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private static final class pwritev2Try {
        static final MethodHandle HANDLE = Downcalls.libcNoErrno("pwritev2",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private static final class pwritev2 {
        static final MethodHandle HANDLE = Downcalls.libc("pwritev2",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private static final class fsync {
        static final MethodHandle HANDLE = Downcalls.libc("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class fdatasync {
        static final MethodHandle HANDLE = Downcalls.libc("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class fallocate {
        static final MethodHandle HANDLE = Downcalls.libc("fallocate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    private static final class lseek {
        static final MethodHandle HANDLE = Downcalls.libc("lseek",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private static final class getrlimit {
        static final MethodHandle HANDLE = Downcalls.libc("getrlimit",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    private static final class fcntlInt {
        static final MethodHandle HANDLE = Downcalls.libcVariadic("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    }

    private static final class fcntlLock {
        static final MethodHandle HANDLE = Downcalls.libcVariadic("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), 2);
    }

    private static final class ftruncate {
        static final MethodHandle HANDLE = Downcalls.libc("ftruncate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    }

    /** The one call here that reports through its return value rather than errno: no capture. */
    private static final class posix_fadvise {
        static final MethodHandle HANDLE = Downcalls.libcNoErrno("posix_fadvise",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    }

    private static final class statx {
        static final MethodHandle HANDLE = Downcalls.libc("statx",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    }

    private static final class eventfd {
        static final MethodHandle HANDLE = Downcalls.libc("eventfd",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class poll {
        static final MethodHandle HANDLE = Downcalls.libc("poll",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class uname {
        static final MethodHandle HANDLE = Downcalls.libc("uname", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }
}
