package dev.jaio.cli.aiostress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GlibcRandomTest {

    @Test
    void unseededRandMatchesGlibc() {
        // The first outputs of rand() in a glibc program that never calls srand.
        int[] glibc = {1804289383, 846930886, 1681692777, 1714636915, 1957747793, 424238335, 719885386, 1649760492,
            596516649, 1189641421, 1025202362, 1350490027};
        GlibcRandom r = new GlibcRandom();
        int[] got = new int[glibc.length];
        for (int i = 0; i < got.length; i++) {
            got[i] = r.next();
        }
        assertArrayEquals(glibc, got);
    }

    @Test
    void seedOneIsTheDefaultAndSeedZeroMeansOne() {
        GlibcRandom a = new GlibcRandom(1);
        GlibcRandom b = new GlibcRandom(0);
        assertEquals(1804289383, a.next());
        assertEquals(1804289383, b.next());
    }

    @Test
    void otherSeedsMatchGlibc() {
        // srand(42); rand() x3 on glibc
        GlibcRandom r = new GlibcRandom(42);
        assertArrayEquals(new int[] {71876166, 708592740, 1483128881}, new int[] {r.next(), r.next(), r.next()});
    }

    @Test
    void valuesStayInRange() {
        GlibcRandom r = new GlibcRandom();
        for (int i = 0; i < 100_000; i++) {
            int v = r.next();
            if (v < 0) {
                throw new AssertionError("negative rand() " + v + " at " + i);
            }
        }
    }
}
