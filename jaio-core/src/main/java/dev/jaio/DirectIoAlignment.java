package dev.jaio;

/**
 * What O_DIRECT requires of requests on one file.
 *
 * @param memoryAlignment required alignment of buffer addresses, in bytes; 0 when O_DIRECT is not supported
 * @param offsetAlignment required alignment of file offsets and lengths, in bytes; 0 when not supported
 * @param source where the numbers come from, e.g. {@code "statx STATX_DIOALIGN"}
 */
public record DirectIoAlignment(int memoryAlignment, int offsetAlignment, String source) {

    /**
     * Whether the file supports O_DIRECT at all.
     *
     * @return true when both alignments are known and positive
     */
    public boolean supported() {
        return memoryAlignment > 0 && offsetAlignment > 0;
    }

    /**
     * The alignment to allocate buffers with.
     *
     * @return the larger of both requirements and 4096 (a page), in bytes: a power of two for
     *     {@link IoBuffer#allocate(long, long)}
     */
    public long bufferAlignment() {
        return Math.max(4096, Math.max(memoryAlignment, offsetAlignment));
    }
}
