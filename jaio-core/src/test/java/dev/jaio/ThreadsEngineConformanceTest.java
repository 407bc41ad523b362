package dev.jaio;

/** The conformance suite on the thread-pool engine. */
class ThreadsEngineConformanceTest extends EngineConformanceSuite {

    @Override
    String engineName() {
        return "threads";
    }
}
