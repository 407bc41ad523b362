package dev.jaio.internal.file;

import java.util.function.Function;

/**
 * The open file behind a public handle, for the API's other packages ({@code dev.jaio.nio}) that
 * need what the public class does not show, such as the descriptor to map: the public handle
 * registers the accessor once, as the JDK's {@code SharedSecrets} do, so that nothing public grows
 * for it.
 */
public final class HandleAccess {

    private static volatile Function<Object, OpenFile> access;

    private HandleAccess() {
    }

    /** Called once, by the public handle class's initializer. */
    public static void register(Function<Object, OpenFile> accessor) {
        if (access != null) {
            throw new IllegalStateException("registered already");
        }
        access = accessor;
    }

    /** The open file behind {@code handle} (an {@code AsyncFile}). */
    public static OpenFile openFile(Object handle) {
        return access.apply(handle);
    }
}
