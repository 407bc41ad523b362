package dev.jaio.internal.aio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueueContractSuite;
import dev.jaio.internal.engine.QueueOptions;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The SPI contract on native AIO, plus what is particular to it. */
class AioQueueContractTest extends IoQueueContractSuite {

    @Override
    protected EngineProvider provider() {
        return new AioEngine();
    }

    @Test
    void completionsComeFromTheUserMappedRingOnThisKernel() throws IOException {
        try (AioQueue q = new AioQueue(new QueueOptions(8, false, 1))) {
            assertTrue(q.ring != null, "the aio_ring header of fs/aio.c was not recognised");
        }
    }
}
