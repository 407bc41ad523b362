package dev.jaio.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;

/**
 * Whether this JVM lets jaio call native code, found out once, so that a JVM started with
 * {@code --illegal-native-access=deny} and without {@code --enable-native-access} gets one message
 * naming the flag to add, rather than an {@code ExceptionInInitializerError} from whichever class
 * linked a downcall first (JEP 472).
 *
 * <p>The JDK decides per module: jaio's module {@code dev.jaio} on the module path, or the unnamed
 * module of jaio's jar on the class path. Under the default ({@code --illegal-native-access=warn})
 * native calls work and the JDK prints its warning once; only {@code deny} refuses them.
 */
public final class NativeAccess {

    /** Null if downcalls link; otherwise what to tell the user. */
    private static final String DENIED = probe();

    private NativeAccess() {
    }

    /**
     * Throws unless jaio may call native code: the engines' entry point calls it before anything
     * is linked.
     *
     * @throws IllegalCallerException naming the {@code java} option that grants native access
     */
    public static void ensureEnabled() {
        if (DENIED != null) {
            throw new IllegalCallerException(DENIED);
        }
    }

    /** {@return the java option that grants jaio native access where it runs now} */
    public static String option() {
        Module m = NativeAccess.class.getModule();
        return "--enable-native-access=" + (m.isNamed() ? m.getName() : "ALL-UNNAMED");
    }

    /** The message for a refused link: what happened and the option to add. */
    static String deniedMessage() {
        Module m = NativeAccess.class.getModule();
        if (m.isNamed() && m.getLayer() != ModuleLayer.boot()) {
            // A layer of the application's own: the java option names only boot-layer modules.
            return "jaio calls the kernel through java.lang.foreign, and module " + m.getName() + " of a module layer"
                    + " the application made has no native access: create the layer with"
                    + " ModuleLayer.Controller.enableNativeAccess(the " + m.getName() + " module)";
        }
        return "jaio calls the kernel through java.lang.foreign, and this JVM denies native access to "
                + (m.isNamed() ? "module " + m.getName() : "the class path (the unnamed module)")
                + " (--illegal-native-access=deny): add " + option() + " to the java command"
                + (m.isNamed() ? "" : " (or the manifest attribute Enable-Native-Access: ALL-UNNAMED of an"
                        + " executable jar)");
    }

    private static String probe() {
        try {
            Downcalls.libcNoErrno("getpid", FunctionDescriptor.of(JAVA_INT));
            return null;
        } catch (IllegalCallerException e) {
            return deniedMessage();
        }
    }
}
