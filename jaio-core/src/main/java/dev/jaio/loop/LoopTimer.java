package dev.jaio.loop;

import dev.jaio.internal.loop.ScheduledTask;

/** A task {@link EventLoop#schedule scheduled} on a loop; {@link #cancel()} from any thread. */
public final class LoopTimer {

    private final ScheduledTask task;

    LoopTimer(ScheduledTask task) {
        this.task = task;
    }

    /**
     * Stops the task if it has not started.
     *
     * @return true when this call stopped it; false when it ran, is running, or was stopped before
     */
    public boolean cancel() {
        return task.cancel();
    }

    /** {@return whether {@link #cancel()} stopped it} */
    public boolean isCancelled() {
        return task.isCancelled();
    }

    /** {@return whether it ran or is running} */
    public boolean hasRun() {
        return task.hasRun();
    }
}
