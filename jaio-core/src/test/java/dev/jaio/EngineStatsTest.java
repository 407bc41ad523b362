package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link IoEngine#stats()} counts what the engine did: every request of its files and of its
 * contexts (closed ones too), their bytes, their failures by errno, and their latency.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EngineStatsTest {

    @ParameterizedTest
    @ValueSource(strings = {"uring", "aio", "threads"})
    void everyRequestOfFilesAndContextsIsCounted(String engine) throws Exception {
        Path dir = TestFiles.newDirectory("stats-" + engine);
        // FastPaths.NONE: every read goes to the engine (a fast path would serve cached ones on the caller)
        try (IoEngine e = IoEngine.open(EngineConfig.defaults().withEngine(engine).withFastPaths(FastPaths.NONE))) {
            EngineStats before = e.stats();
            assertEquals(engine, before.engine());
            assertEquals(0, before.submitted());
            assertEquals(0, before.p50Nanos());
            try (AsyncFile f = AsyncFile.open(e, dir.resolve("a"), FileOption.READ, FileOption.WRITE,
                    FileOption.CREATE, FileOption.DIRECT);
                    IoBuffer b = f.allocateBuffer(8192)) {
                for (int i = 0; i < 10; i++) {
                    assertEquals(8192, f.write(b.segment(), 8192L * i).join());
                }
                for (int i = 0; i < 10; i++) {
                    assertEquals(8192, f.read(b.segment(), 8192L * i).join());
                }
                f.fsync().join();
                for (int round = 0; round < 2; round++) { // a closed context's counts stay
                    try (IoContext ctx = e.newContext(8)) {
                        for (int i = 0; i < 4; i++) {
                            ctx.prepareRead(f, b.segment().asSlice(0, 4096), 4096L * i, i);
                        }
                        ctx.submit();
                        int got = 0;
                        while (got < 4) {
                            got += ctx.getEvents(1, 4, 5, TimeUnit.SECONDS, (cookie, result) -> { });
                        }
                    }
                }
            }
            EngineStats s = e.stats();
            // 10 writes, 10 reads, 1 fsync on the engine's queue; 8 reads of the contexts
            assertEquals(29, s.submitted(), s.toString());
            assertEquals(29, s.completed(), s.toString());
            assertEquals(0, s.inFlight(), s.toString());
            assertEquals(20 * 8192 + 8 * 4096, s.bytes(), s.toString());
            assertEquals(Map.of(), s.errors(), s.toString());
            assertTrue(s.p50Nanos() > 0 && s.p50Nanos() <= s.p90Nanos() && s.p90Nanos() <= s.p99Nanos()
                    && s.p99Nanos() <= s.p999Nanos() && s.p999Nanos() <= s.maxNanos(), s.toString());
            assertTrue(s.maxNanos() < TimeUnit.SECONDS.toNanos(10), s.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"DIRECT", "CACHED"})
    void requestsAContextNeverSubmittedEndCancelledWhenItCloses(String mode) throws Exception {
        Path dir = TestFiles.newDirectory("stats-unsubmitted");
        Path file = Files.write(dir.resolve("f"), new byte[65536]);
        try (IoEngine e = IoEngine.open(EngineConfig.defaults());
                AsyncFile f = AsyncFile.open(e, file, FileOption.READ, FileOption.valueOf(mode));
                IoBuffer b = f.allocateBuffer(4 * 4096)) {
            try (IoContext ctx = e.newContext(8)) {
                for (int i = 0; i < 4; i++) {
                    assertTrue(ctx.prepareRead(f, b.segment().asSlice(4096L * i, 4096), 4096L * i, i));
                }
                // closed with the four prepared and never submitted
            }
            EngineStats s = e.stats();
            assertEquals(0, s.inFlight(), s.toString());
            assertEquals(0, s.submitted(), "never submitted, so not counted: " + s);
            assertEquals(0, s.completed(), s.toString());
            assertEquals(Map.of(), s.errors(), s.toString());
        }
    }

    @Test
    void aContextsLatencyRunsFromSubmitNotFromPrepare() throws Exception {
        Path dir = TestFiles.newDirectory("stats-latency");
        Path file = Files.write(dir.resolve("f"), new byte[65536]);
        try (IoEngine e = IoEngine.open(EngineConfig.defaults());
                AsyncFile f = AsyncFile.open(e, file, FileOption.READ, FileOption.DIRECT);
                IoBuffer b = f.allocateBuffer(4096);
                IoContext ctx = e.newContext(4)) {
            ctx.prepareRead(f, b.segment(), 0, 1);
            Thread.sleep(300); // prepared long before it is submitted
            ctx.submit();
            int got = 0;
            while (got < 1) {
                got += ctx.getEvents(1, 1, 5, TimeUnit.SECONDS, (cookie, result) -> { });
            }
            EngineStats s = e.stats();
            assertEquals(1, s.completed(), s.toString());
            assertTrue(s.maxNanos() < TimeUnit.MILLISECONDS.toNanos(200), "the 300 ms before submit are not latency: " + s);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void onACachedFileTheEngineCountsThePageIoOnlyWhicheverApiAsks(boolean context) throws Exception {
        // The cache serves the requests; what reaches the kernel is its page I/O, the same either way.
        Path dir = TestFiles.newDirectory("stats-cached");
        Path file = Files.write(dir.resolve("f"), new byte[1 << 20]);
        try (IoEngine e = IoEngine.open(EngineConfig.defaults());
                AsyncFile f = AsyncFile.open(e, file, FileOption.READ, FileOption.CACHED);
                IoBuffer b = f.allocateBuffer(4096)) {
            for (int i = 0; i < 64; i++) {
                if (context) {
                    try (IoContext ctx = e.newContext(1)) {
                        ctx.prepareRead(f, b.segment(), 4096L * i, i);
                        ctx.submit();
                        int got = 0;
                        while (got < 1) {
                            got += ctx.getEvents(1, 1, 5, TimeUnit.SECONDS, (cookie, result) -> { });
                        }
                    }
                } else {
                    assertEquals(4096, f.read(b.segment(), 4096L * i).join());
                }
            }
            // Readahead ahead of the reader may still be on its way to the kernel (the cache counts a
            // device read as it starts it, the engine as it completes): wait until they agree or 5 s.
            EngineStats s = e.stats();
            PageCacheStats c = e.pageCacheStats();
            for (int i = 0; i < 500 && (s.completed() != c.deviceReads() || s.inFlight() > 0); i++) {
                Thread.sleep(10);
                s = e.stats();
                c = e.pageCacheStats();
            }
            assertTrue(c.deviceReads() > 0, c.toString());
            assertEquals(c.deviceReads(), s.completed(), "page reads only, not the 64 requests: " + s + " " + c);
            assertEquals(0, s.inFlight(), s.toString());
        }
    }

    @Test
    void failuresAreCountedByErrno() throws Exception {
        Path dir = TestFiles.newDirectory("stats-enospc");
        Path mnt = TestMounts.tmpfs(dir, "1m");
        try {
            TestMounts.fill(mnt);
            try (IoEngine e = IoEngine.open(EngineConfig.defaults());
                    AsyncFile f = AsyncFile.open(e, mnt.resolve("full"), FileOption.WRITE, FileOption.CREATE);
                    IoBuffer b = f.allocateBuffer(65536)) {
                Throwable t = TestFiles.failureOf(f.write(b.segment(), 0));
                assertTrue(t instanceof IoOperationException, String.valueOf(t));
                EngineStats s = e.stats();
                assertEquals(Map.of("ENOSPC", 1L), s.errors(), s.toString());
                assertEquals(1, s.errorCount());
                assertEquals(0, s.bytes(), s.toString());
            }
        } finally {
            TestMounts.umount(mnt);
        }
    }
}
