package dev.jaio.loop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.EngineConfig;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Breaker: {@link StreamChannel#close()} (and {@link Pipe#close()}) called on one loop's thread for a
 * channel of another loop blocks that thread until the other loop runs the close
 * (EventLoop.callOnLoop waits, 10 s at a time, forever while the other loop lives). Two loops
 * that do this to each other at the same time (each closes a pipe whose other end is the other
 * loop's: the two-loop pipe workloads of openPipeFrom) wait for each other for ever: both loop
 * threads are stuck, with everything they serve.
 */
@Timeout(60)
class BreakerCrossLoopCloseTest {

    static EventLoop open(String backend) throws IOException {
        return EventLoop.open(LoopConfig.defaults().withBackend(backend)
                .withFiles(EngineConfig.defaults().withQueueDepth(64)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"uring", "epoll+aio"})
    void twoLoopsClosingEachOthersPipeEndsDoNotDeadlock(String backend) throws Exception {
        EventLoop a = open(backend);
        EventLoop b = open(backend);
        Pipe aToB = b.openPipeFrom(a); // source on b, sink on a
        Pipe bToA = a.openPipeFrom(b); // source on a, sink on b
        CountDownLatch both = new CountDownLatch(2);
        CompletableFuture<Void> aClosed = new CompletableFuture<>();
        CompletableFuture<Void> bClosed = new CompletableFuture<>();
        a.execute(() -> {
            both.countDown();
            await(both);
            bToA.close(); // its sink is b's
            aClosed.complete(null);
        });
        b.execute(() -> {
            both.countDown();
            await(both);
            aToB.close(); // its sink is a's
            bClosed.complete(null);
        });
        boolean finished;
        try {
            CompletableFuture.allOf(aClosed, bClosed).get(20, TimeUnit.SECONDS);
            finished = true;
        } catch (java.util.concurrent.TimeoutException e) {
            finished = false;
        }
        assertTrue(finished, "the loops' closes deadlocked: a closed " + aClosed.isDone() + ", b closed " + bClosed.isDone());
        a.close();
        b.close();
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
