package dev.jaio.cli.vsjdk;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code vthreads} and {@code vthreads-direct}: {@code --threads} virtual threads (10,000 by
 * default) each reading random {@code --bs} blocks through one shared {@code FileChannel}, as a
 * server with a virtual thread per request does: the JDK's channel against jaio's
 * ({@code JaioFileChannel}, which the default-provider switch hands unchanged code), on a file in the
 * kernel's page cache (kernel-buffered reads), or with O_DIRECT (every read from the device). The threads column shows what each
 * costs the scheduler: the JDK's FileChannel blocks the carrier in pread(2) and the scheduler adds
 * carriers to make up for blocked ones; jaio's parks the virtual thread.
 */
final class VThreadsWorkload implements Workload {

    static final List<String> WARM = List.of("jdk-filechannel-warm", "jaio-nio-filechannel-warm");
    static final List<String> DIRECT = List.of("jdk-filechannel-direct", "jaio-nio-filechannel-direct");

    private final VsJdkSettings settings;
    private final boolean direct;
    private ReadSpec spec;

    VThreadsWorkload(VsJdkSettings settings, boolean direct) {
        this.settings = settings;
        this.direct = direct;
    }

    @Override
    public String name() {
        return direct ? "vthreads-direct" : "vthreads";
    }

    @Override
    public String title() {
        return settings.threads() + " virtual threads, each reading random " + VsJdk.size(settings.blockSize())
                + " blocks of " + VsJdk.size(spec.regionBytes()) + " through one FileChannel, "
                + (direct ? "O_DIRECT" : "in the kernel's page cache");
    }

    @Override
    public List<String> contenders() {
        return direct ? DIRECT : WARM;
    }

    @Override
    public void prepare() throws IOException {
        spec = VsJdk.readSpec(settings, Files.size(settings.file()), settings.threads());
    }

    @Override
    public void beforeRound() throws IOException {
        if (!direct) {
            ReadContenders.warmKernelCache(spec.file(), spec.regionBytes());
        }
    }

    @Override
    public RunResult run(int index, Timing timing) {
        String name = contenders().get(index);
        String engine = settings.engine();
        return switch (name) {
            case "jdk-filechannel-warm" -> ReadContenders.fileChannelThreads(name, spec, true, false, timing);
            case "jaio-nio-filechannel-warm" -> ReadContenders.fileChannelThreads(name, spec, true, false, engine,
                    timing);
            case "jdk-filechannel-direct" -> ReadContenders.fileChannelThreads(name, spec, true, true, timing);
            case "jaio-nio-filechannel-direct" -> ReadContenders.fileChannelThreads(name, spec, true, true, engine,
                    timing);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @Override
    public void close() {
    }
}
