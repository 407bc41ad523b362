package dev.jaio.internal.loop;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * How completions reach the public API's handlers, which this package does not know: the public
 * layer gives the {@link Reactor} one dispatcher, and each request carries the caller's handler
 * and attachment as plain objects, so that completing a request allocates nothing. Called on the
 * loop thread only.
 */
public interface Dispatch {

    /** A read or write completed: bytes (a read: -1 at end of stream). */
    void completed(Object handler, long result, Object attachment);

    /** A read or write failed. */
    void failed(Object handler, IOException cause, Object attachment);

    /**
     * A receive's chunk: the first {@code count} bytes of {@code buffer}, valid during the call.
     *
     * @return whether the receive goes on
     */
    boolean received(Object handler, MemorySegment buffer, int count, Object attachment);

    /** A receive reached the end of the stream. */
    void receiveEnded(Object handler, Object attachment);

    /** A receive failed (or the channel was closed). */
    void receiveFailed(Object handler, IOException cause, Object attachment);

    /** A listener accepted {@code connection}. */
    void accepted(Object handler, StreamFd connection);

    /** A listener's accept failed ({@code EMFILE}, say); the listener goes on accepting. */
    void acceptFailed(Object handler, IOException cause);
}
