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

    /**
     * Opening with TRUNCATE while a CACHED handle of the file has dirty pages and their writeback
     * in flight: the open empties the file coherently with jaio's cache (as truncate(0)). With a
     * bare O_TRUNC the cache kept its size and a device write finishing after the open extended
     * the file again with the old bytes.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void openWithTruncateEmptiesTheFileUnderCachedWrites(boolean cachedToo) throws Exception {
        Path dir = TestFiles.newDirectory("trunc-open");
        Path path = dir.resolve("f");
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults());
             Arena arena = Arena.ofShared();
             AsyncFile a = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                     FileOption.CACHED)) {
            MemorySegment old = arena.allocate(1 << 20);
            old.fill((byte) 1);
            assertEquals(1 << 20, await(a.write(old, 0)));
            var sync = a.fdatasync(); // writeback in flight while the other handle opens
            java.util.Set<FileOption> opts = cachedToo
                    ? java.util.EnumSet.of(FileOption.READ, FileOption.WRITE, FileOption.TRUNCATE, FileOption.CACHED)
                    : java.util.EnumSet.of(FileOption.READ, FileOption.WRITE, FileOption.TRUNCATE);
            try (AsyncFile b = AsyncFile.open(engine, path, opts)) {
                assertEquals(0, a.size(), "the cached handle sees the empty file");
                MemorySegment fresh = arena.allocate(100);
                fresh.fill((byte) 2);
                assertEquals(100, await(b.write(fresh, 0)));
                await(b.fsync());
            }
            try {
                await(sync);
            } catch (Exception e) {
                fail("the sync of pages the truncate dropped: " + e);
            }
            await(a.fsync());
            assertEquals(100, a.size());
        } finally {
            byte[] disk = Files.readAllBytes(path);
            TestFiles.deleteRecursively(dir);
            assertEquals(100, disk.length, "only the bytes written after the truncating open");
            for (byte x : disk) {
                assertEquals(2, x);
            }
        }
    }
}
