package dev.jaio;

import java.nio.channels.ClosedChannelException;

/**
 * A request on an {@link AsyncFile} that was already closed; the message names the operation,
 * path and, for reads and writes, the offset.
 */
public final class FileClosedException extends ClosedChannelException {

    private static final long serialVersionUID = 1L;

    /** The request and why it failed, e.g. {@code "pread /data/f at offset 0 (4096 bytes): the file is closed"}. */
    private final String message;

    /**
     * A refusal of {@code request} by a closed file.
     *
     * @param request the request as messages name it: operation, path, and for reads and writes
     *     the offset and length, e.g. {@code "pread /data/f at offset 0 (4096 bytes)"}
     */
    public FileClosedException(String request) {
        this.message = request + ": the file is closed";
    }

    /**
     * The detail message.
     *
     * @return the request (operation, path, and for reads and writes the offset and length), e.g.
     *     {@code "fsync /data/f: the file is closed"}
     */
    @Override
    public String getMessage() {
        return message;
    }
}
