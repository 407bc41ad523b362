package dev.jaio.loop;

/** The loop conformance suite on the {@code aio-poll} backend. */
class AioPollLoopConformanceTest extends LoopConformanceSuite {
    @Override
    String backend() {
        return "aio-poll";
    }
}
