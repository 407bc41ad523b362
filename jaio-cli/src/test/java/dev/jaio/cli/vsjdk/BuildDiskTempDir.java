package dev.jaio.cli.vsjdk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Makes {@code @TempDir}s under target/jaio-test-files (or {@code -Djaio.test.dir}), on the build's
 * disk: O_DIRECT, which the cold and log workloads need, is missing on tmpfs, where the system's
 * temp directory may be.
 */
public final class BuildDiskTempDir implements TempDirFactory {

    /** Creates the factory (JUnit does). */
    public BuildDiskTempDir() {
    }

    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext extension) throws IOException {
        Path base = Path.of(System.getProperty("jaio.test.dir", "target/jaio-test-files")).toAbsolutePath();
        Files.createDirectories(base);
        return Files.createTempDirectory(base, "vsjdk");
    }
}
