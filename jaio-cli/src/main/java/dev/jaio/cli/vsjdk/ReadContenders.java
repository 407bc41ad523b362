package dev.jaio.cli.vsjdk;

import dev.jaio.AsyncFile;
import dev.jaio.EngineConfig;
import dev.jaio.nio.JaioFileChannel;
import dev.jaio.nio.JaioOpenOption;
import dev.jaio.FastPathStats;
import dev.jaio.FastPaths;
import dev.jaio.FileOption;
import dev.jaio.IoBuffer;
import dev.jaio.IoEngine;
import dev.jaio.PageCacheConfig;
import dev.jaio.PageCacheStats;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The random-read contenders that {@code warm} and {@code cold} share. */
final class ReadContenders {

    /** Bytes per read when a file is read once through to warm a cache. */
    private static final int WARM_CHUNK = 1 << 20;

    private ReadContenders() {
    }

    /** The engine configuration of jaio's contenders: the named engine, room for the depth. */
    static EngineConfig engineConfig(String engine, int depth) {
        return EngineConfig.defaults().withEngine(engine)
                .withQueueDepth(Math.min(EngineConfig.MAX_QUEUE_DEPTH, Math.max(EngineConfig.DEFAULT_QUEUE_DEPTH, depth)));
    }

    /**
     * {@code depth} threads, each doing {@link FileChannel#read(ByteBuffer, long)} into its own
     * direct buffer on one shared channel; with {@code direct}, the channel is opened with
     * {@code ExtendedOpenOption.DIRECT} and the buffers aligned to the file store's block size, as
     * the JDK requires.
     */
    static RunResult fileChannelThreads(String name, ReadSpec spec, boolean virtual, boolean direct, Timing timing) {
        return fileChannelThreads(name, spec, virtual, direct, null, timing);
    }

    /**
     * As {@link #fileChannelThreads(String, ReadSpec, boolean, boolean, Timing)}, on jaio's
     * {@link JaioFileChannel} over an engine named {@code jaioEngine} when that is not null (the
     * same code, another channel: what the default-provider switch gives unchanged code).
     */
    static RunResult fileChannelThreads(String name, ReadSpec spec, boolean virtual, boolean direct, String jaioEngine,
            Timing timing) {
        return fileChannelThreads(name, spec, virtual, direct, jaioEngine, FastPaths.ALL, timing);
    }

    /** As above, with the jaio engine's {@link FastPaths} given. */
    static RunResult fileChannelThreads(String name, ReadSpec spec, boolean virtual, boolean direct, String jaioEngine,
            FastPaths fastPaths, Timing timing) {
        String base = spec.depth() + (virtual ? " virtual" : " platform");
        IoEngine engine = null;
        try {
            OpenOption[] options = direct ? new OpenOption[] {StandardOpenOption.READ, JdkDirect.DIRECT}
                    : new OpenOption[] {StandardOpenOption.READ};
            int alignment = direct ? (int) Files.getFileStore(spec.file()).getBlockSize() : 1;
            if (direct && spec.blockSize() % alignment != 0) {
                throw new IOException("--bs=" + spec.blockSize() + " is not a multiple of the file store's block size "
                        + alignment + ", which ExtendedOpenOption.DIRECT needs");
            }
            String engineName = null;
            if (jaioEngine != null) {
                engine = IoEngine.open(engineConfig(jaioEngine, spec.depth()).withFastPaths(fastPaths));
                engineName = engine.name();
                options = Arrays.copyOf(options, options.length + 1);
                options[options.length - 1] = JaioOpenOption.engine(engine);
            }
            try (FileChannel ch = jaioEngine != null ? JaioFileChannel.open(spec.file(), options)
                    : FileChannel.open(spec.file(), options)) {
                ThreadReaders.Measured m = ThreadReaders.run(spec, virtual, index -> {
                    ByteBuffer b = direct ? ByteBuffer.allocateDirect(spec.blockSize() + alignment).alignedSlice(alignment)
                            : ByteBuffer.allocateDirect(spec.blockSize());
                    return position -> {
                        b.clear().limit(spec.blockSize());
                        return ch.read(b, position);
                    };
                }, timing, null);
                return m.toResult(name, (virtual ? ThreadsLabel.of(spec.depth(), null, m.interval())
                        : ThreadsLabel.of(0, base, m.interval())), engineName, List.of(), Map.of());
            }
        } catch (Exception e) {
            return RunResult.failed(name, base, null, e instanceof ContenderException ? e.getCause() : e);
        } finally {
            if (engine != null) {
                engine.close();
            }
        }
    }

    /**
     * {@code depth} virtual threads, each doing {@code file.read(segment, position).join()} on one
     * shared {@link AsyncFile} into its own {@link AsyncFile#allocateBuffer} segment.
     *
     * @param options how the file is opened (READ, and DIRECT or CACHED or neither)
     * @param cacheBytes with CACHED, the budget of the engine's page cache, which is filled by
     *     reading the region once through it before the ramp; 0 otherwise
     */
    static RunResult asyncFileVirtualThreads(String name, ReadSpec spec, String engine, List<FileOption> options,
            long cacheBytes, Timing timing) {
        return asyncFileVirtualThreads(name, spec, engine, options, cacheBytes, FastPaths.ALL, timing);
    }

    /** As above, with the engine's {@link FastPaths} given ({@link FastPaths#NONE}: every read through the engine). */
    static RunResult asyncFileVirtualThreads(String name, ReadSpec spec, String engine, List<FileOption> options,
            long cacheBytes, FastPaths fastPaths, Timing timing) {
        return asyncFileVirtualThreads(name, spec, engine, options, cacheBytes, fastPaths, false, timing);
    }

    /**
     * As above; with {@code tryFirst}, each read is {@link AsyncFile#tryRead} first (done on the
     * virtual thread, no future) and {@code read().join()} only when that returned
     * {@link AsyncFile#WOULD_BLOCK}.
     */
    static RunResult asyncFileVirtualThreads(String name, ReadSpec spec, String engine, List<FileOption> options,
            long cacheBytes, FastPaths fastPaths, boolean tryFirst, Timing timing) {
        String base = spec.depth() + " virtual";
        boolean cached = options.contains(FileOption.CACHED);
        EngineConfig config = engineConfig(engine, spec.depth()).withFastPaths(fastPaths);
        if (cached) {
            config = config.withPageCache(PageCacheConfig.defaults().withBudget(cacheBytes).withPreTouch(true));
        }
        String engineName = null;
        List<IoBuffer> buffers = new ArrayList<>();
        try (IoEngine e = IoEngine.open(config);
             AsyncFile f = AsyncFile.open(e, spec.file(), options.toArray(FileOption[]::new))) {
            engineName = e.name();
            checkAlignment(f, spec);
            CacheProbe probe = null;
            if (cached) {
                warmThroughJaio(f, spec.regionBytes());
                probe = new CacheProbe(e);
            }
            ThreadReaders.Measured m;
            FastPathStats fastBefore = e.fastPathStats();
            try {
                m = ThreadReaders.run(spec, true, index -> {
                    IoBuffer b = f.allocateBuffer(spec.blockSize());
                    synchronized (buffers) {
                        buffers.add(b);
                    }
                    MemorySegment seg = b.segment().asSlice(0, spec.blockSize());
                    if (tryFirst) {
                        return position -> {
                            long n = f.tryRead(seg, position);
                            return n != AsyncFile.WOULD_BLOCK ? (int) n : f.read(seg, position).join();
                        };
                    }
                    return position -> f.read(seg, position).join();
                }, timing, probe);
            } finally {
                buffers.forEach(IoBuffer::close);
            }
            List<String> notes = probe == null ? List.of() : List.of(probe.note(name));
            Map<String, Object> extra = new LinkedHashMap<>();
            if (probe != null) {
                extra.put("jaioPageCache", probe.toJson());
            }
            extra.put("jaioFastPaths", fastPathDelta(fastBefore, e.fastPathStats()));
            return m.toResult(name, ThreadsLabel.of(spec.depth(), null, m.interval()), engineName, notes, extra);
        } catch (Exception e) {
            return RunResult.failed(name, base + " + engine", engineName, e instanceof ContenderException ? e.getCause() : e);
        }
    }

    /** One platform thread keeping {@code depth} reads in flight on an {@link dev.jaio.IoContext}. */
    static RunResult context(String name, ReadSpec spec, String engine, List<FileOption> options, Timing timing) {
        String engineName = null;
        try (IoEngine e = IoEngine.open(engineConfig(engine, spec.depth()));
             AsyncFile f = AsyncFile.open(e, spec.file(), options.toArray(FileOption[]::new))) {
            engineName = e.name();
            checkAlignment(f, spec);
            ThreadReaders.Measured m = ContextReader.run(spec, e, f, timing, null);
            return m.toResult(name, ThreadsLabel.of(0, "1 platform", m.interval()), engineName, List.of(), Map.of());
        } catch (Exception e) {
            return RunResult.failed(name, "1 platform + engine", engineName,
                    e instanceof ContenderException ? e.getCause() : e);
        }
    }

    /** What the engine's fast paths did over a run (ramp and measured interval): counts of reads. */
    static Map<String, Object> fastPathDelta(FastPathStats before, FastPathStats after) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cachedHits", after.cachedHits() - before.cachedHits());
        m.put("cachedFallbacks", after.cachedFallbacks() - before.cachedFallbacks());
        m.put("nowaitReads", after.nowaitReads() - before.nowaitReads());
        m.put("nowaitReadsPartial", after.nowaitReadsPartial() - before.nowaitReadsPartial());
        m.put("nowaitReadsBlocked", after.nowaitReadsBlocked() - before.nowaitReadsBlocked());
        m.put("nowaitReadsSkipped", after.nowaitReadsSkipped() - before.nowaitReadsSkipped());
        return m;
    }

    private static void checkAlignment(AsyncFile f, ReadSpec spec) throws IOException {
        if (f.isDirect() && spec.blockSize() % f.alignment().offsetAlignment() != 0) {
            throw new IOException("--bs=" + spec.blockSize() + " is not a multiple of the O_DIRECT alignment "
                    + f.alignment().offsetAlignment() + " of " + spec.file());
        }
    }

    /** Reads {@code [0, bytes)} of the file once through, so that the kernel's page cache holds it. */
    static void warmKernelCache(java.nio.file.Path file, long bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(WARM_CHUNK);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long pos = 0; pos < bytes; ) {
                b.clear().limit((int) Math.min(WARM_CHUNK, bytes - pos));
                int n = ch.read(b, pos);
                if (n <= 0) {
                    throw new IOException(file + " ended at " + pos + " while it was read into the page cache");
                }
                pos += n;
            }
        }
    }

    /**
     * Drops the file from the kernel's page cache: fsync (dirty pages cannot be dropped), then
     * POSIX_FADV_DONTNEED over the whole file, as aio-stress's {@code --drop-cache} does.
     */
    static void dropKernelCache(java.nio.file.Path file) throws IOException {
        try (AsyncFile f = AsyncFile.open(file, FileOption.READ)) { // fsync(2) takes a read-only descriptor
            f.fsync().join();
            f.advise(0, 0, dev.jaio.FileAdvice.DONTNEED);
        }
    }

    /** Reads {@code [0, bytes)} of a CACHED file once through jaio's page cache. */
    private static void warmThroughJaio(AsyncFile f, long bytes) throws IOException {
        try (IoBuffer b = f.allocateBuffer(WARM_CHUNK)) {
            for (long pos = 0; pos < bytes; ) {
                int want = (int) Math.min(WARM_CHUNK, bytes - pos);
                int n = f.read(b.segment().asSlice(0, want), pos).join();
                if (n <= 0) {
                    throw new IOException(f.path() + " ended at " + pos + " while it was read into jaio's page cache");
                }
                pos += n;
            }
        }
    }

    /** jaio's page cache counters over the measured interval: every read should be a hit. */
    private static final class CacheProbe implements Interval.Probe {
        private final IoEngine engine;
        private PageCacheStats before = PageCacheStats.NONE;
        private PageCacheStats after = PageCacheStats.NONE;

        CacheProbe(IoEngine engine) {
            this.engine = engine;
        }

        @Override
        public void beforeMeasuring() {
            before = engine.pageCacheStats();
        }

        @Override
        public void afterMeasuring() {
            after = engine.pageCacheStats();
        }

        long hits() {
            return after.hits() - before.hits();
        }

        long misses() {
            return after.misses() - before.misses();
        }

        long deviceReads() {
            return after.deviceReads() - before.deviceReads();
        }

        String note(String name) {
            return name + ": jaio's page cache held " + after.residentPages() + " of its " + after.capacityPages()
                    + " pages; measured interval: " + hits() + " page hits, " + misses() + " misses, "
                    + deviceReads() + " device reads" + (misses() == 0 && deviceReads() == 0 ? " (every read a hit)" : "");
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("capacityPages", after.capacityPages());
            m.put("residentPages", after.residentPages());
            m.put("hits", hits());
            m.put("misses", misses());
            m.put("deviceReads", deviceReads());
            return m;
        }
    }
}
