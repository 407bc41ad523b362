package dev.jaio;

import static dev.jaio.TestFiles.await;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CachedWriteReadmissionTest {

    /**
     * A CACHED write through an IoContext is admitted (its page's blocks exist), then waits for the
     * old bytes of its partial page. Meanwhile the file is truncated (freeing the blocks) and the
     * file system fills up. The write then completes successfully, but its bytes cannot be written
     * back: an acknowledged write is lost (fsync ENOSPC).
     */
    @Test
    void writeAdmittedBeforeATruncateIsLostOnAFullFileSystem() throws Exception {
        Path dir = TestFiles.newDirectory("adv-reserve");
        Path m = TestMounts.tmpfs(dir, "1m");
        try {
            Path path = m.resolve("f");
            Files.write(path, new byte[64 * 1024]);
            try (IoEngine engine = IoEngine.open(EngineConfig.defaults());
                 Arena arena = Arena.ofShared();
                 AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
                MemorySegment src = arena.allocate(100);
                src.fill((byte) 7);
                AtomicLong result = new AtomicLong(Long.MIN_VALUE);
                try (IoContext ctx = engine.newContext(8)) {
                    assertTrue(ctx.prepareWrite(f, src, 100, 1));
                    assertEquals(1, ctx.submit()); // admitted now; it waits for its partial page's read
                    f.truncate(0);
                    TestMounts.fill(m);
                    int n = 0;
                    while (n < 1) {
                        n += ctx.getEvents(1, 1, 10, TimeUnit.SECONDS, (c, r) -> result.set(r));
                    }
                }
                System.out.println("context write result: " + result.get() + ", size " + f.size());
                if (result.get() == 100) {
                    // accepted: it must reach the disk
                    try {
                        await(f.fsync());
                    } catch (Exception e) {
                        fail("accepted write (result 100) could not be written back: " + e);
                    }
                    byte[] b = Files.readAllBytes(path);
                    assertEquals(200, b.length);
                    assertEquals(7, b[150]);
                }
            }
        } finally {
            TestMounts.umount(m);
            TestFiles.deleteRecursively(dir);
        }
    }
}
