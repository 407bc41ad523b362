/**
 * jaio behind the JDK's own channel interfaces, for code that is not to be rewritten:
 * {@link dev.jaio.nio.JaioAsynchronousFileChannel} is a {@link java.nio.channels.AsynchronousFileChannel}
 * whose reads and writes go through a jaio engine (io_uring, Linux AIO or jaio's thread pool) instead
 * of the JDK's pool of threads that block in pread/pwrite.
 *
 * <p>Threads: a request's completion is delivered on a thread of the channel's executor (the one
 * given to {@code open}, else a default shared by every jaio channel of the JVM: a virtual thread
 * per handler, or, when the JDK's {@code java.nio.channels.DefaultThreadPool.threadFactory} or
 * {@code .initialSize} property is set, the cached pool of platform threads the JDK makes of them),
 * never on the engine's completion thread, so that a handler that blocks cannot stall
 * other I/O. A {@link java.util.concurrent.Future} returned by a channel is not a
 * {@link java.util.concurrent.CompletableFuture}: nothing can be chained onto the engine's thread.
 */
package dev.jaio.nio;
