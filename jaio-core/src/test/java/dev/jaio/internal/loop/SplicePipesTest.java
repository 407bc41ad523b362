package dev.jaio.internal.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * pages count against the process's budget until it is released; past the budget a pipe keeps its
 * 64 KiB and nothing is counted.
 */
class SplicePipesTest {

    private static final long PAGES = (1 << 20) / Cachestat.PAGE_SIZE;

    @Test
    void aGrownPipeIs1MiBAndCountsUntilReleased() {
        int[] p = pipe();
        try {
            long before = SplicePipes.grownPagesForTest();
            assertEquals(1 << 20, SplicePipes.grow(p[1], Long.MAX_VALUE));
            assertEquals(1 << 20, Libc.fcntlInt(p[0], Fcntl.F_GETPIPE_SZ, 0), "the kernel's capacity");
            assertEquals(before + PAGES, SplicePipes.grownPagesForTest());
            SplicePipes.released(1 << 20);
            assertEquals(before, SplicePipes.grownPagesForTest());
        } finally {
            close(p);
        }
    }

    @Test
    void pastTheBudgetAPipeKeeps64KiBAndCountsNothing() {
        int[] p = pipe();
        try {
            long before = SplicePipes.grownPagesForTest();
            assertEquals(SplicePipes.DEFAULT_BYTES, SplicePipes.grow(p[1], before + PAGES - 1));
            assertEquals(64 * 1024, Libc.fcntlInt(p[0], Fcntl.F_GETPIPE_SZ, 0), "the kernel's capacity");
            assertEquals(before, SplicePipes.grownPagesForTest());
            SplicePipes.released(SplicePipes.DEFAULT_BYTES);
            assertEquals(before, SplicePipes.grownPagesForTest(), "a pipe that was not grown gives nothing back");
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
