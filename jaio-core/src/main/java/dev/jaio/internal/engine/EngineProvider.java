package dev.jaio.internal.engine;

import java.io.IOException;

/** One kind of engine: knows whether it can run here and builds its queues. */
public interface EngineProvider {

    /** Stable name used for selection: {@code "aio"}, {@code "threads"}. */
    String name();

    /** One line on what the engine is, for {@code jaio info}. */
    String description();

    /**
     * Checks whether the engine can run on this machine at all: the system calls exist and are
     * allowed, the opcodes it needs are there. A permanent answer is probed once per JVM; a refusal
     * that may pass (ENOMEM, EAGAIN: a limit in use by others) is probed again on the next call.
     * Whether a queue of a given size can really be set up is only known by
     * {@link #openQueue opening} it.
     *
     * @return null when it can, otherwise why not (errno names included)
     */
    String unavailabilityCause();

    /**
     * The largest {@link QueueOptions#capacity()} this engine can set up, with or without a wakeup.
     */
    default int maxCapacity(boolean wakeup) {
        return QueueOptions.MAX_CAPACITY;
    }

    /** Where {@link #maxCapacity} comes from, in words for an error message. */
    default String capacityLimit(boolean wakeup) {
        return "the largest queue jaio sets up";
    }

    /**
     * Builds a queue.
     *
     * @throws IOException when the kernel refuses, e.g. io_setup failing with EAGAIN because
     *     fs.aio-max-nr is exhausted; the message names the syscall, the errno and the remedy
     */
    IoQueue openQueue(QueueOptions options) throws IOException;
}
