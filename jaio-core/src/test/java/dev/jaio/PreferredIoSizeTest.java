package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link AsyncFile#preferredIoSize()} is the file's stx_blksize, and {@link AsyncFile#allocateBuffer} uses it. */
class PreferredIoSizeTest {

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("preferred");
    }

    @AfterEach
    void tearDown() throws IOException {
        TestFiles.deleteRecursively(dir);
    }

    /** st_blksize as coreutils' stat(1) reports it: a source other than jaio's own statx. */
    private static long statBlockSize(Path p) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%o", p.toString()).redirectErrorStream(true).start();
        String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertEquals(0, stat.waitFor(), out);
        return Long.parseLong(out);
    }

    @Test
    void buffersAreAlignedAndRoundedToTheFileSystemsPreferredSize() throws Exception {
        check(dir.resolve("f"));
    }

    /**
     * XFS with a stripe unit of 64 KiB over 2 disks, mounted {@code largeio}: st_blksize is the
     * stripe width, 128 KiB, above the 4 KiB floor, so a constant 4096 would fail here.
     */
    @Test
    void onAStripedXfsTheBuffersFollowItsLargerPreferredSize() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mkfs.xfs")) || Files.isExecutable(Path.of("/sbin/mkfs.xfs")),
                "mkfs.xfs (xfsprogs) is needed");
        Path m = TestMounts.loopWith(dir, "loop,largeio", "mkfs.xfs", 1024, "-d", "su=64k,sw=2");
        try {
            Path p = m.resolve("f");
            assertEquals(128 * 1024, statBlockSize(writeFile(p)), "the mount's st_blksize");
            check(p);
        } finally {
            TestMounts.umount(m);
        }
    }

    private static Path writeFile(Path p) throws IOException {
        Files.write(p, new byte[8192]);
        return p;
    }

    private static void check(Path p) throws Exception {
        Files.write(p, new byte[8192]);
        long blksize = statBlockSize(p);
        try (IoEngine engine = IoEngine.open();
             AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE, FileOption.DIRECT)) {
            long expected = Math.min(1 << 20, Math.max(4096, Long.highestOneBit(blksize)));
            assertEquals(expected, f.preferredIoSize(), "stat says st_blksize " + blksize);
            assertTrue(f.alignment().offsetAlignment() <= f.preferredIoSize());
            for (long size : new long[] {1, 100, 512, 4095, 4096, 4097, 3 * expected + 1}) {
                try (IoBuffer b = f.allocateBuffer(size)) {
                    long got = b.segment().byteSize();
                    assertTrue(got >= size && got % expected == 0 && got - size < expected, size + " -> " + got);
                    assertEquals(0, b.segment().address() % f.alignment().bufferAlignment(), "aligned for O_DIRECT");
                    // A whole buffer is a valid O_DIRECT write at an aligned offset.
                    assertEquals((int) got, TestFiles.await(f.write(b.segment(), expected)));
                }
            }
        }
    }
}
