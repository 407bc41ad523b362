package dev.jaio.cli.aiostress;

/**
 * A flag value, or a combination of flags, that aio-stress cannot run with. The message names the
 * flag and the value, e.g. {@code "-r 0: the record size must be at least 1 byte"}; the command
 * prints it on one line and exits with status 2.
 */
public final class InvalidOptionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** @param message names the flag and the value */
    public InvalidOptionException(String message) {
        super(message);
    }
}
