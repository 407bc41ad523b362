package dev.jaio.internal.file;

import dev.jaio.DirectIoAlignment;
import dev.jaio.FileOption;
import dev.jaio.IoOperationException;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.cache.FileStat;
import dev.jaio.internal.cache.PageCache;
import dev.jaio.internal.cache.PageFrames;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.PathBytes;
import dev.jaio.internal.linux.Statx;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Opens files for {@code AsyncFile.open}: open(2) with O_CLOEXEC and the flags of the options,
 * statx(2) for the O_DIRECT alignment, and for a CACHED file the file's shared page tree and an
 * O_DIRECT descriptor for its page reads: the handle's own for a read-only one (fcntl F_SETFL
 * O_DIRECT), a second one for a writable one. Runs on the calling thread. The options were checked by the caller
 * (TRUNCATE needs WRITE; CACHED and DIRECT exclude each other).
 */
public final class FileOpener {

    private FileOpener() {
    }

    /**
     * Opens {@code path} with {@code opts} (a copy the caller no longer changes) on {@code engine}.
     *
     * @throws NoSuchFileException, FileAlreadyExistsException, AccessDeniedException as
     *     {@link java.nio.file.Files} reports them; IoOperationException for other errnos
     */
    public static OpenFile open(FileEngine engine, Path path, Set<FileOption> opts) throws IOException {
        return open(engine, path, opts, 0644);
    }

    /**
     * As {@link #open(FileEngine, Path, Set)}, creating the file (CREATE, CREATE_NEW) with
     * permission bits {@code mode} (open(2)'s mode: the umask still applies).
     */
    public static OpenFile open(FileEngine engine, Path path, Set<FileOption> opts, int mode) throws IOException {
        int flags = Fcntl.O_CLOEXEC;
        boolean read = opts.contains(FileOption.READ) || !opts.contains(FileOption.WRITE);
        boolean write = opts.contains(FileOption.WRITE);
        flags |= read && write ? Fcntl.O_RDWR : write ? Fcntl.O_WRONLY : Fcntl.O_RDONLY;
        if (opts.contains(FileOption.CREATE_NEW)) {
            flags |= Fcntl.O_CREAT | Fcntl.O_EXCL;
        } else if (opts.contains(FileOption.CREATE)) {
            flags |= Fcntl.O_CREAT;
        }
        // No O_TRUNC: it would empty the file under jaio's cache of it (pages other handles have
        // dirty, device writes in flight that would extend it again, cached writes copying). The
        // handle truncates once it is open (below), as truncate(0) does.
        if (opts.contains(FileOption.DIRECT)) {
            flags |= Fcntl.O_DIRECT;
        }
        if (opts.contains(FileOption.SYNC)) {
            flags |= Fcntl.O_SYNC;
        } else if (opts.contains(FileOption.DSYNC)) {
            flags |= Fcntl.O_DSYNC;
        }
        if (opts.contains(FileOption.APPEND)) {
            flags |= Fcntl.O_APPEND;
        }
        if (opts.contains(FileOption.NOFOLLOW_LINKS)) {
            flags |= Fcntl.O_NOFOLLOW;
        }
        long fd;
        try (Arena arena = Arena.ofConfined()) {
            // The name's own bytes, as FileChannel.open passes them: not toString() encoded again.
            fd = Libc.open(PathBytes.allocate(arena, path), flags, mode);
        }
        if (fd < 0) {
            int errno = (int) -fd;
            String reason = Errno.describe(errno);
            switch (errno) {
                case Errno.ENOENT -> throw new NoSuchFileException(path.toString(), null, reason);
                case Errno.EEXIST -> throw new FileAlreadyExistsException(path.toString(), null, reason);
                case Errno.EACCES, Errno.EPERM -> throw new AccessDeniedException(path.toString(), null, reason);
                default -> {
                    if (errno == Errno.EINVAL && opts.contains(FileOption.DIRECT)) {
                        reason += "; " + DirectIo.whyNoDirect(path);
                    }
                    throw new IoOperationException("open", path, -1, -1, errno, Errno.name(errno), reason);
                }
            }
        }
        DirectIoAlignment alignment = null;
        if (opts.contains(FileOption.DIRECT) || opts.contains(FileOption.CACHED)) {
            try {
                alignment = DirectIo.alignment((int) fd);
            } catch (RuntimeException | Error e) {
                Libc.close((int) fd);
                throw e;
            }
        }
        OpenFile file;
        if (!opts.contains(FileOption.CACHED)) {
            file = new OpenFile(engine, path, (int) fd, Set.copyOf(opts), alignment, -1, null);
        } else {
            try {
                file = openCached(engine, path, (int) fd, opts, alignment);
            } catch (IOException | RuntimeException | Error e) {
                Libc.close((int) fd);
                throw e;
            }
        }
        if (opts.contains(FileOption.TRUNCATE)) {
            // O_TRUNC's effect (on a regular file only, as O_TRUNC), coherent with jaio's cache.
            try {
                long type = FileStat.fileType((int) fd);
                if (type < 0) {
                    throw Failures.of("statx", path, -1, -1, (int) -type);
                }
                if (type == Statx.S_IFREG) {
                    file.sizes().truncate(0);
                }
            } catch (IOException | RuntimeException | Error e) {
                try {
                    file.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
        return file;
    }

    /**
     * The rest of opening a CACHED file: the O_DIRECT descriptor the cache reads pages through (a
     * read-only handle's own, turned O_DIRECT; else a second descriptor on the same open file,
     * through /proc/self/fd so that a rename in between cannot give another file), and the file's
     * shared page tree.
     */
    private static OpenFile openCached(FileEngine engine, Path path, int fd, Set<FileOption> opts,
            DirectIoAlignment alignment) throws IOException {
        if (!alignment.supported()) {
            throw new IllegalArgumentException("open " + path + ": CACHED reads pages with O_DIRECT, which this file"
                    + " does not support (" + alignment.source() + ")");
        }
        if (PageFrames.PAGE_SIZE % alignment.offsetAlignment() != 0
                || PageFrames.PAGE_SIZE % alignment.memoryAlignment() != 0) {
            throw new IllegalArgumentException("open " + path + ": CACHED reads pages with O_DIRECT, which this file's"
                    + " filesystem does not allow in " + PageFrames.PAGE_SIZE + "-byte units (" + alignment + ")");
        }
        long dfd;
        // A read-only handle reads its pages with O_DIRECT and nothing else: its own descriptor
        // turns O_DIRECT (F_SETFL, on the open file description no one else has) and serves as the
        // cache's. A writable one keeps its buffered descriptor for the writes that go through the
        // kernel and gets a second. (Not O_DIRECT at open: an O_CREAT|O_EXCL or a FIFO open that
        // fails on O_DIRECT has already happened.)
        if (!opts.contains(FileOption.WRITE) && turnDirect(fd)) {
            dfd = fd;
        } else {
            try (Arena arena = Arena.ofConfined()) {
                // Read-write for a writable handle: dirty pages are written back through it too.
                int access = opts.contains(FileOption.WRITE) ? Fcntl.O_RDWR : Fcntl.O_RDONLY;
                dfd = Libc.open(arena.allocateFrom("/proc/self/fd/" + fd), access | Fcntl.O_DIRECT | Fcntl.O_CLOEXEC, 0);
            }
        }
        if (dfd < 0) {
            int errno = (int) -dfd;
            String reason = Errno.describe(errno);
            if (errno == Errno.EINVAL) {
                reason += "; CACHED needs a filesystem that supports O_DIRECT";
            } else if (errno == Errno.EACCES) {
                reason += "; CACHED reads pages through a second descriptor, so the file must be readable";
            }
            throw new IoOperationException("open", path, -1, -1, errno, Errno.name(errno), reason);
        }
        FileStat.Opened stat = FileStat.opened((int) dfd); // one statx: which file, and its version
        if (stat == null) {
            long size = FileStat.size((int) dfd);
            closeSecond(fd, dfd);
            throw Failures.of("statx", path, -1, -1, size < 0 ? (int) -size : Errno.EIO);
        }
        PageCache pages;
        FileCache fileCache;
        try {
            pages = engine.pageCache();
            fileCache = pages.acquire(stat.identity(), stat.version()); // the pages it kept since its last close, if unchanged
        } catch (IllegalStateException e) {
            closeSecond(fd, dfd);
            throw new IllegalStateException("open " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeSecond(fd, dfd);
            throw e;
        } catch (PageCache.OtherEngineException e) {
            closeSecond(fd, dfd);
            // Two caches of one file would each miss the other's writes (and write back stale
            // pages over them): the file keeps its one cache, on the engine that made it.
            throw new FileSystemException(path.toString(), null, "CACHED open refused: the file is open CACHED on"
                    + " another engine (" + e.handles() + " handle(s)), and a file has one jaio page cache in the JVM"
                    + " so that every handle sees the others' writes; open it CACHED on that engine, or without"
                    + " CACHED on this one (its reads, writes and syncs are then kept coherent with that cache),"
                    + " or close that engine's CACHED handles of the file first");
        }
        return new OpenFile(engine, path, fd, Set.copyOf(opts), alignment, (int) dfd, fileCache);
    }

    /** Sets O_DIRECT on {@code fd}'s open file description (fcntl F_SETFL); false when it cannot. */
    private static boolean turnDirect(int fd) {
        long fl = Libc.fcntlInt(fd, Fcntl.F_GETFL, 0);
        return fl >= 0 && Libc.fcntlInt(fd, Fcntl.F_SETFL, (int) fl | Fcntl.O_DIRECT) == 0;
    }

    /**
     * Closes the cache's own descriptor of a failed open, unless it is the handle's one (the caller
     * closes that): as {@link OpenFile}'s close, which closes the direct descriptor only when it differs.
     */
    private static void closeSecond(int fd, long dfd) {
        if (dfd != fd) {
            Libc.close((int) dfd);
        }
    }
}
