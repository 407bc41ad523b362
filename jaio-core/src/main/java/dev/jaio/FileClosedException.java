package dev.jaio;

import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;

/** A request on an {@link AsyncFile} that was already closed. */
public final class FileClosedException extends ClosedChannelException {

    private static final long serialVersionUID = 1L;

    private final String message;

    FileClosedException(String operation, Path path) {
        this.message = operation + " " + path + ": the file is closed";
    }

    @Override
    public String getMessage() {
        return message;
    }
}
