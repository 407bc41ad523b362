package dev.jaio.internal.uring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueueContractSuite;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.linux.UringAbi;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The SPI contract on io_uring with IORING_SETUP_SQPOLL. */
class UringSqPollQueueContractTest extends IoQueueContractSuite {

    @Override
    protected EngineProvider provider() {
        return new UringEngine();
    }

    @Override
    protected QueueOptions options(int capacity, boolean wakeup) {
        return new QueueOptions(capacity, wakeup, 1, 10);
    }

    @Test
    void theRingReallyUsesAKernelSubmissionThread() throws IOException {
        try (UringQueue q = (UringQueue) provider().openQueue(options(4, false))) {
            assertTrue((q.ring.setupFlags & UringAbi.IORING_SETUP_SQPOLL) != 0);
        }
    }
}
