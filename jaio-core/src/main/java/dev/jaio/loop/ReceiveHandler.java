package dev.jaio.loop;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * What a {@link StreamChannel#receive receive} calls: each chunk of bytes as it arrives, in the
 * loop's own buffers, then the end of the stream or a failure. Every method runs on the loop
 * thread; {@code received} may run before {@code receive} returns. A receive started inside
 * another channel's {@code received} begins at the next loop turn on the readiness backends (whose
 * channels share the loop's one buffer).
 *
 * @param <A> the attachment's type
 */
public interface ReceiveHandler<A> {

    /**
     * A chunk arrived: the first {@code count} bytes of {@code buffer}. The buffer is the loop's and
     * is valid only until this method returns (on {@code uring} it then goes back to the kernel for
     * the next chunk of any connection): copy or parse what you need before returning.
     *
     * @param buffer a buffer of the loop's ({@link LoopConfig#receiveBufferSize()} bytes)
     * @param count bytes received, at least 1
     * @param attachment the receive's attachment
     * @return true to go on receiving; false to stop: no method of this handler runs again for
     *     this receive, and bytes that arrive meanwhile wait (in the socket, or copied into the
     *     channel's memory) for the next {@code receive} or {@code read}, which gets them first
     */
    boolean received(MemorySegment buffer, int count, A attachment);

    /**
     * The peer shut down its sending half (end of stream) and every byte before it was received;
     * the receive is over.
     *
     * @param attachment the receive's attachment
     */
    void ended(A attachment);

    /**
     * The receive failed and is over: an {@link java.nio.channels.AsynchronousCloseException} when
     * the channel was closed, an {@link java.nio.channels.InterruptedByTimeoutException} when a
     * receive with an idle timeout had no chunk for that long (the channel stays open), else an
     * {@link IOException} naming the channel and the errno.
     *
     * @param cause why
     * @param attachment the receive's attachment
     */
    void failed(IOException cause, A attachment);
}
