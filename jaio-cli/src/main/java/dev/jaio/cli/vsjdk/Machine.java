package dev.jaio.cli.vsjdk;

import dev.jaio.SystemInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a run ran.
 *
 * @param kernel the kernel release, /proc/sys/kernel/osrelease
 * @param cpus CPUs the JVM may use
 * @param java the Java runtime's version
 * @param javaVendor its vendor
 * @param jaio jaio's version
 * @param engine the jaio engine the jaio contenders ran on
 */
record Machine(String kernel, int cpus, String java, String javaVendor, String jaio, String engine) {

    static Machine current(String engine) {
        String kernel;
        try {
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException | RuntimeException e) {
            kernel = SystemInfo.kernelRelease();
        }
        return new Machine(kernel, Runtime.getRuntime().availableProcessors(), Runtime.version().toString(),
                System.getProperty("java.vendor", "unknown"), SystemInfo.jaioVersion(), engine);
    }
}
