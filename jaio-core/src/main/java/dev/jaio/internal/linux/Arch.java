package dev.jaio.internal.linux;

import java.util.Locale;

/**
 * The operating system and CPU architecture the JVM runs on, decided once from the {@code os.name}
 * and {@code os.arch} system properties.
 *
 * <p>Syscall numbers and a few open(2) flags differ between x86_64 and aarch64; everything else in
 * this package is the same on both.
 */
public final class Arch {

    private static final String OS_ARCH = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);

    /** Whether the operating system is Linux. */
    public static final boolean LINUX = System.getProperty("os.name", "").startsWith("Linux");

    /** Whether the CPU is x86_64 (the JDK reports it as {@code amd64}). */
    public static final boolean X86_64 = OS_ARCH.equals("amd64") || OS_ARCH.equals("x86_64");

    /** Whether the CPU is 64-bit ARM. */
    public static final boolean AARCH64 = OS_ARCH.equals("aarch64") || OS_ARCH.equals("arm64");

    private Arch() {
    }

    /** The kernel's name for the architecture ({@code x86_64}, {@code aarch64}), else {@code os.arch}. */
    public static String name() {
        return X86_64 ? "x86_64" : AARCH64 ? "aarch64" : OS_ARCH;
    }
}
