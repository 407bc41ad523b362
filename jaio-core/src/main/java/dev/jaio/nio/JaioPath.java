package dev.jaio.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;

/**
 * A path of {@link JaioFileSystem}: the platform's path with jaio's file system as its own, so that
 * {@code path.getFileSystem().provider()} (which {@code FileChannel.open(path)} and
 * {@code AsynchronousFileChannel.open(path)} ask) is jaio's provider. Every operation is the
 * platform path's; paths it returns are wrapped, paths it is given are unwrapped.
 */
final class JaioPath implements Path {

    private final JaioFileSystem fs;
    private final Path delegate;

    JaioPath(JaioFileSystem fs, Path delegate) {
        this.fs = fs;
        this.delegate = Objects.requireNonNull(delegate);
    }

    /** The platform's path behind {@code p}, a path of jaio's file system. */
    static Path unwrap(Path p) {
        Objects.requireNonNull(p, "path");
        if (p instanceof JaioPath j) {
            return j.delegate;
        }
        throw new ProviderMismatchException("not a path of jaio's default file system: " + p + " ("
                + p.getClass().getName() + ")");
    }

    Path delegate() {
        return delegate;
    }

    private Path wrap(Path p) {
        return p == null ? null : new JaioPath(fs, p);
    }

    @Override
    public JaioFileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return delegate.isAbsolute();
    }

    @Override
    public Path getRoot() {
        return wrap(delegate.getRoot());
    }

    @Override
    public Path getFileName() {
        return wrap(delegate.getFileName());
    }

    @Override
    public Path getParent() {
        return wrap(delegate.getParent());
    }

    @Override
    public int getNameCount() {
        return delegate.getNameCount();
    }

    @Override
    public Path getName(int index) {
        return wrap(delegate.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        return wrap(delegate.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        return other instanceof JaioPath j && delegate.startsWith(j.delegate);
    }

    @Override
    public boolean startsWith(String other) {
        return delegate.startsWith(other);
    }

    @Override
    public boolean endsWith(Path other) {
        return other instanceof JaioPath j && delegate.endsWith(j.delegate);
    }

    @Override
    public boolean endsWith(String other) {
        return delegate.endsWith(other);
    }

    @Override
    public Path normalize() {
        return wrap(delegate.normalize());
    }

    @Override
    public Path resolve(Path other) {
        return wrap(delegate.resolve(unwrap(other)));
    }

    @Override
    public Path resolve(String other) {
        return wrap(delegate.resolve(other));
    }

    @Override
    public Path resolveSibling(Path other) {
        return wrap(delegate.resolveSibling(unwrap(other)));
    }

    @Override
    public Path resolveSibling(String other) {
        return wrap(delegate.resolveSibling(other));
    }

    @Override
    public Path relativize(Path other) {
        return wrap(delegate.relativize(unwrap(other)));
    }

    @Override
    public URI toUri() {
        return delegate.toUri();
    }

    @Override
    public Path toAbsolutePath() {
        return wrap(delegate.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        return wrap(delegate.toRealPath(options));
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
            throws IOException {
        Objects.requireNonNull(watcher, "watcher");
        if (!(watcher instanceof JaioWatchService w)) {
            throw new ProviderMismatchException("not a watch service of jaio's default file system: " + watcher);
        }
        return w.keyOf(delegate.register(w.delegate(), events, modifiers), this);
    }

    @Override
    public int compareTo(Path other) {
        return delegate.compareTo(((JaioPath) other).delegate); // ClassCastException, as the platform's
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JaioPath j && j.delegate.equals(delegate);
    }

    @Override
    public int hashCode() {
        return delegate.hashCode();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
