package dev.jaio.cli.vsjdk;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The random reads of {@code warm} and {@code cold}: blocks of {@code blockSize} bytes at
 * block-aligned offsets, uniformly random over the first {@code blocks} blocks of the file,
 * {@code depth} at a time.
 *
 * @param file the file
 * @param blockSize bytes per read
 * @param blocks how many blocks the offsets cover, at least 1
 * @param depth reads in flight: threads, or requests of one thread
 * @param seed the seed of the offsets; each thread or request slot gets its own stream
 */
record ReadSpec(Path file, int blockSize, long blocks, int depth, long seed) {

    /** The offsets of thread or slot {@code index}. */
    SplittableRandom random(int index) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    }

    /** The next random offset from {@code random}. */
    long nextOffset(SplittableRandom random) {
        return random.nextLong(blocks) * blockSize;
    }

    long regionBytes() {
        return blocks * blockSize;
    }
}
