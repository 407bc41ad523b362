package dev.jaio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the tests in a child JVM as the unprivileged user {@code nobody}, under
 * resource limits set with {@code prlimit}: what a user without CAP_IPC_LOCK gets, which the root
 * test JVM cannot see in itself. The classes are copied to a world-readable directory first, since
 * the build directory may be private to root.
 */
final class ChildJvm {

    /** The child's exit status and everything it printed. */
    record Result(int exitCode, String output) {
    }

    private ChildJvm() {
    }

    /** Why a child JVM as nobody cannot run here, or null when it can. */
    static String unavailability() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not root: cannot run a child as nobody";
        }
        for (String tool : new String[] {"/usr/bin/setpriv", "/usr/bin/prlimit"}) {
            if (!Files.isExecutable(Path.of(tool))) {
                return tool + " is missing";
            }
        }
        return null;
    }

    /**
     * Runs {@code main} as nobody with {@code prlimit} options such as {@code --memlock=32768}.
     * Fails the test when the child does not end within 60 s.
     */
    static Result runAsNobody(List<String> limits, Class<?> main, String... args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jaio-child-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            Path classes = dir.resolve("classes");
            copyTree(Path.of("target/classes"), classes);
            copyTree(Path.of("target/test-classes"), classes);
            String java = ProcessHandle.current().info().command().orElse(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = new ArrayList<>();
            cmd.add("/usr/bin/prlimit");
            cmd.addAll(limits);
            cmd.addAll(List.of("/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    java, "-XX:+UseSerialGC", "-Xmx64m", "--enable-native-access=ALL-UNNAMED",
                    "-Djava.io.tmpdir=" + dir.resolve("work"), "-cp", classes.toString(), main.getName()));
            cmd.addAll(List.of(args));
            // The child's working directory, writable by nobody: relative paths in args land here.
            Path work = Files.createDirectory(dir.resolve("work"));
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
            Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("child JVM did not end within 60 s: " + cmd);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.exitValue(), out);
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path src : walk.toList()) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                    Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
    }
}
