package dev.jaio;

/**
 * The child of {@link EngineFallbackTest}: opens an {@code auto} engine and prints what it got,
 * one {@code key=value} a line.
 */
public final class MemlockChild {

    private MemlockChild() {
    }

    public static void main(String[] args) throws Exception {
        for (EngineStatus s : IoEngine.probeAll()) {
            System.out.println("probe." + s.name() + "=" + s.available() + " " + s.detail());
        }
        EngineStatus auto = IoEngine.autoChoice();
        System.out.println("autoChoice=" + auto.name() + " " + auto.detail());
        try (IoEngine engine = IoEngine.open()) {
            System.out.println("engine=" + engine.name());
            System.out.println("reason=" + engine.selectionReason());
        }
        System.out.println("shared=" + IoEngine.shared().name());
    }
}
