package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM that denies jaio native access ({@code --illegal-native-access=deny}, no
 * {@code --enable-native-access}) gets, at every entry point, one IllegalCallerException naming the
 * flag to add, on the class path and on the module path; not an ExceptionInInitializerError.
 */
class NativeAccessTest {

    @TempDir
    Path dir;

    private List<String> child(String... jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--illegal-native-access=deny");
        cmd.addAll(List.of(jvmArgs));
        cmd.add(example.NativeAccessChild.class.getName());
        cmd.add(dir.resolve("f").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    @Test
    void onTheClassPathEveryEntryPointNamesTheFlag() throws Exception {
        List<String> lines = child("-cp", System.getProperty("java.class.path"));
        assertEquals(7, lines.size(), String.join("\n", lines));
        for (String l : lines) {
            assertTrue(l.startsWith("java.lang.IllegalCallerException: jaio calls the kernel through java.lang.foreign")
                    && l.contains("the class path (the unnamed module)")
                    && l.contains("add --enable-native-access=ALL-UNNAMED to the java command"), l);
        }
    }

    @Test
    void onTheModulePathEveryEntryPointNamesTheModule() throws Exception {
        // jaio's classes as an exploded module; the tests (this child) on the class path
        String cp = System.getProperty("java.class.path");
        String classes = null;
        List<String> rest = new ArrayList<>();
        for (String e : cp.split(java.io.File.pathSeparator)) {
            if (classes == null && Files.exists(Path.of(e, "module-info.class"))
                    && Files.exists(Path.of(e, "dev", "jaio", "IoEngine.class"))) {
                classes = e;
            } else {
                rest.add(e);
            }
        }
        assertTrue(classes != null, "jaio-core's classes on " + cp);
        List<String> lines = child("-p", classes, "--add-modules", "dev.jaio", "-cp",
                String.join(java.io.File.pathSeparator, rest));
        assertEquals(7, lines.size(), String.join("\n", lines));
        for (String l : lines) {
            assertTrue(l.startsWith("java.lang.IllegalCallerException: jaio calls the kernel through java.lang.foreign")
                    && l.contains("module dev.jaio") && l.contains("add --enable-native-access=dev.jaio to the java command"),
                    l);
        }
    }
}
