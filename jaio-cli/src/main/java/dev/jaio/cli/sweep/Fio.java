package dev.jaio.cli.sweep;

import dev.jaio.cli.Json;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** fio at a sweep point: the same file, record size, depth and flags as the aio-stress run, JSON output parsed. */
public final class Fio {

    private Fio() {
    }

    /** The {@code fio} executable on the PATH, or null. */
    public static Path find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "fio");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** {@code fio --version}, or "unknown". */
    static String version(Path fio) {
        try {
            Process p = new ProcessBuilder(fio.toString(), "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(10, TimeUnit.SECONDS);
            return v.isEmpty() ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /**
     * The fio command line of one point: {@code --rw=randread --invalidate=1} (cold cache) for
     * Figure 1, {@code --rw=randwrite --sync=1 --end_fsync=1} for Figure 2; {@code --bs}, {@code
     * --iodepth}, {@code --size} and {@code --filename} as the aio-stress run's, random offsets
     * without a random map, and a bound: {@code --io_size} (the per-point cap) and {@code --runtime}
     * (not time based: the job ends at whichever comes first).
     */
    public static List<String> command(Path fio, SweepSettings s, Figure figure, SweepConfig config, long rec) {
        List<String> c = new ArrayList<>(List.of(fio.toString(),
                "--name=" + figure.id(),
                "--filename=" + s.file().toAbsolutePath(),
                "--ioengine=" + config.engine(),
                "--direct=" + (config.direct() ? 1 : 0),
                "--rw=" + figure.fioRw(),
                "--bs=" + rec,
                "--iodepth=" + s.depth(),
                "--size=" + s.fileSize(),
                "--norandommap",
                "--randrepeat=0",
                "--runtime=" + s.fioRuntimeSeconds(),
                "--output-format=json"));
        if (s.capBytes() > 0 && s.capBytes() < s.fileSize()) {
            c.add("--io_size=" + s.capBytes());
        }
        if (figure.isRead()) {
            c.add("--invalidate=1");
        } else {
            c.add("--sync=1");
            c.add("--end_fsync=1");
        }
        return c;
    }

    /** Runs fio at one point; a failure becomes a point with its error. */
    static SweepPoint run(SweepSettings s, Figure figure, SweepConfig config, long rec) {
        Path fio = find();
        if (fio == null) {
            return SweepPoint.failed(figure, config, rec, "fio is not on the PATH");
        }
        Path errFile = null;
        try {
            errFile = Files.createTempFile("jaio-sweep-fio", ".err");
            Process p = new ProcessBuilder(command(fio, s, figure, config, rec))
                    .redirectError(errFile.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(s.fioRuntimeSeconds() + 60L, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return SweepPoint.failed(figure, config, rec, "fio did not finish");
            }
            if (p.exitValue() != 0) {
                String err = Files.readString(errFile).strip();
                return SweepPoint.failed(figure, config, rec, "fio exited " + p.exitValue()
                        + (err.isEmpty() ? "" : ": " + err.lines().findFirst().orElse("")));
            }
            return parse(out, figure, config, rec);
        } catch (IOException | IllegalArgumentException e) {
            return SweepPoint.failed(figure, config, rec, "fio: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SweepPoint.failed(figure, config, rec, "interrupted");
        } finally {
            if (errFile != null) {
                try {
                    Files.deleteIfExists(errFile);
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }

    /**
     * Reads fio's JSON output: {@code jobs[0].read} (or {@code .write}) {@code io_bytes},
     * {@code runtime} (ms), {@code bw_bytes}, {@code iops}, {@code clat_ns.percentile} 50 and 99;
     * {@code jobs[0].usr_cpu} and {@code sys_cpu} (percent of {@code job_runtime}).
     *
     * @throws IllegalArgumentException when the output is not fio's JSON
     */
    public static SweepPoint parse(String output, Figure figure, SweepConfig config, long rec) {
        int brace = output.indexOf('{'); // fio may print notes before the document
        if (brace < 0) {
            throw new IllegalArgumentException("no JSON in fio's output");
        }
        Map<?, ?> doc = (Map<?, ?>) Json.parse(output.substring(brace).strip());
        Map<?, ?> job = (Map<?, ?>) ((List<?>) doc.get("jobs")).getFirst();
        Map<?, ?> dir = (Map<?, ?>) job.get(figure.isRead() ? "read" : "write");
        long bytes = num(dir.get("io_bytes")).longValue();
        double seconds = num(dir.get("runtime")).doubleValue() / 1e3;
        double mib = num(dir.get("bw_bytes")).doubleValue() / (1024.0 * 1024.0);
        double iops = num(dir.get("iops")).doubleValue();
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        if (dir.get("clat_ns") instanceof Map<?, ?> clat && clat.get("percentile") instanceof Map<?, ?> pct) {
            if (pct.get("50.000000") != null) {
                p50 = num(pct.get("50.000000")).doubleValue() / 1e3;
            }
            if (pct.get("99.000000") != null) {
                p99 = num(pct.get("99.000000")).doubleValue() / 1e3;
            }
        }
        double cpu = (num(job.get("usr_cpu")).doubleValue() + num(job.get("sys_cpu")).doubleValue()) / 100.0
                * num(job.get("job_runtime")).doubleValue() / 1e3;
        return new SweepPoint(figure, config, rec, bytes, seconds, mib, iops, p50, p99, cpu, null);
    }

    private static Number num(Object o) {
        if (o instanceof Number n) {
            return n;
        }
        throw new IllegalArgumentException("fio JSON: expected a number, found " + o);
    }
}
