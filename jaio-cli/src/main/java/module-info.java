/**
 * The {@code jaio} command-line tool. Uses only the exported API of module {@code dev.jaio}.
 */
@SuppressWarnings("requires-automatic") // HdrHistogram and JFreeChart have no module descriptor
module dev.jaio.cli {
    requires dev.jaio;
    requires info.picocli;
    requires HdrHistogram;
    requires java.management; // jaio oltp: the page cleaner threads' CPU time (ThreadMXBean)
    requires java.desktop; // java.awt and javax.imageio for jaio sweep's figures (headless)
    requires org.apache.commons.rng.api;
    requires org.apache.commons.rng.sampling; // jaio oltp's Zipf accesses (rejection-inversion)
    requires org.apache.commons.rng.simple;
    requires jdk.unsupported; // bench --vs=jdk: com.sun.nio.file.ExtendedOpenOption.DIRECT, the JDK's O_DIRECT (looked up by name)
    requires org.jfree.jfreechart;

    opens dev.jaio.cli to info.picocli;
}
