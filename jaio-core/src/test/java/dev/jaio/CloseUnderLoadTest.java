package dev.jaio;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloseUnderLoadTest {

    @ParameterizedTest
    @CsvSource({"uring,CACHED", "aio,CACHED", "threads,CACHED", "uring,BUFFERED", "uring,DIRECT", "aio,DIRECT"})
    void closeFromCallbackAndVirtualThreadKeepsEverySucceededWrite(String engineName, String mode) throws Exception {
        Path dir = TestFiles.newDirectory("adv-close");
        Path path = dir.resolve("f");
        int n = 200;
        int size = 8192;
        IoEngine engine = IoEngine.open(EngineConfig.defaults().withEngine(engineName).withQueueDepth(32)
                .withPageCache(PageCacheConfig.defaults().withBudget(64 * 4096)));
        try (Arena arena = Arena.ofShared()) {
            List<FileOption> o = new ArrayList<>(List.of(FileOption.READ, FileOption.WRITE, FileOption.CREATE));
            if (!mode.equals("BUFFERED")) {
                o.add(FileOption.valueOf(mode));
            }
            AsyncFile f = AsyncFile.open(engine, path, o.toArray(new FileOption[0]));
            MemorySegment[] bufs = new MemorySegment[n];
            List<CompletableFuture<Integer>> fs = new ArrayList<>();
            List<CompletableFuture<Void>> syncs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                bufs[i] = arena.allocate(size, 4096);
                bufs[i].fill((byte) (i + 1));
                CompletableFuture<Integer> w = f.write(bufs[i], (long) i * size, i % 3 == 0 ? IoFlags.DSYNC : 0);
                fs.add(w);
                if (i == 20) {
                    w.whenComplete((r, t) -> f.close()); // close on the completion thread
                }
                if (i == 40) {
                    Thread.ofVirtual().start(engine::close);
                }
                if (i % 25 == 0) {
                    try {
                        syncs.add(f.fdatasync());
                    } catch (RuntimeException e) {
                        // closed
                    }
                }
            }
            Thread vt = Thread.ofVirtual().start(f::close);
            engine.close();
            vt.join(30_000);
            assertFalse(vt.isAlive(), "AsyncFile.close hangs");
            byte[] disk = Files.readAllBytes(path);
            int ok = 0;
            for (int i = 0; i < n; i++) {
                CompletableFuture<Integer> w = fs.get(i);
                assertTrue(w.isDone(), "write " + i + " not done after engine.close()");
                if (!w.isCompletedExceptionally()) {
                    ok++;
                    assertEquals(size, w.join());
                    for (int k = 0; k < size; k += 512) {
                        int at = i * size + k;
                        assertTrue(at < disk.length && disk[at] == (byte) (i + 1),
                                "succeeded write " + i + " missing at " + at + " (file " + disk.length + " bytes)");
                    }
                } else {
                    try {
                        w.join();
                    } catch (Exception e) {
                        Throwable c = e.getCause();
                        assertNotNull(c.getMessage());
                        assertTrue(c.getMessage().contains(path.toString()), c.getMessage());
                    }
                }
            }
            for (CompletableFuture<Void> s : syncs) {
                assertTrue(s.isDone(), "sync not done");
            }
            System.out.println(engineName + " " + mode + ": " + ok + " of " + n + " writes succeeded");
        } finally {
            engine.close();
            TestFiles.deleteRecursively(dir);
        }
    }
}
