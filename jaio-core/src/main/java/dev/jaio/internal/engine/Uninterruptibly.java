package dev.jaio.internal.engine;

import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

/**
 * Waits that must not be cut short: a close that returned early on interrupt would free memory the
 * kernel may still write. The interrupt is kept and re-asserted when the wait is over.
 */
public final class Uninterruptibly {

    private Uninterruptibly() {
    }

    /** Waits until {@code latch} reaches zero, whatever interrupts arrive meanwhile. */
    public static void await(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until {@code thread} has died, whatever interrupts arrive meanwhile. */
    public static void join(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits on {@code monitor}, which the caller holds, until {@code done} is true (tested first, and
     * after every wakeup, under the monitor), whatever interrupts arrive meanwhile.
     */
    public static void waitUntil(Object monitor, BooleanSupplier done) {
        boolean interrupted = false;
        while (!done.getAsBoolean()) {
            try {
                monitor.wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
