package dev.jaio.cli.vsjdk;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the load threads of one contender read on every operation ({@link #measuring}, {@link #stop})
 * and how they end a run early ({@link #fail}, {@link #end}). Only {@link Interval#measure} sets the
 * two flags.
 */
final class Gate {

    /** Operations that complete while this is set are counted and their latency recorded. */
    volatile boolean measuring;
    /** Load threads start no new operation once this is set. */
    volatile boolean stop;

    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile String endReason;

    /** Ends the run with a failure; the first one is kept. */
    void fail(Throwable t) {
        failure.compareAndSet(null, t);
        ended.countDown();
    }

    /** Ends the run early for {@code reason} (say the record count was reached); the first reason is kept. */
    void end(String reason) {
        if (endReason == null) {
            endReason = reason;
        }
        ended.countDown();
    }

    /** {@return the first failure, or null} */
    Throwable failure() {
        return failure.get();
    }

    /** {@return why the run ended early, or null} */
    String endReason() {
        return endReason;
    }

    /** {@return whether the run was ended (failed or ended early)} */
    boolean ended() {
        return ended.getCount() == 0;
    }

    /** Waits up to {@code nanos} for the run to end; {@return whether it ended} */
    boolean awaitEnd(long nanos) {
        if (nanos <= 0) {
            return ended();
        }
        try {
            return ended.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
            return true;
        }
    }
}
