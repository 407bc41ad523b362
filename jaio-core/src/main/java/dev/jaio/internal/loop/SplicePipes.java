package dev.jaio.internal.loop;

import dev.jaio.internal.linux.Cachestat;
import dev.jaio.internal.linux.Capability;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.ProcFs;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How large the pipe of a {@code uring} channel's sendFile grows. io_uring runs every SPLICE in an
 * io-wq worker (it never issues one inline), so each pipeful costs two hand-offs, to a worker and
 * back: a 1 MiB pipe moves a file of up to 1 MiB in one pipeful, where a default pipe (16 pages, 64
 * KiB) takes 16 (measured in a cold run of {@code jaio serve --io=sendfile}: 1.6x the MiB/s of 64
 * KiB pipes).
 *
 * <p>The kernel accounts a pipe's capacity, not what it holds, to its user, across all of the
 * user's processes (fs/pipe.c): past {@code fs.pipe-user-pages-soft} (16384 pages by default) an
 * unprivileged user's new pipes get 2 pages and F_SETPIPE_SZ fails with EPERM, so pipes grown
 * without bound would shrink every later pipe of the user. An unprivileged process therefore grows
 * a pipe only while the pipes it grew hold at most a quarter of that budget (the rest of the
 * user's processes, and its other pipes, have the other three quarters); a process the kernel
 * exempts (CAP_SYS_RESOURCE or CAP_SYS_ADMIN in the initial user namespace, as /proc/self/uid_map
 * and CapEff tell: a heuristic, which a namespace whose map looks initial would fool), or a budget
 * of 0 (none), grows every one. A bounded process shrinks a pipe back once the send that grew it
 * ended, so that idle keep-alive connections hold none of the budget. The budget is read when the
 * first uring loop opens. Any thread.
 */
final class SplicePipes {

    /** What a pipe is grown to: fs.pipe-max-size's default, the most an unprivileged process may ask. */
    static final int GROWN_BYTES = 1 << 20;
    /** {@link #grow}: not grown, the process's budget is full. */
    static final int OVER_BUDGET = -1;
    /** {@link #grow}: not grown, the kernel refused. */
    static final int REFUSED = -2;

    /** Pages the grown pipes of this process may hold at most (Long.MAX_VALUE: no limit); tests may set it. */
    private static volatile long budgetPages = budgetPages();
    /** Pages of this process's grown pipes, all of each (the kernel accounts the whole capacity). */
    private static final AtomicLong GROWN_PAGES = new AtomicLong();

    private SplicePipes() {
    }

    /** Reads the budget now (a uring loop opening), not on a loop thread at its first sendFile. */
    static void prepare() {
        // class initialisation did it
    }

    /**
     * Grows the pipe whose end is {@code fd} to {@link #GROWN_BYTES} if the budget lets it and the
     * kernel agrees.
     *
     * @return the new capacity; {@link #OVER_BUDGET} when this process's grown pipes hold its budget
     *     (worth asking again once one is released); {@link #REFUSED} when the kernel refused (EPERM:
     *     fs.pipe-max-size, or the user's pipe pages; not worth asking again for this pipe)
     */
    static int grow(int fd) {
        return grow(fd, budgetPages);
    }

    /** {@link #grow(int)} against a budget of {@code budgetPages} (tests: a small one). */
    static int grow(int fd, long budgetPages) {
        long pages = GROWN_BYTES / Cachestat.PAGE_SIZE;
        if (GROWN_PAGES.addAndGet(pages) > budgetPages) {
            GROWN_PAGES.addAndGet(-pages);
            return OVER_BUDGET;
        }
        boolean grown = false;
        try {
            // EPERM: over fs.pipe-max-size, or the user's pipe pages. (It cannot be more: 1 MiB is
            // a power-of-two number of pages, to which the kernel rounds.)
            grown = Libc.fcntlInt(fd, Fcntl.F_SETPIPE_SZ, GROWN_BYTES) == GROWN_BYTES;
        } finally {
            if (!grown) {
                GROWN_PAGES.addAndGet(-pages);
            }
        }
        return grown ? GROWN_BYTES : REFUSED;
    }

    /**
     * The capacity of the pipe whose end is {@code fd} as the kernel has it (F_GETPIPE_SZ): 16
     * pages ({@code PIPE_DEF_BUFFERS}, include/linux/pipe_fs_i.h) as made, 2 for a user past the
     * soft limit; 64 KiB if the kernel cannot say.
     */
    static int capacity(int fd) {
        long c = Libc.fcntlInt(fd, Fcntl.F_GETPIPE_SZ, 0);
        return c > 0 ? (int) c : 64 * 1024;
    }

    /** Whether the budget is limited: an unprivileged process gives a grown pipe's pages back after each send. */
    static boolean bounded() {
        return budgetPages != Long.MAX_VALUE;
    }

    /** Tests: the budget in pages (Long.MAX_VALUE: none); returns what it was. */
    static long budgetForTest(long pages) {
        long was = budgetPages;
        budgetPages = pages;
        return was;
    }

    /**
     * Shrinks a pipe {@link #grow} grew back to {@code bytes} (it must hold less); the pages go back
     * to the budget whether or not the kernel agreed (it does for an empty pipe).
     */
    static void shrink(int fd, int bytes) {
        try {
            Libc.fcntlInt(fd, Fcntl.F_SETPIPE_SZ, bytes);
        } finally {
            released();
        }
    }

    /** A pipe {@link #grow} grew is closed: its pages go back to the budget. */
    static void released() {
        GROWN_PAGES.addAndGet(-(GROWN_BYTES / Cachestat.PAGE_SIZE));
    }

    /** Tests: pages of this process's grown pipes. */
    static long grownPagesForTest() {
        return GROWN_PAGES.get();
    }

    private static long budgetPages() {
        if (Capability.anyEffectiveInInitialNamespace(Capability.CAP_SYS_RESOURCE, Capability.CAP_SYS_ADMIN)) {
            return Long.MAX_VALUE;
        }
        long soft = ProcFs.number(Path.of("/proc/sys/fs/pipe-user-pages-soft")).orElse(16384);
        return soft == 0 ? Long.MAX_VALUE : soft / 4;
    }
}
