package dev.jaio.cli.vsjdk;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code vthreads}: {@code --threads} virtual threads (10,000 by default) each reading random
 * {@code --bs} blocks through one shared {@code FileChannel}, as a server with a virtual thread per
 * request does: the JDK's channel against jaio's ({@code JaioFileChannel}, which the
 * default-provider switch hands unchanged code), on a file in the kernel's page cache (kernel-buffered
 * reads) and with O_DIRECT (every read from the device). The threads column shows what each
 * costs the scheduler: the JDK's FileChannel blocks the carrier in pread(2) and the scheduler adds
 * carriers to make up for blocked ones; jaio's parks the virtual thread.
 */
final class VThreadsWorkload implements Workload {

    static final List<String> CONTENDERS = List.of("jdk-filechannel-warm", "jaio-nio-filechannel-warm",
            "jdk-filechannel-direct", "jaio-nio-filechannel-direct");

    private final VsJdkSettings settings;
    private ReadSpec spec;

    VThreadsWorkload(VsJdkSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "vthreads";
    }

    @Override
    public String title() {
        return settings.threads() + " virtual threads, each reading random " + VsJdk.size(settings.blockSize())
                + " blocks of " + VsJdk.size(spec.regionBytes()) + " through one FileChannel (warm: in the kernel's"
                + " page cache; direct: O_DIRECT)";
    }

    @Override
    public List<String> contenders() {
        return CONTENDERS;
    }

    @Override
    public void prepare() throws IOException {
        spec = VsJdk.readSpec(settings, Files.size(settings.file()), settings.threads());
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
