package dev.jaio.nio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * A default-provider switch: the platform's {@code file} provider, except that
 * {@link FileChannel#open} and {@link AsynchronousFileChannel#open} of a regular file return jaio's
 * channels ({@link JaioFileChannel}, {@link JaioAsynchronousFileChannel}, on the
 * {@linkplain dev.jaio.IoEngine#shared() shared engine}). Unchanged code picks it up when the JVM
 * starts with
 * <pre>{@code
 * -Djava.nio.file.spi.DefaultFileSystemProvider=dev.jaio.nio.JaioFileSystemProvider
 * }</pre>
 * and jaio on the class path (with {@code --enable-native-access=ALL-UNNAMED}), or on the module
 * path (with {@code --add-modules dev.jaio --enable-native-access=dev.jaio}). The JDK then builds its
 * default file system from this provider ({@code FileSystems.getDefault()}, {@code Path.of},
 * {@code File.toPath}): its paths are jaio's wrappers of the platform's paths, so that
 * {@code FileChannel.open(path)}, which asks the path's own provider, reaches this one.
 *
 * <p>What it does not change: everything else is the platform's (attributes, directories, copy,
 * move, watch services, {@code Files.newByteChannel}, {@code newInputStream},
 * {@code newOutputStream}, and so {@code Files.readAllBytes} and friends, which use those);
 * {@code java.io} streams ({@code FileInputStream}, {@code RandomAccessFile}) do not go through a
 * provider at all; files that are not regular files (directories, devices, FIFOs, {@code /proc})
 * get the platform's channels; and channels already opened stay what they are. The JDK's own
 * {@code FileChannel} locks and jaio's live in separate JVM tables: between them only the kernel's
 * lock rules apply (jaio's open file description locks conflict with the JDK's record locks).
 */
public final class JaioFileSystemProvider extends FileSystemProvider {

    private final FileSystemProvider platform;
    private final JaioFileSystem fs;

    /**
     * The constructor the JDK calls with its built-in provider when this class is named by
     * {@code java.nio.file.spi.DefaultFileSystemProvider}.
     *
     * @param platform the platform's default provider, whose {@code file:///} file system this one wraps
     */
    public JaioFileSystemProvider(FileSystemProvider platform) {
        this.platform = Objects.requireNonNull(platform, "platform");
        if (!platform.getScheme().equals("file")) {
            throw new IllegalArgumentException("not the platform's file provider: " + platform.getScheme());
        }
        this.fs = new JaioFileSystem(this, platform.getFileSystem(URI.create("file:///")));
    }

    /** {@return the platform's provider that this one wraps} */
    public FileSystemProvider platform() {
        return platform;
    }

    /** {@return this provider's file system: the platform's default one with jaio's paths} */
    public FileSystem fileSystem() {
        return fs;
    }

    @Override
    public String getScheme() {
        return "file";
    }

    // ---- what jaio changes ----

    /**
     * A {@link JaioFileChannel} for a regular file (or one the options create), else the
     * platform's channel.
     */
    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        Path p = JaioPath.unwrap(path);
        if (!regularOrMissing(p)) {
            return platform.newFileChannel(p, options, attrs);
        }
        return JaioFileChannel.open(path, options, attrs);
    }

    /**
     * A {@link JaioAsynchronousFileChannel} for a regular file (or one the options create), else the
     * platform's channel.
     */
    @Override
    public AsynchronousFileChannel newAsynchronousFileChannel(Path path, Set<? extends OpenOption> options,
            ExecutorService executor, FileAttribute<?>... attrs) throws IOException {
        Path p = JaioPath.unwrap(path);
        if (!regularOrMissing(p)) {
            return platform.newAsynchronousFileChannel(p, options, executor, attrs);
        }
        return JaioAsynchronousFileChannel.open(path, options, executor, attrs);
    }

    private boolean regularOrMissing(Path p) {
        try {
            return platform.readAttributes(p, BasicFileAttributes.class).isRegularFile();
        } catch (NoSuchFileException e) {
            return true; // created by the open, or not found by it: jaio's open says which
        } catch (IOException e) {
            return false; // let the platform's open report it
        }
    }

    // ---- the platform's, with paths wrapped ----

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        return platform.newFileSystem(uri, env);
    }

    @Override
    public FileSystem newFileSystem(Path path, Map<String, ?> env) throws IOException {
        return platform.newFileSystem(JaioPath.unwrap(path), env);
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
        platform.getFileSystem(uri); // its checks of the URI
        return fs;
    }

    @Override
    public Path getPath(URI uri) {
        return fs.wrap(platform.getPath(uri));
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options,
            FileAttribute<?>... attrs) throws IOException {
        return platform.newByteChannel(JaioPath.unwrap(path), options, attrs);
    }

    @Override
    public InputStream newInputStream(Path path, OpenOption... options) throws IOException {
        return platform.newInputStream(JaioPath.unwrap(path), options);
    }

    @Override
    public OutputStream newOutputStream(Path path, OpenOption... options) throws IOException {
        return platform.newOutputStream(JaioPath.unwrap(path), options);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        Objects.requireNonNull(filter, "filter");
        DirectoryStream<Path> stream = platform.newDirectoryStream(JaioPath.unwrap(dir),
                entry -> filter.accept(fs.wrap(entry)));
        return stream instanceof SecureDirectoryStream<Path> secure ? new SecureStream(fs, secure)
                : new Stream(fs, stream);
    }

    /** The platform's directory stream, its entries wrapped. */
    private static class Stream implements DirectoryStream<Path> {
        final JaioFileSystem fs;
        final DirectoryStream<Path> delegate;

        Stream(JaioFileSystem fs, DirectoryStream<Path> delegate) {
            this.fs = fs;
            this.delegate = delegate;
        }

        @Override
        public Iterator<Path> iterator() {
            Iterator<Path> it = delegate.iterator();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public Path next() {
                    return fs.wrap(it.next());
                }
            };
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }

    /**
     * The platform's {@link SecureDirectoryStream} (Linux has one: openat, unlinkat, renameat
     * relative to the open directory), kept secure: code that asks for one (recursive deletes
     * that refuse to follow links swapped in meanwhile) still gets it.
     */
    private static final class SecureStream extends Stream implements SecureDirectoryStream<Path> {
        private final SecureDirectoryStream<Path> secure;

        SecureStream(JaioFileSystem fs, SecureDirectoryStream<Path> secure) {
            super(fs, secure);
            this.secure = secure;
        }

        private static Path in(Path p) {
            return p instanceof JaioPath j ? j.delegate() : p; // relative names, as the platform takes them
        }

        @Override
        public SecureDirectoryStream<Path> newDirectoryStream(Path path, LinkOption... options) throws IOException {
            return new SecureStream(fs, secure.newDirectoryStream(in(path), options));
        }

        @Override
        public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options,
                FileAttribute<?>... attrs) throws IOException {
            return secure.newByteChannel(in(path), options, attrs);
        }

        @Override
        public void deleteFile(Path path) throws IOException {
            secure.deleteFile(in(path));
        }

        @Override
        public void deleteDirectory(Path path) throws IOException {
            secure.deleteDirectory(in(path));
        }

        @Override
        public void move(Path srcpath, SecureDirectoryStream<Path> targetdir, Path targetpath) throws IOException {
            SecureDirectoryStream<Path> target = targetdir instanceof SecureStream s ? s.secure : targetdir;
            secure.move(in(srcpath), target, in(targetpath));
        }

        @Override
        public <V extends FileAttributeView> V getFileAttributeView(Class<V> type) {
            return secure.getFileAttributeView(type);
        }

        @Override
        public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type,
                LinkOption... options) {
            return secure.getFileAttributeView(in(path), type, options);
        }
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        platform.createDirectory(JaioPath.unwrap(dir), attrs);
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        platform.createSymbolicLink(JaioPath.unwrap(link), JaioPath.unwrap(target), attrs);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        platform.createLink(JaioPath.unwrap(link), JaioPath.unwrap(existing));
    }

    @Override
    public void delete(Path path) throws IOException {
        platform.delete(JaioPath.unwrap(path));
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return platform.deleteIfExists(JaioPath.unwrap(path));
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        return fs.wrap(platform.readSymbolicLink(JaioPath.unwrap(link)));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        platform.copy(JaioPath.unwrap(source), JaioPath.unwrap(target), options);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        platform.move(JaioPath.unwrap(source), JaioPath.unwrap(target), options);
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        Objects.requireNonNull(path2, "path2");
        if (!(path2 instanceof JaioPath)) {
            return false;
        }
        return platform.isSameFile(JaioPath.unwrap(path), JaioPath.unwrap(path2));
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
        return platform.isHidden(JaioPath.unwrap(path));
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        return platform.getFileStore(JaioPath.unwrap(path));
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        platform.checkAccess(JaioPath.unwrap(path), modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        return platform.getFileAttributeView(JaioPath.unwrap(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        return platform.readAttributes(JaioPath.unwrap(path), type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
            throws IOException {
        return platform.readAttributes(JaioPath.unwrap(path), attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        platform.setAttribute(JaioPath.unwrap(path), attribute, value, options);
    }

    @Override
    public boolean exists(Path path, LinkOption... options) {
        return platform.exists(JaioPath.unwrap(path), options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributesIfExists(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        return platform.readAttributesIfExists(JaioPath.unwrap(path), type, options);
    }
}
