package dev.jaio.internal.loop;

import dev.jaio.internal.linux.Cachestat;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How large the pipe of a {@code uring} channel's sendFile grows. io_uring runs every SPLICE in an
 * io-wq worker (it never issues one inline), so each pipeful costs two hand-offs to a worker and
 * back: a 1 MiB pipe moves a file of up to 1 MiB in one pipeful, where the default 64 KiB pipe takes
 * 16 (measured in a cold run of {@code jaio serve --io=sendfile}: 1.6x the MiB/s of 64 KiB pipes,
 * at half the loop threads' CPU).
 *
 * <p>The kernel accounts a pipe's capacity, not what it holds, to its user (fs/pipe.c). Past
 * {@code fs.pipe-user-pages-soft} (16384 pages by default) an unprivileged user's new pipes get 2
 * pages and F_SETPIPE_SZ fails with EPERM, so pipes grown without bound would shrink every later
 * pipe of the user, this process's included. An unprivileged process therefore grows a pipe only
 * while the pipes it grew hold at most half of that budget (the rest keep 64 KiB); a process with
 * CAP_SYS_RESOURCE or CAP_SYS_ADMIN, which the kernel exempts, or a budget of 0 (none), grows every
 * one. Any thread.
 */
final class SplicePipes {

    /** A pipe's default capacity (16 pages of 4 KiB). */
    static final int DEFAULT_BYTES = 64 * 1024;
    /** What a pipe is grown to: fs.pipe-max-size's default, the most an unprivileged process may ask. */
    static final int GROWN_BYTES = 1 << 20;

    /** CAP_SYS_ADMIN and CAP_SYS_RESOURCE ({@code include/uapi/linux/capability.h}): exempt from the pipe budget. */
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_SYS_RESOURCE = 24;

    /** Pages the grown pipes of this process may hold at most (Long.MAX_VALUE: no limit). */
    private static final long BUDGET_PAGES = budgetPages();
    /** Pages of this process's grown pipes, all of each (the kernel accounts the whole capacity). */
    private static final AtomicLong GROWN_PAGES = new AtomicLong();

    private SplicePipes() {
    }

    /**
     * Grows the pipe whose end is {@code fd} to {@link #GROWN_BYTES} if the budget lets it.
     *
     * @return the pipe's capacity: grown, or {@link #DEFAULT_BYTES} (not grown, or the kernel refused)
     */
    static int grow(int fd) {
        return grow(fd, BUDGET_PAGES);
    }

    /** {@link #grow(int)} against a budget of {@code budgetPages} (tests: a small one). */
    static int grow(int fd, long budgetPages) {
        long pages = GROWN_BYTES / Cachestat.PAGE_SIZE;
        if (GROWN_PAGES.addAndGet(pages) > budgetPages) {
            GROWN_PAGES.addAndGet(-pages);
            return DEFAULT_BYTES;
        }
        long got = Libc.fcntlInt(fd, Fcntl.F_SETPIPE_SZ, GROWN_BYTES);
        if (got != GROWN_BYTES) {
            GROWN_PAGES.addAndGet(-pages);
            return DEFAULT_BYTES; // EPERM (over fs.pipe-max-size, or the user's pipe pages), or a kernel that rounds otherwise
        }
        return GROWN_BYTES;
    }

    /** A pipe {@link #grow} returned {@code capacity} for is closed. */
    static void released(int capacity) {
        if (capacity == GROWN_BYTES) {
            GROWN_PAGES.addAndGet(-(GROWN_BYTES / Cachestat.PAGE_SIZE));
        }
    }

    /** Tests: pages of this process's grown pipes. */
    static long grownPagesForTest() {
        return GROWN_PAGES.get();
    }

    private static long budgetPages() {
        if (exempt()) {
            return Long.MAX_VALUE;
        }
        long soft = ProcFs.number(Path.of("/proc/sys/fs/pipe-user-pages-soft")).orElse(16384);
        return soft == 0 ? Long.MAX_VALUE : soft / 2;
    }

    /** Whether this process has CAP_SYS_RESOURCE or CAP_SYS_ADMIN in its effective set (/proc/self/status). */
    private static boolean exempt() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                    return (caps & (1L << CAP_SYS_RESOURCE | 1L << CAP_SYS_ADMIN)) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: count as unprivileged, which only grows fewer pipes
        }
        return false;
    }
}
