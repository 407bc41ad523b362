package dev.jaio.cli.vsjdk;

import java.nio.file.OpenOption;

/**
 * The JDK's O_DIRECT: {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} of module jdk.unsupported.
 * Looked up by name so that javac does not warn on every use of the internal API.
 */
public final class JdkDirect {

    /** {@code ExtendedOpenOption.DIRECT}: FileChannel opens the file with O_DIRECT. */
    public static final OpenOption DIRECT = lookup();

    private JdkDirect() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static OpenOption lookup() {
        try {
            Class<? extends Enum> c = Class.forName("com.sun.nio.file.ExtendedOpenOption").asSubclass(Enum.class);
            return (OpenOption) Enum.valueOf(c, "DIRECT");
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
