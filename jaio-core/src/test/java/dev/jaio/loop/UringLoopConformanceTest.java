package dev.jaio.loop;

/** The loop conformance suite on the {@code uring} backend. */
class UringLoopConformanceTest extends LoopConformanceSuite {
    @Override
    String backend() {
        return "uring";
    }
}
