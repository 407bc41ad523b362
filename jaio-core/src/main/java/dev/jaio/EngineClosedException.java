package dev.jaio;

import java.nio.channels.AsynchronousCloseException;

/**
 * A request on an {@link AsyncFile} whose {@link IoEngine} is closing or closed: the file is still
 * open (close it), but its engine takes no more requests. The message names the operation, the
 * path, for reads and writes the offset, and the engine, e.g.
 * {@code "pread /data/f at offset 0 (4096 bytes): the uring engine is closed"}.
 */
public final class EngineClosedException extends AsynchronousCloseException {

    private static final long serialVersionUID = 1L;

    /** The request, its path and the engine, e.g. {@code "fsync /data/f: the aio engine is closed"}. */
    private final String message;

    /**
     * A refusal of {@code request} by the closed engine {@code engine}.
     *
     * @param request the request as messages name it: operation, path, and for reads and writes
     *     the offset and length, e.g. {@code "pread /data/f at offset 0 (4096 bytes)"}
     * @param engine the engine's name
     */
    public EngineClosedException(String request, String engine) {
        this.message = request + ": the " + engine + " engine is closed";
    }

    /**
     * The detail message.
     *
     * @return the request (operation, path, and for reads and writes the offset and length) and
     *     the engine
     */
    @Override
    public String getMessage() {
        return message;
    }
}
