package dev.jaio;

/**
 * The conformance suite on the threads engine with every fast path off ({@link FastPaths#NONE}): each
 * request goes through the engine, as the suite with fast paths on must see the same results.
 */
class ThreadsEngineNoFastPathConformanceTest extends EngineConformanceSuite {

    @Override
    String engineName() {
        return "threads";
    }

    @Override
    EngineConfig config() {
        return super.config().withFastPaths(FastPaths.NONE);
    }
}
