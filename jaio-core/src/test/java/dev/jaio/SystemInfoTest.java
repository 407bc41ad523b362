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

    /**
     * A mount point whose name is not UTF-8: /proc/self/mountinfo is bytes, and a strict UTF-8
     * reader gives up on the whole file (every filesystem then reads "unknown"). Needs root for the
     * tmpfs mount.
     */
    @Test
    void aMountPointWhoseNameIsNotUtf8IsFound() throws Exception {
        Path dir = TestFiles.newDirectory("sysinfo-mnt");
        String mnt = "\"$DIR/$(printf 'mnt\\377\\376 x')\"";
        try {
            FileNameBytesTest.shell(dir, "mkdir " + mnt);
            boolean mounted = false;
            try {
                FileNameBytesTest.shell(dir, "mount -t tmpfs -o size=1m jaio-test-tmpfs " + mnt);
                mounted = true;
            } catch (AssertionError e) {
                org.junit.jupiter.api.Assumptions.abort("cannot mount tmpfs here (not root?): " + e.getMessage());
            }
            try {
                Path m = FileNameBytesTest.onlyEntry(dir);
                FileSystemInfo fs = SystemInfo.fileSystem(m);
                assertEquals("tmpfs", fs.type(), fs.toString());
                assertEquals("jaio-test-tmpfs", fs.device(), fs.toString());
                assertEquals(m.toString(), fs.mountPoint(), "decoded as the JDK decodes the name");
                FileSystemInfo here = SystemInfo.fileSystem(dir);
                assertTrue(!here.type().equals("unknown"), "the other mounts are still found: " + here);
                // A file under that name: where statx has no STATX_DIOALIGN (tmpfs), the O_DIRECT
                // probe reopens it by name, which must be the name's own bytes too.
                FileNameBytesTest.shell(dir, "head -c 8192 /dev/zero > " + mnt.replace("x')\"", "x')/f\""));
                FileSystemInfo f = SystemInfo.fileSystem(m.resolve("f"));
                assertTrue(f.directIo().supported() && !f.directIo().source().contains("ENOENT"), f.toString());
            } finally {
                if (mounted) {
                    FileNameBytesTest.shell(dir, "umount " + mnt);
                }
            }
        } finally {
            TestFiles.deleteRecursively(dir);
        }
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
