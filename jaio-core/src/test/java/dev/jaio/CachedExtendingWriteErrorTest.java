package dev.jaio;

import static org.junit.jupiter.api.Assertions.*;

import dev.jaio.internal.linux.Errno;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CachedExtendingWriteErrorTest {

    /** An fsync whose first extending device write fails must fail, not rewrite it forever. */
    @Test
    void fsyncOfAnAppendWhoseFirstExtendingWriteFailsEnds() throws Exception {
        Path dir = TestFiles.newDirectory("adv-ext");
        RecordingEngine rec = new RecordingEngine("uring");
        Path path = dir.resolve("f");
        Files.write(path, new byte[0]);
        try (IoEngine engine = rec.open(EngineConfig.defaults().withQueueDepth(64));
             AsyncFile f = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            byte[] data = TestFiles.randomBytes(2 << 20, 1);
            assertEquals(data.length, TestFiles.await(f.write(MemorySegment.ofArray(data), 0)));
            rec.failWrites(0, 4096, Errno.EIO);
            CompletableFuture<Void> sync = f.fsync();
            try {
                sync.get(5, TimeUnit.SECONDS);
                fail("fsync succeeded though a write failed");
            } catch (ExecutionException e) {
                System.out.println("fsync failed as expected: " + e.getCause().getMessage()
                        + "; device writes failed: " + rec.failedWrites());
            } catch (TimeoutException e) {
                fail("fsync still running after 5 s; failed device writes so far " + rec.failedWrites() + "; "
                        + engine.pageCacheStats());
            } finally {
                rec.failWrites(0, 0, 0);
            }
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }
}
