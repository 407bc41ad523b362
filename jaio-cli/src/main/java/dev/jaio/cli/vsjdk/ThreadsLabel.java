package dev.jaio.cli.vsjdk;

import java.util.ArrayList;
import java.util.List;

/**
 * The "threads" column: the threads a contender runs its operations on, and the helper threads
 * that ran during its measured interval ({@link ActiveThreads}): the carriers of its virtual
 * threads, the AsynchronousFileChannel's pool, jaio's threads, io_uring's kernel workers.
 */
final class ThreadsLabel {

    private ThreadsLabel() {
    }

    /**
     * @param virtual the contender's virtual threads, 0 for none
     * @param platform the contender's own platform threads, as words ("1 platform", "1 committer"), or null
     */
    static String of(int virtual, String platform, Interval interval) {
        ActiveThreads t = interval.threads();
        List<String> parts = new ArrayList<>();
        if (virtual > 0) {
            parts.add(virtual + " virtual on " + t.carriers() + " carrier" + (t.carriers() == 1 ? "" : "s"));
        }
        if (platform != null) {
            parts.add(platform);
        }
        if (t.pool() > 0) {
            parts.add(t.pool() + " pool");
        }
        if (t.jaio() > 0) {
            parts.add(t.jaio() + " jaio");
        }
        if (t.ioUringWorkers() > 0) {
            parts.add(t.ioUringWorkers() + " io-wq");
        }
        return String.join(" + ", parts);
    }
}
