package dev.jaio.internal.engine;

import dev.jaio.internal.aio.AioEngine;
import dev.jaio.internal.threads.ThreadsEngine;
import dev.jaio.internal.uring.UringEngine;
import java.util.List;
import java.util.stream.Collectors;

/** The engines this build knows, in the order {@code auto} prefers them. */
public final class Engines {

    /** Name that selects the best available engine. */
    public static final String AUTO = "auto";

    private static final List<EngineProvider> ALL = List.of(new UringEngine(), new AioEngine(), new ThreadsEngine());

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

    /** The first available engine; the thread engine is always available. */
    public static EngineProvider auto() {
        return firstAvailable(ALL);
    }

    /** Why {@code auto} picks what it picks, naming every engine it skipped and why. */
    public static String autoReason() {
        return autoReason(ALL);
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
