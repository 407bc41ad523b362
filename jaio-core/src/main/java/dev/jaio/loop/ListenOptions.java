package dev.jaio.loop;

/**
 * How {@link EventLoop#listen} sets up a listening socket.
 *
 * @param backlog the accept queue length given to listen(2), 1 to 65535 (the kernel caps it at
 *     {@code net.core.somaxconn})
 * @param reusePort SO_REUSEPORT: several sockets, one per loop, listen on one port and the kernel
 *     spreads incoming connections between them
 */
public record ListenOptions(int backlog, boolean reusePort) {

    /** Default {@link #backlog()}. */
    public static final int DEFAULT_BACKLOG = 1024;

    /**
     * Checks the values; see the record's components.
     *
     * @param backlog the accept queue length
     * @param reusePort whether to set SO_REUSEPORT
     * @throws IllegalArgumentException when {@code backlog} is out of range
     */
    public ListenOptions {
        if (backlog < 1 || backlog > 65535) {
            throw new IllegalArgumentException("backlog must be in [1, 65535]: " + backlog);
        }
    }

    /** {@return {@value #DEFAULT_BACKLOG} pending connections, no SO_REUSEPORT} */
    public static ListenOptions defaults() {
        return new ListenOptions(DEFAULT_BACKLOG, false);
    }

    /**
     * {@return these options with SO_REUSEPORT on or off}
     *
     * @param on whether to set SO_REUSEPORT
     */
    public ListenOptions withReusePort(boolean on) {
        return new ListenOptions(backlog, on);
    }

    /**
     * {@return these options with another backlog}
     *
     * @param n the accept queue length
     */
    public ListenOptions withBacklog(int n) {
        return new ListenOptions(n, reusePort);
    }
}
