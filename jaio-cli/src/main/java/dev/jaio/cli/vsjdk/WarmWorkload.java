package dev.jaio.cli.vsjdk;

import dev.jaio.FastPaths;
import dev.jaio.FileOption;
import dev.jaio.PageCacheConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code warm}: random reads of a file that is entirely in the kernel's page cache (read once
 * through before each round), {@code --iodepth} in flight: the JDK's three ways against jaio's
 * ways, kernel-buffered, through jaio's own page cache (each with futures, and with
 * {@code AsyncFile.tryRead} first), and batched on an IoContext.
 */
final class WarmWorkload implements Workload {

    static final List<String> CONTENDERS = List.of("jdk-filechannel-vthreads", "jdk-filechannel-platform",
            AsyncChannelReaders.NAME, "jaio-buffered-vthreads", "jaio-cached-vthreads", "jaio-buffered-vthreads-nofast",
            "jaio-cached-vthreads-nofast", "jaio-context-buffered", AsyncChannelReaders.JAIO_NAME,
            "jaio-nio-filechannel-vthreads", "jaio-buffered-tryread-vthreads", "jaio-cached-tryread-vthreads");

    private final VsJdkSettings settings;
    private ReadSpec spec;

    WarmWorkload(VsJdkSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "warm";
    }

    @Override
    public String title() {
        return "random " + VsJdk.size(settings.blockSize()) + " reads of " + VsJdk.size(spec.regionBytes())
                + " in the kernel's page cache, " + settings.depth() + " in flight";
    }

    @Override
    public List<String> contenders() {
        return CONTENDERS;
    }

    @Override
    public void prepare() throws IOException {
        spec = VsJdk.readSpec(settings, Files.size(settings.file()));
    }

    @Override
    public void beforeRound() throws IOException {
        ReadContenders.warmKernelCache(spec.file(), spec.regionBytes());
    }

    @Override
    public RunResult run(int index, Timing timing) {
        String name = CONTENDERS.get(index);
        String engine = settings.engine();
        return switch (name) {
            case "jdk-filechannel-vthreads" -> ReadContenders.fileChannelThreads(name, spec, true, false, timing);
            case "jdk-filechannel-platform" -> ReadContenders.fileChannelThreads(name, spec, false, false, timing);
            case AsyncChannelReaders.NAME -> AsyncChannelReaders.run(spec, timing);
            case AsyncChannelReaders.JAIO_NAME -> AsyncChannelReaders.run(name, spec, false, engine, timing);
            case "jaio-nio-filechannel-vthreads" -> ReadContenders.fileChannelThreads(name, spec, true, false, engine,
                    timing);
            case "jaio-buffered-vthreads" -> ReadContenders.asyncFileVirtualThreads(name, spec, engine,
                    List.of(FileOption.READ), 0, timing);
            case "jaio-cached-vthreads" -> ReadContenders.asyncFileVirtualThreads(name, spec, engine,
                    List.of(FileOption.READ, FileOption.CACHED), cacheBudget(spec.regionBytes()), timing);
            case "jaio-buffered-vthreads-nofast" -> ReadContenders.asyncFileVirtualThreads(name, spec, engine,
                    List.of(FileOption.READ), 0, FastPaths.NONE, timing);
            case "jaio-cached-vthreads-nofast" -> ReadContenders.asyncFileVirtualThreads(name, spec, engine,
                    List.of(FileOption.READ, FileOption.CACHED), cacheBudget(spec.regionBytes()), FastPaths.NONE, timing);
            case "jaio-buffered-tryread-vthreads" -> ReadContenders.asyncFileVirtualThreads(name, spec, engine,
                    List.of(FileOption.READ), 0, FastPaths.ALL, true, timing);
            case "jaio-cached-tryread-vthreads" -> ReadContenders.asyncFileVirtualThreads(name, spec, engine,
                    List.of(FileOption.READ, FileOption.CACHED), cacheBudget(spec.regionBytes()), FastPaths.ALL, true,
                    timing);
            case "jaio-context-buffered" -> ReadContenders.context(name, spec, engine, List.of(FileOption.READ), timing);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** A page cache for the whole region and a quarter more (2 MiB slabs), at least the smallest allowed. */
    static long cacheBudget(long regionBytes) {
        long slab = 2L << 20;
        long bytes = (regionBytes + regionBytes / 4 + slab - 1) / slab * slab;
        return Math.max(PageCacheConfig.MIN_BUDGET, bytes);
    }

    @Override
    public void close() {
    }
}
