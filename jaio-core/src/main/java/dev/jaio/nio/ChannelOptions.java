package dev.jaio.nio;

import dev.jaio.AsyncFile;
import dev.jaio.FileOption;
import dev.jaio.IoEngine;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.spi.FileSystemProvider;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The JDK's open options, as {@code sun.nio.fs.UnixChannelFactory} reads them, turned into jaio's
 * {@link FileOption}s, and the open itself. Without READ or WRITE a file is opened for reading;
 * CREATE, CREATE_NEW and TRUNCATE_EXISTING count only with WRITE; APPEND implies WRITE (a
 * {@code FileChannel}) or is refused (an {@code AsynchronousFileChannel}, as the JDK refuses it);
 * READ with APPEND and APPEND with TRUNCATE_EXISTING are invalid; DELETE_ON_CLOSE unlinks the file
 * right after the open, as the JDK does on Linux (and, as it does, opens a file it cannot unlink);
 * NOFOLLOW_LINKS is O_NOFOLLOW; a created file gets the permissions given, else
 * 0666, less the umask.
 *
 * @param file the file
 * @param options jaio's options
 * @param engine the engine of a {@link JaioOpenOption#engine} option, else null (the shared one)
 * @param readable opened for reading
 * @param writable opened for writing
 * @param append writes go to the end of the file
 * @param deleteOnClose unlink after the open
 * @param noFollow refuse a symbolic link
 */
record ChannelOptions(Path file, Set<FileOption> options, IoEngine engine, boolean readable, boolean writable,
        boolean append, boolean deleteOnClose, boolean noFollow) {

    static ChannelOptions parse(Path path, Set<? extends OpenOption> given, boolean async) {
        Objects.requireNonNull(path, "file");
        // A path of jaio's provider (JaioFileSystemProvider) is opened as the platform's path it wraps.
        Path file = path instanceof JaioPath j ? j.delegate() : path;
        IoEngine engine = null;
        Set<FileOption> jaio = EnumSet.noneOf(FileOption.class);
        boolean read = false;
        boolean write = false;
        boolean append = false;
        boolean create = false;
        boolean createNew = false;
        boolean truncate = false;
        boolean deleteOnClose = false;
        boolean noFollow = false;
        for (OpenOption o : given) {
            Objects.requireNonNull(o, "an open option is null");
            if (o instanceof StandardOpenOption s) {
                switch (s) {
                    case READ -> read = true;
                    case WRITE -> write = true;
                    case APPEND -> append = true;
                    case CREATE -> create = true;
                    case CREATE_NEW -> createNew = true;
                    case TRUNCATE_EXISTING -> truncate = true;
                    case DELETE_ON_CLOSE -> deleteOnClose = true;
                    case SPARSE -> { } // a hint; Linux files are sparse anyway
                    case SYNC -> jaio.add(FileOption.SYNC);
                    case DSYNC -> jaio.add(FileOption.DSYNC);
                }
            } else if (o == LinkOption.NOFOLLOW_LINKS) {
                noFollow = true;
                jaio.add(FileOption.NOFOLLOW_LINKS);
            } else if (o instanceof JaioOpenOption j) {
                if (j.engineOrNull() != null) {
                    engine = j.engineOrNull();
                } else {
                    jaio.add(FileOption.CACHED);
                }
            } else if (isExtendedDirect(o)) {
                jaio.add(FileOption.DIRECT);
            } else {
                throw new UnsupportedOperationException("open " + file + ": unsupported option " + o);
            }
        }
        if (append) {
            if (async) {
                throw new UnsupportedOperationException("open " + file
                        + ": APPEND not allowed (AsynchronousFileChannel has no position to append at)");
            }
            if (read) {
                throw new IllegalArgumentException("open " + file + ": READ + APPEND not allowed");
            }
            if (truncate) {
                throw new IllegalArgumentException("open " + file + ": APPEND + TRUNCATE_EXISTING not allowed");
            }
            write = true;
            jaio.add(FileOption.APPEND);
        }
        if (!read && !write) {
            read = true;
        }
        if (read) {
            jaio.add(FileOption.READ);
        }
        if (write) {
            jaio.add(FileOption.WRITE);
            if (createNew) {
                jaio.add(FileOption.CREATE_NEW);
            } else if (create) {
                jaio.add(FileOption.CREATE);
            }
            if (truncate) {
                jaio.add(FileOption.TRUNCATE);
            }
        }
        return new ChannelOptions(file, jaio, engine, read, write, append, deleteOnClose, noFollow);
    }

    private static boolean isExtendedDirect(OpenOption o) {
        return o instanceof Enum<?> e && e.getDeclaringClass().getName().equals("com.sun.nio.file.ExtendedOpenOption")
                && e.name().equals("DIRECT");
    }

    /** Opens the file: jaio's open, then the unlink of DELETE_ON_CLOSE. */
    AsyncFile open(FileAttribute<?>... attrs) throws IOException {
        if (noFollow && Files.isSymbolicLink(file)) {
            // The JDK's message for O_NOFOLLOW's ELOOP; a link made after this look fails the open
            // itself (O_NOFOLLOW), with jaio's IoOperationException naming ELOOP.
            throw new FileSystemException(file.toString(), null,
                    "Too many levels of symbolic links or unable to access attributes of symbolic link");
        }
        FileAttribute<?>[] create = attrs.length > 0 ? attrs
                : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        "rw-rw-rw-"))};
        AsyncFile f = AsyncFile.open(engine != null ? engine : IoEngine.shared(), file, options, create);
        if (deleteOnClose) {
            try {
                Files.deleteIfExists(file); // the channel keeps the inode
            } catch (IOException e) {
                // As the JDK's UnixChannelFactory: a file that cannot be unlinked (a read-only file
                // system, a directory without write permission) is opened all the same.
            }
        }
        return f;
    }

    /** The platform's default provider, also when jaio's provider is the default (which wraps it). */
    static FileSystemProvider platformProvider() {
        FileSystemProvider d = FileSystems.getDefault().provider();
        return d instanceof JaioFileSystemProvider j ? j.platform() : d;
    }

    /** The file's identity for the JVM's lock table: its device and inode, read from the open descriptor. */
    static Object fileKey(AsyncFile f) {
        Object key = dev.jaio.internal.cache.FileStat.identity(
                dev.jaio.internal.file.HandleAccess.openFile(f).fd());
        return key != null ? key : f.path().toAbsolutePath();
    }
}
