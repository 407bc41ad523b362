package dev.jaio.cli.vsjdk;

import dev.jaio.IoEngine;
import dev.jaio.nio.JaioFileChannel;
import dev.jaio.nio.JaioOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code transfer} (only when named): {@code --iodepth} threads each copying random 1 MiB blocks of
 * FILE (in the kernel's page cache) with {@code FileChannel.transferTo} into its own 1 MiB slot of
 * {@code FILE.vsjdk-transfer}, through the JDK's channel of that file: the JDK's
 * {@code FileChannel} as the source, on platform and on virtual threads, against jaio's
 * {@code JaioFileChannel} (a kernel copy, copy_file_range, made by the calling virtual thread since
 * the source is in the page cache), and jaio's channel with the target wrapped so that the kernel's
 * copy does not apply (the bytes go through a buffer: what jaio's channel did before it used the
 * kernel's copy).
 */
final class TransferWorkload implements Workload {

    /** Bytes per transfer. */
    static final int TRANSFER_BYTES = 1 << 20;

    static final List<String> CONTENDERS = List.of("jdk-transferto-platform", "jdk-transferto-vthreads",
            "jaio-nio-transferto-vthreads", "jaio-nio-transferto-vthreads-copy");

    private final VsJdkSettings settings;
    private ReadSpec spec;
    private Path target;

    TransferWorkload(VsJdkSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "transfer";
    }

    @Override
    public String title() {
        return settings.depth() + " threads, each copying random " + VsJdk.size(TRANSFER_BYTES) + " blocks of "
                + VsJdk.size(spec.regionBytes()) + " (in the kernel's page cache) with transferTo into its own slot"
                + " of another file";
    }

    @Override
    public List<String> contenders() {
        return CONTENDERS;
    }

    @Override
    public void prepare() throws IOException {
        ReadSpec r = VsJdk.readSpec(settings, Files.size(settings.file()));
        long blocks = r.regionBytes() / TRANSFER_BYTES;
        if (blocks < 1) {
            throw new IOException(settings.file() + " is smaller than one transfer of " + TRANSFER_BYTES + " bytes");
        }
        spec = new ReadSpec(r.file(), TRANSFER_BYTES, blocks, r.depth(), r.seed());
        target = settings.file().resolveSibling(settings.file().getFileName() + ".vsjdk-transfer");
        try (FileChannel t = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            t.write(ByteBuffer.allocate(1), (long) spec.depth() * TRANSFER_BYTES - 1);
        }
    }

    @Override
    public void beforeRound() throws IOException {
        ReadContenders.warmKernelCache(spec.file(), spec.regionBytes());
    }

    @Override
    public RunResult run(int index, Timing timing) {
        String name = CONTENDERS.get(index);
        boolean virtual = index > 0;
        boolean jaio = index >= 2;
        boolean wrapped = index == 3;
        String base = spec.depth() + (virtual ? " virtual" : " platform");
        IoEngine engine = null;
        List<FileChannel> targets = new ArrayList<>();
        try {
            String engineName = null;
            FileChannel src;
            if (jaio) {
                engine = IoEngine.open(ReadContenders.engineConfig(settings.engine(), spec.depth()));
                engineName = engine.name();
                src = JaioFileChannel.open(spec.file(), StandardOpenOption.READ, JaioOpenOption.engine(engine));
            } else {
                src = FileChannel.open(spec.file(), StandardOpenOption.READ);
            }
            try (src) {
                ThreadReaders.Measured m = ThreadReaders.run(spec, virtual, i -> {
                    FileChannel t = FileChannel.open(target, StandardOpenOption.WRITE);
                    synchronized (targets) {
                        targets.add(t);
                    }
                    long slot = (long) i * TRANSFER_BYTES;
                    WritableByteChannel out = wrapped ? new Wrapped(t) : t;
                    return position -> {
                        t.position(slot);
                        return (int) src.transferTo(position, TRANSFER_BYTES, out);
                    };
                }, timing, null);
                return m.toResult(name, virtual ? ThreadsLabel.of(spec.depth(), null, m.interval())
                        : ThreadsLabel.of(0, base, m.interval()), engineName, List.of(), Map.of());
            } finally {
                for (FileChannel t : targets) {
                    t.close();
                }
            }
        } catch (Exception e) {
            return RunResult.failed(name, base, null, e instanceof ContenderException ? e.getCause() : e);
        } finally {
            if (engine != null) {
                engine.close();
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (target != null) {
            Files.deleteIfExists(target);
        }
    }

    /** A channel that is none of the JDK's or jaio's: a transfer to it goes through a buffer. */
    private record Wrapped(FileChannel channel) implements WritableByteChannel {
        @Override
        public int write(ByteBuffer src) throws IOException {
            return channel.write(src);
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
