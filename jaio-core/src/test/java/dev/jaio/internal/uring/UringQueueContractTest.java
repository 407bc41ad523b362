package dev.jaio.internal.uring;

import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueueContractSuite;

/** The SPI contract on io_uring; the io_uring-only operations are in {@link UringOperationsTest}. */
class UringQueueContractTest extends IoQueueContractSuite {

    @Override
    protected EngineProvider provider() {
        return new UringEngine();
    }
}
