package dev.jaio.internal.loop;

/**
 * A task a {@link Reactor} runs on its thread once its deadline ({@link System#nanoTime()} scale)
 * has passed. {@link #cancel()} from any thread stops it if it has not started; a cancelled task
 * stays in the timer heap until its deadline, where it is dropped (as Netty and the JDK's
 * ScheduledThreadPoolExecutor do by default).
 */
public final class ScheduledTask implements Comparable<ScheduledTask> {

    final long deadline;
    final long sequence;
    final Runnable task;
    private volatile int state; // 0 waiting, 1 ran or running, 2 cancelled
    /** Its index in the loop's {@link TimerHeap}, -1 when out of it; loop thread only. */
    int heapIndex = -1;

    ScheduledTask(long deadline, long sequence, Runnable task) {
        this.deadline = deadline;
        this.sequence = sequence;
        this.task = task;
    }

    /** Stops the task if it has not started; true when this call stopped it. */
    public synchronized boolean cancel() {
        if (state != 0) {
            return false;
        }
        state = 2;
        return true;
    }

    /** Whether {@link #cancel()} stopped it. */
    public boolean isCancelled() {
        return state == 2;
    }

    /** Whether it ran (or is running). */
    public boolean hasRun() {
        return state == 1;
    }

    /** Loop: claims the task to run it; false when it was cancelled. */
    synchronized boolean claim() {
        if (state != 0) {
            return false;
        }
        state = 1;
        return true;
    }

    /** When it is due, in {@link System#nanoTime()} nanoseconds. */
    public long deadline() {
        return deadline;
    }

    @Override
    public int compareTo(ScheduledTask o) {
        int c = Long.compare(deadline - o.deadline, 0); // nanoTime order, overflow-safe
        return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
}
