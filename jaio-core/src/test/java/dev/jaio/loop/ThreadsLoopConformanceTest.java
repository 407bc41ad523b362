package dev.jaio.loop;

/** The loop conformance suite on the {@code threads} backend. */
class ThreadsLoopConformanceTest extends LoopConformanceSuite {
    @Override
    String backend() {
        return "threads";
    }
}
