package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
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
 * File names are bytes on Linux. A Path that FileChannel.open opens, jaio opens as the same file,
 * whatever the bytes of its name and whatever sun.jnu.encoding, the charset the JDK encodes and
 * decodes names with: {@code bad\377\376name.dat} (not UTF-8), read from a directory, has a
 * toString() with two U+FFFD in it, whose UTF-8 encoding is another name.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileNameBytesTest {

    /** {@code bad\377\376name.dat} as printf(1) writes it. */
    static final String BAD_NAME_PRINTF = "bad\\377\\376name.dat";
    /** {@code café.dat} in UTF-8: valid UTF-8, but not ASCII (undecodable where the JDK's charset is ASCII). */
    static final String CAFE_PRINTF = "caf\\303\\251.dat";

    private Path dir;
    private IoEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("names");
        engine = IoEngine.open(EngineConfig.defaults());
    }

    @AfterEach
    void tearDown() throws IOException {
        engine.close();
        TestFiles.deleteRecursively(dir);
    }

    /** Runs {@code sh -c command} with DIR set to {@code dir}; its output, or a failure with it. */
    static String shell(Path dir, String command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true);
        pb.environment().put("DIR", dir.toString()); // an ASCII name: no question how it is encoded
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).trim();
        assertEquals(0, p.waitFor(), command + ": " + out);
        return out;
    }

    /** Creates {@code dir/name} (a printf(1) format) from the shell, holding {@code content}. */
    static void createFromTheShell(Path dir, String namePrintf, String content) throws Exception {
        shell(dir, "printf '" + content + "' > \"$DIR/$(printf '" + namePrintf + "')\"");
    }

    /** The one entry of {@code dir}, as Files.list gives it (with the name's own bytes). */
    static Path onlyEntry(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0);
        }
    }

    static String readWithJaio(IoEngine engine, Path p, FileOption... extra) throws Exception {
        List<FileOption> opts = new ArrayList<>(List.of(FileOption.READ));
        opts.addAll(List.of(extra));
        try (AsyncFile f = AsyncFile.open(engine, p, opts.toArray(FileOption[]::new))) {
            MemorySegment buf = Arena.ofAuto().allocate(4096, 4096);
            int n = TestFiles.await(f.read(buf, 0));
            return new String(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aNameThatIsNotUtf8OpensAsTheSameFile() throws Exception {
        createFromTheShell(dir, BAD_NAME_PRINTF, "from the shell");
        Path p = onlyEntry(dir);
        assertTrue(p.getFileName().toString().contains("\uFFFD"), "the JDK cannot decode the name: " + p);
        try (FileChannel ch = FileChannel.open(p)) {
            assertEquals(14, ch.size(), "FileChannel opens it");
        }
        assertEquals("from the shell", readWithJaio(engine, p));
        assertEquals("from the shell", readWithJaio(engine, p, FileOption.CACHED));
        assertTrue(SystemInfo.fileSystem(p).blockSize() > 0, "statx by name finds it too");
    }

    @Test
    void createMakesExactlyThatNameAndNoOther() throws Exception {
        createFromTheShell(dir, BAD_NAME_PRINTF, "");
        Path p = onlyEntry(dir);
        Files.delete(p);
        try (AsyncFile f = AsyncFile.open(engine, p, FileOption.WRITE, FileOption.CREATE_NEW)) {
            MemorySegment data = Arena.ofAuto().allocateFrom("written by jaio");
            assertEquals((int) data.byteSize(), (int) TestFiles.await(f.write(data, 0)));
        }
        assertEquals(p, onlyEntry(dir), "the same bytes (UnixPath.equals compares them)");
        assertEquals(BAD_NAME_PRINTF, shell(dir, "ls -b \"$DIR\""), "the directory as the OS lists it");
        ByteBuffer back = ByteBuffer.allocate(64);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.read(back, 0);
        }
        assertEquals("written by jaio", new String(back.array(), 0, back.position() - 1, StandardCharsets.UTF_8));
    }

    @Test
    void aNonAsciiNameMadeFromAStringIsEncodedAsTheJdkEncodesIt() throws Exception {
        Path p = dir.resolve("caf\u00e9 \u65e5\u672c.dat");
        try (AsyncFile f = AsyncFile.open(engine, p, FileOption.WRITE, FileOption.CREATE)) {
            TestFiles.await(f.write(Arena.ofAuto().allocateFrom("x"), 0));
        }
        assertTrue(Files.exists(p));
        assertEquals(p, onlyEntry(dir));
    }

    /**
     * Under the C locale, the JDK's charset for names is ASCII (ANSI_X3.4-1968): even café.dat, valid
     * UTF-8, has a toString() with U+FFFD in it. A child JVM under LANG=C opens both names.
     */
    @Test
    void namesOpenUnderANonUtf8JnuEncodingToo() throws Exception {
        createFromTheShell(dir, BAD_NAME_PRINTF, "bad");
        createFromTheShell(dir, CAFE_PRINTF, "cafe");
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), FileNameBytesChild.class.getName(), dir.toString())
                .redirectErrorStream(true);
        pb.environment().put("LANG", "C");
        pb.environment().put("LC_ALL", "C");
        Process child = pb.start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), out);
        String jnu = out.lines().filter(l -> l.startsWith("jnu=")).findFirst().orElse("jnu=?");
        assumeTrue(!jnu.equals("jnu=UTF-8"), "the child JVM still encodes names in UTF-8: " + out);
        assertEquals(0, child.exitValue(), out);
        assertTrue(out.contains("opened 2"), out);
        assertEquals(BAD_NAME_PRINTF + "\n" + CAFE_PRINTF, shell(dir, "ls -b \"$DIR\" | sort"),
                "the child's CREATE made these names again, and no other");
    }

    @Test
    void theSameBytesReachTheKernelAsFromFileChannel() throws Exception {
        createFromTheShell(dir, BAD_NAME_PRINTF, "");
        Path p = onlyEntry(dir);
        byte[] bytes = dev.jaio.internal.linux.PathBytes.of(p);
        byte[] want = (dir.toString() + "/bad").getBytes(StandardCharsets.US_ASCII);
        byte[] expected = new byte[want.length + 10];
        System.arraycopy(want, 0, expected, 0, want.length);
        byte[] tail = {(byte) 0377, (byte) 0376, 'n', 'a', 'm', 'e', '.', 'd', 'a', 't'};
        System.arraycopy(tail, 0, expected, want.length, tail.length);
        assertArrayEquals(expected, bytes);
        assertNotEquals(new String(bytes, StandardCharsets.ISO_8859_1), p.toString());
    }
}
