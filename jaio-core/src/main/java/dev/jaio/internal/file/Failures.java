package dev.jaio.internal.file;

import dev.jaio.IoOperationException;
import dev.jaio.internal.linux.Errno;
import java.nio.file.Path;

/** The one way jaio turns an errno into the caller's exception: operation, path, offset, length, errno. */
public final class Failures {

    private Failures() {
    }

    /** {@code op} on {@code path} at {@code offset} ({@code length} bytes; -1 leaves either out) failed: errno. */
    public static IoOperationException of(String op, Path path, long offset, long length, int errno) {
        return of(op, path, offset, length, errno, 0);
    }

    /** As {@link #of(String, Path, long, long, int)}, after {@code transferred} bytes were written. */
    public static IoOperationException of(String op, Path path, long offset, long length, int errno,
            long transferred) {
        return new IoOperationException(op, path, offset, length, errno, Errno.name(errno), Errno.describe(errno),
                transferred);
    }

    /** The errno's name and text, e.g. {@code "EIO (Input/output error)"}. */
    public static String describe(int errno) {
        return Errno.describe(errno);
    }
}
