package dev.jaio.cli.vsjdk;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The threads of this process that ran during an interval: every task of /proc/self/task whose
 * time on a CPU (the first field of its schedstat, in nanoseconds) grew, counted by kind from its
 * name (comm, at most 15 characters). A virtual thread is no task: the carriers it ran on are.
 *
 * @param total every thread that ran, the JVM's own (GC, JIT compilers) included
 * @param carriers carrier threads of the virtual-thread scheduler ({@code ForkJoinPool-N-worker-M})
 * @param pool the pool threads of the JDK contender's AsynchronousFileChannel ({@code vsjdk-afc-N})
 * @param jaio jaio's threads: an engine's completion thread, the threads engine's workers, the page
 *     cache's cleaner ({@code jaio-*})
 * @param ioUringWorkers io_uring's kernel workers ({@code iou-wrk-*}, {@code iou-sqp-*})
 */
record ActiveThreads(int total, int carriers, int pool, int jaio, int ioUringWorkers) {

    /** Nothing counted (/proc unreadable, or no interval). */
    static final ActiveThreads NONE = new ActiveThreads(0, 0, 0, 0, 0);

    /** Each task's name and time on a CPU at one moment. */
    record Snapshot(Map<String, Long> cpuNanos, Map<String, String> names) {
    }

    /** The tasks of this process now; empty if /proc cannot be read. */
    static Snapshot snapshot() {
        Map<String, Long> cpu = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    String stat = Files.readString(t.resolve("schedstat")).strip();
                    int space = stat.indexOf(' ');
                    long nanos = Long.parseLong(space < 0 ? stat : stat.substring(0, space));
                    String tid = t.getFileName().toString();
                    cpu.put(tid, nanos);
                    names.put(tid, Files.readString(t.resolve("comm")).strip());
                } catch (IOException | RuntimeException e) {
                    // the thread exited meanwhile, or no schedstat: not counted
                }
            }
        } catch (IOException | RuntimeException e) {
            return new Snapshot(Map.of(), Map.of());
        }
        return new Snapshot(cpu, names);
    }

    /** The threads of {@code after} that ran since {@code before} (new ones: that ran at all). */
    static ActiveThreads between(Snapshot before, Snapshot after) {
        int total = 0;
        int carriers = 0;
        int pool = 0;
        int jaio = 0;
        int uring = 0;
        for (Map.Entry<String, Long> e : after.cpuNanos().entrySet()) {
            long was = before.cpuNanos().getOrDefault(e.getKey(), 0L);
            if (e.getValue() <= was) {
                continue;
            }
            total++;
            String name = after.names().getOrDefault(e.getKey(), "");
            if (name.startsWith("ForkJoinPool-")) {
                carriers++;
            } else if (name.startsWith("vsjdk-afc-")) {
                pool++;
            } else if (name.startsWith("jaio-")) {
                jaio++;
            } else if (name.startsWith("iou-")) {
                uring++;
            }
        }
        return new ActiveThreads(total, carriers, pool, jaio, uring);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total", total);
        m.put("carriers", carriers);
        m.put("asyncChannelPool", pool);
        m.put("jaio", jaio);
        m.put("ioUringWorkers", ioUringWorkers);
        return m;
    }
}
