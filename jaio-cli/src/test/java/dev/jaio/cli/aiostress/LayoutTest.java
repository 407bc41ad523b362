package dev.jaio.cli.aiostress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LayoutTest {

    private static final long MIB = Sizes.MIB;

    private static long[] offsets(long start, long end, long reclen, long alignment, int n) {
        GlibcRandom r = new GlibcRandom();
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = Layout.randomOffset(start, end, reclen, alignment, r::next);
        }
        return out;
    }

    /**
     * Offsets from the original's random_byte_offset compiled with gcc against glibc (a fresh
     * process each: unseeded rand()), for the given window, record size and alignment.
     */
    @Test
    void randomOffsetsAreTheCToolsSequence() {
        assertArrayEquals(new long[] {3559424, 3985408, 3354624, 2904064, 1630208, 2756608, 2637824, 4108288, 2850816,
            1687552, 1306624, 1892352}, offsets(0, 4 * MIB, 4096, 4096, 12), "-s 4m -r 4k");
        assertArrayEquals(new long[] {6705152, 7131136, 7548928, 3952640, 2678784, 4853760, 3686400, 8302592, 5996544,
            1687552, 1306624, 1892352}, offsets(0, 8 * MIB, 16384, 4096, 12), "-s 8m -r 16k");
        assertArrayEquals(new long[] {5656576, 6082560, 5451776, 5001216, 3727360, 4853760, 4734976, 6205440},
                offsets(2 * MIB, 6 * MIB, 4096, 4096, 8), "context 1 of -s 8m -C 2m -c 2");
        assertArrayEquals(new long[] {902189056, 841797632, 978530304, 360468480, 299425792, 513413120},
                offsets(0, 1024 * MIB, 65536, 4096, 6), "the defaults, -s 1g -r 64k");
        assertArrayEquals(new long[] {8380416, 7340032, 8380416, 5242880, 4194304, 5242880, 5242880, 8380416},
                offsets(0, 8 * MIB, 8192, 2 * MIB, 8), "-a 2m: alignment above 1 MiB");
        assertArrayEquals(new long[] {1462272, 1888256, 1257472, 1855488}, offsets(0, 2 * MIB, 4096, 4096, 4),
                "a 2 MiB window");
    }

    @ParameterizedTest
    @CsvSource({
        "0, 4194304, 4096, 4096",
        "0, 4194304, 16384, 4096",
        "2097152, 6291456, 4096, 4096",
        "1048576, 7340032, 65536, 4096",
        "0, 16777216, 8192, 8192",
        "0, 3145728, 512, 512",
    })
    void randomOffsetsSkipTheFirstMibAreAlignedAndStayInside(long start, long end, long reclen, long alignment) {
        GlibcRandom r = new GlibcRandom();
        for (int i = 0; i < 20_000; i++) {
            long off = Layout.randomOffset(start, end, reclen, alignment, r::next);
            assertTrue(off >= start + MIB, () -> "offset " + off + " in the first MiB after " + start);
            assertTrue(off + reclen <= end, () -> "offset " + off + " + " + reclen + " past the end " + end);
            assertEquals(0, (off - start) % alignment, () -> "offset " + off + " not aligned to " + alignment);
        }
    }

    @Test
    void contextsCoverShrinkingWindows() {
        long size = 8 * MIB;
        long c = 2 * MIB;
        assertEquals(0, Layout.contextStart(0, c));
        assertEquals(size, Layout.contextEnd(size, 0, c));
        assertEquals(2 * MIB, Layout.contextStart(1, c));
        assertEquals(6 * MIB, Layout.contextEnd(size, 1, c));
        assertEquals(4 * MIB, Layout.contextStart(2, c));
        assertEquals(4 * MIB, Layout.contextEnd(size, 2, c));
        assertEquals(512, Layout.totalIos(0, size, 16384));
        assertEquals(256, Layout.totalIos(2 * MIB, 6 * MIB, 16384));
        assertEquals(0, Layout.totalIos(4 * MIB, 4 * MIB, 16384));
    }

    @Test
    void aTailShorterThanARecordIsNeverTouched() {
        assertEquals(1025, Layout.totalIos(0, 4 * MIB + 5000, 4096));
        assertEquals(63, Layout.totalIos(0, MIB - 1, 16384));
    }
}
