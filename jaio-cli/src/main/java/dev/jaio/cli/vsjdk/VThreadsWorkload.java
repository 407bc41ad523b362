package dev.jaio.cli.vsjdk;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code vthreads}, {@code vthreads-cold} and {@code vthreads-direct}: {@code --threads} virtual
 * threads (10,000 by default) each reading random {@code --bs} blocks through one shared
 * {@code FileChannel}, as a server with a virtual thread per request does: the JDK's channel against
 * jaio's ({@code JaioFileChannel}, which the default-provider switch hands unchanged code), with
 * kernel-buffered reads of a file in the kernel's page cache ({@code vthreads}) or dropped from it
 * before each contender runs ({@code vthreads-cold}: fsync, then POSIX_FADV_DONTNEED; the reads
 * fill the cache again, so only a file much larger than a run reads, ops/s x block x (ramp +
 * runtime), stays mostly cold), or with O_DIRECT (every read from the device). The threads column shows
 * what each costs the scheduler: the JDK's FileChannel blocks the carrier in pread(2) and the
 * scheduler adds carriers to make up for blocked ones; jaio's parks the virtual thread. The
 * kernel-buffered modes add jaio's channel without its fast paths ({@code -nofast}: every read goes
 * through the engine, none is tried on the calling thread with RWF_NOWAIT).
 */
final class VThreadsWorkload implements Workload {

    /** Where the reads are served from. */
    enum Mode {
        /** Kernel-buffered reads of a file in the kernel's page cache. */
        WARM("vthreads", "warm", "in the kernel's page cache"),
        /** Kernel-buffered reads of a file dropped from the kernel's page cache before each contender. */
        COLD("vthreads-cold", "cold", "kernel-buffered, dropped from the page cache before each contender"),
        /** O_DIRECT reads. */
        DIRECT("vthreads-direct", "direct", "O_DIRECT");

        final String workload;
        final String suffix;
        final String what;

        Mode(String workload, String suffix, String what) {
            this.workload = workload;
            this.suffix = suffix;
            this.what = what;
        }
    }

    private final VsJdkSettings settings;
    private final Mode mode;
    private ReadSpec spec;

    VThreadsWorkload(VsJdkSettings settings, Mode mode) {
        this.settings = settings;
        this.mode = mode;
    }

    /** The contenders of a mode: the JDK's FileChannel, then jaio's. */
    static List<String> contenders(Mode mode) {
        String jdk = "jdk-filechannel-" + mode.suffix;
        String jaio = "jaio-nio-filechannel-" + mode.suffix;
        // -nofast: jaio's engine without its fast paths (FastPaths.NONE), every read through the
        // engine; they do nothing for O_DIRECT reads.
        return mode == Mode.DIRECT ? List.of(jdk, jaio) : List.of(jdk, jaio, jaio + "-nofast");
    }

    @Override
    public String name() {
        return mode.workload;
    }

    @Override
    public String title() {
        return settings.threads() + " virtual threads, each reading random " + VsJdk.size(settings.blockSize())
                + " blocks of " + VsJdk.size(spec.regionBytes()) + " through one FileChannel, " + mode.what;
    }

    @Override
    public List<String> contenders() {
        return contenders(mode);
    }

    @Override
    public void prepare() throws IOException {
        spec = VsJdk.readSpec(settings, Files.size(settings.file()), settings.threads());
    }

    @Override
    public void beforeRound() throws IOException {
        if (mode == Mode.WARM) {
            ReadContenders.warmKernelCache(spec.file(), spec.regionBytes());
        }
    }

    @Override
    public RunResult run(int index, Timing timing) {
        String name = contenders().get(index);
        boolean direct = mode == Mode.DIRECT;
        if (mode == Mode.COLD) {
            try {
                ReadContenders.dropKernelCache(spec.file());
            } catch (IOException e) {
                return RunResult.failed(name, settings.threads() + " virtual", null,
                        new IOException("dropping " + spec.file() + " from the page cache: " + e.getMessage(), e));
            }
        }
        return read(index, name, direct, timing);
    }

    private RunResult read(int index, String name, boolean direct, Timing timing) {
        return index == 0 ? ReadContenders.fileChannelThreads(name, spec, true, direct, timing)
                : ReadContenders.fileChannelThreads(name, spec, true, direct, settings.engine(),
                        index == 2 ? dev.jaio.FastPaths.NONE : dev.jaio.FastPaths.ALL, timing);
    }

    @Override
    public void close() {
    }
}
