package dev.jaio.cli.aiostress;

/**
 * What one thread did in one stage: the numbers of its "thread N ... totals" line.
 *
 * @param thread the thread's index
 * @param ios I/Os submitted
 * @param mb MiB submitted (ios x record size)
 * @param seconds from the stage start to after its fsyncs
 * @param stonewalled whether stonewalling or {@code -I} cut it short
 */
public record ThreadStageResult(int thread, long ios, double mb, double seconds, boolean stonewalled) {

    /** MiB per second, as the thread line prints it. */
    public double mbPerSecond() {
        return mb / seconds;
    }
}
