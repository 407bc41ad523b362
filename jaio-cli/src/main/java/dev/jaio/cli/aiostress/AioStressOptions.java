package dev.jaio.cli.aiostress;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything one {@code aio-stress} run is configured with, independent of how it was parsed: the
 * command line fills it through {@link #builder()}, and so can code (a sweep). Values are checked
 * here; a bad one throws an {@link InvalidOptionException} naming the flag. Defaults are in
 * {@link Defaults}; values derived from several flags (io_iter lowered to the depth, the thread
 * count capped, ...) are in {@link Settings}.
 *
 * @param files the test files ({@code FILE...})
 * @param fileSize {@code -s}, bytes
 * @param recordSize {@code -r}, bytes
 * @param alignment {@code -a}, bytes (a power of two): buffer alignment, record padding, random offset alignment
 * @param depth {@code -d}
 * @param iosPerIteration {@code -i} (io_iter)
 * @param maxIoSubmit {@code -b}; 0 for files x contexts x io_iter
 * @param contexts {@code -c}
 * @param contextOffset {@code -C}, bytes
 * @param iterations {@code -I}: submit-loop passes per stage; -1 without limit
 * @param stageFlags the {@code -o} stages in the order given (empty: all four)
 * @param direct {@code -O}
 * @param sync {@code -S}
 * @param bufferSource {@code -m}
 * @param fsync fsync each file after each stage (off with {@code -n})
 * @param submitLatency {@code -l}
 * @param completionLatency {@code -L}
 * @param threads {@code -t}
 * @param unlink {@code -u}
 * @param verify {@code -v}
 * @param stonewall on unless {@code -x}
 * @param engine {@code --engine}: auto, uring, aio or threads
 * @param dropCache {@code --drop-cache}
 * @param progress show the live progress line
 * @param pageCache {@code --cache[=SIZE]}, {@code --readahead}, {@code --max-readahead}: jaio's page cache, or the kernel's
 * @param commandLine the arguments as given, for the JSON report; empty when built from code
 */
public record AioStressOptions(
        List<Path> files,
        long fileSize,
        long recordSize,
        long alignment,
        int depth,
        int iosPerIteration,
        int maxIoSubmit,
        int contexts,
        long contextOffset,
        int iterations,
        List<Stage> stageFlags,
        boolean direct,
        boolean sync,
        BufferSource bufferSource,
        boolean fsync,
        boolean submitLatency,
        boolean completionLatency,
        int threads,
        boolean unlink,
        boolean verify,
        boolean stonewall,
        String engine,
        boolean dropCache,
        boolean progress,
        PageCacheOptions pageCache,
        List<String> commandLine) {

    public AioStressOptions {
        files = List.copyOf(files);
        stageFlags = List.copyOf(stageFlags);
        commandLine = List.copyOf(commandLine);
        Objects.requireNonNull(bufferSource, "bufferSource");
        Objects.requireNonNull(pageCache, "pageCache");
        Objects.requireNonNull(engine, "engine");
        if (files.isEmpty()) {
            throw new InvalidOptionException("FILE: no file given");
        }
        if (fileSize < 0) {
            throw new InvalidOptionException("-s " + fileSize + ": the file size must not be negative");
        }
        if (recordSize < 1 || recordSize > Integer.MAX_VALUE - 4096) {
            throw new InvalidOptionException("-r " + recordSize + "b: the record size must be 1 byte to 2 GiB - 4 KiB");
        }
        if (alignment < 1 || Long.bitCount(alignment) != 1 || alignment > Sizes.GIB) {
            throw new InvalidOptionException("-a " + alignment + "b: the alignment must be a power of two up to 1 GiB");
        }
        if (depth < 1) {
            throw new InvalidOptionException("-d " + depth + ": the depth must be at least 1");
        }
        if (iosPerIteration < 1) {
            throw new InvalidOptionException("-i " + iosPerIteration + ": ios per iteration must be at least 1");
        }
        if (maxIoSubmit < 0) {
            throw new InvalidOptionException("-b " + maxIoSubmit + ": must be 0 (files x contexts x ios per iteration) or more");
        }
        if (contexts < 1) {
            throw new InvalidOptionException("-c " + contexts + ": there must be at least 1 context per file");
        }
        if (contextOffset < 0) {
            throw new InvalidOptionException("-C " + contextOffset + ": the context offset must not be negative");
        }
        if (iterations < 1 && iterations != -1) {
            throw new InvalidOptionException("-I " + iterations + ": must be at least 1, or -1 for no limit");
        }
        if (threads < 1) {
            throw new InvalidOptionException("-t " + threads + ": there must be at least 1 thread");
        }
        if (!Set.of("auto", "uring", "aio", "threads").contains(engine)) {
            throw new InvalidOptionException("--engine=" + engine + ": unknown engine; use one of " + Defaults.ENGINES);
        }
        if (pageCache.enabled() && direct) {
            throw new InvalidOptionException("--cache: jaio's page cache is for buffered I/O; drop -O (O_DIRECT)");
        }
        if ((long) depth * files.size() * contexts > 1 << 20) {
            throw new InvalidOptionException("-d " + depth + ": depth x files x contexts exceeds 1048576 requests");
        }
    }

    /** The stages to run, in the fixed order write, read, random write, random read. */
    public List<Stage> stages() {
        if (stageFlags.isEmpty()) {
            return List.of(Stage.values());
        }
        return List.copyOf(EnumSet.copyOf(stageFlags));
    }

    /** A builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link AioStressOptions}; every setter has the default of {@link Defaults} until called. */
    public static final class Builder {
        private final List<Path> files = new ArrayList<>();
        private long fileSize = Defaults.FILE_SIZE;
        private long recordSize = Defaults.RECORD_SIZE;
        private long alignment = Defaults.alignment();
        private int depth = Defaults.DEPTH;
        private int iosPerIteration = Defaults.IOS_PER_ITERATION;
        private int maxIoSubmit = Defaults.MAX_IO_SUBMIT;
        private int contexts = Defaults.CONTEXTS;
        private long contextOffset = Defaults.CONTEXT_OFFSET;
        private int iterations = Defaults.ITERATIONS;
        private final List<Stage> stages = new ArrayList<>();
        private boolean direct;
        private boolean sync;
        private BufferSource bufferSource = BufferSource.MALLOC;
        private boolean fsync = true;
        private boolean submitLatency;
        private boolean completionLatency;
        private int threads = Defaults.THREADS;
        private boolean unlink;
        private boolean verify;
        private boolean stonewall = true;
        private String engine = Defaults.ENGINE;
        private boolean dropCache;
        private boolean progress;
        private PageCacheOptions pageCache = PageCacheOptions.kernel();
        private List<String> commandLine = List.of();

        private Builder() {
        }

        public Builder file(Path file) {
            files.add(file);
            return this;
        }

        public Builder files(List<Path> paths) {
            files.addAll(paths);
            return this;
        }

        public Builder fileSize(long bytes) {
            this.fileSize = bytes;
            return this;
        }

        public Builder recordSize(long bytes) {
            this.recordSize = bytes;
            return this;
        }

        public Builder alignment(long bytes) {
            this.alignment = bytes;
            return this;
        }

        public Builder depth(int n) {
            this.depth = n;
            return this;
        }

        public Builder iosPerIteration(int n) {
            this.iosPerIteration = n;
            return this;
        }

        public Builder maxIoSubmit(int n) {
            this.maxIoSubmit = n;
            return this;
        }

        public Builder contexts(int n) {
            this.contexts = n;
            return this;
        }

        public Builder contextOffset(long bytes) {
            this.contextOffset = bytes;
            return this;
        }

        public Builder iterations(int n) {
            this.iterations = n;
            return this;
        }

        /** Adds a stage, as one {@code -o} does. */
        public Builder stage(Stage stage) {
            stages.add(stage);
            return this;
        }

        public Builder direct(boolean on) {
            this.direct = on;
            return this;
        }

        public Builder sync(boolean on) {
            this.sync = on;
            return this;
        }

        public Builder bufferSource(BufferSource source) {
            this.bufferSource = source;
            return this;
        }

        public Builder fsync(boolean on) {
            this.fsync = on;
            return this;
        }

        public Builder submitLatency(boolean on) {
            this.submitLatency = on;
            return this;
        }

        public Builder completionLatency(boolean on) {
            this.completionLatency = on;
            return this;
        }

        public Builder threads(int n) {
            this.threads = n;
            return this;
        }

        public Builder unlink(boolean on) {
            this.unlink = on;
            return this;
        }

        public Builder verify(boolean on) {
            this.verify = on;
            return this;
        }

        public Builder stonewall(boolean on) {
            this.stonewall = on;
            return this;
        }

        public Builder engine(String name) {
            this.engine = name;
            return this;
        }

        public Builder dropCache(boolean on) {
            this.dropCache = on;
            return this;
        }

        public Builder progress(boolean on) {
            this.progress = on;
            return this;
        }

        public Builder pageCache(PageCacheOptions options) {
            this.pageCache = options;
            return this;
        }

        public Builder commandLine(List<String> args) {
            this.commandLine = args;
            return this;
        }

        public AioStressOptions build() {
            return new AioStressOptions(files, fileSize, recordSize, alignment, depth, iosPerIteration, maxIoSubmit,
                    contexts, contextOffset, iterations, Collections.unmodifiableList(stages), direct, sync,
                    bufferSource, fsync, submitLatency, completionLatency, threads, unlink, verify, stonewall, engine,
                    dropCache, progress, pageCache, commandLine);
        }
    }
}
