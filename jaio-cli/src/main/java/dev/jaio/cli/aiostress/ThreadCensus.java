package dev.jaio.cli.aiostress;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The threads of this process, from /proc/self/task: every JVM thread and every kernel worker the
 * process owns (io_uring's io-wq workers, named {@code iou-wrk-PID}, are tasks of the process), so
 * a report can say how many threads a run really used.
 *
 * @param total every task of the process
 * @param jaio jaio's threads ({@code jaio-*}: completion threads, pool workers, the page cache's writeback thread)
 * @param workers aio-stress's own threads ({@code aio-stress-N})
 * @param ioUringWorkers io_uring kernel workers ({@code iou-wrk-*}, {@code iou-sqp-*})
 */
public record ThreadCensus(int total, int jaio, int workers, int ioUringWorkers) {

    /** Nothing counted. */
    public static final ThreadCensus NONE = new ThreadCensus(0, 0, 0, 0);

    /** Counts the process's threads now; {@link #NONE} if /proc cannot be read. */
    public static ThreadCensus now() {
        int total = 0;
        int jaio = 0;
        int workers = 0;
        int uring = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String comm;
                try {
                    comm = Files.readString(t.resolve("comm")).strip();
                } catch (IOException e) {
                    continue; // the thread exited meanwhile
                }
                total++;
                // comm holds at most 15 characters of the name.
                if (comm.startsWith("jaio-")) {
                    jaio++;
                } else if (comm.startsWith("aio-stress-")) {
                    workers++;
                } else if (comm.startsWith("iou-")) {
                    uring++;
                }
            }
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
        return new ThreadCensus(total, jaio, workers, uring);
    }

    /** The larger of each count. */
    public ThreadCensus max(ThreadCensus o) {
        return new ThreadCensus(Math.max(total, o.total), Math.max(jaio, o.jaio), Math.max(workers, o.workers),
                Math.max(ioUringWorkers, o.ioUringWorkers));
    }
}
