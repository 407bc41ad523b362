package dev.jaio.internal.linux;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The bytes of a file name as the JDK passes them to the kernel, which knows names only as bytes.
 *
 * <p>The JDK's {@code UnixPath} keeps the bytes it was made of: a name read from a directory
 * ({@link java.nio.file.Files#list}) keeps the bytes readdir gave, whatever they are; a name made
 * from a String is encoded with {@code sun.jnu.encoding} (the locale's charset, not always UTF-8:
 * ANSI_X3.4-1968 under {@code LANG=C}). {@link Path#toString()} decodes those bytes, replacing what
 * the charset cannot decode, so encoding it again (as {@code arena.allocateFrom(String)} does, in
 * UTF-8) can name another file: {@code bad\377\376name.dat} becomes
 * {@code bad\357\277\275\357\277\275name.dat}. No public API gives the bytes, but
 * {@link Path#toUri()} of the default file system writes each of them as itself or as a %XX escape
 * ({@code sun.nio.fs.UnixUriUtils.toUri}, since JDK 7), and that is where they are taken from,
 * unless the String is plain ASCII under a charset where ASCII is one byte per character.
 *
 * <p>The path is made absolute first, against {@code user.dir}, as the JDK does whenever that
 * differs from the process's working directory.
 */
public final class PathBytes {

    /** The charset the JDK encodes and decodes file names with. */
    public static final Charset JNU = jnuCharset();

    /** Plain ASCII Strings encode to their own characters as bytes, and only ASCII bytes decode to them. */
    private static final boolean ASCII_IS_BYTES = JNU.equals(StandardCharsets.UTF_8)
            || JNU.equals(StandardCharsets.US_ASCII) || JNU.equals(StandardCharsets.ISO_8859_1);

    private PathBytes() {
    }

    private static Charset jnuCharset() {
        for (String property : new String[] {"sun.jnu.encoding", "native.encoding"}) {
            String name = System.getProperty(property);
            try {
                if (name != null && Charset.isSupported(name)) {
                    return Charset.forName(name);
                }
            } catch (IllegalArgumentException e) {
                // an illegal charset name: try the next
            }
        }
        return Charset.defaultCharset();
    }

    /**
     * The NUL-terminated absolute name of {@code path}, as the JDK would give it to open(2).
     *
     * @throws ProviderMismatchException for a path of another file system (a zip file's, say)
     */
    public static MemorySegment allocate(Arena arena, Path path) {
        return allocate(arena, of(path));
    }

    /** {@code bytes} (a name, without NUL) NUL-terminated, as a C string. */
    public static MemorySegment allocate(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
        s.set(JAVA_BYTE, bytes.length, (byte) 0);
        return s;
    }

    /** The absolute name of {@code path} as bytes, without a terminating NUL. */
    public static byte[] of(Path path) {
        // The default file system's paths, and the platform's own (sun.nio.fs.UnixPath) when another
        // provider is the default (jaio's switch, dev.jaio.nio.JaioFileSystemProvider, wraps them):
        // both give the name's bytes in toUri().
        if (path.getFileSystem() != FileSystems.getDefault()
                && !path.getClass().getName().equals("sun.nio.fs.UnixPath")) {
            throw new ProviderMismatchException("not a path of the default file system: " + path + " ("
                    + path.getFileSystem().provider().getScheme() + ")");
        }
        Path absolute = path.toAbsolutePath();
        String s = absolute.toString();
        if (ASCII_IS_BYTES && isAscii(s)) {
            return s.getBytes(StandardCharsets.US_ASCII);
        }
        return unescape(absolute.toUri().getRawPath(), s.endsWith("/"));
    }

    /** Decodes a name the kernel gave (from /proc, say) as the JDK decodes the names it reads. */
    public static String decode(byte[] bytes) {
        return new String(bytes, JNU);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * The bytes of a URI's raw path: %XX escapes become their byte, every other character (ASCII,
     * as toUri writes only ASCII) its own. toUri appends '/' to a directory's name; that is dropped
     * unless the name had it (the root).
     */
    private static byte[] unescape(String rawPath, boolean slashWasThere) {
        int end = rawPath.length();
        if (end > 1 && rawPath.charAt(end - 1) == '/' && !slashWasThere) {
            end--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(end);
        for (int i = 0; i < end; i++) {
            char c = rawPath.charAt(i);
            if (c == '%') {
                out.write(Integer.parseInt(rawPath, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
