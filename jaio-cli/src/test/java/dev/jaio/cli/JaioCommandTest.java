package dev.jaio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class JaioCommandTest {

    /** One run of the command line, with its exit code and what it printed. */
    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = JaioCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void testsRunOnJdk25OrNewer() {
        System.out.println("jaio-cli tests run on Java " + Runtime.version() + " at " + System.getProperty("java.home"));
        assertTrue(Runtime.version().feature() >= 25, "expected JDK 25+, got " + Runtime.version());
    }

    @Test
    void everyHelpTextOfEveryCommandFormats() {
        // picocli formats help texts with String.format: a bare % (as in "5% of the pool") is only
        // a warning on the process's standard error, and the text is printed raw, %n and all.
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        java.util.List<String> names = new java.util.ArrayList<>();
        System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(JaioCommand.commandLine()));
            while (!todo.isEmpty()) {
                CommandLine c = todo.pop();
                todo.addAll(c.getSubcommands().values());
                names.add(c.getCommandName());
                String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
                assertTrue(!usage.contains("%n"), c.getCommandName() + ": a raw %n in " + usage);
            }
        } finally {
            System.setErr(stderr);
        }
        String w = warnings.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(names.contains("oltp") && names.contains("aio-stress"), "every command: " + names);
        assertTrue(!w.contains("WARN"), w);
    }

    @Test
    void helpExitsZero() {
        Run r = run("--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Usage: jaio"), r.out());
        assertTrue(r.out().contains("info"), r.out());
        assertTrue(r.out().contains("aio-stress"), r.out());
    }

    @Test
    void infoHelpExitsZero() {
        Run r = run("info", "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Usage: jaio info"), r.out());
        assertTrue(r.out().contains("--json"), r.out());
    }

    @Test
    void versionNamesJaioAndJava() {
        Run r = run("--version");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("jaio "), r.out());
        assertTrue(r.out().contains("Java " + Runtime.version()), r.out());
    }

    @Test
    void noSubcommandIsAUsageError() {
        Run r = run();
        assertEquals(CommandLine.ExitCode.USAGE, r.exitCode());
        assertTrue(r.err().contains("Usage: jaio"), r.err());
    }

    @Test
    void infoOnADirectoryPrintsItsFilesystem(@TempDir Path dir) {
        Run r = run("info", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("path " + dir.toAbsolutePath().normalize()), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("filesystem ")), r.out());
        assertTrue(r.out().contains("O_DIRECT"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("auto ")), r.out());
        assertTrue(r.out().contains("io_uring_disabled"), r.out());
        assertTrue(r.out().contains("event loop backends"), r.out());
        for (String backend : new String[] {"uring", "aio-poll", "epoll+aio", "threads"}) {
            // Every backend has a line with its status; threads sets up anywhere.
            assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith(backend + " ")), backend + ": " + r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("threads ") && l.contains("available")
                && l.contains("thread-pool")), r.out());
        assertEquals(2, r.out().lines().filter(l -> l.strip().startsWith("auto ")).count(), r.out());
        assertEquals("", r.err());
    }

    @Test
    void infoJsonIsOneObject(@TempDir Path dir) {
        Run r = run("info", "--json", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        String out = r.out().strip();
        assertTrue(out.startsWith("{") && out.endsWith("}"), out);
        assertTrue(out.contains("\"paths\": ["), out);
        assertTrue(out.contains("\"path\": " + Json.quote(dir.toAbsolutePath().normalize().toString())), out);
        assertTrue(out.contains("\"engines\": ["), out);
        assertTrue(out.contains("\"auto\": {"), out);
        assertTrue(out.contains("\"loopBackends\": ["), out);
        assertTrue(out.contains("\"name\": \"epoll+aio\""), out);
        assertTrue(out.contains("\"loopAuto\": {"), out);
    }

    @Test
    void infoWithoutPathDescribesTheCurrentDirectory() {
        Run r = run("info");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("path " + Path.of("").toAbsolutePath().normalize()), r.out());
    }

    @Test
    void infoOnAMissingPathFailsWithOneLine(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-file");
        Run r = run("info", missing.toString());
        assertEquals(1, r.exitCode());
        assertEquals("", r.out());
        assertEquals("jaio info: " + missing + ": no such file or directory", r.err().strip());
    }
}
