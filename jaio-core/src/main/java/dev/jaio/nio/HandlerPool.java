package dev.jaio.nio;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default executor of channels opened without one, made on first use, for the whole JVM.
 *
 * <p>Without the JDK's properties it starts a virtual thread per handler
 * ({@code jaio-nio-handler-N}): a handler costs no platform thread, and one that blocks (in a
 * {@code Future.get}, a lock, a blocking call) parks its virtual thread instead of growing a pool.
 * Measured on cold O_DIRECT reads, a cached pool of platform threads cost 2.6x the CPU per read
 * (38 threads woken in turn; see {@code jaio bench --vs=jdk}).
 *
 * <p>With either of the JDK's properties for its own default pool set
 * ({@code java.nio.channels.DefaultThreadPool.threadFactory}: a {@link ThreadFactory} class with a
 * public no-argument constructor, loaded by the system class loader;
 * {@code java.nio.channels.DefaultThreadPool.initialSize}: an integer, which only socket channel
 * groups use) it is what the JDK's {@code sun.nio.ch.ThreadPool.getDefault()} makes of them: a
 * cached pool whose threads come from that factory (else daemons) and go after 60 s idle.
 */
final class HandlerPool {

    static final String THREAD_FACTORY = "java.nio.channels.DefaultThreadPool.threadFactory";
    static final String INITIAL_SIZE = "java.nio.channels.DefaultThreadPool.initialSize";

    private HandlerPool() {
    }

    private static final class Holder {
        static final ExecutorService POOL = create(System.getProperty(THREAD_FACTORY),
                System.getProperty(INITIAL_SIZE));
    }

    /** The JVM's default handler executor. */
    static ExecutorService get() {
        return Holder.POOL;
    }

    /** The default executor as {@link #get()} makes it, from the two properties' values (null: not set). */
    static ExecutorService create(String factoryClass, String size) {
        if (factoryClass == null && size == null) {
            return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("jaio-nio-handler-", 1).factory());
        }
        if (size != null) {
            try {
                Integer.parseInt(size.trim()); // negative: the number of processors, as the JDK reads it
            } catch (NumberFormatException e) {
                throw new Error("Value of property '" + INITIAL_SIZE + "' is invalid: " + size, e);
            }
        }
        // The JDK's default pool is Executors.newCachedThreadPool(factory): no thread is kept idle.
        // Its initialSize counts the handler tasks a socket channel group starts; file channels start
        // none, so for them, and here, it changes nothing but is checked as the JDK checks it.
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                threadFactory(factoryClass));
    }

    private static ThreadFactory threadFactory(String name) {
        if (name == null) {
            AtomicInteger n = new AtomicInteger();
            return r -> {
                Thread t = new Thread(r, "jaio-nio-pool-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
        }
        try {
            Class<?> c = Class.forName(name, true, ClassLoader.getSystemClassLoader());
            return (ThreadFactory) c.getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new Error("Value of property '" + THREAD_FACTORY + "' is not a ThreadFactory with a public"
                    + " no-argument constructor: " + name, e);
        }
    }
}
