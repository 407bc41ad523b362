package dev.jaio.cli;

import dev.jaio.EngineStatus;
import dev.jaio.cli.aiostress.CpuTimes;
import dev.jaio.cli.loop.ContextSwitches;
import dev.jaio.cli.loop.PipePingPong;
import dev.jaio.loop.EventLoop;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jaio pipe-pingpong}: the paper's §9.2 pipe workload on every event loop backend, beside two
 * blocking threads, in one run.
 */
@Command(
        name = "pipe-pingpong",
        mixinStandardHelpOptions = true,
        versionProvider = JaioCommand.Version.class,
        header = "Bounce a message between two event loops over two pipes, on each backend and with two blocking threads.",
        description = {
            "The paper's section 9.2 pipe workload: a --size byte message goes back and forth between two"
                    + " threads over two pipes, --messages round trips after --warmup unmeasured ones. On each"
                    + " event loop backend (--backends) each side is an EventLoop of its own (two loops, two"
                    + " threads) and every read and write goes through its loop: uring reads and writes the"
                    + " pipes with the ring's READ and WRITE; aio-poll waits with IOCB_CMD_POLL and then reads"
                    + " or writes without blocking; epoll+aio and threads wait in epoll_wait. The baseline,"
                    + " blocking-threads, is two platform threads making blocking read(2) and write(2) calls on"
                    + " JDK pipes.",
            "Printed per row: round trips per second, context switches per round trip (" + ContextSwitches.SOURCE
                    + ", all threads of the process, io_uring's workers included), and process CPU"
                    + " microseconds per round trip (" + CpuTimes.SOURCE + "). Backends that cannot set up here"
                    + " are skipped with a note. Exit status: 0, or 1 when a run failed.",
        })
public final class PipePingPongCommand implements Callable<Integer> {

    @Option(names = "--backends", split = ",", defaultValue = "uring,aio-poll,epoll+aio,threads",
            description = "Event loop backends to run (default: ${DEFAULT-VALUE}).")
    List<String> backends;

    @Option(names = "--messages", defaultValue = "100000", description = "Measured round trips per row (default: ${DEFAULT-VALUE}).")
    long messages;

    @Option(names = "--warmup", defaultValue = "20000", description = "Unmeasured round trips first (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--size", defaultValue = "64", description = "Message bytes, 1 to 4096 (PIPE_BUF: one atomic write) (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--no-baseline", description = "Leave out the blocking-threads row.")
    boolean noBaseline;

    @Option(names = "--json", paramLabel = "FILE", arity = "0..1", preprocessor = AioStressCommand.JsonFileArgument.class,
            description = "Also write the rows as JSON: to FILE, or with no FILE to stdout instead of the table.")
    String json;

    @Spec
    CommandSpec spec;

    /** Creates the command. */
    public PipePingPongCommand() {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (size < 1 || size > 4096) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--size must be in [1, 4096]: " + size);
        }
        if (messages < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--messages must be >= 1 and --warmup >= 0");
        }
        for (String b : backends) {
            if (!List.of("uring", "aio-poll", "epoll+aio", "threads").contains(b)) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "unknown backend '" + b + "' in --backends; use uring, aio-poll, epoll+aio, threads");
            }
        }
        List<EngineStatus> available = EventLoop.probeAll();
        List<PipePingPong.Result> rows = new ArrayList<>();
        int status = 0;
        for (String b : backends) {
            EngineStatus s = available.stream().filter(e -> e.name().equals(b)).findFirst().orElseThrow();
            if (!s.available()) {
                err.println("jaio pipe-pingpong: " + b + " skipped: " + s.detail());
                continue;
            }
            try {
                PipePingPong.Result r = PipePingPong.onLoops(b, size, warmup, messages);
                rows.add(r);
                err.println(line(r));
            } catch (Exception e) {
                err.println("jaio pipe-pingpong: " + b + " failed: " + e);
                status = 1;
            }
            err.flush();
        }
        if (!noBaseline) {
            try {
                PipePingPong.Result r = PipePingPong.blockingThreads(size, warmup, messages);
                rows.add(r);
                err.println(line(r));
            } catch (Exception e) {
                err.println("jaio pipe-pingpong: " + PipePingPong.BLOCKING + " failed: " + e);
                status = 1;
            }
        }
        err.flush();
        String jsonText = json == null ? null : Json.write(toJson(rows));
        if (AioStressCommand.JsonFileArgument.STDOUT.equals(json)) {
            out.println(jsonText);
        } else {
            out.println(table(rows));
            if (json != null) {
                try {
                    Files.writeString(Path.of(json), jsonText + "\n");
                } catch (IOException e) {
                    err.println("jaio pipe-pingpong: cannot write " + json + ": " + e.getMessage());
                    status = 1;
                }
            }
        }
        out.flush();
        err.flush();
        return status;
    }

    private static String line(PipePingPong.Result r) {
        return String.format(Locale.ROOT, "%-16s %10.0f round trips/s  %6.2f switches/round trip  %7.2f us CPU/round trip",
                r.backend(), r.roundTripsPerSecond(), r.switchesPerRoundTrip(), r.cpuMicrosPerRoundTrip());
    }

    static String table(List<PipePingPong.Result> rows) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-16s %14s %18s %18s %12s%n", "backend", "round trips/s", "ctx switches/rt",
                "CPU us/rt", "vs blocking"));
        double base = rows.stream().filter(r -> r.backend().equals(PipePingPong.BLOCKING))
                .mapToDouble(PipePingPong.Result::roundTripsPerSecond).findFirst().orElse(Double.NaN);
        for (PipePingPong.Result r : rows) {
            b.append(String.format(Locale.ROOT, "%-16s %14.0f %18.2f %18.2f %11.2fx%n", r.backend(), r.roundTripsPerSecond(),
                    r.switchesPerRoundTrip(), r.cpuMicrosPerRoundTrip(), r.roundTripsPerSecond() / base));
        }
        return b.toString().stripTrailing();
    }

    private Map<String, Object> toJson(List<PipePingPong.Result> rows) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("messageBytes", size);
        root.put("warmup", warmup);
        root.put("contextSwitchSource", ContextSwitches.SOURCE);
        root.put("cpuTimeSource", CpuTimes.SOURCE);
        List<Object> list = new ArrayList<>();
        for (PipePingPong.Result r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", r.backend());
            m.put("roundTrips", r.roundTrips());
            m.put("seconds", r.seconds());
            m.put("roundTripsPerSecond", r.roundTripsPerSecond());
            m.put("contextSwitches", r.contextSwitches());
            m.put("contextSwitchesPerRoundTrip", r.switchesPerRoundTrip());
            m.put("cpuMicrosPerRoundTrip", r.cpuMicrosPerRoundTrip());
            list.add(m);
        }
        root.put("rows", list);
        return root;
    }
}
