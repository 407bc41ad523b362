package dev.jaio;

/** The conformance suite on io_uring with a kernel submission thread (IORING_SETUP_SQPOLL). */
class UringSqPollEngineConformanceTest extends EngineConformanceSuite {

    @Override
    String engineName() {
        return "uring";
    }

    @Override
    EngineConfig config() {
        return super.config().withSqPoll(10);
    }
}
