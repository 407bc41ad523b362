package dev.jaio;

/** The conformance suite on the native kernel AIO engine. */
class AioEngineConformanceTest extends EngineConformanceSuite {

    @Override
    String engineName() {
        return "aio";
    }
}
