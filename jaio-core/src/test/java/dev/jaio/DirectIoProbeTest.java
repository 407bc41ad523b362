package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.file.DirectIo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What jaio says about O_DIRECT, it can do: on filesystems that do not report STATX_DIOALIGN the
 * alignment is probed, not assumed, and a file that cannot do O_DIRECT says so (and why).
 */
class DirectIoProbeTest {

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd));
        return p.exitValue();
    }

    /** Mounts {@code type} on {@code dir}; false (the test is skipped) when not root or the mount fails. */
    private static boolean mount(String type, Path dir) throws IOException, InterruptedException {
        return "root".equals(System.getProperty("user.name")) && run("mount", "-t", type, "none", dir.toString()) == 0;
    }

    @Test
    void ramfsRefusesODirectAndJaioSaysSo(@TempDir Path tmp) throws Exception {
        Path mnt = Files.createDirectory(tmp.resolve("ramfs"));
        assumeTrue(mount("ramfs", mnt), "cannot mount ramfs (not root?)");
        try {
            Path file = mnt.resolve("f");
            Files.writeString(file, "x".repeat(8192));
            FileSystemInfo fs = SystemInfo.fileSystem(file);
            assertFalse(fs.directIo().supported(), fs.toString());
            assertTrue(fs.directIo().source().contains("EINVAL"), fs.toString());
            assertFalse(SystemInfo.fileSystem(mnt).directIo().supported(), "the directory's filesystem");
            try (IoEngine engine = IoEngine.open();
                    AsyncFile f = AsyncFile.open(engine, file, FileOption.READ)) {
                assertFalse(f.alignment().supported(), f.alignment().toString());
                IoOperationException e = assertThrows(IoOperationException.class,
                        () -> AsyncFile.open(engine, file, FileOption.READ, FileOption.DIRECT));
                assertTrue(e.getMessage().contains("the filesystem does not support O_DIRECT"), e.getMessage());
                IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                        () -> AsyncFile.open(engine, file, FileOption.READ, FileOption.CACHED));
                assertTrue(c.getMessage().contains("which this file does not support"), c.getMessage());
            }
        } finally {
            run("umount", mnt.toString());
        }
    }

    @Test
    void tmpfsAlignmentIsMeasuredAndReallyWorks(@TempDir Path tmp) throws Exception {
        Path mnt = Files.createDirectory(tmp.resolve("tmpfs"));
        assumeTrue(mount("tmpfs", mnt), "cannot mount tmpfs (not root?)");
        try {
            Path file = mnt.resolve("f");
            byte[] data = TestFiles.randomBytes(16384, 7);
            Files.write(file, data);
            try (IoEngine engine = IoEngine.open()) {
                DirectIoAlignment a;
                try (AsyncFile f = AsyncFile.open(engine, file, FileOption.READ)) {
                    a = f.alignment();
                }
                if (!a.supported()) {
                    // Kernels before 6.6: tmpfs refuses O_DIRECT, and the open must say so.
                    assertTrue(a.source().contains("EINVAL"), a.toString());
                    assertThrows(IoOperationException.class, () -> AsyncFile.open(engine, file, FileOption.DIRECT));
                    return;
                }
                assertTrue(a.source().startsWith(DirectIo.SOURCE_STATX) || a.source().startsWith("measured"), a.toString());
                try (AsyncFile f = AsyncFile.open(engine, file, FileOption.READ, FileOption.DIRECT);
                        // The minimum O_DIRECT buffer (allocateBuffer rounds up to the preferred I/O size).
                        IoBuffer buf = IoBuffer.allocate(a.offsetAlignment(), a.bufferAlignment())) {
                    int n = TestFiles.await(f.read(buf.segment(), a.offsetAlignment()));
                    assertEquals(a.offsetAlignment(), n);
                    byte[] got = buf.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                    byte[] want = java.util.Arrays.copyOfRange(data, a.offsetAlignment(), 2 * a.offsetAlignment());
                    assertArrayEquals(want, got);
                }
            }
        } finally {
            run("umount", mnt.toString());
        }
    }

    @Test
    void specialFilesHaveNoODirectAndAreNeverOpenedToFindOut(@TempDir Path tmp) throws Exception {
        Path fifo = tmp.resolve("fifo");
        assertEquals(0, run("mkfifo", fifo.toString()));
        // Opening a FIFO without a writer would block: describing it must not.
        DirectIoAlignment a = SystemInfo.fileSystem(fifo).directIo();
        assertFalse(a.supported(), a.toString());
        assertEquals("a FIFO: O_DIRECT is only for regular files and block devices", a.source());
        DirectIoAlignment n = SystemInfo.fileSystem(Path.of("/dev/null")).directIo();
        assertFalse(n.supported(), n.toString());
        assertTrue(n.source().startsWith("a character device"), n.toString());
    }

    @Test
    void aDirectoryOpenedDirectOrCachedIsNamedAsADirectory() throws Exception {
        Path dir = TestFiles.newDirectory("dirdirect");
        try (IoEngine engine = IoEngine.open()) {
            IoOperationException e = assertThrows(IoOperationException.class,
                    () -> AsyncFile.open(engine, dir, FileOption.READ, FileOption.DIRECT));
            assertTrue(e.getMessage().contains("the path is a directory: O_DIRECT is only for regular files"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("filesystem does not support"), e.getMessage());
            IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                    () -> AsyncFile.open(engine, dir, FileOption.READ, FileOption.CACHED));
            assertTrue(c.getMessage().contains("a directory: O_DIRECT is only for regular files"), c.getMessage());
            assertFalse(c.getMessage().contains("filesystem"), c.getMessage());
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }

    @Test
    void aFileOnADiskReportsTheKernelsAlignment() throws Exception {
        Path dir = TestFiles.newDirectory("dioalign");
        try {
            Path file = dir.resolve("f");
            Files.writeString(file, "hello", StandardCharsets.UTF_8);
            try (IoEngine engine = IoEngine.open();
                    AsyncFile f = AsyncFile.open(engine, file, FileOption.READ)) {
                assertTrue(f.alignment().supported(), f.alignment().toString());
            }
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }
}
