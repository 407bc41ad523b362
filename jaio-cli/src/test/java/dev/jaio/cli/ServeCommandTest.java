package dev.jaio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code jaio serve}'s command line: its startup and summary lines, and usage errors. */
class ServeCommandTest {

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = JaioCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void servesForItsDurationAndPrintsTheTotals(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.txt"), "a");
        Run r = run("serve", dir.toString(), "--port", "0", "--loops", "2", "--loop", "threads", "--io", "buffered",
                "--duration", "0.5", "--no-progress");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("jaio serve: " + dir.toAbsolutePath() + " on http://127.0.0.1:"), r.err());
        assertTrue(r.err().contains("(2 loops, backend threads, io buffered, up to "), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("jaio serve: ") && l.contains("0 connections, 0 requests")),
                r.err());
    }

    @Test
    void usageErrorsNameTheOption(@TempDir Path dir) {
        Run r = run("serve", dir.resolve("missing").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("DIR is not a directory"), r.err());
        r = run("serve", dir.toString(), "--io", "mmap");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--io must be cached, direct, buffered or sendfile"), r.err());

        r = run("serve", dir.toString(), "--loop", "kqueue");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--loop must be"), r.err());
        r = run("serve", dir.toString(), "--chunk", "1000");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--chunk must be a power of two"), r.err());
    }

    @Test
    void aBusyPortFailsWithOneLine(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            ss.setReuseAddress(false);
            Run r = run("serve", dir.toString(), "--port", String.valueOf(ss.getLocalPort()), "--loops", "1", "--duration", "1");
            assertEquals(1, r.exitCode(), r.err());
            assertTrue(r.err().contains("EADDRINUSE"), r.err());
        }
    }
}
