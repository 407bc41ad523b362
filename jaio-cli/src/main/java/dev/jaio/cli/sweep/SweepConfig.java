package dev.jaio.cli.sweep;

/**
 * One line of a figure: a tool, an engine and buffered or O_DIRECT I/O.
 *
 * @param tool {@code jaio} or {@code fio}
 * @param engine jaio's engine ({@code uring}, {@code aio}, {@code threads}) or fio's ioengine
 *     ({@code libaio}, {@code io_uring})
 * @param direct O_DIRECT
 * @param cache jaio's page cache: {@code ""} (none: the kernel's, or O_DIRECT), {@code "upfront"} or
 *     {@code "legacy"} (aio-stress {@code --cache --readahead=POLICY})
 */
public record SweepConfig(String tool, String engine, boolean direct, String cache) {

    /** The tool name of jaio's own points. */
    public static final String JAIO = "jaio";
    /** The tool name of fio's points. */
    public static final String FIO = "fio";

    /** A configuration without jaio's page cache. */
    public SweepConfig(String tool, String engine, boolean direct) {
        this(tool, engine, direct, "");
    }

    /** {@code jaio-uring-direct}, {@code fio-libaio-buffered}, {@code jaio-uring-cached-upfront}, ... */
    public String name() {
        String mode = cached() ? "cached-" + cache : direct ? "direct" : "buffered";
        return tool + "-" + engine.replace("_", "") + "-" + mode;
    }

    /** Whether reads go through jaio's page cache. */
    public boolean cached() {
        return !cache.isEmpty();
    }

    /** Whether fio ran this point. */
    public boolean isFio() {
        return FIO.equals(tool);
    }
}
