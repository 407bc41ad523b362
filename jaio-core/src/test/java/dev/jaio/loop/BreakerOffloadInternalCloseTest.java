package dev.jaio.loop;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jaio.AsyncFile;
import dev.jaio.EngineConfig;
import dev.jaio.FastPaths;
import dev.jaio.FileOption;
import dev.jaio.IoBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The internal loop's close while its pool still holds thousands of kernel-buffered reads (the
 * public close drains the files first; this one does not): it must wait for them all, on the pool
 * (on aio-poll the driver has nothing left in the kernel to wait in), and end every one.
 */
@Timeout(60)
class BreakerOffloadInternalCloseTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"aio-poll", "epoll+aio"})
    void internalCloseWithOffloadedRequestsPending(String backend) throws Exception {
        Path p = dir.resolve("f");
        Files.write(p, new byte[64 << 20]);
        EventLoop l = EventLoop.open(LoopConfig.defaults().withBackend(backend).withFiles(EngineConfig.defaults()
                .withQueueDepth(4096).withThreads(1).withFastPaths(FastPaths.NONE)));
        java.lang.reflect.Field fl = EventLoop.class.getDeclaredField("loop");
        fl.setAccessible(true);
        dev.jaio.internal.engine.EventLoop inner = (dev.jaio.internal.engine.EventLoop) fl.get(l);
        AsyncFile f = AsyncFile.open(l.engine(), p, FileOption.READ);
        List<IoBuffer> bufs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            bufs.add(f.allocateBuffer(1 << 20));
        }
        List<CompletableFuture<Integer>> rs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            rs.add(f.read(bufs.get(i % 20).segment(), (long) (i % 64) << 20));
        }
        Thread closer = Thread.ofPlatform().daemon().start(inner::close);
        closer.join(30_000);
        for (CompletableFuture<Integer> r : rs) {
            org.junit.jupiter.api.Assertions.assertTrue(r.isDone(), "a read not ended by the close");
        }
        assertFalse(closer.isAlive(), "internal loop close hung with offloaded requests pending");
        f.close();
        for (IoBuffer b : bufs) {
            b.close();
        }
        l.close();
    }
}
