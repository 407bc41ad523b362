package dev.jaio.internal.cache;

/**
 * Where the page reads and writes a thread starts go instead of the engine's event loop: a batch
 * context takes the device I/O its own requests start into its own kernel queue, reaps it itself
 * and runs the retries it wakes, with no other thread in between, as io_submit and io_getevents
 * would.
 */
public interface DeviceIoSink {

    /** Takes {@code op} into the sink's queue (prepared, submitted by the sink); false when it is full. */
    boolean offer(PageIoOp op);
}
