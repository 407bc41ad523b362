package dev.jaio.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.EngineConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Breaker: misuse of the loop API, and what it does to the loop and to other channels. */
@Timeout(60)
class BreakerMisuseTest {

    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    static EventLoop open(String backend) throws IOException {
        return EventLoop.open(LoopConfig.defaults().withBackend(backend)
                .withFiles(EngineConfig.defaults().withQueueDepth(64)));
    }

    /**
     * A closed channel's address is looked up by its descriptor number (getpeername(fd) in
     * StreamFd.remoteAddress), which the kernel hands to the next socket once the channel released
     * it: the closed channel then reports an unrelated connection's peer (and so do the messages
     * of its requests' failures, which describe() builds from the same lookups).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"uring", "aio-poll", "epoll+aio", "threads"})
    void aClosedChannelNeverReportsAnotherConnectionsPeer(String backend) throws Exception {
        try (EventLoop loop = open(backend);
                ServerSocket a = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                ServerSocket b = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            StreamChannel first = loop.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), a.getLocalPort()))
                    .get(10, TimeUnit.SECONDS);
            first.close();
            StreamChannel second = loop.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.getLocalPort()))
                    .get(10, TimeUnit.SECONDS);
            InetSocketAddress reported = first.remoteAddress();
            if (reported != null) {
                assertNotEquals(b.getLocalPort(), reported.getPort(),
                        "the closed channel reports the peer of " + second + ", which reused its descriptor");
            }
            second.close();
        }
    }

    /** EventLoop#listen documents RejectedExecutionException once the loop is closing. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"uring", "epoll+aio"})
    void listenOnAClosedLoopThrowsRejectedExecutionAsDocumented(String backend) throws Exception {
        EventLoop loop = open(backend);
        loop.close();
        assertThrows(RejectedExecutionException.class, () -> loop.listen(LOOPBACK, ListenOptions.defaults(), c -> { }));
    }

    /**
     * A read whose (non-jaio) buffer is freed while it is pending breaks the documented contract,
     * but the damage should stay with that read. On epoll+aio and threads the next readiness of the
     * descriptor calls read(2) through FFM with the dead segment; the IllegalStateException escapes
     * EpollWaiter.park into the loop's run(), which stores it and stops: the whole loop is gone
     * (isClosed() turns true by itself; every other connection of the loop hangs; its sockets and
     * pipes are never closed; execute() still accepts tasks nobody runs, and a close() from another
     * thread waits 10 s in callOnLoop). On aio-poll the loop survives but the read's handler is
     * never called.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"aio-poll", "epoll+aio", "threads"})
    void aFreedBufferFailsOnlyItsOwnReadAndTheLoopGoesOn(String backend) throws Exception {
        EventLoop loop = open(backend);
        try {
            Pipe p = loop.openPipe();
            Arena arena = Arena.ofShared();
            AtomicInteger calls = new AtomicInteger();
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            p.source().read(arena.allocate(16), null, new IoHandler<Object>() {
                @Override
                public void completed(long n, Object a) {
                    calls.incrementAndGet();
                    outcome.complete(n);
                }

                @Override
                public void failed(IOException e, Object a) {
                    calls.incrementAndGet();
                    outcome.complete(e);
                }
            });
            loop.callOnLoop(() -> null); // the read was made: pending now
            arena.close();
            p.sink().write(Arena.ofAuto().allocate(4));
            Object o = null;
            try {
                o = outcome.get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // checked below
            }
            assertFalse(loop.isClosed(), "one freed buffer killed the whole loop");
            CompletableFuture<Boolean> alive = new CompletableFuture<>();
            loop.execute(() -> alive.complete(true));
            assertEquals(true, alive.get(5, TimeUnit.SECONDS));
            assertEquals(1, calls.get(), "the read's handler was never called");
            assertTrue(o instanceof Exception, "a read into freed memory cannot succeed: " + o);
        } finally {
            loop.close();
        }
    }
}
