package dev.jaio;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Helpers for the adversarial tests: scratch mounts. */
final class TestMounts {
    private TestMounts() {
    }

    static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        if (rc != 0) {
            System.out.println(String.join(" ", cmd) + " -> " + rc + ": " + out);
        }
        return rc;
    }

    static Path tmpfs(Path dir, String size) throws Exception {
        Path m = Files.createDirectories(dir.resolve("tmpfs"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", m.toString()) == 0);
        return m;
    }

    /** A loop-mounted file system of {@code mib} MiB made by {@code mkfs} (e.g. mkfs.ext2). */
    static Path loop(Path dir, String mkfs, int mib, String... mkfsOpts) throws Exception {
        return loopWith(dir, "loop", mkfs, mib, mkfsOpts);
    }

    /** As {@link #loop}, mounted with {@code mountOpts} (which include {@code loop}). */
    static Path loopWith(Path dir, String mountOpts, String mkfs, int mib, String... mkfsOpts) throws Exception {
        Path img = dir.resolve("img");
        assumeTrue(run("truncate", "-s", mib + "M", img.toString()) == 0);
        String[] cmd = new String[mkfsOpts.length + 3];
        cmd[0] = mkfs;
        cmd[1] = "-q";
        System.arraycopy(mkfsOpts, 0, cmd, 2, mkfsOpts.length);
        cmd[cmd.length - 1] = img.toString();
        assumeTrue(run(cmd) == 0);
        Path m = Files.createDirectories(dir.resolve("mnt"));
        assumeTrue(run("mount", "-o", mountOpts, img.toString(), m.toString()) == 0);
        return m;
    }

    static void umount(Path m) throws Exception {
        if (m != null) {
            run("umount", "-l", m.toString());
        }
    }

    /** Fills the file system of {@code dir} (a file "filler") until ENOSPC. */
    static Path fill(Path dir) throws Exception {
        Path filler = dir.resolve("filler");
        try (var out = Files.newOutputStream(filler)) {
            byte[] b = new byte[4096];
            while (true) {
                out.write(b);
                out.flush();
            }
        } catch (java.io.IOException e) {
            // full
        }
        return filler;
    }
}
