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

    /** The future's value within 60 s; a failure's cause is thrown as it is. */
    static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        try {
            return f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** The failure the future completed with within 30 s, or null if it completed normally. */
    static Throwable failureOf(java.util.concurrent.CompletableFuture<?> f) throws Exception {
        try {
            f.get(30, java.util.concurrent.TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }

    /** {@code n} random bytes from {@code seed}. */
    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.SplittableRandom(seed).nextBytes(b);
        return b;
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
