package dev.jaio.cli.vsjdk;

import dev.jaio.FileOption;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code cold}: random O_DIRECT reads, {@code --iodepth} in flight, every one from the device:
 * FileChannel with ExtendedOpenOption.DIRECT on virtual threads and AsynchronousFileChannel with it
 * against jaio's batch interface, jaio's futures on virtual threads and jaio's AsynchronousFileChannel.
 */
final class ColdWorkload implements Workload {

    static final List<String> CONTENDERS = List.of("jdk-filechannel-vthreads-direct", "jdk-async-filechannel-direct",
            "jaio-context-direct", "jaio-direct-vthreads", "jaio-nio-async-direct", "jaio-nio-filechannel-vthreads-direct");

    private final VsJdkSettings settings;
    private ReadSpec spec;

    ColdWorkload(VsJdkSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "cold";
    }

    @Override
    public String title() {
        return "random " + VsJdk.size(settings.blockSize()) + " O_DIRECT reads of " + VsJdk.size(spec.regionBytes())
                + ", " + settings.depth() + " in flight";
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
    public void beforeRound() {
    }

    @Override
    public RunResult run(int index, Timing timing) {
        String name = CONTENDERS.get(index);
        List<FileOption> direct = List.of(FileOption.READ, FileOption.DIRECT);
        return switch (name) {
            case "jdk-filechannel-vthreads-direct" -> ReadContenders.fileChannelThreads(name, spec, true, true, timing);
            case "jaio-context-direct" -> ReadContenders.context(name, spec, settings.engine(), direct, timing);
            case "jaio-direct-vthreads" -> ReadContenders.asyncFileVirtualThreads(name, spec, settings.engine(), direct,
                    0, timing);
            case "jdk-async-filechannel-direct" -> AsyncChannelReaders.run(name, spec, true, null, timing);
            case "jaio-nio-async-direct" -> AsyncChannelReaders.run(name, spec, true, settings.engine(), timing);
            case "jaio-nio-filechannel-vthreads-direct" -> ReadContenders.fileChannelThreads(name, spec, true, true,
                    settings.engine(), timing);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @Override
    public void close() {
    }
}
