package dev.jaio.cli.loop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Context switches of this process so far: the sum over its threads of
 * {@code voluntary_ctxt_switches} and {@code nonvoluntary_ctxt_switches} in
 * {@code /proc/self/task/TID/status} (proc(5)). Threads that exited are not counted, so take both
 * readings while the threads of interest live. io_uring's io-wq workers are threads of the process
 * and are counted.
 */
public final class ContextSwitches {

    /** Where the numbers come from, for reports. */
    public static final String SOURCE = "/proc/self/task/*/status voluntary_ctxt_switches + nonvoluntary_ctxt_switches";

    private ContextSwitches() {
    }

    /** The current total, or -1 when /proc cannot be read. */
    public static long now() {
        long total = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            total += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                        }
                    }
                } catch (IOException e) {
                    // the thread exited between the listing and the read
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return total;
    }
}
