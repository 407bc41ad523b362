package dev.jaio.cli.vsjdk;

/** A contender's load failed; the cause is what failed first. */
final class ContenderException extends Exception {

    private static final long serialVersionUID = 1L;

    ContenderException(Throwable cause) {
        super(RunResult.describe(cause), cause);
    }
}
