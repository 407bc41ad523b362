package dev.jaio.internal.engine;

import java.io.IOException;

/** One kind of engine: knows whether it can run here and builds its queues. */
public interface EngineProvider {

    /** Stable name used for selection: {@code "aio"}, {@code "threads"}. */
    String name();

    /** One line on what the engine is, for {@code jaio info}. */
    String description();

    /**
     * Checks, once per JVM, whether the engine can run on this machine.
     *
     * @return null when it can, otherwise why not (errno names included)
     */
    String unavailabilityCause();

    /**
     * Builds a queue.
     *
     * @throws IOException when the kernel refuses, e.g. io_setup failing with EAGAIN because
     *     fs.aio-max-nr is exhausted; the message names the syscall, the errno and the remedy
     */
    IoQueue openQueue(QueueOptions options) throws IOException;
}
