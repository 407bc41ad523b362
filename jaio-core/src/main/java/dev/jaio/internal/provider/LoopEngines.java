package dev.jaio.internal.provider;

import dev.jaio.EngineConfig;
import dev.jaio.IoEngine;
import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.EventLoop;
import java.lang.invoke.MethodHandles;

/**
 * How the event loop package makes the {@link IoEngine} whose files run on a loop's thread and
 * queue, without a public constructor: {@code IoEngine} registers its factory here when its class
 * initializes (the pattern of the JDK's {@code jdk.internal.access.SharedSecrets}). This is the one
 * place below the API that names an API type, and only to hand it back up.
 */
public final class LoopEngines {

    /** What IoEngine offers the loop package. */
    public interface Factory {
        /**
         * An engine over {@code loop}, which it does not own: {@link IoEngine#close()} on it does
         * nothing, and {@link #close} closes it with the loop.
         */
        IoEngine engineOver(EngineConfig config, EngineProvider provider, EventLoop loop, String selectionReason);

        /** Drains the engine's files, writes back its cache, then closes its loop; see {@link IoEngine#close()}. */
        void close(IoEngine engine);
    }

    private static volatile Factory factory;

    private LoopEngines() {
    }

    /** Called once, by IoEngine's static initializer. */
    public static void register(Factory f) {
        factory = f;
    }

    /** The factory, initializing IoEngine first if needed. */
    public static Factory factory() {
        Factory f = factory;
        if (f == null) {
            try {
                MethodHandles.lookup().ensureInitialized(IoEngine.class);
            } catch (IllegalAccessException e) {
                throw new AssertionError(e); // IoEngine is public
            }
            f = factory;
        }
        return f;
    }
}
