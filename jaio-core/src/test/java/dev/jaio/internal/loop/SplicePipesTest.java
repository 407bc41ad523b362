package dev.jaio.internal.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.internal.linux.Cachestat;
import dev.jaio.internal.linux.Fcntl;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.NetCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * {@link SplicePipes} on real pipes: a grown pipe is 1 MiB as the kernel reads it back and its
 * pages count against the process's budget until it is released; past the budget a pipe keeps
 * the capacity it was made with and nothing is counted.
 */
class SplicePipesTest {

    private static final long PAGES = (1 << 20) / Cachestat.PAGE_SIZE;

    @Test
    void aGrownPipeIs1MiBAndCountsUntilReleased() {
        int[] p = pipe();
        try {
            long before = SplicePipes.grownPagesForTest();
            int grown = SplicePipes.grow(p[1], Long.MAX_VALUE);
            assumeTrue(grown > 0, "the kernel refused a 1 MiB pipe (fs.pipe-max-size, or this user's pipe pages)");
            assertEquals(1 << 20, grown);
            assertEquals(1 << 20, SplicePipes.capacity(p[0]), "the kernel's capacity");
            assertEquals(before + PAGES, SplicePipes.grownPagesForTest());
            SplicePipes.released();
            assertEquals(before, SplicePipes.grownPagesForTest());
        } finally {
            close(p);
        }
    }

    @Test
    void aGrownPipeShrinksBackAndItsPagesGoBack() {
        int[] p = pipe();
        try {
            int made = SplicePipes.capacity(p[0]);
            long before = SplicePipes.grownPagesForTest();
            assumeTrue(SplicePipes.grow(p[1], Long.MAX_VALUE) > 0, "the kernel refused a 1 MiB pipe");
            SplicePipes.shrink(p[1], made);
            assertEquals(made, SplicePipes.capacity(p[0]), "the kernel's capacity");
            assertEquals(before, SplicePipes.grownPagesForTest());
        } finally {
            close(p);
        }
    }

    @Test
    void pastTheBudgetAPipeKeepsItsCapacityAndCountsNothing() {
        int[] p = pipe();
        try {
            int made = SplicePipes.capacity(p[0]);
            assertEquals(made, Libc.fcntlInt(p[0], Fcntl.F_GETPIPE_SZ, 0));
            long before = SplicePipes.grownPagesForTest();
            assertEquals(SplicePipes.OVER_BUDGET, SplicePipes.grow(p[1], before + PAGES - 1));
            assertEquals(made, SplicePipes.capacity(p[0]), "the kernel's capacity");
            assertEquals(before, SplicePipes.grownPagesForTest());
        } finally {
            close(p);
        }
    }

    private static int[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8, 4);
            assertEquals(0, NetCalls.pipe2(fds, Fcntl.O_CLOEXEC));
            return new int[] {fds.get(ValueLayout.JAVA_INT, 0), fds.get(ValueLayout.JAVA_INT, 4)};
        }
    }

    private static void close(int[] p) {
        Libc.close(p[0]);
        Libc.close(p[1]);
    }
}
