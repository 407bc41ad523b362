package dev.jaio.internal.aio;

import dev.jaio.internal.linux.ProcFs;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The system-wide AIO event limits of fs/aio.c, read from /proc/sys/fs. */
public final class AioLimits {

    private AioLimits() {
    }

    /** {@code /proc/sys/fs/aio-max-nr}: events all contexts together may reserve. */
    public static OptionalLong maxEvents() {
        return readLong("aio-max-nr");
    }

    /** {@code /proc/sys/fs/aio-nr}: events reserved by live contexts right now. */
    public static OptionalLong eventsInUse() {
        return readLong("aio-nr");
    }

    static String read(String name) {
        OptionalLong v = readLong(name);
        return v.isPresent() ? Long.toString(v.getAsLong()) : "unknown";
    }

    private static OptionalLong readLong(String name) {
        return ProcFs.number(Path.of("/proc/sys/fs", name));
    }
}
