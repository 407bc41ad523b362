package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static dev.jaio.internal.linux.Layouts.offset;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * glibc's {@code struct utsname} ({@code sys/utsname.h}, {@code _UTSNAME_LENGTH} = 65 on Linux),
 * filled by uname(2). Each field is a NUL-terminated string.
 */
public final class Utsname {

    /** Size of each field, including its terminating NUL. */
    public static final int UTSNAME_LENGTH = 65;

    /**
     * {@code struct utsname}, 390 bytes.
     * <pre>
     * struct utsname {
     *     char sysname[65]; char nodename[65]; char release[65];
     *     char version[65]; char machine[65]; char domainname[65];
     * };
     * </pre>
     */
    public static final StructLayout UTSNAME = MemoryLayout.structLayout(
            field("sysname"),
            field("nodename"),
            field("release"),
            field("version"),
            field("machine"),
            field("domainname")).withName("utsname");

    /** Offset of {@code utsname.sysname} ("Linux"). */
    public static final long UTSNAME_SYSNAME = offset(UTSNAME, "sysname");
    /** Offset of {@code utsname.nodename}. */
    public static final long UTSNAME_NODENAME = offset(UTSNAME, "nodename");
    /** Offset of {@code utsname.release} (the kernel release, e.g. "6.8.0-45-generic"). */
    public static final long UTSNAME_RELEASE = offset(UTSNAME, "release");
    /** Offset of {@code utsname.version}. */
    public static final long UTSNAME_VERSION = offset(UTSNAME, "version");
    /** Offset of {@code utsname.machine} ("x86_64", "aarch64"). */
    public static final long UTSNAME_MACHINE = offset(UTSNAME, "machine");
    /** Offset of {@code utsname.domainname} (a GNU extension). */
    public static final long UTSNAME_DOMAINNAME = offset(UTSNAME, "domainname");

    private Utsname() {
    }

    private static MemoryLayout field(String name) {
        return MemoryLayout.sequenceLayout(UTSNAME_LENGTH, JAVA_BYTE).withName(name);
    }
}
