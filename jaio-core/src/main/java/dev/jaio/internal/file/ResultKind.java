package dev.jaio.internal.file;

/**
 * What a request's future holds: an Integer count, a Long count (vectored), nothing (a sync), or
 * the Long offset the request wrote at (an append, which writes all of its bytes or fails).
 */
public enum ResultKind {
    INT,
    LONG,
    VOID,
    OFFSET;

    /** The future's value for a non-negative {@code result} of a request at file offset {@code offset}. */
    Object value(long result, long offset) {
        return switch (this) {
            case INT -> (int) result;
            case LONG -> result;
            case VOID -> null;
            case OFFSET -> offset;
        };
    }
}
