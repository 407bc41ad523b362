package dev.jaio.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jaio.EngineConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Breaker: a handler that starts its channel's next request from {@code completed()} (the usual
 * way to write a read loop) must not grow the loop thread's stack without limit.
 *
 * <p>On the readiness backends ({@code aio-poll}, {@code epoll+aio}, {@code threads}) a request
 * made on the loop thread tries the system call at once and, when it succeeds, calls the handler
 * inside {@code read()}/{@code write()} (StreamFd.tryRead -> finishRead -> Reactor.completed).
 * A handler that reads again recurses; with data already buffered the recursion only ends when the
 * stack does. Found: StackOverflowError after ~700-1200 one-byte reads; on epoll+aio and threads it
 * escapes the loop's guards and the loop thread dies (the loop closes itself, every other channel
 * of the loop is stranded). The JDK's asynchronous channels bound this (at most 16 handlers on one
 * stack, then the completion is dispatched), as Netty's event loop does.
 */
@Timeout(120)
class BreakerReentrancyTest {

    static EventLoop open(String backend) throws IOException {
        return EventLoop.open(LoopConfig.defaults().withBackend(backend)
                .withFiles(EngineConfig.defaults().withQueueDepth(64)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"uring", "aio-poll", "epoll+aio", "threads"})
    void aReadLoopOverBufferedBytesDoesNotOverflowTheStack(String backend) throws Exception {
        int bytes = 60_000; // fits in a pipe's 64 KiB buffer: every read completes at once
        EventLoop loop = open(backend);
        try (Arena arena = Arena.ofShared()) {
            Pipe p = loop.openPipe();
            assertEquals((long) bytes, p.sink().write(arena.allocate(bytes)).get(10, TimeUnit.SECONDS));
            MemorySegment one = arena.allocate(1);
            AtomicLong count = new AtomicLong();
            AtomicReference<Throwable> uncaught = new AtomicReference<>();
            CompletableFuture<Long> done = new CompletableFuture<>();
            IoHandler<Object> reader = new IoHandler<>() {
                @Override
                public void completed(long n, Object a) {
                    if (count.incrementAndGet() == bytes) {
                        done.complete(count.get());
                        return;
                    }
                    p.source().read(one, null, this);
                }

                @Override
                public void failed(IOException e, Object a) {
                    done.completeExceptionally(e);
                }
            };
            loop.execute(() -> {
                Thread.currentThread().setUncaughtExceptionHandler((t, e) -> {
                    uncaught.compareAndSet(null, e);
                    done.completeExceptionally(e);
                });
                p.source().read(one, null, reader);
            });
            try {
                done.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported below
            }
            assertNull(uncaught.get(), "the loop thread threw after " + count.get() + " chained reads");
            assertEquals(bytes, count.get(), "one-byte reads chained from completed()");
            assertFalse(loop.isClosed(), "the loop died");
            CompletableFuture<Boolean> alive = new CompletableFuture<>();
            loop.execute(() -> alive.complete(true));
            assertEquals(true, alive.get(5, TimeUnit.SECONDS));
        } finally {
            loop.close();
        }
    }
}
