package dev.jaio.internal.loop;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One loop's staging buffers for uring's sendFile of a range in the page cache
 * ({@code StreamFd.ringSendStaged}): the head is copied into a buffer and the range read after it
 * (preadv2, RWF_NOWAIT), both are sent from it, and the buffer goes back here when the send's
 * request ended. At most
 * {@link #MAX_BUFFERS} buffers of {@link #bufferBytes} each, made as sends need them and freed when
 * the loop ends (after its queue's close, which waited for every request); when all are taken by
 * sends waiting for their peers, {@link #take} has none and the send splices instead.
 *
 * <p>Why not a mapping of the file, sent with no copy of the loop's own: measured on the 2-core VM
 * with {@code jaio serve} on warm 100 KiB files, an mmap and munmap per send made 0.3x the
 * requests/s of the SPLICE way (munmap waits for a TLB flush on every CPU of the process: 28% of
 * all CPU samples); with the unmaps batched it made 0.8-0.95x, as the kernel's copy from a fresh
 * mapping cost about 5.5 times per request what preadv2's copy of the same pages cost (this
 * guest's page tables are shadowed by its hypervisor: each new mapping's first touch is an exit).
 * See the README. Loop thread only.
 */
final class SendStaging {

    /** Buffers at most: sends of this many connections at once may be staged. */
    static final int MAX_BUFFERS = 32;
    /** The most bytes (a head and a range) one buffer holds, whatever the loop's allowance for a turn. */
    static final long MAX_BUFFER_BYTES = 1L << 20;

    private final long bufferBytes;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] free = new MemorySegment[MAX_BUFFERS];
    private int freeCount;
    private int made;
    private boolean released;

    /** Buffers of the loop's allowance for a turn ({@code sendBytesPerTurn}), at most {@link #MAX_BUFFER_BYTES}. */
    SendStaging(long sendBytesPerTurn) {
        this.bufferBytes = Math.min(MAX_BUFFER_BYTES, sendBytesPerTurn);
    }

    /** The most bytes of a range a staged send carries. */
    long bufferBytes() {
        return bufferBytes;
    }

    /** A free buffer of {@link #bufferBytes}, page-aligned; null when {@link #MAX_BUFFERS} are taken (or the loop ended). */
    MemorySegment take() {
        if (released) {
            return null;
        }
        if (freeCount > 0) {
            MemorySegment b = free[--freeCount];
            free[freeCount] = null;
            return b;
        }
        if (made == MAX_BUFFERS) {
            return null;
        }
        made++;
        return arena.allocate(bufferBytes, 4096);
    }

    /** Gives back a buffer from {@link #take} once no request reads it (after {@link #release}: nothing to do, its memory is gone). */
    void give(MemorySegment buffer) {
        if (!released) {
            free[freeCount++] = buffer;
        }
    }

    /** Buffers made and not given back (tests: a close gives back the buffer of a waiting send). */
    int taken() {
        return made - freeCount;
    }

    /** Frees every buffer: the loop has ended, and with it every request that could read one. */
    void release() {
        if (!released) {
            released = true;
            arena.close();
        }
    }
}
