package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jaio needs no jdk.jfr at run time (a jlinked image may leave it out): a JVM that cannot see the
 * module runs files, contexts and the page cache, with no JFR class loaded.
 */
class WithoutJfrTest {

    @TempDir
    Path dir;

    @Test
    void aRuntimeWithoutJdkJfrRunsJaio() throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--limit-modules", "java.base,java.logging", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), example.NoJfrChild.class.getName(),
                dir.resolve("f").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("jdk.jfr false, completed "), out);
    }
}
