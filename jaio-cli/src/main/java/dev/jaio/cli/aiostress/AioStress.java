package dev.jaio.cli.aiostress;

import dev.jaio.AsyncFile;
import dev.jaio.DirectIoAlignment;
import dev.jaio.EngineConfig;
import dev.jaio.FileOption;
import dev.jaio.IoEngine;
import dev.jaio.PageCacheConfig;
import dev.jaio.ReadaheadPolicy;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * aio-stress on jaio: xfstests' ltp/aio-stress.c (version 0.21) rebuilt over jaio's batch
 * interface, with the same flags, file and offset layout, submission loop, stages, stonewalling
 * and output lines, and its bugs fixed (see {@code jaio aio-stress --help}).
 *
 * <p>{@link #run} is the whole tool as a method: the command line calls it, and so can code that
 * drives many runs (a sweep) and reads the {@link AioStressResult}s, printing nothing with
 * {@link Output#quiet()}.
 */
public final class AioStress {

    private AioStress() {
    }

    /**
     * Runs aio-stress.
     *
     * @throws InvalidOptionException for a combination of flags that cannot run (file too small
     *     for the contexts, O_DIRECT alignment the file's filesystem refuses): a usage error
     */
    public static AioStressResult run(AioStressOptions options, Output output) {
        if (options.bufferSource() != BufferSource.MALLOC) {
            output.err("-m " + options.bufferSource().flagValue() + ": jaio cannot use "
                    + (options.bufferSource() == BufferSource.SHM ? "SysV shm" : "/dev/shm")
                    + " buffers through its API; using jaio IoBuffers (aligned native memory) instead");
        }
        for (Stage s : options.stageFlags()) {
            output.err(Lines.addingStage(s));
        }
        Settings settings = Settings.resolve(options);
        settings.notes().forEach(output::err);
        output.err(Lines.headerSizes(options.fileSize(), options.recordSize(), options.depth(),
                settings.iosPerIteration()));
        output.err(Lines.headerSubmit(settings.maxIoSubmit(), options.alignment()));
        output.err(Lines.headerThreads(settings.threads(), options.files().size(), options.contexts(),
                options.contextOffset(), options.verify()));

        IoEngine engine;
        try {
            EngineConfig config = EngineConfig.defaults().withEngine(options.engine());
            PageCacheOptions pc = options.pageCache();
            if (pc.enabled()) {
                config = config.withPageCache(new PageCacheConfig(pc.cacheBytes().getAsLong(), pc.maxReadaheadBytes(),
                        pc.readahead() == PageCacheOptions.Readahead.LEGACY ? ReadaheadPolicy.LEGACY
                                : ReadaheadPolicy.UPFRONT, true));
            }
            engine = IoEngine.open(config);
        } catch (IOException | RuntimeException e) {
            return failed(options, settings, options.engine(), message(e));
        }
        try (engine) {
            output.err(Lines.headerEngine(engine.name(), options.engine().equals("auto")));
            if (options.pageCache().enabled()) {
                output.err(Lines.headerCache(options.pageCache()));
            }
            return runOn(engine, options, settings, output);
        }
    }

    private static AioStressResult runOn(IoEngine engine, AioStressOptions options, Settings settings, Output output) {
        Run run = new Run(options, settings, output, engine);
        List<List<Oper>> perThread = new ArrayList<>();
        for (int t = 0; t < settings.threads(); t++) {
            perThread.add(new ArrayList<>());
        }
        List<AsyncFile> opened = new ArrayList<>();
        Progress progress = null;
        boolean ran = false;
        try {
            long bufferAlignment = options.alignment();
            int openIndex = 0;
            for (Path path : options.files()) {
                for (int j = 0; j < options.contexts(); j++) {
                    AsyncFile file = open(engine, path, options);
                    opened.add(file);
                    if (j == 0 && settings.stages().getFirst().isRead() && Files.isRegularFile(path)
                            && file.size() < options.fileSize()) {
                        output.err(Lines.shortFileWarning(path, file.size(), options.fileSize()));
                    }
                    if (options.direct()) {
                        bufferAlignment = Math.max(bufferAlignment, checkDirect(file, options));
                    }
                    long start = Layout.contextStart(j, options.contextOffset());
                    long end = Layout.contextEnd(options.fileSize(), j, options.contextOffset());
                    Oper oper = new Oper(path, file, start, end, Layout.totalIos(start, end, options.recordSize()),
                            Files.isRegularFile(path));
                    perThread.get(openIndex++ % settings.threads()).add(oper);
                }
            }
            for (int t = 0; t < settings.threads(); t++) {
                // Each thread's IoContext holds depth x its stages requests: check that derived number
                // here, naming the flag, rather than let newContext refuse a number nobody passed.
                long pool = (long) options.depth() * perThread.get(t).size();
                if (pool > engine.maxContextDepth()) {
                    throw new InvalidOptionException("-d " + options.depth() + ": a thread with " + perThread.get(t).size()
                            + " files/contexts keeps " + pool + " requests in flight; the " + engine.name()
                            + " engine allows at most " + engine.maxContextDepth() + " per thread");
                }
            }
            for (int t = 0; t < settings.threads(); t++) {
                run.workers.add(new Worker(t, run, perThread.get(t), bufferAlignment));
            }
            output.out(Lines.running(settings.threads()));
            if (options.progress()) {
                progress = new Progress(run);
                progress.start();
            }
            ran = true;
            List<Thread> threads = new ArrayList<>();
            for (Worker w : run.workers) {
                threads.add(Thread.ofPlatform().name("aio-stress-" + w.index).start(w));
            }
            for (Thread t : threads) {
                joinUninterruptibly(t);
            }
        } catch (IOException e) {
            run.fail(e);
        } finally {
            if (progress != null) {
                progress.stop();
            }
            for (AsyncFile f : opened) {
                f.close();
            }
        }
        if (options.unlink() && ran) {
            for (Path path : options.files()) {
                output.out(Lines.cleaningUp(path));
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    output.err("cannot unlink " + path + ": " + message(e));
                }
            }
        }
        long errors = 0;
        long verifyErrors = 0;
        for (StageResult s : run.results) {
            errors += s.errors();
            verifyErrors += s.verifyErrors();
        }
        Throwable failure = run.failure();
        return new AioStressResult(options, settings, engine.name(), run.results, errors, verifyErrors,
                failure == null ? null : message(failure), engine.stats(), engine.pageCacheStats());
    }

    /** Opens one file and context: O_CREAT|O_RDWR (+O_DIRECT, +O_SYNC), created with mode 0600 as the original does. */
    private static AsyncFile open(IoEngine engine, Path path, AioStressOptions options) throws IOException {
        if (!Files.exists(path)) {
            try {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(
                        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
            } catch (FileAlreadyExistsException e) {
                // created meanwhile: open it
            } catch (IOException e) {
                throw new IOException("cannot create " + path + ": " + message(e), e);
            }
        }
        EnumSet<FileOption> o = EnumSet.of(FileOption.READ, FileOption.WRITE, FileOption.CREATE);
        if (options.direct()) {
            o.add(FileOption.DIRECT);
        }
        if (options.pageCache().enabled()) {
            o.add(FileOption.CACHED);
        }
        if (options.sync()) {
            o.add(FileOption.SYNC);
        }
        try {
            return AsyncFile.open(engine, path, o);
        } catch (IOException e) {
            throw new IOException("cannot open " + path + ": " + message(e), e);
        }
    }

    /**
     * With {@code -O}, every offset is the context start plus multiples of the record size, the
     * alignment and 1 MiB: refuses flags the file's O_DIRECT alignment cannot take, naming the flag.
     *
     * @return the buffer alignment O_DIRECT needs on this file
     */
    private static long checkDirect(AsyncFile file, AioStressOptions options) throws IOException {
        DirectIoAlignment a = file.alignment();
        if (!a.supported()) {
            throw new IOException(file.path() + ": O_DIRECT is not supported here (" + a.source() + ")");
        }
        long unit = a.offsetAlignment();
        String needs = ": O_DIRECT on " + file.path() + " needs multiples of " + unit + " bytes (" + a.source() + ")";
        if (options.recordSize() % unit != 0) {
            throw new InvalidOptionException("-r " + options.recordSize() + "b" + needs);
        }
        if (options.alignment() % unit != 0) {
            throw new InvalidOptionException("-a " + options.alignment() + "b" + needs);
        }
        if (options.contexts() > 1 && options.contextOffset() % unit != 0) {
            throw new InvalidOptionException("-C " + options.contextOffset() + "b" + needs);
        }
        return a.bufferAlignment();
    }

    private static AioStressResult failed(AioStressOptions options, Settings settings, String engine, String why) {
        return new AioStressResult(options, settings, engine, List.of(), 0, 0, why, null, null);
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    static String message(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.io.UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
