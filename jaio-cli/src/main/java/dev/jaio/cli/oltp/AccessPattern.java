package dev.jaio.cli.oltp;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.RejectionInversionZipfSampler;
import org.apache.commons.rng.sampling.distribution.SharedStateDiscreteSampler;

/**
 * Which pages {@code jaio oltp}'s transactions touch: skewed as OLTP benchmarks skew them. Ranks
 * (0 the hottest) are scattered over the file by {@link #scatter}, a fixed bijection, so that the
 * hot pages do not lie next to each other (as the rows of hot keys land on pages all over a heap
 * file), which would let a cleaner merge their writes as no real workload lets it.
 */
public sealed interface AccessPattern {

    /** The number of pages the accesses fall on. */
    long pages();

    /**
     * A source of ranks for one thread, drawing from {@code rng} (which it does not share): 0 the
     * hottest, less than {@link #pages()}.
     */
    RankSampler ranks(UniformRandomProvider rng);

    /** A source of pages for one thread: the ranks of {@link #ranks}, {@linkplain #scatter scattered}. */
    default PageSampler pages(UniformRandomProvider rng) {
        RankSampler r = ranks(rng);
        long n = pages();
        long m = multiplier(n);
        return () -> r.nextRank() * m % n;
    }

    /** Draws ranks; no allocation per draw. */
    @FunctionalInterface
    interface RankSampler {
        /** {@return the next rank} */
        long nextRank();
    }

    /** Draws pages; no allocation per draw. */
    @FunctionalInterface
    interface PageSampler {
        /** {@return the next page} */
        long nextPage();
    }

    /**
     * The page of rank {@code rank} among {@code pages}: {@code rank * m mod pages}, with {@code m}
     * the first number at or above 0.618 {@code pages} that is coprime to it, so every rank has its
     * own page. Pages are fewer than 2^31, so the product fits in a long.
     */
    static long scatter(long rank, long pages) {
        return rank * multiplier(pages) % pages;
    }

    /** The multiplier of {@link #scatter}: coprime to {@code pages}, about 0.618 of it. */
    static long multiplier(long pages) {
        long m = Math.max(1, (long) (pages * 0.6180339887));
        while (gcd(m, pages) != 1) {
            m++;
        }
        return m;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** Checks a page count: at least 1 and fewer than 2^31 (a database of 16 TiB of 8 KiB pages). */
    private static long checkPages(long pages) {
        if (pages < 1 || pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pages must be in [1, 2^31): " + pages);
        }
        return pages;
    }

    /**
     * sysbench's default skew ({@code --rand-type=special --rand-spec-pct=1 --rand-spec-res=75}):
     * {@code resPercent}% of the accesses go uniformly to the hottest {@code hotPercent}% of the
     * pages, the rest uniformly to all of them.
     *
     * @param pages the pages, in [1, 2^31)
     * @param hotPercent the share of pages that is hot, in (0, 100]
     * @param resPercent the share of accesses that go to them, in [0, 100]
     */
    record Special(long pages, double hotPercent, double resPercent) implements AccessPattern {
        public Special {
            checkPages(pages);
            if (!(hotPercent > 0 && hotPercent <= 100) || !(resPercent >= 0 && resPercent <= 100)) {
                throw new IllegalArgumentException("hot share in (0, 100] and its accesses in [0, 100] percent: "
                        + hotPercent + ", " + resPercent);
            }
        }

        /** sysbench's defaults: 75% of accesses on 1% of the pages. */
        public static Special sysbench(long pages) {
            return new Special(pages, 1, 75);
        }

        /** The number of hot pages: {@code hotPercent}% of them, at least 1. */
        public long hotPages() {
            return Math.max(1, (long) (pages * hotPercent / 100));
        }

        @Override
        public RankSampler ranks(UniformRandomProvider rng) {
            long hot = hotPages();
            double res = resPercent / 100;
            return () -> rng.nextDouble() < res ? rng.nextLong(hot) : rng.nextLong(pages);
        }
    }

    /**
     * Zipf's law over the ranks: rank r (from 1) has probability proportional to r^-exponent; YCSB
     * uses 0.99. Sampled by rejection-inversion (commons-rng), in constant time per draw.
     *
     * @param pages the pages, in [1, 2^31)
     * @param exponent the exponent, above 0
     */
    record Zipf(long pages, double exponent) implements AccessPattern {
        public Zipf {
            checkPages(pages);
            if (!(exponent > 0)) {
                throw new IllegalArgumentException("the Zipf exponent must be above 0: " + exponent);
            }
        }

        /** YCSB's constant, 0.99. */
        public static Zipf ycsb(long pages) {
            return new Zipf(pages, 0.99);
        }

        @Override
        public RankSampler ranks(UniformRandomProvider rng) {
            SharedStateDiscreteSampler zipf = RejectionInversionZipfSampler.of(rng, (int) pages, exponent);
            return () -> zipf.sample() - 1L; // the sampler's ranks start at 1
        }
    }
}
