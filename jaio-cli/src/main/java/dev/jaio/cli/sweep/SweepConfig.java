package dev.jaio.cli.sweep;

/**
 * One line of a figure: a tool, an engine and buffered or O_DIRECT I/O.
 *
 * @param tool {@code jaio} or {@code fio}
 * @param engine jaio's engine ({@code uring}, {@code aio}, {@code threads}) or fio's ioengine
 *     ({@code libaio}, {@code io_uring})
 * @param direct O_DIRECT
 */
public record SweepConfig(String tool, String engine, boolean direct) {

    /** The tool name of jaio's own points. */
    public static final String JAIO = "jaio";
    /** The tool name of fio's points. */
    public static final String FIO = "fio";

    /** {@code jaio-uring-direct}, {@code fio-libaio-buffered}, ... */
    public String name() {
        return tool + "-" + engine.replace("_", "") + "-" + (direct ? "direct" : "buffered");
    }

    /** Whether fio ran this point. */
    public boolean isFio() {
        return FIO.equals(tool);
    }
}
