package dev.jaio.cli;

import dev.jaio.cli.aiostress.AioStress;
import dev.jaio.cli.aiostress.AioStressOptions;
import dev.jaio.cli.aiostress.AioStressResult;
import dev.jaio.cli.aiostress.BufferSource;
import dev.jaio.cli.aiostress.Defaults;
import dev.jaio.cli.aiostress.InvalidOptionException;
import dev.jaio.cli.aiostress.Output;
import dev.jaio.cli.aiostress.PageCacheOptions;
import dev.jaio.cli.aiostress.ResultJson;
import dev.jaio.cli.aiostress.Sizes;
import dev.jaio.cli.aiostress.Stage;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Stack;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jaio aio-stress [flags] FILE...}: the command line of {@link AioStress}. It only turns
 * flags into {@link AioStressOptions} (values as strings, parsed with the original's size rules),
 * runs, and maps the outcome to an exit status: 0 success, 1 I/O errors or a -v mismatch, 2 a
 * usage error (one line naming the flag).
 */
@Command(
        name = "aio-stress",
        sortOptions = false,
        usageHelpWidth = 80,
        header = "Run aio-stress (xfstests 0.21 flags and output) on jaio's engines.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = {
            "jaio aio-stress [-lLnOSuvxh] [-a SIZE] [-b N] [-c N] [-C SIZE] [-d N]",
            "                       [-i N] [-I N] [-m shm|shmfs] [-o STAGE]... [-r SIZE]",
            "                       [-s SIZE] [-t N] [--engine=NAME] [--json[=FILE]]",
            "                       [--drop-cache] [--cache[=SIZE]] [--readahead=POLICY]",
            "                       [--max-readahead=SIZE] FILE...",
        },
        descriptionHeading = "%n",
        description = {
            "Runs aio-stress, the benchmark of the OLS 2004 paper (xfstests",
            "ltp/aio-stress.c, version 0.21), on jaio. Flags, defaults and size suffixes",
            "are the original's, as are the stages (always in the order write, read,",
            "random write, random read), the file and offset layout (contexts, context",
            "offset, glibc rand() random offsets), the submission loop (io_iter requests",
            "per file, one batched submit of up to max io_submit, a pool of depth x files",
            "per thread), the fsync after each stage, stonewalling, and every output",
            "line: on stderr, except 'Running ...' on stdout; MB means MiB. Each thread",
            "drives its own jaio IoContext, the io_submit/io_getevents-style batch queue",
            "of the chosen engine.",
            "",
            "Buffered I/O goes through the kernel's page cache, unless --cache is given:",
            "then files are opened CACHED and reads go through jaio's own page cache",
            "(truly asynchronous buffered reads: pages are read with O_DIRECT and each",
            "request continues when its pages arrive: the thread's IoContext reads the",
            "pages in its own queue and runs the retries in its io_getevents), with",
            "upfront or legacy (2.6.2) readahead. Writes go into jaio's cache too: with",
            "-S each is written back (adjacent pages in one O_DIRECT write with",
            "RWF_SYNC) and waited for before it completes; without it the cache's",
            "cleaner writes the dirty pages back, and each stage's fsync flushes them.",
            "Two lines after each stage give the cache counters and the threads the",
            "process had.",
            "",
            "Sizes take a g, m, k or b suffix; without one, -a and -r are in KiB, -s and",
            "-C in MiB.",
            "",
            "Bugs of the original fixed here:",
            "  * -C sets only the context offset (the original falls through to -b too).",
            "  * Failed or short writes are errors ('io err' lines, exit status 1); the",
            "    original checks only reads.",
            "  * A -v mismatch makes the exit status 1 (the original prints the diff and",
            "    exits 0).",
            "  * A partial submit (kernel back-pressure) reaps and resubmits the rest;",
            "    the original's read_some_events() precedence slip ('ret =",
            "    read_some_events(t) > 0') lost the count.",
            "  * With stonewalling, 'min transfer' is the least any thread transferred",
            "    (the original looks at one thread only).",
            "  * -l and -L print after the stage's last requests are reaped, so -L counts",
            "    all of them (the original counts the tail in the next stage and loses",
            "    the last stage's).",
            "  * Failed fsyncs are reported and count as errors; a read-only run does not",
            "    spin forever on a file shorter than a context's start.",
            "",
            "Differences: -m shm and -m shmfs are accepted, but jaio always uses its own",
            "IoBuffers (aligned native memory), since its API cannot place SysV shm or a",
            "/dev/shm mapping; a note on stderr says so. Each thread's queue holds its",
            "whole I/O pool instead of a fixed 512. -h exits with status 0.",
            "",
            "Exit status: 0 success; 1 I/O errors, a -v mismatch, or a failure (engine",
            "unavailable, file cannot be opened); 2 a usage error (one line naming the",
            "flag).",
            "",
        },
        optionListHeading = "%nOptions:%n")
public final class AioStressCommand implements Callable<Integer> {

    @Option(names = {"-a", "--align"}, paramLabel = "SIZE",
            description = "Buffer alignment, record padding and random-offset alignment (default: the page size;"
                    + " KiB without suffix; a power of two).")
    String alignment;

    @Option(names = {"-b", "--max-submit"}, paramLabel = "N",
            description = "Most requests handed to one submit (default: files x contexts x io_iter).")
    String maxIoSubmit;

    @Option(names = {"-c", "--contexts"}, paramLabel = "N",
            description = "I/O contexts per file, each with its own file handle and window (default: "
                    + Defaults.CONTEXTS + ").")
    String contexts;

    @Option(names = {"-C", "--context-offset"}, paramLabel = "SIZE",
            description = "Offset between contexts (default: 2m; MiB without suffix).")
    String contextOffset;

    @Option(names = {"-s", "--size"}, paramLabel = "SIZE",
            description = "Size of each file (default: 1024m; MiB without suffix).")
    String fileSize;

    @Option(names = {"-r", "--record-size"}, paramLabel = "SIZE",
            description = "Size of every I/O (default: 64k; KiB without suffix).")
    String recordSize;

    @Option(names = {"-d", "--depth"}, paramLabel = "N",
            description = "Requests in flight per file; a thread's pool is depth x its files (default: "
                    + Defaults.DEPTH + ").")
    String depth;

    @Option(names = {"-i", "--ios-per-file"}, paramLabel = "N",
            description = "Requests built for one file before moving to the next (io_iter; default: "
                    + Defaults.IOS_PER_ITERATION + ").")
    String iosPerIteration;

    @Option(names = {"-I", "--iterations"}, paramLabel = "N",
            description = "Passes of the submit loop per stage before the run stops (default: no limit).")
    String iterations;

    @Option(names = {"-O", "--direct"}, description = "Open the files with O_DIRECT (all stages).")
    boolean direct;

    @Option(names = {"-S", "--sync"}, description = "Open the files with O_SYNC (all stages).")
    boolean sync;

    @Option(names = {"-o", "--stage"}, paramLabel = "STAGE",
            description = "Add a stage: 0 write, 1 read, 2 random write, 3 random read; repeat for more"
                    + " (default: all four). Stages run in that order whatever the order of the flags.")
    List<String> stages = new ArrayList<>();

    @Option(names = {"-m", "--buffers"}, paramLabel = "shm|shmfs",
            description = "The original's buffer source; accepted, but jaio IoBuffers are used (see above).")
    String bufferSource;

    @Option(names = {"-n", "--no-fsync"}, description = "No fsync after each stage.")
    boolean noFsync;

    @Option(names = {"-l", "--submit-latency"}, description = "Print submit latencies (ms) after each stage.")
    boolean submitLatency;

    @Option(names = {"-L", "--completion-latency"},
            description = "Print completion latencies (ms, submit to reap) after each stage.")
    boolean completionLatency;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "Worker threads, at most files x contexts (default: " + Defaults.THREADS + ").")
    String threads;

    @Option(names = {"-u", "--unlink"}, description = "Remove the files at the end.")
    boolean unlink;

    @Option(names = {"-v", "--verify"},
            description = "Write the byte 'b' and check sequential reads against it; a mismatch prints the"
                    + " differing bytes and makes the exit status 1.")
    boolean verify;

    @Option(names = {"-x", "--no-stonewall"}, description = "No thread stonewalling.")
    boolean noStonewall;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--engine", paramLabel = "NAME",
            description = "I/O engine: " + Defaults.ENGINES + " (default: " + Defaults.ENGINE
                    + ", the first available of uring, aio, threads). The header names the one that ran.")
    String engine = Defaults.ENGINE;

    @Option(names = "--json", paramLabel = "FILE", arity = "0..1", preprocessor = JsonFileArgument.class,
            description = "Write a JSON report: per stage bytes, MiB, MiB/s, IOPS, completion-latency"
                    + " percentiles (us), user and system CPU seconds; the engine and all flags; the engine's own"
                    + " counters for the run (engineStats: requests, bytes, errors by errno, latency percentiles;"
                    + " pageCacheStats). Without"
                    + " =FILE it goes to stdout after the run (after the 'Running' line).")
    String json;

    @Option(names = "--drop-cache",
            description = "Before each stage, fsync and evict the files' cached pages (posix_fadvise DONTNEED),"
                    + " so buffered stages start cold.")
    boolean dropCache;

    @Option(names = "--cache", paramLabel = "SIZE", arity = "0..1", preprocessor = CacheSizeArgument.class,
            fallbackValue = CacheSizeArgument.DEFAULT,
            description = "Buffered reads through jaio's own page cache of SIZE (default 256m; MiB without"
                    + " suffix) instead of the kernel's. Excludes -O. With --drop-cache each stage starts with"
                    + " both caches cold. The cache takes its whole budget from the system when the files are"
                    + " opened (pre-touched), as the kernel's cache lives in memory it already has.")
    String cache;

    @Option(names = "--readahead", paramLabel = "POLICY",
            description = "Readahead of jaio's page cache: upfront (default; sees each whole request, §3.4)"
                    + " or legacy (Linux 2.6.2, one page at a time; collapses under streaming random reads,"
                    + " §3.3). Needs --cache.")
    String readahead;

    @Option(names = "--max-readahead", paramLabel = "SIZE",
            description = "Largest readahead window of jaio's page cache (default 128k; KiB without suffix;"
                    + " 0 turns readahead off). Needs --cache.")
    String maxReadahead;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Test files, created if missing.")
    List<String> files = new ArrayList<>();

    @Spec
    CommandSpec spec;

    /** Creates the command. */
    public AioStressCommand() {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AioStressOptions options;
        AioStressResult result;
        try {
            options = options();
            result = AioStress.run(options, Output.to(out, err));
        } catch (InvalidOptionException e) {
            err.println("jaio aio-stress: " + e.getMessage());
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        int status = result.exitStatus();
        if (result.failure() != null) {
            err.println("jaio aio-stress: " + result.failure());
        }
        if (json != null) {
            String doc = Json.write(ResultJson.toJson(result));
            if (json.equals(JsonFileArgument.STDOUT)) {
                out.println(doc);
            } else {
                try {
                    Files.writeString(Path.of(json), doc + "\n");
                } catch (IOException | InvalidPathException e) {
                    err.println("jaio aio-stress: cannot write --json=" + json + ": " + e.getMessage());
                    status = 1;
                }
            }
        }
        out.flush();
        err.flush();
        return status;
    }

    /** The option model from the flags; throws {@link InvalidOptionException} naming a bad one. */
    AioStressOptions options() {
        AioStressOptions.Builder b = AioStressOptions.builder();
        for (String f : files) {
            try {
                b.file(Path.of(f));
            } catch (InvalidPathException e) {
                throw new InvalidOptionException("FILE '" + f + "': " + e.getReason());
            }
        }
        if (alignment != null) {
            b.alignment(Sizes.parseSize("-a", alignment, Sizes.KIB));
        }
        if (maxIoSubmit != null) {
            b.maxIoSubmit(Sizes.parseInt("-b", maxIoSubmit));
        }
        if (contexts != null) {
            b.contexts(Sizes.parseInt("-c", contexts));
        }
        if (contextOffset != null) {
            b.contextOffset(Sizes.parseSize("-C", contextOffset, Sizes.MIB)); // and nothing else: no fall-through to -b
        }
        if (fileSize != null) {
            b.fileSize(Sizes.parseSize("-s", fileSize, Sizes.MIB));
        }
        if (recordSize != null) {
            b.recordSize(Sizes.parseSize("-r", recordSize, Sizes.KIB));
        }
        if (depth != null) {
            b.depth(Sizes.parseInt("-d", depth));
        }
        if (iosPerIteration != null) {
            b.iosPerIteration(Sizes.parseInt("-i", iosPerIteration));
        }
        if (iterations != null) {
            b.iterations(Sizes.parseInt("-I", iterations));
        }
        for (String s : stages) {
            int code = Sizes.parseInt("-o", s);
            if (code < 0 || code > 3) {
                throw new InvalidOptionException("-o " + s + ": stages are 0 (write), 1 (read), 2 (random write)"
                        + " and 3 (random read)");
            }
            b.stage(Stage.ofCode(code));
        }
        if (bufferSource != null) {
            b.bufferSource(BufferSource.ofFlag(bufferSource));
        }
        if (threads != null) {
            b.threads(Sizes.parseInt("-t", threads));
        }
        if (cache != null) {
            long bytes = cache.equals(CacheSizeArgument.DEFAULT) ? PageCacheOptions.DEFAULT_CACHE_BYTES
                    : Sizes.parseSize("--cache", cache, Sizes.MIB);
            PageCacheOptions.Readahead policy = readahead == null ? PageCacheOptions.Readahead.UPFRONT
                    : PageCacheOptions.Readahead.ofFlag(readahead);
            long max = maxReadahead == null ? PageCacheOptions.DEFAULT_MAX_READAHEAD
                    : Sizes.parseSize("--max-readahead", maxReadahead, Sizes.KIB);
            if (max > Integer.MAX_VALUE) {
                throw new InvalidOptionException("--max-readahead=" + maxReadahead + ": must be 0 to 64m");
            }
            b.pageCache(PageCacheOptions.jaio(bytes, policy, (int) max));
        } else if (readahead != null || maxReadahead != null) {
            throw new InvalidOptionException((readahead != null ? "--readahead" : "--max-readahead")
                    + ": applies to jaio's page cache; add --cache");
        }
        Console console = System.console();
        return b.direct(direct)
                .sync(sync)
                .fsync(!noFsync)
                .submitLatency(submitLatency)
                .completionLatency(completionLatency)
                .unlink(unlink)
                .verify(verify)
                .stonewall(!noStonewall)
                .engine(engine)
                .dropCache(dropCache)
                .progress(console != null && console.isTerminal())
                .commandLine(originalArgs())
                .build();
    }

    private List<String> originalArgs() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        return parsed == null ? List.of() : parsed.originalArgs();
    }

    /** {@code --cache} takes its SIZE only attached ({@code --cache=64m}), so {@code --cache FILE} keeps FILE a file. */
    static final class CacheSizeArgument implements CommandLine.IParameterPreprocessor {
        static final String DEFAULT = "default";

        @Override
        public boolean preprocess(Stack<String> args, CommandSpec commandSpec, ArgSpec argSpec, Map<String, Object> info) {
            if (" ".equals(info.get("separator"))) {
                args.push(DEFAULT);
            }
            return false;
        }
    }

    /**
     * {@code --json} takes its FILE only attached ({@code --json=FILE}), so that
     * {@code --json data.bin} leaves data.bin a test file and writes the report to stdout.
     */
    static final class JsonFileArgument implements CommandLine.IParameterPreprocessor {
        static final String STDOUT = "-";

        @Override
        public boolean preprocess(Stack<String> args, CommandSpec commandSpec, ArgSpec argSpec, Map<String, Object> info) {
            if (" ".equals(info.get("separator"))) {
                args.push(STDOUT);
            }
            return false;
        }
    }
}
