package dev.jaio.bench;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import dev.jaio.internal.radix.RadixTree;
import dev.jaio.internal.radix.Tag;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Finding the k dirty pages among n cached pages (issue 5, deliverable 1): a tagged gang lookup in
 * {@link RadixTree}, whose cost grows with k log64 n, against two scans whose cost grows with n: a
 * walk of a {@code TreeMap} (a sorted map of pages, testing each page's dirty flag) and of a plain
 * array of pages (the cheapest possible scan). Each call collects all k dirty pages in index order.
 *
 * <pre>
 * ./mvnw -pl jaio-bench -am package
 * java -jar jaio-bench/target/benchmarks.jar RadixTree -f 1 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class RadixTreeTagLookupBenchmark {

    /** Cached pages, at indices 0 .. n-1 (a fully cached file of n pages). */
    @Param({"10000", "1000000"})
    public int n;

    /** Dirty pages among them, at random indices. */
    @Param({"16", "1024"})
    public int k;

    /** A cached page; the scans read its flag, the tree its DIRTY tag. */
    static final class Page {
        boolean dirty;
    }

    private RadixTree<Page> tree;
    private TreeMap<Long, Page> map;
    private Page[] array;
    private long[] indices;
    private Page[] out;

    @Setup(Level.Trial)
    public void setUp() {
        tree = new RadixTree<>();
        map = new TreeMap<>();
        array = new Page[n];
        for (int i = 0; i < n; i++) {
            Page page = new Page();
            array[i] = page;
            map.put((long) i, page);
            tree.put(i, page);
        }
        SplittableRandom random = new SplittableRandom(42);
        int dirty = 0;
        while (dirty < k) {
            int i = random.nextInt(n);
            if (!array[i].dirty) {
                array[i].dirty = true;
                tree.setTag(i, Tag.DIRTY);
                dirty++;
            }
        }
        indices = new long[k];
        out = new Page[k];
        if (radixGangLookupTag() != k || treeMapScan() != k || arrayScan() != k) {
            throw new IllegalStateException("the three ways disagree about the dirty pages");
        }
    }

    /** The tagged gang lookup: descends only into subtrees holding a dirty page. */
    @Benchmark
    public int radixGangLookupTag() {
        return tree.gangLookupTag(0, Long.MAX_VALUE, Tag.DIRTY, indices, out, k);
    }

    /** Baseline: every entry of a sorted map, in index order. */
    @Benchmark
    public int treeMapScan() {
        int found = 0;
        for (Map.Entry<Long, Page> e : map.entrySet()) {
            Page page = e.getValue();
            if (page.dirty) {
                indices[found] = e.getKey();
                out[found] = page;
                if (++found == k) {
                    break;
                }
            }
        }
        return found;
    }

    /** Baseline: every slot of an array of pages, in index order. */
    @Benchmark
    public int arrayScan() {
        int found = 0;
        Page[] pages = array;
        for (int i = 0; i < pages.length; i++) {
            Page page = pages[i];
            if (page.dirty) {
                indices[found] = i;
                out[found] = page;
                if (++found == k) {
                    break;
                }
            }
        }
        return found;
    }
}
