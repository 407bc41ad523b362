package dev.jaio.nio;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link Future} of a channel operation: a view of a {@link CompletableFuture} that is not
 * one itself, so that callers cannot chain stages that would run on the thread completing it (the
 * engine's). {@link #cancel} cancels only the future, as the JDK's channels do: the operation may
 * still happen (a read may still fill the buffer), its result is dropped.
 */
final class ChannelFuture<V> implements Future<V> {

    private final CompletableFuture<V> result;

    ChannelFuture(CompletableFuture<V> result) {
        this.result = result;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return result.cancel(mayInterruptIfRunning);
    }

    @Override
    public boolean isCancelled() {
        return result.isCancelled();
    }

    @Override
    public boolean isDone() {
        return result.isDone();
    }

    @Override
    public V get() throws InterruptedException, ExecutionException {
        return result.get();
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        return result.get(timeout, unit);
    }

    @Override
    public String toString() {
        return "ChannelFuture[" + result + "]";
    }
}
