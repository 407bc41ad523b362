package dev.jaio.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The default-provider switch: jaio's provider wraps the platform's, hands out jaio's channels for
 * regular files and the platform's for everything else, and, installed with
 * {@code -Djava.nio.file.spi.DefaultFileSystemProvider}, makes unchanged JDK-API code (a child JVM
 * running a program that knows nothing of jaio) get jaio's channels, from the class path and from
 * the module path.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JaioFileSystemProviderTest {

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("jaio-provider");
    }

    @AfterEach
    void tearDown() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void pathsOfTheWrappedFileSystemOpenJaiosChannelsAndTheRestIsThePlatforms() throws Exception {
        JaioFileSystemProvider provider = new JaioFileSystemProvider(FileSystems.getDefault().provider());
        FileSystem fs = provider.fileSystem();
        assertSame(provider, fs.provider());
        Path f = fs.getPath(dir.toString(), "data");
        assertSame(fs, f.getFileSystem());
        assertSame(fs, f.getParent().getFileSystem());
        assertSame(fs, f.resolveSibling("x").getFileSystem());
        assertEquals(fs.getPath(dir.toString()), f.getParent());
        assertEquals(f, f.getParent().resolve("data"));
        assertEquals("data", f.getParent().relativize(f).toString());
        Files.writeString(f, "hello jaio"); // the platform's byte channel, through the provider
        assertEquals("hello jaio", Files.readString(f));
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertInstanceOf(JaioFileChannel.class, ch, "FileChannel.open asks the path's provider");
            ByteBuffer b = ByteBuffer.allocate(5);
            assertEquals(4, ch.read(b, 6));
            assertEquals("jaio", new String(b.array(), 0, 4, StandardCharsets.US_ASCII));
        }
        try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(f, StandardOpenOption.READ)) {
            assertInstanceOf(JaioAsynchronousFileChannel.class, ch);
            assertEquals(10, ch.size());
        }
        try (FileChannel devNull = FileChannel.open(fs.getPath("/dev/null"), StandardOpenOption.WRITE)) {
            assertFalse(devNull instanceof JaioFileChannel, "not a regular file: the platform's channel");
        }
        List<Path> listed = new ArrayList<>();
        try (var stream = Files.newDirectoryStream(f.getParent())) {
            stream.forEach(listed::add);
        }
        assertEquals(List.of(f), listed);
        assertSame(fs, listed.getFirst().getFileSystem());
        try (Stream<Path> walk = Files.walk(f.getParent())) {
            assertEquals(2, walk.count());
        }
        assertTrue(fs.getPathMatcher("glob:**/data").matches(f));
        Files.copy(f, f.resolveSibling("copy"));
        assertTrue(Files.isSameFile(f.resolveSibling("copy"), fs.getPath(dir.toString(), "copy")));
        assertEquals("hello jaio", Files.readString(f.resolveSibling("copy")));
    }

    /** The program of the child JVMs: plain JDK API, no jaio in sight. */
    private static final String PROGRAM = """
            import java.io.File;
            import java.nio.ByteBuffer;
            import java.nio.channels.AsynchronousFileChannel;
            import java.nio.channels.FileChannel;
            import java.nio.charset.StandardCharsets;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.nio.file.StandardOpenOption;

            public class Unchanged {
                public static void main(String[] args) throws Exception {
                    Path p = Path.of(args[0]);
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE)) {
                        System.out.println("FileChannel " + ch.getClass().getName());
                        ch.write(ByteBuffer.wrap("unchanged code".getBytes(StandardCharsets.US_ASCII)));
                        ch.force(true);
                    }
                    try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(new File(args[0]).toPath(),
                            StandardOpenOption.READ)) {
                        System.out.println("AsynchronousFileChannel " + ch.getClass().getName());
                        ByteBuffer b = ByteBuffer.allocate(100);
                        int n = ch.read(b, 0).get();
                        System.out.println("read " + new String(b.array(), 0, n, StandardCharsets.US_ASCII));
                    }
                    System.out.println("readString " + Files.readString(p));
                    System.out.println("provider " + p.getFileSystem().provider().getClass().getName());
                }
            }
            """;

    @Test
    void unchangedCodeGetsJaiosChannelsFromTheClassPath() throws Exception {
        List<String> out = runChild(false);
        assertChild(out);
    }

    @Test
    void unchangedCodeGetsJaiosChannelsFromTheModulePath() throws Exception {
        List<String> out = runChild(true);
        assertChild(out);
    }

    private void assertChild(List<String> out) throws IOException {
        String all = String.join("\n", out);
        assertTrue(out.contains("FileChannel dev.jaio.nio.JaioFileChannel"), all);
        assertTrue(out.contains("AsynchronousFileChannel dev.jaio.nio.JaioAsynchronousFileChannel"), all);
        assertTrue(out.contains("read unchanged code"), all);
        assertTrue(out.contains("readString unchanged code"), all);
        assertTrue(out.contains("provider dev.jaio.nio.JaioFileSystemProvider"), all);
        assertArrayEquals("unchanged code".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(dir.resolve("f")));
    }

    private List<String> runChild(boolean modulePath) throws Exception {
        Path src = dir.resolve("Unchanged.java");
        Files.writeString(src, PROGRAM);
        Path classes = Path.of(JaioFileSystemProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        if (modulePath) {
            cmd.addAll(List.of("--module-path", classes.toString(), "--add-modules", "dev.jaio",
                    "--enable-native-access=dev.jaio"));
        } else {
            cmd.addAll(List.of("-cp", classes.toString(), "--enable-native-access=ALL-UNNAMED"));
        }
        cmd.addAll(List.of("-Djava.nio.file.spi.DefaultFileSystemProvider=dev.jaio.nio.JaioFileSystemProvider",
                src.toString(), dir.resolve("f").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + "\n" + output);
        return output.lines().toList();
    }
}
