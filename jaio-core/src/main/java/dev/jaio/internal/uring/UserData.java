package dev.jaio.internal.uring;

/**
 * The codec of the 64-bit {@code user_data} of this engine's SQEs, which the kernel copies
 * untouched into each request's CQE, and of the {@code addr} by which an ASYNC_CANCEL or
 * POLL_REMOVE names its target's user_data. Every value the ring carries is one of:
 * <ul>
 *   <li>{@code 0} to {@code capacity - 1}: the slot of a request. The caller's own user data stays
 *       in {@link UringQueue}'s per-slot table and never enters the ring, so any long is valid
 *       for a caller, negative ones included;</li>
 *   <li>{@link #WAKEUP}: the eventfd READ kept armed for {@link UringQueue#wakeup()};</li>
 *   <li>{@link #CANCEL}: an ASYNC_CANCEL that holds no slot (those of close and of
 *       {@link UringQueue#cancel(long)}); its own CQE is dropped;</li>
 *   <li>{@link #NONE}: carried by no SQE. A cancel or poll removal aimed at it finds nothing and
 *       completes with -ENOENT, as for a target that already completed.</li>
 * </ul>
 * Invariant: slots are the non-negative values and every other value is negative, so telling a
 * request from the engine's own SQEs is a sign test.
 */
final class UserData {

    /** The internal wakeup READ. */
    static final long WAKEUP = -1L;
    /** An ASYNC_CANCEL without a slot, whose CQE is dropped. */
    static final long CANCEL = -2L;
    /** What no SQE carries: the target of a cancel for a request that is not outstanding. */
    static final long NONE = Long.MIN_VALUE;

    private UserData() {
    }

    /** The user_data of the request in {@code slot} (not negative). */
    static long ofSlot(int slot) {
        return slot;
    }

    /** The user_data a cancel aims at for {@code slot}, or {@link #NONE} when {@code slot} is -1. */
    static long target(int slot) {
        return slot >= 0 ? ofSlot(slot) : NONE;
    }

    /** Whether {@code userData} is a request's slot, not one of the engine's own values. */
    static boolean isSlot(long userData) {
        return userData >= 0;
    }

    /** The slot {@code userData} encodes; only for values {@link #isSlot} accepts. */
    static int slot(long userData) {
        return (int) userData;
    }
}
