package dev.jaio;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jaio.internal.aio.AioLimits;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.ProcFs;
import dev.jaio.internal.linux.Statx;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Properties;

/** Facts about this machine that decide which engines work and how: what {@code jaio info} prints. */
public final class SystemInfo {

    private SystemInfo() {
    }

    /** This library's version. */
    public static String jaioVersion() {
        try (InputStream in = SystemInfo.class.getResourceAsStream("/META-INF/maven/dev.jaio/jaio-core/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // fall through: a build without Maven metadata
        }
        return "development build";
    }

    /** The running kernel's release, as {@code uname -r} prints it. */
    public static String kernelRelease() {
        return Libc.kernelRelease();
    }

    /** The CPU architecture in kernel terms, e.g. {@code x86_64} or {@code aarch64}. */
    public static String architecture() {
        String arch = System.getProperty("os.arch", "unknown");
        return arch.equals("amd64") ? "x86_64" : arch;
    }

    /** {@code /proc/sys/fs/aio-max-nr}: AIO events all contexts together may reserve. */
    public static OptionalLong aioMaxNr() {
        return AioLimits.maxEvents();
    }

    /** {@code /proc/sys/fs/aio-nr}: AIO events reserved right now. */
    public static OptionalLong aioNr() {
        return AioLimits.eventsInUse();
    }

    /**
     * {@code /proc/sys/kernel/io_uring_disabled}: 0 io_uring enabled, 1 only for privileged users or
     * the group in io_uring_group, 2 disabled; empty when the kernel has no such knob.
     */
    public static OptionalInt ioUringDisabled() {
        OptionalLong v = ProcFs.number(Path.of("/proc/sys/kernel/io_uring_disabled"));
        return v.isPresent() ? OptionalInt.of((int) v.getAsLong()) : OptionalInt.empty();
    }

    /**
     * Describes the filesystem holding {@code path}. For a directory, the O_DIRECT alignment is that
     * of a file created in it (and removed at once), because directories do not support O_DIRECT.
     * Where the filesystem does not report it (statx STATX_DIOALIGN), it is probed: an O_DIRECT open
     * (refused on ramfs) and a small O_DIRECT read; FIFOs, character devices and other special files
     * report no O_DIRECT support.
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

    /** {type, mount point, source} of a mount id from /proc/self/mountinfo (proc(5)). */
    private static String[] mountOf(long mountId) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            for (String line : lines) {
                String[] f = line.split(" ");
                if (f.length < 10 || Long.parseLong(f[0]) != mountId) {
                    continue;
                }
                int dash = line.indexOf(" - ");
                String[] tail = line.substring(dash + 3).split(" ");
                return new String[] {tail[0], unescape(f[4]), tail.length > 1 ? unescape(tail[1]) : "unknown"};
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return new String[] {"unknown", "unknown", "unknown"};
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
