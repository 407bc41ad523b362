package dev.jaio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where tests put their files: a real directory on a real disk. JUnit's @TempDir lives under
 * java.io.tmpdir, which is tmpfs on some machines, and tmpfs has no O_DIRECT; -Djaio.test.dir
 * overrides the default (the build directory) for runs on another filesystem.
 */
final class TestFiles {

    private TestFiles() {
    }

    static Path newDirectory(String prefix) throws IOException {
        Path base = Path.of(System.getProperty("jaio.test.dir", "target/jaio-test-files"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base.toAbsolutePath(), prefix);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
