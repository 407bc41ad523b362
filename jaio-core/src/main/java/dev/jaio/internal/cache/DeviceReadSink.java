package dev.jaio.internal.cache;

/**
 * Where the page reads a thread starts go instead of the engine's event loop: a batch context
 * takes the reads its own requests start into its own kernel queue, reaps them itself and runs the
 * retries they wake, with no other thread in between, as io_submit and io_getevents would.
 */
public interface DeviceReadSink {

    /** Takes {@code op} into the sink's queue (prepared, submitted by the sink); false when it is full. */
    boolean offer(PageReadOp op);
}
