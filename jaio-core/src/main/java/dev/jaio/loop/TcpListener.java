package dev.jaio.loop;

import dev.jaio.internal.loop.ListenFd;
import java.net.InetSocketAddress;

/**
 * A listening TCP socket of one {@link EventLoop}: it accepts for as long as it is open and hands
 * each connection to its {@link AcceptHandler} on the loop thread ({@code uring}: IORING_OP_ACCEPT
 * in the ring; other backends: readiness, then accept4(2) until EAGAIN).
 */
public final class TcpListener implements AutoCloseable {

    private final EventLoop loop;
    private final ListenFd fd;
    private final InetSocketAddress local;

    TcpListener(EventLoop loop, ListenFd fd) {
        this.loop = loop;
        this.fd = fd;
        this.local = fd.localAddress();
    }

    /** {@return the bound address, with the port the kernel chose when port 0 was asked for} */
    public InetSocketAddress localAddress() {
        return local;
    }

    /** {@return the loop that accepts} */
    public EventLoop loop() {
        return loop;
    }

    /** {@return whether {@link #close()} has not been called} */
    public boolean isOpen() {
        return !fd.isClosed();
    }

    /** Stops accepting and closes the socket (connections already accepted stay open). Any thread;
     * elsewhere than on the loop it waits for the loop to do it. */
    @Override
    public void close() {
        loop.closeOnLoop(fd::close);
    }

    @Override
    public String toString() {
        return "TcpListener[" + local + "]";
    }
}
