package dev.jaio.internal.provider;

import dev.jaio.internal.aio.AioEngine;
import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.linux.NativeAccess;
import dev.jaio.internal.threads.ThreadsEngine;
import dev.jaio.internal.uring.UringEngine;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * The engines this build knows, in the order {@code auto} prefers them, and the choice among them:
 * by name, or {@code auto} with its fallback.
 */
public final class Engines {

    /** Name that selects the best available engine. */
    public static final String AUTO = "auto";

    private static final List<EngineProvider> ALL = List.of(new UringEngine(), new AioEngine(), new ThreadsEngine());

    private static final System.Logger LOG = System.getLogger("dev.jaio.engine");
    /** The first fallback of {@code auto} in this JVM is logged at WARNING, later ones at DEBUG. */
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();

    /**
     * A queue and the engine that opened it.
     *
     * @param reason for {@code auto}: every engine skipped and why, and which one was picked; null
     *     when the engine was named
     */
    public record Opened(EngineProvider provider, IoQueue queue, String reason) {
    }

    private Engines() {
    }

    /** Every known engine, best first. */
    public static List<EngineProvider> all() {
        return ALL;
    }

    /** The names accepted by {@link #byName}, including {@code auto}. */
    public static String names() {
        return AUTO + ", " + ALL.stream().map(EngineProvider::name).collect(Collectors.joining(", "));
    }

    /**
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static EngineProvider byName(String name) {
        if (AUTO.equals(name)) {
            return auto();
        }
        for (EngineProvider p : ALL) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + name + "'; known engines: " + names());
    }

    /**
     * Opens a queue of the engine {@code name}. For {@code auto}, tries the engines in preference
     * order and falls back to the next one when an engine is unavailable, cannot hold
     * {@code options.capacity()} requests, or its kernel setup fails (io_uring_setup refused for the
     * locked-memory limit, io_setup refused for fs.aio-max-nr): the static probes cannot know what
     * the kernel will refuse for a real queue, so only a real setup decides. A fallback is logged
     * once per JVM (System.Logger {@code dev.jaio.engine}, WARNING).
     *
     * @throws IllegalArgumentException for an unknown name, or a capacity above the named engine's
     *     {@link EngineProvider#maxCapacity(boolean) limit}
     * @throws IOException when the named engine (or, for auto, every engine) is unavailable or its
     *     setup fails; the message says why for each
     * @throws IllegalCallerException when the JVM denies jaio native access, naming the flag to add
     */
    public static Opened open(String name, QueueOptions options) throws IOException {
        NativeAccess.ensureEnabled(); // before any engine links a downcall: one clear message
        if (AUTO.equals(name)) {
            return openFirst(ALL, options);
        }
        EngineProvider p = byName(name);
        String cause = p.unavailabilityCause();
        if (cause != null) {
            throw new IOException("engine " + p.name() + " is not available: " + cause);
        }
        String tooMany = capacityRefusal(p, options);
        if (tooMany != null) {
            throw new IllegalArgumentException(tooMany);
        }
        return new Opened(p, p.openQueue(options), null);
    }

    /** Why {@code p} cannot hold {@code options.capacity()} requests, or null when it can. */
    static String capacityRefusal(EngineProvider p, QueueOptions options) {
        int max = p.maxCapacity(options.wakeup());
        if (options.capacity() <= max) {
            return null;
        }
        return "queue depth " + options.capacity() + " is more than the " + p.name() + " engine allows: "
                + max + " (" + p.capacityLimit(options.wakeup()) + ")";
    }

    /** The first of {@code providers} whose queue really opens; see {@link #open}. */
    static Opened openFirst(List<EngineProvider> providers, QueueOptions options) throws IOException {
        StringBuilder why = new StringBuilder();
        String failed = null;
        for (EngineProvider p : providers) {
            String cause = p.unavailabilityCause();
            if (cause == null) {
                cause = capacityRefusal(p, options);
                if (cause == null) {
                    try {
                        IoQueue queue = p.openQueue(options);
                        String reason = why + (why.isEmpty() ? "" : "; ") + "picked " + p.name()
                                + ": the first that opened in preference order ("
                                + providers.stream().map(EngineProvider::name).collect(Collectors.joining(" > ")) + ")";
                        if (failed != null) {
                            boolean first = FALLBACK_LOGGED.compareAndSet(false, true);
                            LOG.log(first ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
                                    "jaio engine auto: " + reason);
                        }
                        return new Opened(p, queue, reason);
                    } catch (IOException e) {
                        cause = e.getMessage();
                    }
                }
                failed = cause;
            }
            why.append(why.isEmpty() ? "" : "; ").append("skipped ").append(p.name()).append(": ").append(cause);
        }
        throw new IOException("no engine could be opened: " + why);
    }

    /** The first available engine; the thread engine is always available. */
    public static EngineProvider auto() {
        return firstAvailable(ALL);
    }

    /** The first of {@code providers} (in preference order) that reports no unavailability cause. */
    static EngineProvider firstAvailable(List<EngineProvider> providers) {
        for (EngineProvider p : providers) {
            if (p.unavailabilityCause() == null) {
                return p;
            }
        }
        throw new IllegalStateException("no engine available: " + autoReason(providers));
    }

    /** Why {@code auto} picks what it picks from {@code providers}, naming every engine it skipped and why. */
    static String autoReason(List<EngineProvider> providers) {
        StringBuilder sb = new StringBuilder();
        for (EngineProvider p : providers) {
            String cause = p.unavailabilityCause();
            if (cause == null) {
                sb.append(sb.isEmpty() ? "" : "; ").append("picked ").append(p.name())
                        .append(": the first available in preference order (")
                        .append(providers.stream().map(EngineProvider::name).collect(Collectors.joining(" > ")))
                        .append(')');
                return sb.toString();
            }
            sb.append(sb.isEmpty() ? "" : "; ").append("skipped ").append(p.name()).append(": ").append(cause);
        }
        return sb.toString();
    }
}
