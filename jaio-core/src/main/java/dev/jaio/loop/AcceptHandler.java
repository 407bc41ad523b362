package dev.jaio.loop;

import java.io.IOException;

/** Receives the connections a {@link TcpListener} accepts, on its loop's thread. */
@FunctionalInterface
public interface AcceptHandler {

    /**
     * A connection was accepted; the handler owns it (and closes it). It is already open on the
     * listener's loop, with TCP_NODELAY set.
     *
     * @param connection the new connection
     */
    void accepted(StreamChannel connection);

    /**
     * An accept failed, e.g. {@code EMFILE} when the process is out of descriptors; the listener
     * goes on (after a 100 ms pause when out of descriptors or memory). The default does nothing.
     *
     * @param cause the failure, naming the listener and the errno
     */
    default void failed(IOException cause) {
    }
}
