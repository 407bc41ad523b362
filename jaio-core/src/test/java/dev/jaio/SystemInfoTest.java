package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SystemInfoTest {

    private static String shell(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return out;
    }

    @Test
    void kernelFactsMatchWhatTheSystemTools() throws Exception {
        assertEquals(shell("uname -r"), SystemInfo.kernelRelease());
        assertEquals(shell("uname -m"), SystemInfo.architecture());
        // procfs reports a bogus file size; these must still be the full numbers.
        assertEquals(Long.parseLong(shell("cat /proc/sys/fs/aio-max-nr")), SystemInfo.aioMaxNr().orElseThrow());
        assertTrue(SystemInfo.aioNr().isPresent());
        String disabled = shell("cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo none");
        assertEquals(disabled.equals("none"), SystemInfo.ioUringDisabled().isEmpty());
    }

    @Test
    void describesTheFilesystemOfADirectory() throws Exception {
        Path dir = TestFiles.newDirectory("sysinfo");
        try {
            FileSystemInfo fs = SystemInfo.fileSystem(dir);
            assertEquals(shell("df --output=fstype " + dir + " | tail -1"), fs.type());
            assertEquals(shell("df --output=source " + dir + " | tail -1"), fs.device());
            assertEquals(shell("df --output=target " + dir + " | tail -1"), fs.mountPoint());
            assertTrue(fs.blockSize() > 0);
            assertTrue(fs.directIo().supported(), fs.toString());
            assertTrue(Long.bitCount(fs.directIo().offsetAlignment()) == 1);
        } finally {
            TestFiles.deleteRecursively(dir);
        }
        assertThrows(NoSuchFileException.class, () -> SystemInfo.fileSystem(dir.resolve("nope")));
    }

    @Test
    void everyEngineIsListedAndAutoPicksAnAvailableOne() {
        var all = IoEngine.probeAll();
        assertEquals(java.util.List.of("uring", "aio", "threads"), all.stream().map(EngineStatus::name).toList());
        EngineStatus auto = IoEngine.autoChoice();
        assertTrue(all.stream().anyMatch(s -> s.name().equals(auto.name()) && s.available()));
        assertTrue(auto.detail().contains("picked " + auto.name()), auto.detail());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IoEngine.open(EngineConfig.defaults().withEngine("nope")));
        assertTrue(e.getMessage().contains("auto, uring, aio, threads"), e.getMessage());
    }
}
