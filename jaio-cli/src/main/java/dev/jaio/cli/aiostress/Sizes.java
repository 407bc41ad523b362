package dev.jaio.cli.aiostress;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses aio-stress flag values as the original does: sizes are an integer with an optional suffix
 * g/G (GiB), m/M (MiB), k/K (KiB) or b/B (bytes), and a per-flag default unit when there is none
 * ({@code -a} and {@code -r} KiB, {@code -s} and {@code -C} MiB). Unlike the original's atoi,
 * anything else (a fraction, an unknown suffix, trailing junk) is refused.
 */
public final class Sizes {

    /** Bytes in a KiB. */
    public static final long KIB = 1024;
    /** Bytes in a MiB. */
    public static final long MIB = 1024 * KIB;
    /** Bytes in a GiB. */
    public static final long GIB = 1024 * MIB;

    private static final Pattern SIZE = Pattern.compile("(\\d{1,18})([gGmMkKbB]?)");
    private static final Pattern INT = Pattern.compile("-?\\d{1,10}");

    private Sizes() {
    }

    /**
     * Parses a size.
     *
     * @param flag the flag, for the message (e.g. {@code "-s"})
     * @param defaultUnit bytes per unit when there is no suffix
     */
    public static long parseSize(String flag, String value, long defaultUnit) {
        Matcher m = SIZE.matcher(value == null ? "" : value.strip());
        if (!m.matches()) {
            throw new InvalidOptionException(flag + " " + quote(value) + ": not a size (an integer with an optional"
                    + " g, m, k or b suffix; without one it means " + unitName(defaultUnit) + ")");
        }
        long n = Long.parseLong(m.group(1));
        long unit = switch (m.group(2)) {
            case "g", "G" -> GIB;
            case "m", "M" -> MIB;
            case "k", "K" -> KIB;
            case "b", "B" -> 1;
            default -> defaultUnit;
        };
        if (n > Long.MAX_VALUE / unit) {
            throw new InvalidOptionException(flag + " " + quote(value) + ": too large");
        }
        return n * unit;
    }

    /** Parses an integer count, as the original's atoi flags ({@code -b -c -d -i -I -t -o}). */
    public static int parseInt(String flag, String value) {
        String v = value == null ? "" : value.strip();
        if (!INT.matcher(v).matches()) {
            throw new InvalidOptionException(flag + " " + quote(value) + ": not an integer");
        }
        long n = Long.parseLong(v);
        if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
            throw new InvalidOptionException(flag + " " + quote(value) + ": too large");
        }
        return (int) n;
    }

    /** {@code 256m}, {@code 128k}, {@code 1g}, or {@code 1000b}: the largest unit that divides the size. */
    public static String describe(long bytes) {
        if (bytes != 0 && bytes % GIB == 0) {
            return bytes / GIB + "g";
        }
        if (bytes != 0 && bytes % MIB == 0) {
            return bytes / MIB + "m";
        }
        if (bytes != 0 && bytes % KIB == 0) {
            return bytes / KIB + "k";
        }
        return bytes + "b";
    }

    private static String unitName(long unit) {
        if (unit == GIB) {
            return "GiB";
        } else if (unit == MIB) {
            return "MiB";
        } else if (unit == KIB) {
            return "KiB";
        }
        return "bytes";
    }

    private static String quote(String value) {
        return value == null ? "''" : "'" + value + "'";
    }
}
