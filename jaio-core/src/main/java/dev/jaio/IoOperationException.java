package dev.jaio;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A request the kernel failed. The message names the operation, the path, the offset and the
 * errno, e.g. {@code "pwrite /data/f at offset 8192 (4096 bytes): ENOSPC (No space left on device)"}.
 * A write that failed after part of it was written says how much, e.g. {@code "pwrite /data/f at
 * offset 0 (1048576 bytes): ENOSPC (No space left on device) after 524288 bytes were written"}:
 * see {@link #bytesTransferred()}.
 */
public final class IoOperationException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The system call or request kind. */
    private final String operation;
    /** The file; not serialized (Path is not serializable), so null after deserialization. */
    private final transient Path path;
    /** The file offset of the request, or -1. */
    private final long offset;
    /** The errno value. */
    private final int errno;
    /** The errno name. */
    private final String errnoName;
    /** Bytes written before the failure, or 0. */
    private final long bytesTransferred;

    /**
     * A failure of {@code operation} on {@code path} with {@code errno}, as jaio reports it.
     *
     * @param operation the system call or request kind, e.g. {@code "pwrite"}
     * @param path the file
     * @param offset the file offset of the request, or -1 (left out of the message)
     * @param length the request's byte count, or -1 (left out of the message)
     * @param errno the errno value
     * @param errnoName its name, e.g. {@code "ENOSPC"}
     * @param errnoText its description, which ends the message
     */
    public IoOperationException(String operation, Path path, long offset, long length, int errno, String errnoName,
            String errnoText) {
        this(operation, path, offset, length, errno, errnoName, errnoText, 0);
    }

    /**
     * As {@link #IoOperationException(String, Path, long, long, int, String, String)}, for a write
     * that failed after writing part of its bytes.
     *
     * @param operation the system call or request kind
     * @param path the file
     * @param offset the file offset of the request, or -1
     * @param length the request's byte count, or -1
     * @param errno the errno value
     * @param errnoName its name
     * @param errnoText its description
     * @param bytesTransferred bytes the request wrote before it failed (a write continued after a short count)
     */
    public IoOperationException(String operation, Path path, long offset, long length, int errno, String errnoName,
            String errnoText, long bytesTransferred) {
        super(operation + " " + path + (offset >= 0 ? " at offset " + offset : "")
                + (length >= 0 ? " (" + length + " bytes)" : "") + ": " + errnoText
                + (bytesTransferred > 0 ? " after " + bytesTransferred + " bytes were written" : ""));
        this.operation = operation;
        this.path = path;
        this.offset = offset;
        this.errno = errno;
        this.errnoName = errnoName;
        this.bytesTransferred = bytesTransferred;
    }

    /**
     * Bytes the request transferred before it failed: a write that the kernel wrote in part
     * (a short count, e.g. a filesystem filling up) and that failed when continued has written
     * this many bytes from its offset on, and they stay written. 0 for every other failure.
     *
     * @return the byte count written before the failure, from the request's offset on; 0 when
     *     nothing was
     */
    public long bytesTransferred() {
        return bytesTransferred;
    }

    /**
     * The system call or request kind.
     *
     * @return e.g. {@code pread}, {@code pwritev}, {@code fsync}, {@code open}
     */
    public String operation() {
        return operation;
    }

    /**
     * The file.
     *
     * @return the path the file was opened with; null in an exception that was deserialized
     */
    public Path path() {
        return path;
    }

    /**
     * The file offset of the request.
     *
     * @return the offset in bytes, or -1 when the request has none (open, fsync); for a sync of a
     *     {@link FileOption#CACHED} file that failed because writing back its pages did, the offset
     *     of the device write that failed
     */
    public long offset() {
        return offset;
    }

    /**
     * The errno value.
     *
     * @return the positive errno, e.g. 28
     */
    public int errno() {
        return errno;
    }

    /**
     * The errno name.
     *
     * @return the symbolic name, e.g. {@code ENOSPC}
     */
    public String errnoName() {
        return errnoName;
    }
}
