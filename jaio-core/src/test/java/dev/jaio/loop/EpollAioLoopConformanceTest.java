package dev.jaio.loop;

/** The loop conformance suite on the {@code epoll+aio} backend. */
class EpollAioLoopConformanceTest extends LoopConformanceSuite {
    @Override
    String backend() {
        return "epoll+aio";
    }
}
