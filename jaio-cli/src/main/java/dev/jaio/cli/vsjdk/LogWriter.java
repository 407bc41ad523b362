package dev.jaio.cli.vsjdk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * How a {@code log} contender writes one batch and makes it durable: all that differs between
 * contenders. The producers, the committer and the batching ({@link GroupCommitLog}) are the same
 * for all.
 */
interface LogWriter extends AutoCloseable {

    /** {@return batches that may be in flight at once; 1 for a writer that writes synchronously} */
    int maxInFlight();

    /**
     * {@return 1 to write each batch's bytes as they are; else writes start and end on multiples of
     * this (O_DIRECT): a batch starts with the last partial block of the one before and is padded at its end}
     */
    int alignment();

    /** {@return memory for one batch, of at least {@code bytes}, aligned for the writer; valid until close} */
    MemorySegment allocate(long bytes);

    /**
     * Writes {@code bytes} at {@code position} and makes them durable. Calls {@code done} exactly
     * once, with null when they are durable or with the failure, on any thread, perhaps before
     * returning (a synchronous writer always does).
     */
    void write(MemorySegment bytes, long position, Consumer<Throwable> done);

    /** {@return the jaio engine it writes through, or null for a JDK writer} */
    String engine();

    /** Waits for writes in flight, then closes the file (and engine) and frees the memory. */
    @Override
    void close() throws IOException;
}
