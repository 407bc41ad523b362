package dev.jaio.internal.loop;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One loop's staging buffers for uring's sendFile of a range in the page cache
 * ({@code StreamFd.ringSendStaged}): the head is copied into a buffer and the range read after it
 * (preadv2, RWF_NOWAIT), both are sent from it, and the buffer goes back here when the send's
 * request ended. At most {@link #maxBuffers} buffers of {@link #bufferBytes} each
 * ({@link #MAX_STAGING_BYTES} in all: 64 at the default allowance of 256 KiB), made as sends need
 * them and freed when the loop ends (after its queue's close, which waited for every request); when
 * all are taken by sends waiting for their peers, {@link #take} has none and the send splices
 * instead. A budget in bytes rather than a count: a loop whose connections all wait for their peers
 * at once (64 wrk connections on one loop, {@code serve --loops 1}) found a count of 32 taken, sent half
 * its responses through io-wq's SPLICEs on its own CPU, and had a longer p99 than nginx's (see the
 * README).
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

    /** The most bytes of buffers one loop keeps: sends of {@link #maxBuffers} connections at once may be staged. */
    static final long MAX_STAGING_BYTES = 16L << 20;
    /** The most bytes (a head and a range) one buffer holds, whatever the loop's allowance for a turn. */
    static final long MAX_BUFFER_BYTES = 1L << 20;

    private final long bufferBytes;
    private final int maxBuffers;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] free;
    private int freeCount;
    private int made;
    private boolean released;

    /** Buffers of the loop's allowance for a turn ({@code sendBytesPerTurn}), at most {@link #MAX_BUFFER_BYTES}. */
    SendStaging(long sendBytesPerTurn) {
        this.bufferBytes = Math.min(MAX_BUFFER_BYTES, sendBytesPerTurn);
        this.maxBuffers = (int) Math.max(1, MAX_STAGING_BYTES / bufferBytes);
        this.free = new MemorySegment[maxBuffers];
    }

    /** The most buffers this loop makes: {@link #MAX_STAGING_BYTES} over {@link #bufferBytes}. */
    int maxBuffers() {
        return maxBuffers;
    }

    /** The most bytes of a range a staged send carries. */
    long bufferBytes() {
        return bufferBytes;
    }

    /** A free buffer of {@link #bufferBytes}, page-aligned; null when {@link #maxBuffers} are taken (or the loop ended). */
    MemorySegment take() {
        if (released) {
            return null;
        }
        if (freeCount > 0) {
            MemorySegment b = free[--freeCount];
            free[freeCount] = null;
            return b;
        }
        if (made == maxBuffers) {
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
