package dev.jaio.nio;

import java.nio.channels.Channel;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where {@link JaioFileChannel#transferTo} and {@link JaioFileChannel#transferFrom} let the kernel
 * copy: through the JDK's own channel of the open file ({@code /proc/self/fd/N}), whose transfers
 * are copy_file_range(2) between files, sendfile(2) to sockets, a mapped copy to pipes, with no copy through the
 * JVM. That call holds its thread in the kernel for the whole copy. A platform thread makes it
 * itself, and so does a virtual thread when the copy cannot wait (a copy between files whose source
 * range the page cache holds, by cachestat(2): CPU work, as any other). A copy that may wait (for
 * the device, or for a socket or pipe to drain) a virtual thread hands to a platform thread of
 * jaio's ({@code jaio-nio-transfer-N}, a cached pool of at most {@link #MAX_THREADS} whose threads
 * go after 30 s idle) and parks, where the JDK's own channel would hold its carrier. Measured with 64 virtual threads copying
 * warm 1 MiB blocks between files ({@code jaio bench --vs=jdk --workloads=transfer}), handing every
 * copy off cost half the throughput: 64 pool threads took turns on 2 cores.
 */
final class KernelTransfer {

    private KernelTransfer() {
    }

    /**
     * The most threads the pool starts: the JDK's scheduler stops adding carriers for blocked virtual
     * threads at 256 too. Past it a copy runs on its caller, as it would on the JDK's channel.
     */
    static final int MAX_THREADS = 256;

    private static final class Holder {
        static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(0, MAX_THREADS, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), new Factory(), new ThreadPoolExecutor.CallerRunsPolicy());
    }

    private static final class Factory implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            return Thread.ofPlatform().daemon(true).name("jaio-nio-transfer-" + n.incrementAndGet()).unstarted(r);
        }
    }

    /**
     * Whether {@code c} is one of the JDK's own channels ({@code sun.nio.ch}: its file, socket and
     * pipe channels), which the JDK's file channel transfers to and from in the kernel.
     */
    static boolean isJdkChannel(Channel c) {
        Class<?> k = c.getClass();
        return k.getModule() == Object.class.getModule() && "sun.nio.ch".equals(k.getPackageName());
    }

    /**
     * Starts {@code copy}: on the calling thread when it is a platform thread or the copy cannot
     * wait (the copy is done on return), else on a thread of the pool.
     */
    static Copy start(Callable<Long> copy, boolean mayWait) {
        boolean pooled = mayWait && Thread.currentThread().isVirtual();
        Copy c = new Copy(copy, pooled);
        if (pooled) {
            Holder.POOL.execute(c); // on this thread when all MAX_THREADS are busy (CallerRunsPolicy)
        } else {
            c.run();
        }
        return c;
    }

    /**
     * A copy and its outcome. An interrupt of the virtual thread that waits for it is passed on to
     * the thread that runs it ({@link #interruptRunner}), so that the channel that thread is blocked
     * in (the target a sendfile waits on, say) closes as it would had the caller run the copy itself.
     */
    static final class Copy extends CompletableFuture<Long> implements Runnable {
        private final Callable<Long> copy;
        /** Whether a thread of the pool runs it (not the caller). */
        private final boolean pooled;
        /** The pool thread running the copy while it runs, else null; guarded by this. */
        private Thread runner;

        private Copy(Callable<Long> copy, boolean pooled) {
            this.copy = copy;
            this.pooled = pooled;
        }

        @Override
        public void run() {
            boolean onPool = pooled && !Thread.currentThread().isVirtual(); // not the caller (CallerRunsPolicy)
            if (onPool) {
                synchronized (this) {
                    runner = Thread.currentThread();
                }
            }
            try {
                complete(copy.call());
            } catch (Throwable t) {
                completeExceptionally(t);
            } finally {
                if (onPool) {
                    synchronized (this) {
                        runner = null;
                    }
                    // An interrupt meant for this copy must not reach the pool thread's next one
                    // (interruptRunner interrupts only while runner is set, so none comes later).
                    Thread.interrupted();
                }
            }
        }

        /** Interrupts the thread running the copy, if it still runs. */
        synchronized void interruptRunner() {
            if (runner != null) {
                runner.interrupt();
            }
        }
    }
}
