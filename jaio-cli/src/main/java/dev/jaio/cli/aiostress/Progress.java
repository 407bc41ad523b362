package dev.jaio.cli.aiostress;

import java.util.Locale;

/**
 * The live progress line of a run on a terminal: the current stage, MiB submitted so far and the
 * MiB/s of the last half second, redrawn on stderr about twice a second and cleared at the stage end.
 */
final class Progress implements Runnable {

    private static final long INTERVAL_MILLIS = 500;

    private final Run run;
    private volatile boolean done;
    private Thread thread;

    Progress(Run run) {
        this.run = run;
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("aio-stress-progress").start(this);
    }

    void stop() {
        done = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        run.output.clearProgress();
    }

    @Override
    public void run() {
        Stage lastStage = null;
        long lastStart = 0;
        long lastBytes = 0;
        long lastNanos = 0;
        while (!done) {
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (done || !run.inStage) {
                continue;
            }
            long now = System.nanoTime();
            long bytes = 0;
            for (Worker w : run.workers) {
                bytes += w.startedBytes;
            }
            Stage stage = run.currentStage;
            long start = run.stageStartNanos;
            if (stage != lastStage || start != lastStart) {
                lastStage = stage;
                lastStart = start;
                lastBytes = 0;
                lastNanos = start;
            }
            double rate = (bytes - lastBytes) / (double) Sizes.MIB / Math.max(1e-9, (now - lastNanos) / 1e9);
            lastBytes = bytes;
            lastNanos = now;
            if (run.inStage) {
                run.output.progress(String.format(Locale.ROOT, "%s: %.2f MB done, %.2f MB/s", stage.displayName(),
                        bytes / (double) Sizes.MIB, rate));
            }
        }
    }
}
