package dev.jaio.internal.uring;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.RefusedRequests;
import dev.jaio.internal.engine.Slots;

/**
 * The requests a {@link UringQueue} has outstanding, by slot: the caller's user data of each (the
 * ring carries only the slot, see {@link UserData}), whether it may never complete by itself, and
 * the requests refused before they reached the kernel, which the next reap delivers.
 *
 * <p>Invariant: a slot is outstanding from {@link #claim} until {@link #deliver} hands its result
 * to the caller, exactly once, whether the result came in a CQE or from a refusal; only then is
 * the slot free again. Only the queue's owner calls this class.
 */
final class RequestTable {

    private final long[] userData;
    /** Whether a slot holds an outstanding request (for cancels by user data, and close). */
    private final boolean[] inUse;
    /** Whether a slot holds a poll or timeout, which may never complete by itself; close cancels those. */
    private final boolean[] lingering;
    private final Slots slots;
    /** Requests refused before reaching the kernel, delivered by the next reap. */
    private final RefusedRequests refused;

    RequestTable(int capacity) {
        this.userData = new long[capacity];
        this.inUse = new boolean[capacity];
        this.lingering = new boolean[capacity];
        this.slots = new Slots(capacity);
        this.refused = new RefusedRequests(capacity);
    }

    /** Requests outstanding: claimed and not yet delivered. */
    int outstanding() {
        return slots.inUse();
    }

    /**
     * A free slot for the request with user data {@code data}, or -1 when all are taken.
     *
     * @param lingers a poll or timeout, which may never complete by itself
     */
    int claim(long data, boolean lingers) {
        if (slots.available() == 0) {
            return -1;
        }
        int slot = slots.acquire();
        userData[slot] = data;
        inUse[slot] = true;
        lingering[slot] = lingers;
        return slot;
    }

    /** The slot of the outstanding request with user data {@code data}, or -1. */
    int slotOf(long data) {
        for (int s = 0; s < userData.length; s++) {
            if (userData[s] == data && inUse[s]) {
                return s;
            }
        }
        return -1;
    }

    /** Whether {@code slot} holds an outstanding request. */
    boolean inUse(int slot) {
        return inUse[slot];
    }

    /** Whether {@code slot} holds an outstanding poll or timeout. */
    boolean lingering(int slot) {
        return inUse[slot] && lingering[slot];
    }

    /** Records that the request in {@code slot} never reached the kernel: the next reap delivers {@code res} for it. */
    void refuse(int slot, long res) {
        refused.add(slot, res);
    }

    /** Delivers up to {@code max} refused requests, oldest first; returns how many. */
    int deliverRefused(int max, CompletionSink sink) {
        int n = 0;
        while (refused.size() > 0 && n < max) {
            int slot = refused.firstSlot();
            long res = refused.firstResult();
            refused.removeFirst();
            n++;
            deliver(slot, res, sink);
        }
        return n;
    }

    /** Hands {@code res} of a multishot request that stays outstanding to {@code sink}; the slot stays taken. */
    void deliverMore(int slot, long res, CompletionSink sink) {
        sink.completeMore(userData[slot], res);
    }

    /** Frees {@code slot} and hands {@code res} to {@code sink} with the request's user data. */
    void deliver(int slot, long res, CompletionSink sink) {
        long data = userData[slot];
        inUse[slot] = false;
        slots.release(slot);
        sink.complete(data, res);
    }
}
