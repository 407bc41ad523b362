package dev.jaio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.cli.aiostress.Sizes;
import dev.jaio.cli.sweep.SweepSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Option parsing of {@code jaio sweep}. */
class SweepCommandTest {

    private static SweepSettings settings(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "sweep";
        System.arraycopy(args, 0, full, 1, args.length);
        CommandLine.ParseResult result = JaioCommand.commandLine().parseArgs(full);
        SweepCommand cmd = result.subcommand().commandSpec().commandLine().getCommand();
        return cmd.settings();
    }

    @Test
    void defaultsAreThePapersSweep() {
        SweepSettings s = settings();
        assertEquals(Sizes.GIB, s.fileSize());
        assertEquals(List.of(4L, 8L, 16L, 32L, 64L), s.recordSizes().stream().map(b -> b / 1024).toList());
        assertEquals(List.of("uring", "aio", "threads"), s.engines());
        assertEquals(List.of("libaio", "io_uring"), s.fioEngines());
        assertTrue(s.fio());
        assertEquals(0, s.capBytes());
        assertEquals(64, s.depth());
        assertEquals(Path.of(System.getProperty("java.io.tmpdir"), "jaio-sweep.dat"), s.file());
        assertEquals(Path.of("jaio-results"), s.out());
    }

    @Test
    void quickIsSmall() {
        SweepSettings s = settings("--quick");
        assertEquals(64 * Sizes.MIB, s.fileSize());
        assertEquals(List.of(4L, 16L, 64L), s.recordSizes().stream().map(b -> b / 1024).toList());
        assertTrue(s.capBytes() > 0 && s.capBytes() <= s.fileSize());
        assertEquals(10, s.fioRuntimeSeconds());
    }

    @Test
    void explicitOptionsWin() {
        SweepSettings s = settings("--quick", "--size=8m", "--records=4,8k,32", "--engines=aio,threads", "--no-fio",
                "--dir", "/data", "--out", "res", "--cap=0", "--fio-engines=io_uring");
        assertEquals(8 * Sizes.MIB, s.fileSize());
        assertEquals(List.of(4096L, 8192L, 32768L), s.recordSizes());
        assertEquals(List.of("aio", "threads"), s.engines());
        assertFalse(s.fio());
        assertEquals(List.of("io_uring"), s.fioEngines());
        assertEquals(Path.of("/data/jaio-sweep.dat"), s.file());
        assertEquals(Path.of("res"), s.out());
        assertEquals(0, s.capBytes());
        assertEquals(Path.of("/x/f"), settings("--dir=/data", "--file=/x/f").file());
    }

    @Test
    void badValuesAreUsageErrors() {
        for (String[] args : List.of(new String[] {"sweep", "--engines=bogus"}, new String[] {"sweep", "--size=5k"},
                new String[] {"sweep", "--records=3b"}, new String[] {"sweep", "--size=4m", "--records=8m"})) {
            StringWriter err = new StringWriter();
            CommandLine cmd = JaioCommand.commandLine();
            cmd.setErr(new PrintWriter(err));
            cmd.setOut(new PrintWriter(new StringWriter()));
            assertEquals(2, cmd.execute(args), String.join(" ", args));
            assertTrue(err.toString().startsWith("jaio sweep: "), err.toString());
        }
    }

    @Test
    void helpNamesTheFigures() {
        StringWriter out = new StringWriter();
        CommandLine cmd = JaioCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        assertEquals(0, cmd.execute("sweep", "--help"));
        assertTrue(out.toString().contains("figure1"), out.toString());
        assertTrue(out.toString().contains("--quick"), out.toString());
    }
}
