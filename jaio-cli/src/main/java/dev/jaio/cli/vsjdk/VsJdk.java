package dev.jaio.cli.vsjdk;

import dev.jaio.IoEngine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jaio bench --vs=jdk}: runs the chosen workloads, each a set of JDK and jaio contenders
 * doing the same work on the same file, one after another in this process; with
 * {@code --repeat N}, N rounds in which the contenders of a workload take turns.
 */
public final class VsJdk {

    private VsJdk() {
    }

    /**
     * Runs the workloads of {@code settings}.
     *
     * @param progress where a line is printed as each contender starts (stderr), or null
     * @return what every contender measured; a contender that failed has its error in its row
     * @throws IOException when FILE cannot be read
     */
    public static VsJdkReport run(VsJdkSettings settings, PrintWriter progress) throws IOException {
        Path file = settings.file();
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such regular file");
        }
        long fileSize = Files.size(file);
        List<WorkloadReport> reports = new ArrayList<>();
        for (String name : settings.workloads()) {
            try (Workload w = workload(name, settings)) {
                reports.add(run(w, settings, progress));
            }
        }
        String engine = reports.stream().flatMap(w -> w.contenders().stream()).map(ContenderSummary::engine)
                .filter(e -> e != null).findFirst().orElseGet(() -> settings.engine().equals("auto")
                        ? IoEngine.autoChoice().name() : settings.engine());
        return new VsJdkReport(Machine.current(engine), settings, fileSize, reports);
    }

    private static Workload workload(String name, VsJdkSettings settings) {
        return switch (name) {
            case "warm" -> new WarmWorkload(settings);
            case "log" -> new LogWorkload(settings);
            case "cold" -> new ColdWorkload(settings);
            case "vthreads" -> new VThreadsWorkload(settings, VThreadsWorkload.Mode.WARM);
            case "vthreads-cold" -> new VThreadsWorkload(settings, VThreadsWorkload.Mode.COLD);
            case "vthreads-direct" -> new VThreadsWorkload(settings, VThreadsWorkload.Mode.DIRECT);
            case "transfer" -> new TransferWorkload(settings);
            default -> throw new IllegalArgumentException("unknown workload " + name);
        };
    }

    private static WorkloadReport run(Workload w, VsJdkSettings settings, PrintWriter progress) {
        List<String> names = w.contenders();
        List<List<RunResult>> runs = new ArrayList<>();
        names.forEach(n -> runs.add(new ArrayList<>()));
        List<String> notes = new ArrayList<>();
        String title = w.name();
        try {
            w.prepare();
            title = w.title();
            for (int round = 0; round < settings.repeat(); round++) {
                w.beforeRound();
                for (int i = 0; i < names.size(); i++) {
                    if (progress != null) {
                        progress.println("jaio bench --vs=jdk: " + w.name() + " " + names.get(i)
                                + (settings.repeat() > 1 ? " (round " + (round + 1) + " of " + settings.repeat() + ")" : "")
                                + "...");
                        progress.flush();
                    }
                    RunResult r = w.run(i, settings.timing());
                    runs.get(i).add(r);
                    if (settings.repeat() == 1 || round == settings.repeat() - 1) {
                        notes.addAll(r.notes());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            String error = w.name() + " could not be prepared: " + RunResult.describe(e);
            notes.add(error);
            for (int i = 0; i < names.size(); i++) {
                if (runs.get(i).size() < settings.repeat()) {
                    runs.get(i).add(RunResult.failed(names.get(i), "-", null, e));
                }
            }
        }
        List<ContenderSummary> contenders = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            contenders.add(new ContenderSummary(names.get(i), runs.get(i)));
        }
        return new WorkloadReport(w.name(), title, contenders, notes);
    }

    /** The reads of warm and cold over FILE of {@code fileSize} bytes. */
    static ReadSpec readSpec(VsJdkSettings s, long fileSize) throws IOException {
        long region = s.regionBytes() == 0 ? fileSize : s.regionBytes();
        if (region > fileSize) {
            throw new IOException("--size=" + region + " is larger than " + s.file() + " (" + fileSize + " bytes)");
        }
        long blocks = region / s.blockSize();
        if (blocks < 1) {
            throw new IOException(s.file() + " is smaller than one block of " + s.blockSize() + " bytes");
        }
        return new ReadSpec(s.file(), s.blockSize(), blocks, s.depth(), s.seed());
    }

    /** As {@link #readSpec}, with {@code threads} readers instead of {@code --iodepth}. */
    static ReadSpec readSpec(VsJdkSettings s, long fileSize, int threads) throws IOException {
        ReadSpec r = readSpec(s, fileSize);
        return new ReadSpec(r.file(), r.blockSize(), r.blocks(), threads, r.seed());
    }

    /** {@return bytes as "4 KiB", "256 MiB", "1.5 GiB" or "100 B"} */
    static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.format("%.0f", v) : String.format("%.1f", v)) + " " + units[u];
    }
}
