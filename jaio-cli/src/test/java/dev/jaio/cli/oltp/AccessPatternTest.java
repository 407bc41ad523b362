package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

/** The skews have the shares they promise, and the scattering gives every rank its own page. */
class AccessPatternTest {

    private static final int DRAWS = 1_000_000;

    @Test
    void sysbenchSpecialPutsThreeQuartersOfTheAccessesOnOnePercentOfThePages() {
        long pages = 100_000;
        AccessPattern.Special p = AccessPattern.Special.sysbench(pages);
        assertEquals(1000, p.hotPages());
        AccessPattern.RankSampler ranks = p.ranks(RandomSource.XO_RO_SHI_RO_128_PP.create(1L));
        long hot = 0;
        for (int i = 0; i < DRAWS; i++) {
            long r = ranks.nextRank();
            assertTrue(r >= 0 && r < pages, "rank " + r);
            if (r < p.hotPages()) {
                hot++;
            }
        }
        // 75% aimed at the hot pages, plus the 1% of the other 25% that falls on them by chance.
        double share = hot / (double) DRAWS;
        assertEquals(0.75 + 0.25 * 0.01, share, 0.01, "share of accesses on the hottest 1%");
    }

    @Test
    void zipfRankOneHasTheShareTheLawGives() {
        int pages = 10_000;
        double s = 0.99;
        AccessPattern.RankSampler ranks = AccessPattern.Zipf.ycsb(pages).ranks(RandomSource.XO_RO_SHI_RO_128_PP.create(2L));
        double harmonic = 0;
        for (int k = 1; k <= pages; k++) {
            harmonic += Math.pow(k, -s);
        }
        long[] counts = new long[3];
        for (int i = 0; i < DRAWS; i++) {
            long r = ranks.nextRank();
            assertTrue(r >= 0 && r < pages, "rank " + r);
            if (r < 3) {
                counts[(int) r]++;
            }
        }
        for (int k = 0; k < 3; k++) {
            double expected = Math.pow(k + 1, -s) / harmonic;
            assertEquals(expected, counts[k] / (double) DRAWS, expected * 0.03, "rank " + (k + 1));
        }
    }

    @Test
    void scatteringIsAPermutationThatSpreadsTheHotPages() {
        for (long pages : new long[] {1, 2, 7, 1000, 1024, 65_536, 524_288}) {
            BitSet seen = new BitSet((int) pages);
            for (long r = 0; r < pages; r++) {
                long page = AccessPattern.scatter(r, pages);
                assertTrue(page >= 0 && page < pages);
                assertTrue(!seen.get((int) page), () -> "two ranks on one page of " + pages);
                seen.set((int) page);
            }
        }
        long pages = 524_288; // the default 4 GiB database of 8 KiB pages
        long adjacent = 0;
        for (long r = 1; r < 5243; r++) { // the hottest 1%
            if (Math.abs(AccessPattern.scatter(r, pages) - AccessPattern.scatter(r - 1, pages)) == 1) {
                adjacent++;
            }
        }
        assertEquals(0, adjacent, "hot ranks next to each other land apart");
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(3L);
        AccessPattern.PageSampler sampler = AccessPattern.Special.sysbench(pages).pages(rng);
        for (int i = 0; i < 1000; i++) {
            long page = sampler.nextPage();
            assertTrue(page >= 0 && page < pages);
        }
    }

    @Test
    void badShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AccessPattern.Special(0, 1, 75));
        assertThrows(IllegalArgumentException.class, () -> new AccessPattern.Special(100, 0, 75));
        assertThrows(IllegalArgumentException.class, () -> new AccessPattern.Special(100, 1, 101));
        assertThrows(IllegalArgumentException.class, () -> new AccessPattern.Zipf(1L << 31, 0.99));
        assertThrows(IllegalArgumentException.class, () -> new AccessPattern.Zipf(100, 0));
    }
}
