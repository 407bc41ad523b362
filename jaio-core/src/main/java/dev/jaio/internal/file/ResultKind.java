package dev.jaio.internal.file;

/** What a request's future holds: an Integer count, a Long count (vectored), or nothing (a sync). */
public enum ResultKind {
    INT,
    LONG,
    VOID;

    /** The future's value for a non-negative {@code result}. */
    Object value(long result) {
        return switch (this) {
            case INT -> (int) result;
            case LONG -> result;
            case VOID -> null;
        };
    }
}
