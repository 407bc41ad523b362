package dev.jaio.internal.linux;

import java.nio.file.Path;

/**
 * Linux capabilities that change what the kernel lets jaio do, by their bit numbers in
 * {@code include/uapi/linux/capability.h}, and whether this process holds them.
 */
public final class Capability {

    /** CAP_SYS_ADMIN: among much else, exempt from the per-user pipe page limits (fs/pipe.c). */
    public static final int CAP_SYS_ADMIN = 21;
    /** CAP_SYS_RESOURCE: may exceed fs.pipe-max-size and the per-user pipe page limits (fs/pipe.c). */
    public static final int CAP_SYS_RESOURCE = 24;

    private Capability() {
    }

    /**
     * Whether this process has any of capabilities {@code caps} in its effective set as the kernel's
     * {@code capable()} sees it, which checks against the initial user namespace: a process in
     * another user namespace (rootless containers, {@code unshare -r}) holds its capabilities only
     * there, so it counts as not having any. False when /proc cannot tell. Reads /proc once.
     */
    public static boolean anyEffectiveInInitialNamespace(int... caps) {
        String uidMap = ProcFs.firstLine(Path.of("/proc/self/uid_map"));
        if (uidMap == null || !uidMap.trim().split("\\s+")[0].equals("0") || !uidMap.trim().endsWith("4294967295")) {
            return false; // not the initial user namespace, whose map is "0 0 4294967295"
        }
        long effective = ProcFs.statusHex("CapEff");
        if (effective == -1) {
            return false;
        }
        for (int cap : caps) {
            if ((effective & 1L << cap) != 0) {
                return true;
            }
        }
        return false;
    }
}
