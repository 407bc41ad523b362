package dev.jaio.loop;

import java.io.IOException;

/**
 * Receives the end of a read or write of a {@link StreamChannel}, on the loop thread. Primitive
 * counts and a caller's attachment (as the JDK's {@link java.nio.channels.CompletionHandler}, without
 * boxing), so that one handler object serves every request of a connection and completing a request
 * allocates nothing.
 *
 * @param <A> the attachment's type
 */
public interface IoHandler<A> {

    /**
     * The request completed.
     *
     * @param result a read: bytes read, or -1 at end of stream; a write: bytes written, always the
     *     whole buffer
     * @param attachment the object given with the request
     */
    void completed(long result, A attachment);

    /**
     * The request failed: {@link java.nio.channels.AsynchronousCloseException} when the channel
     * or its loop was closed first, otherwise an {@link IOException} whose message names the
     * operation, the channel (addresses and descriptor) and the errno, e.g.
     * {@code "read from tcp /127.0.0.1:8080 <-> /127.0.0.1:51234 (fd 12): ECONNRESET (Connection reset by peer)"};
     * a write that failed part way says how many bytes were written.
     *
     * @param cause why
     * @param attachment the object given with the request
     */
    void failed(IOException cause, A attachment);
}
