package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.internal.jfr.Jfr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * jaio's JFR events, recorded to a file and read back as {@code jfr print} would: every file
 * request of AsyncFile and of an IoContext, on every engine and I/O mode, with its fields; none
 * when no recording wants them, and none under the default 20 ms threshold for fast requests.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JfrEventsTest {

    private static final List<String> FILE_EVENTS = List.of("dev.jaio.FileRead", "dev.jaio.FileWrite", "dev.jaio.FileSync");

    @Test
    void withNoRecordingNoEventIsBegun() {
        assertTrue(Jfr.AVAILABLE, "jdk.jfr is in this JDK and on the class path");
        assertNull(Jfr.begin(Jfr.READ, 0, 4096, 0));
        assertNull(Jfr.begin(Jfr.WRITE, 0, 4096, 0));
        assertNull(Jfr.begin(Jfr.SYNC, -1, 0, 0));
    }

    @Test
    void everyRequestIsRecordedWithItsFieldsOnEveryEngine() throws Exception {
        Path dir = TestFiles.newDirectory("jfr");
        Path jfr = dir.resolve("jaio.jfr");
        Path data = dir.resolve("data");
        try (Recording r = new Recording()) {
            for (String name : FILE_EVENTS) {
                r.enable(name).withThreshold(Duration.ZERO);
            }
            r.enable("dev.jaio.EngineOpen");
            r.start();
            for (String engine : List.of("uring", "aio", "threads")) {
                for (FileOption mode : List.of(FileOption.DIRECT, FileOption.CACHED)) {
                    try (IoEngine e = IoEngine.open(EngineConfig.defaults().withEngine(engine));
                            AsyncFile f = AsyncFile.open(e, data, FileOption.READ, FileOption.WRITE, FileOption.CREATE,
                                    mode);
                            IoBuffer b = f.allocateBuffer(8192)) {
                        b.segment().fill((byte) 1);
                        assertEquals(8192, f.write(b.segment(), 8192).join());
                        assertEquals(8192, f.read(b.segment(), 8192).join());
                        f.fdatasync().join();
                        try (IoContext ctx = e.newContext(4)) {
                            ctx.prepareRead(f, b.segment().asSlice(0, 4096), 4096, 7);
                            ctx.prepareFsync(f, false, 8);
                            ctx.submit();
                            int got = 0;
                            while (got < 2) {
                                got += ctx.getEvents(1, 2, 5, TimeUnit.SECONDS, (cookie, result) -> { });
                            }
                        }
                    }
                }
            }
            r.stop();
            r.dump(jfr);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
        for (String engine : List.of("uring", "aio", "threads")) {
            assertTrue(events.stream().anyMatch(ev -> ev.getEventType().getName().equals("dev.jaio.EngineOpen")
                    && engine.equals(ev.getString("engine")) && engine.equals(ev.getString("requested"))
                    && ev.getInt("depth") > 0), "EngineOpen of " + engine);
            for (String mode : List.of("direct", "cached")) {
                List<RecordedEvent> mine = events.stream()
                        .filter(ev -> FILE_EVENTS.contains(ev.getEventType().getName()))
                        .filter(ev -> engine.equals(ev.getString("engine")) && mode.equals(ev.getString("mode")))
                        .toList();
                String what = engine + " " + mode + ": " + mine;
                // AsyncFile: write and read of 8 KiB at 8 KiB, fdatasync; IoContext: read of 4 KiB at 4 KiB, fsync
                assertTrue(mine.stream().anyMatch(ev -> is(ev, "dev.jaio.FileWrite", 8192, 8192, 8192)), what);
                assertTrue(mine.stream().anyMatch(ev -> is(ev, "dev.jaio.FileRead", 8192, 8192, 8192)), what);
                assertTrue(mine.stream().anyMatch(ev -> is(ev, "dev.jaio.FileRead", 4096, 4096, 4096)), what);
                assertTrue(mine.stream().anyMatch(ev -> is(ev, "dev.jaio.FileSync", -1, 0, 0) && ev.getInt("flags") == 1),
                        "fdatasync: " + what);
                assertTrue(mine.stream().anyMatch(ev -> is(ev, "dev.jaio.FileSync", -1, 0, 0) && ev.getInt("flags") == 0),
                        "fsync: " + what);
                for (RecordedEvent ev : mine) {
                    assertEquals(data.toString(), ev.getString("path"));
                    assertNull(ev.getString("error"));
                    assertTrue(!ev.getDuration().isNegative());
                }
            }
        }
    }

    @Test
    void thePageCacheRecordsReadaheadWritebackThrottlingAndEviction() throws Exception {
        Path dir = TestFiles.newDirectory("jfr-cache");
        Path jfr = dir.resolve("jaio.jfr");
        Path data = dir.resolve("data");
        Path big = Files.write(dir.resolve("big"), new byte[1 << 20]);
        // 16 pages of cache; writers wait at 2% of them (no dirty page allowed), so every write throttles
        PageCacheConfig cache = new PageCacheConfig(PageCacheConfig.MIN_BUDGET, PageCacheConfig.DEFAULT_MAX_READAHEAD,
                PageCacheConfig.defaults().readahead(), false, new PageCacheConfig.DirtyLimits(1, 2, 30_000));
        try (Recording r = new Recording()) {
            for (String name : List.of("dev.jaio.CacheReadahead", "dev.jaio.CacheWriteback", "dev.jaio.CacheThrottle",
                    "dev.jaio.CacheEviction")) {
                r.enable(name);
            }
            r.start();
            try (IoEngine e = IoEngine.open(EngineConfig.defaults().withPageCache(cache))) {
                try (AsyncFile f = AsyncFile.open(e, data, FileOption.WRITE, FileOption.CREATE, FileOption.CACHED);
                        IoBuffer b = f.allocateBuffer(4096)) {
                    for (int i = 0; i < 32; i++) {
                        f.write(b.segment(), 4096L * i).join();
                    }
                    f.fsync().join();
                }
                try (AsyncFile f = AsyncFile.open(e, big, FileOption.READ, FileOption.CACHED);
                        IoBuffer b = f.allocateBuffer(4096)) {
                    for (int i = 0; i < 256; i++) {
                        assertEquals(4096, f.read(b.segment(), 4096L * i).join());
                    }
                }
            }
            r.stop();
            r.dump(jfr);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
        List<RecordedEvent> ra = of(events, "dev.jaio.CacheReadahead");
        assertTrue(!ra.isEmpty() && ra.stream().allMatch(ev -> ev.getInt("pagesStarted") > 0
                && ev.getLong("pagesAsked") >= ev.getInt("pagesStarted")), "readahead: " + ra);
        List<RecordedEvent> wb = of(events, "dev.jaio.CacheWriteback");
        assertEquals(32, wb.stream().mapToInt(ev -> ev.getInt("pages")).sum(), "every page written back once: " + wb);
        assertTrue(wb.stream().allMatch(ev -> ev.getLong("bytes") == 4096L * ev.getInt("pages")
                && ev.getInt("writes") >= 1 && ev.getInt("writes") <= ev.getInt("pages")), wb.toString());
        List<RecordedEvent> th = of(events, "dev.jaio.CacheThrottle");
        // the limit the writers met; the dirty count is read as the event is recorded (writeback may have ended since)
        assertTrue(!th.isEmpty() && th.stream().allMatch(ev -> ev.getLong("dirtyLimit") >= 1 && ev.getLong("dirtyPages") >= 0),
                "throttling: " + th);
        List<RecordedEvent> ev = of(events, "dev.jaio.CacheEviction");
        assertTrue(ev.size() >= 256 - 16, "a 16-page cache read through 256 pages evicts: " + ev.size());
    }

    private static List<RecordedEvent> of(List<RecordedEvent> events, String name) {
        return events.stream().filter(ev -> ev.getEventType().getName().equals(name)).toList();
    }

    private static boolean is(RecordedEvent ev, String type, long offset, long requested, long bytes) {
        return ev.getEventType().getName().equals(type) && ev.getLong("offset") == offset
                && ev.getLong("bytesRequested") == requested && ev.getLong("bytes") == bytes;
    }

    @Test
    void theCallersCallbacksDoNotCountInARequestsDuration() throws Exception {
        Path dir = TestFiles.newDirectory("jfr-callbacks");
        Path jfr = dir.resolve("jaio.jfr");
        Path data = Files.write(dir.resolve("data"), new byte[65536]);
        try (Recording r = new Recording()) {
            r.enable("dev.jaio.FileRead"); // its own 20 ms
            r.start();
            try (IoEngine e = IoEngine.open(EngineConfig.defaults().withFastPaths(FastPaths.NONE));
                    AsyncFile f = AsyncFile.open(e, data, FileOption.READ, FileOption.DIRECT);
                    IoBuffer b = f.allocateBuffer(4096)) {
                for (int i = 0; i < 5; i++) {
                    f.read(b.segment(), 4096L * i).thenAccept(n -> {
                        try {
                            Thread.sleep(100); // a slow callback on the completion thread
                        } catch (InterruptedException x) {
                            Thread.currentThread().interrupt();
                        }
                    }).join();
                }
                assertTrue(e.stats().maxNanos() < TimeUnit.MILLISECONDS.toNanos(90), e.stats().toString());
            }
            r.stop();
            r.dump(jfr);
        }
        // A read slower than the 20 ms threshold is recorded (a loaded machine), but never with the
        // callback's 100 ms in it.
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr).stream()
                .filter(ev -> ev.getEventType().getName().equals("dev.jaio.FileRead"))
                .filter(ev -> ev.getDuration().compareTo(Duration.ofMillis(90)) >= 0).toList();
        assertEquals(List.of(), events, "the reads took microseconds; the 100 ms were the callbacks'");
    }

    @Test
    void underTheDefaultThresholdFastRequestsAreNotRecorded() throws Exception {
        Path dir = TestFiles.newDirectory("jfr-default");
        Path jfr = dir.resolve("jaio.jfr");
        Path data = Files.write(dir.resolve("data"), new byte[65536]);
        try (Recording r = new Recording()) {
            for (String name : FILE_EVENTS) {
                r.enable(name); // the events' own 20 ms
            }
            r.start();
            try (AsyncFile f = AsyncFile.open(data, FileOption.READ); IoBuffer b = f.allocateBuffer(4096)) {
                for (int i = 0; i < 100; i++) {
                    f.read(b.segment(), 4096L * (i % 16)).join(); // the kernel's cache: microseconds
                }
            }
            r.stop();
            r.dump(jfr);
        }
        long slow = RecordingFile.readAllEvents(jfr).stream()
                .filter(ev -> FILE_EVENTS.contains(ev.getEventType().getName()))
                .filter(ev -> ev.getDuration().compareTo(Duration.ofMillis(20)) < 0).count();
        assertEquals(0, slow, "no event under the threshold");
    }
}
