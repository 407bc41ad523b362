package dev.jaio.internal.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads single-value files of procfs and sysfs. They report a size that is not their length
 * (0, or 4096), and {@link Files#readString} trusts it: on /proc/sys/fs/aio-max-nr it returns "6"
 * instead of "65536". A reader that reads to end of line does not.
 */
public final class ProcFs {

    private ProcFs() {
    }

    /** The first line of the file, trimmed, or null if it cannot be read. */
    public static String firstLine(Path path) {
        try (BufferedReader r = Files.newBufferedReader(path)) {
            String line = r.readLine();
            return line == null ? null : line.trim();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /**
     * A hexadecimal field of /proc/self/status (such as {@code CapEff}), or -1 if it cannot be read
     * or parsed.
     */
    public static long statusHex(String field) {
        try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/self/status"))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith(field + ":")) {
                    return Long.parseUnsignedLong(line.substring(field.length() + 1).trim(), 16);
                }
            }
        } catch (IOException | SecurityException | NumberFormatException e) {
            // fall through: cannot tell
        }
        return -1;
    }

    /** The file's value as a number, or empty if it cannot be read or parsed. */
    public static OptionalLong number(Path path) {
        String line = firstLine(path);
        if (line == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(line));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
