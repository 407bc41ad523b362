package dev.jaio.cli.aiostress;

/**
 * glibc's {@code rand()} as an unseeded program sees it (seed 1, the default TYPE_3 state): the
 * additive feedback generator r[i] = r[i-3] + r[i-31] mod 2^32 over a table seeded by the
 * Park-Miller "minimal standard" generator, whose first 310 outputs are discarded; each call returns
 * the next value shifted right by one. aio-stress draws its random offsets from it, so the same
 * offsets come out in the same order as from the C tool. See glibc stdlib/random_r.c.
 *
 * <p>Not thread-safe; the original's threads share one generator behind glibc's lock, and so do
 * jaio's, through {@link #next()} being called under the run's lock.
 */
public final class GlibcRandom {

    /** RAND_MAX of glibc. */
    public static final int RAND_MAX = Integer.MAX_VALUE;

    private static final int DEGREE = 31;
    private static final int SEPARATION = 3;
    /** The ring holds r[i-34..i-1]: enough for r[i-31] and r[i-3]. */
    private static final int RING = 34;

    private final int[] r = new int[RING];
    private int i;

    /** A generator in the state of a program that never called srand (seed 1). */
    public GlibcRandom() {
        this(1);
    }

    /** A generator in the state srand(seed) leaves. */
    public GlibcRandom(int seed) {
        if (seed == 0) {
            seed = 1; // srandom_r: seed 0 is taken as 1
        }
        r[0] = seed;
        for (int k = 1; k < DEGREE; k++) {
            // r[k] = (16807 * r[k-1]) % 2147483647 without overflow (Schrage's method), as glibc does
            long word = r[k - 1];
            long hi = word / 127773;
            long lo = word % 127773;
            word = 16807 * lo - 2836 * hi;
            if (word < 0) {
                word += 2147483647;
            }
            r[k] = (int) word;
        }
        for (int k = DEGREE; k < RING; k++) {
            r[k] = r[k - DEGREE];
        }
        i = 0; // the next value is r[34], which lives at index 34 mod 34
        for (int k = 0; k < 310; k++) {
            step();
        }
    }

    private int step() {
        int value = r[(i + RING - DEGREE) % RING] + r[(i + RING - SEPARATION) % RING]; // wraps mod 2^32
        r[i] = value;
        i = i + 1 == RING ? 0 : i + 1;
        return value;
    }

    /** The next {@code rand()} value, in [0, RAND_MAX]. */
    public int next() {
        return step() >>> 1;
    }
}
