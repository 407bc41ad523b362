package dev.jaio;

import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Path;

/**
 * A request on an {@link AsyncFile} whose {@link IoEngine} is closing or closed: the file is still
 * open (close it), but its engine takes no more requests. The message names the operation, the
 * path and the engine.
 */
public final class EngineClosedException extends AsynchronousCloseException {

    private static final long serialVersionUID = 1L;

    private final String message;

    EngineClosedException(String operation, Path path, String engine) {
        this.message = operation + " " + path + ": the " + engine + " engine is closed";
    }

    @Override
    public String getMessage() {
        return message;
    }
}
