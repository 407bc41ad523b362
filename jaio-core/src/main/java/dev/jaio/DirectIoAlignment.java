package dev.jaio;

/**
 * What O_DIRECT requires of requests on one file.
 *
 * @param memoryAlignment required alignment of buffer addresses, in bytes; 0 when O_DIRECT is not supported
 * @param offsetAlignment required alignment of file offsets and lengths, in bytes; 0 when not supported
 * @param source where the numbers come from, e.g. {@code "statx STATX_DIOALIGN"}
 */
public record DirectIoAlignment(int memoryAlignment, int offsetAlignment, String source) {

    /** Whether the file supports O_DIRECT at all. */
    public boolean supported() {
        return memoryAlignment > 0 && offsetAlignment > 0;
    }

    /** The alignment to allocate buffers with: both requirements, and at least 4096 (a page). */
    public long bufferAlignment() {
        return Math.max(4096, Math.max(memoryAlignment, offsetAlignment));
    }
}
