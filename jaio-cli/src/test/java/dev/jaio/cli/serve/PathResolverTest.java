package dev.jaio.cli.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jaio.cli.serve.PathResolver.Refused;
import dev.jaio.cli.serve.PathResolver.Resolution;
import dev.jaio.cli.serve.PathResolver.Resolved;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real directory tree:
 * <pre>
 * tmp/www/index.html
 * tmp/www/dir/a.txt
 * tmp/www/in -> dir/a.txt          (inside: allowed)
 * tmp/www/dirlink -> dir           (inside)
 * tmp/www/out -> ../secret.txt     (outside: 403)
 * tmp/www/outdir -> ..             (outside)
 * tmp/www/sibling -> ../www2       (a directory whose name starts with the root's)
 * tmp/www/abs -> /.../tmp/secret.txt (absolute, outside)
 * tmp/www/dangling -> nowhere
 * tmp/www/loop -> loop
 * tmp/www2/x.txt
 * tmp/secret.txt
 * </pre>
 */
class PathResolverTest {

    @TempDir
    Path tmp;
    Path www;
    PathResolver resolver;

    @BeforeEach
    void tree() throws IOException {
        www = Files.createDirectory(tmp.resolve("www"));
        Files.writeString(www.resolve("index.html"), "<p>hi</p>");
        Files.createDirectory(www.resolve("dir"));
        Files.writeString(www.resolve("dir/a.txt"), "a");
        Files.createDirectory(tmp.resolve("www2"));
        Files.writeString(tmp.resolve("www2/x.txt"), "x");
        Files.writeString(tmp.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(www.resolve("in"), Path.of("dir/a.txt"));
        Files.createSymbolicLink(www.resolve("dirlink"), Path.of("dir"));
        Files.createSymbolicLink(www.resolve("out"), Path.of("../secret.txt"));
        Files.createSymbolicLink(www.resolve("outdir"), Path.of(".."));
        Files.createSymbolicLink(www.resolve("sibling"), Path.of("../www2"));
        Files.createSymbolicLink(www.resolve("abs"), tmp.resolve("secret.txt").toAbsolutePath());
        Files.createSymbolicLink(www.resolve("dangling"), Path.of("nowhere"));
        Files.createSymbolicLink(www.resolve("loop"), Path.of("loop"));
        resolver = new PathResolver(www);
    }

    private Resolved resolved(String path) {
        Resolution r = resolver.resolve(path);
        if (r instanceof Resolved ok) {
            return ok;
        }
        return fail(path + ": " + r);
    }

    private int refusedStatus(Resolution r) {
        return assertInstanceOf(Refused.class, r).status();
    }

    private Resolution confine(String path) {
        return resolver.confine(resolved(path));
    }

    // ---- lexical ----

    @ParameterizedTest
    @CsvSource({
        "/, '', true",
        "/index.html, index.html, false",
        "//index.html, index.html, false",
        "/dir//a.txt, dir/a.txt, false",
        "/./dir/./a.txt, dir/a.txt, false",
        "/dir/, dir, true",
        "/dir/., dir, true",
        "/dir/.., '', true",
        "/dir/../index.html, index.html, false",
        "/a/b/../../index.html, index.html, false",
        "/dir/sub/.., dir, true",
        "/.hidden, .hidden, false",
        "/..., ..., false",
        "/a..b, a..b, false",
        "/caf\u00e9 x.txt, caf\u00e9 x.txt, false"})
    void resolvesLexically(String path, String expected, boolean trailingSlash) {
        Resolved r = resolved(path);
        assertEquals(expected.isEmpty() ? resolver.root() : resolver.root().resolve(expected), r.path());
        assertEquals(trailingSlash, r.trailingSlash(), path);
        assertTrue(r.path().startsWith(resolver.root()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/../", "/../secret.txt", "/dir/../../secret.txt", "/dir/../..", "//../x",
        "/./../x", "/a/../../x", "/dir/../dir/../../www2/x.txt"})
    void refusesClimbingAboveTheRoot(String path) {
        assertEquals(400, refusedStatus(resolver.resolve(path)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a\0b", "/\0", "/dir\\a.txt", "/..\\secret.txt", "/\\", "index.html", "", "dir/a.txt"})
    void refusesNulBackslashAndRelativePaths(String path) {
        assertEquals(400, refusedStatus(resolver.resolve(path)));
    }

    @Test
    void refusesNull() {
        assertEquals(400, refusedStatus(resolver.resolve(null)));
    }

    @Test
    void encodedTraversalFromTheParserIsRefused() {
        // The parser decodes %2e%2e to ".." (a dot segment, RFC 3986 §6.2.2.2) and refuses %2F;
        // the resolver refuses the climb.
        for (String target : new String[] {"/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/etc/passwd", "/dir/%2e%2e/%2e%2e/x",
            "/.%2e/x", "/%2e./x"}) {
            HttpRequestParser p = new HttpRequestParser();
            HttpRequestParser.Result r = p.parse(ByteBuffer.wrap(
                    ("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            HttpRequest request = assertInstanceOf(HttpRequestParser.Done.class, r, target).request();
            assertEquals(400, refusedStatus(resolver.resolve(request.path())), target);
        }
        HttpRequestParser p = new HttpRequestParser();
        HttpRequestParser.Result r = p.parse(ByteBuffer.wrap(
                "GET /..%2f..%2fsecret.txt HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(400, assertInstanceOf(HttpRequestParser.Rejected.class, r).status());
    }

    // ---- real paths ----

    @Test
    void confinesFilesInside() throws IOException {
        Resolved index = assertInstanceOf(Resolved.class, confine("/index.html"));
        assertEquals(www.toRealPath().resolve("index.html"), index.path());
        Resolved in = assertInstanceOf(Resolved.class, confine("/in"));
        assertEquals(www.toRealPath().resolve("dir/a.txt"), in.path(), "a symlink inside the root is followed");
        Resolved viaDirLink = assertInstanceOf(Resolved.class, confine("/dirlink/a.txt"));
        assertEquals(www.toRealPath().resolve("dir/a.txt"), viaDirLink.path());
        Resolved dir = assertInstanceOf(Resolved.class, confine("/dirlink/"));
        assertTrue(dir.trailingSlash());
        assertEquals(www.toRealPath().resolve("dir"), dir.path());
        assertEquals(www.toRealPath(), assertInstanceOf(Resolved.class, confine("/")).path());
        Resolved fileWithSlash = assertInstanceOf(Resolved.class, confine("/index.html/"));
        assertEquals(www.toRealPath().resolve("index.html"), fileWithSlash.path());
        assertTrue(fileWithSlash.trailingSlash(), "the server sees the slash and answers 404");
        // Out through a symlink and back in: the file really is under the root, so it is served.
        assertEquals(www.toRealPath().resolve("index.html"),
                assertInstanceOf(Resolved.class, confine("/outdir/www/index.html")).path());
    }

    @Test
    void refusesSymlinksOutOfTheRoot() {
        assertEquals(403, refusedStatus(confine("/out")));
        assertEquals(403, refusedStatus(confine("/outdir/secret.txt")));
        assertEquals(403, refusedStatus(confine("/outdir")));
        assertEquals(403, refusedStatus(confine("/sibling/x.txt")), "www2 starts with www only as a string");
        assertEquals(403, refusedStatus(confine("/abs")));
    }

    @Test
    void missingFilesAre404() {
        assertEquals(404, refusedStatus(confine("/nope.html")));
        assertEquals(404, refusedStatus(confine("/dir/nope/a.txt")));
        assertEquals(404, refusedStatus(confine("/dangling")));
        assertEquals(404, refusedStatus(confine("/loop")), "a symlink loop");
        assertEquals(404, refusedStatus(confine("/index.html/x")), "a file used as a directory");
        assertEquals(404, refusedStatus(confine("/" + "n".repeat(300))), "a name too long");
    }

    @Test
    void unreadableDirectoriesAre403() throws IOException {
        Path locked = Files.createDirectory(www.resolve("locked"));
        Files.writeString(locked.resolve("f"), "f");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(locked), "running as root");
            assertEquals(403, refusedStatus(confine("/locked/f")));
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void rootThroughASymlinkIsItsRealPath() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("wwwlink"), Path.of("www"));
        PathResolver viaLink = new PathResolver(link);
        assertEquals(www.toRealPath(), viaLink.root());
        assertInstanceOf(Resolved.class, viaLink.confine(assertInstanceOf(Resolved.class, viaLink.resolve("/in"))));
        assertEquals(403, refusedStatus(viaLink.confine(assertInstanceOf(Resolved.class, viaLink.resolve("/out")))));
    }

    @Test
    void rootMustBeAnExistingDirectory() {
        assertThrows(NotDirectoryException.class, () -> new PathResolver(www.resolve("index.html")));
        assertThrows(IOException.class, () -> new PathResolver(tmp.resolve("none")));
    }
}
