package dev.jaio.cli.oltp;

import dev.jaio.EngineConfig;
import dev.jaio.IoEngine;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One jaio engine (jaio's defaults, or a given configuration) per test class, opened before its first test and closed after
 * its last: {@code @RegisterExtension static final EngineExtension ENGINE = new EngineExtension();}
 * then {@code ENGINE.engine()}.
 */
final class EngineExtension implements BeforeAllCallback, AfterAllCallback {

    private final EngineConfig config;
    private IoEngine engine;

    /** An engine of jaio's defaults. */
    EngineExtension() {
        this(EngineConfig.defaults());
    }

    /** An engine of {@code config}. */
    EngineExtension(EngineConfig config) {
        this.config = config;
    }

    /** {@return the class's engine} */
    IoEngine engine() {
        if (engine == null) {
            throw new IllegalStateException("the engine is open only while the test class runs");
        }
        return engine;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws java.io.IOException {
        engine = IoEngine.open(config);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }
}
