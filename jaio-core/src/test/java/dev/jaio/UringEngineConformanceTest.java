package dev.jaio;

/** The conformance suite on the io_uring engine. */
class UringEngineConformanceTest extends EngineConformanceSuite {

    @Override
    String engineName() {
        return "uring";
    }
}
