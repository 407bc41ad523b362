package dev.jaio.nio;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default executor of channels opened without one, as the JDK's
 * {@code sun.nio.ch.ThreadPool.getDefault()}: one cached pool for the JVM, made on first use, whose
 * threads are daemons and go after 60 s idle. It honours the JDK's system properties
 * {@code java.nio.channels.DefaultThreadPool.threadFactory} (a {@link ThreadFactory} class with a
 * public no-argument constructor, loaded by the system class loader) and
 * {@code java.nio.channels.DefaultThreadPool.initialSize} (threads kept even when idle; default the
 * number of processors).
 */
final class HandlerPool {

    static final String THREAD_FACTORY = "java.nio.channels.DefaultThreadPool.threadFactory";
    static final String INITIAL_SIZE = "java.nio.channels.DefaultThreadPool.initialSize";

    private HandlerPool() {
    }

    private static final class Holder {
        static final ExecutorService POOL = create();
    }

    /** The JVM's default handler pool. */
    static ExecutorService get() {
        return Holder.POOL;
    }

    private static ExecutorService create() {
        return create(System.getProperty(THREAD_FACTORY), System.getProperty(INITIAL_SIZE));
    }

    /** A pool as {@link #get()} makes it, from the two properties' values (null: not set). */
    static ThreadPoolExecutor create(String factoryClass, String size) {
        int initial = Runtime.getRuntime().availableProcessors();
        if (size != null) {
            try {
                initial = Integer.parseInt(size.trim());
            } catch (NumberFormatException e) {
                throw new Error("Value of property '" + INITIAL_SIZE + "' is invalid: " + size, e);
            }
            if (initial < 0) {
                throw new Error("Value of property '" + INITIAL_SIZE + "' is negative: " + size);
            }
        }
        return new ThreadPoolExecutor(initial, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                threadFactory(factoryClass));
    }

    private static ThreadFactory threadFactory(String name) {
        if (name == null) {
            AtomicInteger n = new AtomicInteger();
            return r -> {
                Thread t = new Thread(r, "jaio-nio-handler-" + n.incrementAndGet());
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
