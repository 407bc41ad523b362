package dev.jaio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.cli.aiostress.AioStressOptions;
import dev.jaio.cli.aiostress.BufferSource;
import dev.jaio.cli.aiostress.Defaults;
import dev.jaio.cli.aiostress.Sizes;
import dev.jaio.cli.aiostress.Stage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** Flag parsing of {@code jaio aio-stress}: the original's short forms, exactly as scripts write them. */
class AioStressCommandTest {

    private static AioStressCommand parse(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "aio-stress";
        System.arraycopy(args, 0, full, 1, args.length);
        CommandLine.ParseResult result = JaioCommand.commandLine().parseArgs(full);
        return result.subcommand().commandSpec().commandLine().getCommand();
    }

    private static AioStressOptions options(String... args) {
        return parse(args).options();
    }

    @Test
    void defaultsWhenNoFlagIsGiven() {
        AioStressOptions o = options("f");
        assertEquals(List.of(Path.of("f")), o.files());
        assertEquals(Defaults.FILE_SIZE, o.fileSize());
        assertEquals(Defaults.RECORD_SIZE, o.recordSize());
        assertEquals(Defaults.alignment(), o.alignment());
        assertEquals(64, o.depth());
        assertEquals(8, o.iosPerIteration());
        assertEquals(0, o.maxIoSubmit());
        assertEquals(1, o.contexts());
        assertEquals(2 * Sizes.MIB, o.contextOffset());
        assertEquals(-1, o.iterations());
        assertEquals(List.of(), o.stageFlags());
        assertEquals(4, o.stages().size());
        assertFalse(o.direct() || o.sync() || o.verify() || o.unlink() || o.submitLatency() || o.completionLatency());
        assertTrue(o.fsync() && o.stonewall());
        assertEquals(BufferSource.MALLOC, o.bufferSource());
        assertEquals(1, o.threads());
        assertEquals("auto", o.engine());
        assertFalse(o.dropCache());
        assertFalse(o.pageCache().enabled());
    }

    @Test
    void attachedShortFormsAsInLtpRuntestLines() {
        AioStressOptions o = options("-o3", "-O", "-r64k", "-t4", "f1", "f2", "f3", "f4");
        assertEquals(List.of(Stage.RANDOM_READ), o.stages());
        assertTrue(o.direct());
        assertEquals(64 * Sizes.KIB, o.recordSize());
        assertEquals(4, o.threads());
        assertEquals(4, o.files().size());
    }

    @Test
    void separatedValuesRepeatedStagesAndSuffixes() {
        AioStressOptions o = options("-o", "1", "-o", "3", "-s", "1g", "-d64", "-i", "4", "-I", "1000", "f");
        assertEquals(List.of(Stage.READ, Stage.RANDOM_READ), o.stages());
        assertEquals(Sizes.GIB, o.fileSize());
        assertEquals(64, o.depth());
        assertEquals(4, o.iosPerIteration());
        assertEquals(1000, o.iterations());
        assertEquals(-1, options("-I", "-1", "f").iterations());
        assertEquals(-1, options("-I-1", "f").iterations());
    }

    @Test
    void clusteredBooleanFlags() {
        AioStressOptions o = options("-nOSvxulL", "f");
        assertFalse(o.fsync());
        assertTrue(o.direct() && o.sync() && o.verify() && o.unlink() && o.submitLatency() && o.completionLatency());
        assertFalse(o.stonewall());
        AioStressOptions p = options("-Ot4", "f");
        assertTrue(p.direct());
        assertEquals(4, p.threads());
    }

    @ParameterizedTest
    @CsvSource({
        "-s, 10, 10485760",
        "-s, 10m, 10485760",
        "-s, 512k, 524288",
        "-s, 1G, 1073741824",
        "-r, 4, 4096",
        "-r, 4k, 4096",
        "-r, 1m, 1048576",
        "-r, 512b, 512",
        "-a, 8, 8192",
        "-a, 512B, 512",
        "-C, 4, 4194304",
        "-C, 64k, 65536",
    })
    void sizeFlagsUseTheirDefaultUnit(String flag, String value, long bytes) {
        AioStressOptions o = options(flag, value, "f");
        long got = switch (flag) {
            case "-s" -> o.fileSize();
            case "-r" -> o.recordSize();
            case "-a" -> o.alignment();
            default -> o.contextOffset();
        };
        assertEquals(bytes, got);
        assertEquals(bytes, switch (flag) {
            case "-s" -> options(flag + value, "f").fileSize();
            case "-r" -> options(flag + value, "f").recordSize();
            case "-a" -> options(flag + value, "f").alignment();
            default -> options(flag + value, "f").contextOffset();
        }, "attached " + flag + value);
    }

    @Test
    void contextOffsetDoesNotFallThroughToMaxSubmit() {
        AioStressOptions o = options("-C", "4m", "-c", "2", "f");
        assertEquals(4 * Sizes.MIB, o.contextOffset());
        assertEquals(2, o.contexts());
        assertEquals(0, o.maxIoSubmit()); // the original sets max_io_submit = atoi("4m") = 4 here
        assertEquals(16, options("-b", "16", "f").maxIoSubmit());
    }

    @Test
    void bufferSourceAndLongOptions() {
        assertEquals(BufferSource.SHM, options("-m", "shm", "f").bufferSource());
        assertEquals(BufferSource.SHMFS, options("-mshmfs", "f").bufferSource());
        AioStressOptions o = options("--engine=aio", "--drop-cache", "--size=8m", "--record-size", "16k", "f");
        assertEquals("aio", o.engine());
        assertTrue(o.dropCache());
        assertEquals(8 * Sizes.MIB, o.fileSize());
        assertEquals(16 * Sizes.KIB, o.recordSize());
    }

    @Test
    void jsonTakesItsFileOnlyAttached() {
        AioStressCommand c = parse("--json", "data.bin");
        assertEquals("-", c.json);
        assertEquals(List.of(Path.of("data.bin")), c.options().files());
        c = parse("--json=report.json", "data.bin");
        assertEquals("report.json", c.json);
        assertEquals(List.of(Path.of("data.bin")), c.options().files());
        assertEquals(null, parse("data.bin").json);
    }

    @Test
    void optionsMayFollowTheFiles() {
        AioStressOptions o = options("f", "-s", "4m", "-o", "0");
        assertEquals(4 * Sizes.MIB, o.fileSize());
        assertEquals(List.of(Stage.WRITE), o.stages());
    }

    @Test
    void theCommandLineIsKeptForTheReport() {
        assertEquals(List.of("aio-stress", "-s", "4m", "f"), options("-s", "4m", "f").commandLine());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-s 1x f            | -s '1x': not a size",
        "-r 1.5k f          | -r '1.5k': not a size",
        "-d x f             | -d 'x': not an integer",
        "-d 0 f             | -d 0: the depth must be at least 1",
        "-o 4 f             | -o 4: stages are 0 (write), 1 (read), 2 (random write) and 3 (random read)",
        "-o 1x f            | -o '1x': not an integer",
        "-m big f           | -m 'big': expected shm or shmfs",
        "-t 0 f             | -t 0: there must be at least 1 thread",
        "-a 3k f            | -a 3072b: the alignment must be a power of two",
        "--engine=nope f    | --engine=nope: unknown engine",
        "-q f               | Unknown option: '-q'",
        "-s                 | Missing required parameter for option '--size'",
        "-s 4m              | Missing required parameter: 'FILE'",
        "-s 1m f            | file size 1048576 too small for 1 contexts",
    })
    void usageErrorsExit2WithOneLineNamingTheFlag(String args, String expected) {
        String[] argv = ("aio-stress " + args.strip()).split(" +");
        JaioCommandTest.Run r = JaioCommandTest.run(argv);
        assertEquals(CommandLine.ExitCode.USAGE, r.exitCode(), r.err());
        assertEquals("", r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.getFirst().startsWith("jaio aio-stress: " + expected), lines.getFirst());
    }

    @Test
    void helpListsEveryFlagAndTheFixedBugs() {
        JaioCommandTest.Run r = JaioCommandTest.run("aio-stress", "--help");
        assertEquals(0, r.exitCode(), r.err());
        for (String flag : List.of("-a", "-b", "-c", "-C", "-d", "-i", "-I", "-l", "-L", "-m", "-n", "-o", "-O", "-r",
                "-s", "-S", "-t", "-u", "-v", "-x", "-h", "--engine", "--json", "--drop-cache")) {
            assertTrue(r.out().contains("  " + flag + (flag.length() == 2 ? "," : "")), flag + " in\n" + r.out());
        }
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("-C sets only the context offset"), help);
        assertTrue(help.contains("short writes are errors"), help);
        assertTrue(help.contains("A -v mismatch makes the exit status 1"), help);
        assertTrue(help.contains("read_some_events() precedence slip"), help);
        assertTrue(help.contains("'min transfer' is the least any thread transferred"), help);
        assertTrue(help.contains("-m shm and -m shmfs are accepted, but jaio always uses its own IoBuffers"), help);
        assertEquals(0, JaioCommandTest.run("aio-stress", "-h").exitCode());
    }
}
