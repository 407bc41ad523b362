package dev.jaio.internal.file;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jaio.DirectIoAlignment;
import dev.jaio.FileSystemInfo;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.PathBytes;
import dev.jaio.internal.linux.ProcFs;
import dev.jaio.internal.linux.Statx;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The facts {@code SystemInfo} reports, read from the kernel: uname(2), procfs, statx(2) and
 * /proc/self/mountinfo.
 */
public final class SystemProbe {

    private SystemProbe() {
    }

    /** uname(2)'s release. */
    public static String kernelRelease() {
        return Libc.kernelRelease();
    }

    /** /proc/sys/kernel/io_uring_disabled, if the kernel has it. */
    public static OptionalInt ioUringDisabled() {
        OptionalLong v = ProcFs.number(Path.of("/proc/sys/kernel/io_uring_disabled"));
        return v.isPresent() ? OptionalInt.of((int) v.getAsLong()) : OptionalInt.empty();
    }

    /**
     * The file system of {@code path}: its mount (from statx's mount id and /proc/self/mountinfo),
     * block size, and O_DIRECT alignment (for a directory, of a probe file made in it).
     */
    public static FileSystemInfo fileSystem(Path path) throws IOException {
        long mountId;
        long blockSize;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = DirectIo.statx(arena, path);
            mountId = (st.get(JAVA_INT, Statx.STX_MASK) & Statx.STATX_MNT_ID) != 0
                    ? st.get(JAVA_LONG, Statx.STX_MNT_ID) : -1;
            blockSize = Integer.toUnsignedLong(st.get(JAVA_INT, Statx.STX_BLKSIZE));
        }
        DirectIoAlignment dio;
        if (Files.isDirectory(path)) {
            Path probe = null;
            try {
                probe = Files.createTempFile(path, ".jaio-info-", ".tmp");
                // A page of data, so that a filesystem without STATX_DIOALIGN can be measured by a read.
                Files.write(probe, new byte[4096]);
                dio = DirectIo.alignment(probe);
            } catch (IOException e) {
                dio = new DirectIoAlignment(0, 0, "unknown: cannot create a file in the directory to probe it ("
                        + e.getMessage() + ")");
            } finally {
                if (probe != null) {
                    Files.deleteIfExists(probe);
                }
            }
        } else {
            dio = DirectIo.alignment(path);
        }
        String[] mount = mountOf(mountId);
        return new FileSystemInfo(path, mount[0], mount[1], mount[2], blockSize, dio);
    }

    /**
     * {type, mount point, source} of a mount id from /proc/self/mountinfo (proc(5)). Read as bytes:
     * a mount point is a file name, any bytes but NUL and '/', and a strict UTF-8 reader would give up
     * on the whole file for one name that is not UTF-8. Names are decoded as the JDK decodes the
     * names it reads ({@link PathBytes#decode}), so a mount point equals the Path's toString.
     */
    private static String[] mountOf(long mountId) {
        byte[] all;
        try (InputStream in = Files.newInputStream(Path.of("/proc/self/mountinfo"))) {
            all = in.readAllBytes(); // to the end: procfs reports a size of 0
        } catch (IOException | RuntimeException e) {
            return new String[] {"unknown", "unknown", "unknown"};
        }
        String id = Long.toString(mountId) + " ";
        int start = 0;
        while (start < all.length) {
            int end = indexOf(all, (byte) '\n', start);
            if (end < 0) {
                end = all.length;
            }
            // The id, parent id, major:minor, root and mount point fields, and after " - " the type
            // and source, are separated by single spaces; spaces in names are escaped as \040.
            String line = new String(all, start, end - start, StandardCharsets.ISO_8859_1); // byte i is char i
            if (line.startsWith(id)) {
                String[] f = line.split(" ");
                int dash = line.indexOf(" - ");
                if (f.length >= 5 && dash >= 0) {
                    String[] tail = line.substring(dash + 3).split(" ");
                    return new String[] {unescape(tail[0]), unescape(f[4]),
                        tail.length > 1 ? unescape(tail[1]) : "unknown"};
                }
            }
            start = end + 1;
        }
        return new String[] {"unknown", "unknown", "unknown"};
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A mountinfo field, one char per byte, with the kernel's octal escapes (\ooo, for space, tab,
     * newline and backslash: seq_path's " \t\n\\") turned back into bytes, decoded as a file name.
     */
    private static String unescape(String field) {
        byte[] out = new byte[field.length()];
        int n = 0;
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && isOctal(field, i + 1)) {
                out[n++] = (byte) Integer.parseInt(field, i + 1, i + 4, 8);
                i += 3;
            } else {
                out[n++] = (byte) c;
            }
        }
        return PathBytes.decode(Arrays.copyOf(out, n));
    }

    private static boolean isOctal(String s, int from) {
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
