package dev.jaio;

/**
 * The conformance suite on the uring engine with every fast path off ({@link FastPaths#NONE}): each
 * request goes through the engine, as the suite with fast paths on must see the same results.
 */
class UringEngineNoFastPathConformanceTest extends EngineConformanceSuite {

    @Override
    String engineName() {
        return "uring";
    }

    @Override
    EngineConfig config() {
        return super.config().withFastPaths(FastPaths.NONE);
    }
}
