package dev.jaio.cli.serve;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Maps a request's decoded path onto the files under a root directory, without letting a request
 * reach anything outside it. Two steps:
 * <ol>
 * <li>{@link #resolve}: lexical, no I/O. Refuses a NUL or a backslash, drops empty and {@code .}
 *     segments ({@code //} is {@code /}), resolves {@code ..} segments (also those that arrived
 *     as {@code %2e%2e}, which {@link RequestTarget} decoded) the way RFC 3986 §5.2.4 removes dot
 *     segments, and refuses a {@code ..} that would climb above the root. The result is the root
 *     joined with the remaining segments, so it is under the root by construction.</li>
 * <li>{@link #confine}: I/O. A symlink under the root may point anywhere, so the server calls this
 *     before opening: it takes the path's {@link Path#toRealPath real path} (symlinks followed)
 *     and refuses it unless it {@link Path#startsWith(Path) starts with} the root's real path,
 *     compared by name elements, so that {@code /srv/www2} is not inside {@code /srv/www}. The
 *     server then opens the real path it returns. A symlink swapped between the check and the
 *     open can still win that race; closing it needs {@code openat2(RESOLVE_BENEATH)}, which the
 *     JDK does not offer.</li>
 * </ol>
 * Encoded slashes ({@code %2F}) never get here: {@link RequestTarget} refuses them while decoding,
 * the last point where they differ from {@code /}.
 *
 * <p>Statuses: 400 for a path that no client produces from a URI (NUL, backslash, a {@code ..}
 * above the root, not starting with {@code /}); 404 for a file that does not exist; 403 for a file
 * whose real path is outside the root, or that the server may not read. Whether a directory is
 * served as an index, redirected or refused is the server's business ({@link Resolved#trailingSlash}
 * says whether the request named it as a directory).
 *
 * <p>Immutable and thread-safe.
 */
public final class PathResolver {

    /** What {@link #resolve} or {@link #confine} found. */
    public sealed interface Resolution permits Resolved, Refused {
    }

    /**
     * The file the request names.
     *
     * @param path          an absolute path under the root (after {@link #confine}: its real path)
     * @param trailingSlash whether the request path ended in {@code /}, {@code /.} or {@code /..}: the
     *                      request names a directory. The path itself has no trailing slash, so
     *                      {@code /index.html/} resolves to the file; the server answers 404 for
     *                      a file named with a trailing slash, as open(2) would fail (ENOTDIR)
     */
    public record Resolved(Path path, boolean trailingSlash) implements Resolution {
    }

    /**
     * The request may not have the file it names.
     *
     * @param status the HTTP status to answer: 400, 403, 404, or 500 for an unexpected I/O error
     * @param reason why, for a log
     */
    public record Refused(int status, String reason) implements Resolution {
    }

    private final Path root;

    /**
     * A resolver for the files under {@code root}. Reads the file system once, for the root's real
     * path, which every {@link #confine} compares against.
     *
     * @param root the directory to serve (a symlink to one is followed)
     * @throws NotDirectoryException if {@code root} is not a directory
     * @throws IOException if its real path cannot be read (it does not exist, for one)
     */
    public PathResolver(Path root) throws IOException {
        Path real = root.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(root.toString());
        }
        this.root = real;
    }

    /** {@return the root's real path: every resolved path starts with it} */
    public Path root() {
        return root;
    }

    /**
     * Maps a decoded request path onto the root, lexically (no I/O).
     *
     * @param decodedPath the request's decoded path, such as {@link HttpRequest#path()}
     * @return {@link Resolved} with the root joined with the path's segments, or {@link Refused}
     *     with 400 (see the class comment)
     */
    public Resolution resolve(String decodedPath) {
        if (decodedPath == null || !decodedPath.startsWith("/")) {
            return new Refused(400, "path does not start with /");
        }
        if (decodedPath.indexOf('\0') >= 0) {
            return new Refused(400, "NUL in path");
        }
        if (decodedPath.indexOf('\\') >= 0) {
            // A separator on Windows and a favourite of traversal attempts; no URI needs one.
            return new Refused(400, "backslash in path");
        }
        Deque<String> segments = new ArrayDeque<>();
        boolean directory = false;
        int i = 1;
        int n = decodedPath.length();
        while (i <= n) {
            int slash = decodedPath.indexOf('/', i);
            int end = slash < 0 ? n : slash;
            String segment = decodedPath.substring(i, end);
            directory = segment.isEmpty() || segment.equals(".") || segment.equals("..");
            if (segment.equals("..")) {
                if (segments.isEmpty()) {
                    return new Refused(400, "path climbs above the root");
                }
                segments.removeLast();
            } else if (!directory) {
                segments.addLast(segment);
            }
            i = end + 1;
        }
        Path path = root;
        try {
            for (String s : segments) {
                path = path.resolve(s);
            }
        } catch (InvalidPathException e) {
            // Not on Linux (only NUL is invalid there, refused above); another file system may differ.
            return new Refused(400, "path not valid on this file system");
        }
        if (!path.normalize().startsWith(root)) {
            // Cannot happen: no segment is "", "." or ".." or holds a separator. Checked anyway,
            // since the cost of being wrong is serving any file.
            return new Refused(400, "path escapes the root");
        }
        return new Resolved(path, directory);
    }

    /**
     * Follows symlinks and checks that the file is still under the root: the one method that reads
     * the file system (the path's and its parents' metadata).
     *
     * @param resolved a result of {@link #resolve}
     * @return {@link Resolved} with the file's real path (and the same trailingSlash); or
     *     {@link Refused} with 404 if it does not exist (a dangling symlink, or a component that is
     *     not a directory, included), 403 if its real path is outside the root or it may not be
     *     read, 500 for another I/O error
     */
    public Resolution confine(Resolved resolved) {
        Path real;
        try {
            real = resolved.path().toRealPath();
        } catch (NoSuchFileException e) {
            return new Refused(404, "no such file: " + e.getMessage());
        } catch (AccessDeniedException e) {
            return new Refused(403, "access denied: " + e.getMessage());
        } catch (FileSystemException e) {
            // Linux's ENOTDIR (a file used as a directory), ELOOP (a symlink loop) and
            // ENAMETOOLONG arrive as a plain FileSystemException: all mean "no such file" here.
            return new Refused(404, "no such file: " + e.getMessage());
        } catch (IOException e) {
            return new Refused(500, "cannot resolve: " + e);
        }
        if (!real.startsWith(root)) {
            return new Refused(403, "real path is outside the root");
        }
        return new Resolved(real, resolved.trailingSlash());
    }
}
