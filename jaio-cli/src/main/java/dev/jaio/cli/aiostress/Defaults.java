package dev.jaio.cli.aiostress;

/** Every default of {@code jaio aio-stress}: those of xfstests aio-stress 0.21, plus jaio's additions. */
public final class Defaults {

    /** {@code -s}: 1024 MiB. */
    public static final long FILE_SIZE = 1024 * Sizes.MIB;
    /** {@code -r}: 64 KiB. */
    public static final long RECORD_SIZE = 64 * Sizes.KIB;
    /** {@code -d}: requests in flight per file (a thread's pool holds depth x its files). */
    public static final int DEPTH = 64;
    /** {@code -i}: requests built for one file before moving to the next. */
    public static final int IOS_PER_ITERATION = 8;
    /** {@code -b}: 0 means files x contexts x ios-per-iteration. */
    public static final int MAX_IO_SUBMIT = 0;
    /** {@code -c}: contexts per file. */
    public static final int CONTEXTS = 1;
    /** {@code -C}: 2 MiB between contexts. */
    public static final long CONTEXT_OFFSET = 2 * Sizes.MIB;
    /** {@code -I}: -1 runs every stage to its end. */
    public static final int ITERATIONS = -1;
    /** {@code -t}. */
    public static final int THREADS = 1;
    /** {@code --engine}. */
    public static final String ENGINE = "auto";
    /** The engines {@code --engine} accepts. */
    public static final String ENGINES = "auto, uring, aio, threads";

    private Defaults() {
    }

    /** {@code -a}: the system page size (from the auxiliary vector; 4096 if it cannot be read). */
    public static long alignment() {
        return SystemPage.size();
    }
}
