package dev.jaio;

import static dev.jaio.TestFiles.await;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CachedTruncateSizeTest {

    /** A truncate that fails (EFBIG past ext4's 16 TiB) must leave the size as it was. */
    @Test
    void failedTruncateUpLeavesSizeAlone() throws Exception {
        Path dir = TestFiles.newDirectory("adv-trunc");
        assumeTrue("ext4".equals(Files.getFileStore(dir).type()));
        Path path = dir.resolve("f");
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults());
             Arena arena = Arena.ofShared();
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                     FileOption.CACHED)) {
            MemorySegment src = arena.allocate(100);
            src.fill((byte) 7);
            assertEquals(100, await(f.write(src, 0)));
            IOException e = assertThrows(IOException.class, () -> f.truncate((17L << 40)));
            System.out.println("truncate failed: " + e.getMessage());
            MemorySegment dst = arena.allocate(4096);
            int n = await(f.read(dst, 1 << 20));
            System.out.println("size() after failed truncate = " + f.size() + ", read at 1 MiB = " + n);
            await(f.fsync());
            System.out.println("on disk after fsync: " + Files.size(path));
            assertEquals(100, Files.size(path), "the file on disk is the 100 bytes written");
            assertEquals(100, f.size());
            assertEquals(0, n, "read past EOF");
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }

    /** A truncate up must not make the disk's size cover bytes still only in jaio's cache. */
    @Test
    void truncateUpDoesNotCoverCachedOnlyBytes() throws Exception {
        Path dir = TestFiles.newDirectory("adv-trunc-up");
        Path path = dir.resolve("f");
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults());
             Arena arena = Arena.ofShared();
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                     FileOption.CACHED)) {
            MemorySegment src = arena.allocate(8192);
            src.fill((byte) 7);
            assertEquals(8192, await(f.write(src, 0)));
            f.truncate(1 << 20);
            byte[] disk = Files.readAllBytes(path);
            System.out.println("other handle sees " + disk.length + " bytes, byte 0 = " + disk[0]);
            assertTrue(disk.length == 0 || disk[0] == 7,
                    "the size on disk (" + disk.length + ") covers the 8 KiB write that is only in jaio's cache");
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }
}
