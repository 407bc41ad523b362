package dev.jaio.internal.threads;

import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueueContractSuite;

/** The SPI contract on the thread-pool engine. */
class ThreadPoolQueueContractTest extends IoQueueContractSuite {

    @Override
    protected EngineProvider provider() {
        return new ThreadsEngine();
    }
}
