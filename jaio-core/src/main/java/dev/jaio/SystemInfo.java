package dev.jaio;

import dev.jaio.internal.aio.AioLimits;
import dev.jaio.internal.file.SystemProbe;
import dev.jaio.internal.linux.NativeAccess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Properties;

/** Facts about this machine that decide which engines work and how: what {@code jaio info} prints. */
public final class SystemInfo {

    private SystemInfo() {
    }

    /**
     * This library's version.
     *
     * @return the Maven version of jaio-core (e.g. {@code 0.1.0-SNAPSHOT}), or
     *     {@code "development build"} when run from classes without Maven metadata
     */
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

    /**
     * The running kernel's release (uname(2)), read once.
     *
     * @return the release as {@code uname -r} prints it, e.g. {@code 6.8.0-45-generic}
     * @throws IllegalCallerException when the JVM denies jaio native access, naming the flag to add
     */
    public static String kernelRelease() {
        NativeAccess.ensureEnabled(); // uname(2) is a native call
        return SystemProbe.kernelRelease();
    }

    /**
     * The CPU architecture in kernel terms.
     *
     * @return e.g. {@code x86_64} or {@code aarch64}
     */
    public static String architecture() {
        String arch = System.getProperty("os.arch", "unknown");
        return arch.equals("amd64") ? "x86_64" : arch;
    }

    /**
     * The system-wide limit of native AIO: every io_setup(2) reserves events against it, and fails
     * with EAGAIN past it.
     *
     * @return {@code /proc/sys/fs/aio-max-nr}, the events all AIO contexts together may reserve;
     *     empty when it cannot be read (no /proc, or a kernel without CONFIG_AIO)
     */
    public static OptionalLong aioMaxNr() {
        return AioLimits.maxEvents();
    }

    /**
     * The native AIO events reserved right now, by every process.
     *
     * @return {@code /proc/sys/fs/aio-nr}; empty when it cannot be read (no /proc, or a kernel
     *     without CONFIG_AIO)
     */
    public static OptionalLong aioNr() {
        return AioLimits.eventsInUse();
    }

    /**
     * Whether the kernel lets this process use io_uring.
     *
     * @return {@code /proc/sys/kernel/io_uring_disabled}: 0 io_uring enabled, 1 only for privileged
     *     users or the group in io_uring_group, 2 disabled; empty when the kernel has no such knob
     */
    public static OptionalInt ioUringDisabled() {
        return SystemProbe.ioUringDisabled();
    }

    /**
     * Describes the filesystem holding {@code path}. For a directory, the O_DIRECT alignment is that
     * of a file created in it (and removed at once), because directories do not support O_DIRECT.
     * Where the filesystem does not report it (statx STATX_DIOALIGN), it is probed: an O_DIRECT open
     * (refused on ramfs) and a small O_DIRECT read; FIFOs, character devices and other special files
     * report no O_DIRECT support. Runs statx(2) on the path and reads /proc/self/mountinfo, on the
     * calling thread.
     *
     * @param path an existing file or directory
     * @return the filesystem's type, mount point, device, block size and O_DIRECT alignment
     *     ({@code "unknown"} for what /proc/self/mountinfo does not say)
     * @throws java.nio.file.NoSuchFileException when {@code path} does not exist
     * @throws IoOperationException when statx fails otherwise, naming the errno
     * @throws IOException for another failure to read the path
     * @throws IllegalCallerException when the JVM denies jaio native access, naming the flag to add
     */
    public static FileSystemInfo fileSystem(Path path) throws IOException {
        NativeAccess.ensureEnabled(); // statx(2) and the O_DIRECT probe are native calls
        return SystemProbe.fileSystem(path);
    }
}
