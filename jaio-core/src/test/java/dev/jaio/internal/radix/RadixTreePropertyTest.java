package dev.jaio.internal.radix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link RadixTree} against a model: a {@code TreeMap<Long, Integer>} for the entries and a
 * {@code TreeSet<Long>} per tag. Random sequences of put, remove, setTag, clearTag and tagRange on
 * indices drawn from a per-try pool (small indices that collide, and indices anywhere in
 * {@code 0 .. Long.MAX_VALUE} that make the tree grow to 11 levels and shrink back); after every
 * step get, hasTag, anyTagged, size, every structural invariant and gang lookups (all and by tag,
 * whole tree and a random range with a random max) must agree with the model.
 */
class RadixTreePropertyTest {

    /** An operation; keys and range ends select from the try's index pool. */
    sealed interface Op permits Put, Remove, SetTag, ClearTag, TagRange, RetagRange, Query {
    }

    record Put(int key, int value) implements Op {
    }

    record Remove(int key) implements Op {
    }

    record SetTag(int key, int tag) implements Op {
    }

    record ClearTag(int key, int tag) implements Op {
    }

    record TagRange(Range range, int fromTag, int toTag) implements Op {
    }

    /** retagRange with masks of tags to clear and to set. */
    record RetagRange(Range range, int clearTags, int setTags) implements Op {
    }

    /** No change; its range is checked like every step's. */
    record Query(Range range) implements Op {
    }

    /**
     * A range: ends are pool entries, 0 or Long.MAX_VALUE, each moved by -1, 0 or +1 (clamped);
     * {@code ordered} false keeps them as drawn, so some ranges are empty; {@code tag} -1 is all.
     */
    record Range(int a, int adjA, int b, int adjB, boolean ordered, int max, int tag) {
    }

    record Scenario(long[] pool, List<Op> ops) {
        @Override
        public String toString() {
            return "Scenario[pool=" + Arrays.toString(pool) + ", ops=" + ops + "]";
        }
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<Long> index = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.longs().between(0, 130)),
                Tuple.of(2, Arbitraries.longs().between(0, 300_000)),
                Tuple.of(3, Arbitraries.longs().between(0, Long.MAX_VALUE)),
                Tuple.of(2, Arbitraries.of(0L, 63L, 64L, 4095L, 4096L, (1L << 60) - 1, 1L << 60,
                        Long.MAX_VALUE - 64, Long.MAX_VALUE - 1, Long.MAX_VALUE)));
        Arbitrary<long[]> pool = index.array(long[].class).ofMinSize(1).ofMaxSize(24);
        Arbitrary<Op> op = op();
        return Combinators.combine(pool, op.list().ofMaxSize(60)).as(Scenario::new);
    }

    private static Arbitrary<Op> op() {
        Arbitrary<Integer> key = Arbitraries.integers().between(0, 1 << 20);
        Arbitrary<Integer> tag = Arbitraries.integers().between(0, Tag.COUNT - 1);
        Arbitrary<Integer> adj = Arbitraries.integers().between(-1, 1);
        Arbitrary<Range> range = Combinators.combine(key, adj, key, adj,
                        Arbitraries.frequency(Tuple.of(3, true), Tuple.of(1, false)),
                        Arbitraries.integers().between(0, 30),
                        Arbitraries.integers().between(-1, Tag.COUNT - 1))
                .as(Range::new);
        return Arbitraries.frequencyOf(
                Tuple.of(6, Combinators.combine(key, Arbitraries.integers()).as(Put::new)),
                Tuple.of(3, key.map(Remove::new)),
                Tuple.of(4, Combinators.combine(key, tag).as(SetTag::new)),
                Tuple.of(2, Combinators.combine(key, tag).as(ClearTag::new)),
                Tuple.of(1, Combinators.combine(range, tag, tag).as(TagRange::new)),
                Tuple.of(1, Combinators.combine(range, Arbitraries.integers().between(0, 7),
                        Arbitraries.integers().between(0, 7)).as(RetagRange::new)),
                Tuple.of(2, range.map(Query::new)));
    }

    @Property(tries = 400)
    void behavesLikeASortedMapWithTagSets(@ForAll("scenarios") Scenario scenario) {
        Model model = new Model();
        RadixTree<Integer> tree = new RadixTree<>();
        long[] pool = scenario.pool();
        int maxHeight = 0;
        for (Op op : scenario.ops()) {
            Range range = null;
            switch (op) {
                case Put p -> {
                    long i = pool[p.key() % pool.length];
                    assertEquals(model.map.put(i, p.value()), tree.put(i, p.value()), "put " + i);
                }
                case Remove r -> {
                    long i = pool[r.key() % pool.length];
                    assertEquals(model.remove(i), tree.remove(i), "remove " + i);
                }
                case SetTag s -> {
                    long i = pool[s.key() % pool.length];
                    boolean expected = model.map.containsKey(i) && model.tags.get(s.tag()).add(i);
                    assertEquals(expected, tree.setTag(i, s.tag()), "setTag " + i);
                }
                case ClearTag c -> {
                    long i = pool[c.key() % pool.length];
                    assertEquals(model.tags.get(c.tag()).remove(i), tree.clearTag(i, c.tag()), "clearTag " + i);
                }
                case TagRange t -> {
                    range = t.range();
                    long first = first(range, pool);
                    long last = last(range, pool);
                    assertEquals(model.tagRange(first, last, t.fromTag(), t.toTag(), range.max()),
                            tree.tagRange(first, last, t.fromTag(), t.toTag(), range.max()),
                            "tagRange " + first + ".." + last);
                }
                case RetagRange t -> {
                    range = t.range();
                    long first = first(range, pool);
                    long last = last(range, pool);
                    if (first <= last) {
                        for (int tag = 0; tag < Tag.COUNT; tag++) {
                            java.util.NavigableSet<Long> in = model.tags.get(tag).subSet(first, true, last, true);
                            if ((t.clearTags() & (1 << tag)) != 0) {
                                in.clear();
                            }
                            if ((t.setTags() & (1 << tag)) != 0) {
                                model.tags.get(tag).addAll(model.map.subMap(first, true, last, true).keySet());
                            }
                        }
                        tree.retagRange(first, last, t.clearTags(), t.setTags());
                    }
                }
                case Query q -> range = q.range();
            }
            maxHeight = Math.max(maxHeight, tree.height());
            checkAgainst(model, tree, pool, range);
        }
        Statistics.label("max height").collect(maxHeight >= 7 ? ">= 7" : maxHeight >= 2 ? "2..6" : "0..1");
    }

    /** Many entries in a few dense clusters, then most removed: wide trees, node freeing, shrinking. */
    @Property(tries = 30)
    void denseFillAndDrain(@ForAll("clusters") long[] bases, @ForAll("seeds") long seed) {
        java.util.Random random = new java.util.Random(seed);
        Model model = new Model();
        RadixTree<Integer> tree = new RadixTree<>();
        for (int i = 0; i < 3000; i++) {
            long index = bases[random.nextInt(bases.length)] + random.nextInt(5000);
            int value = random.nextInt();
            assertEquals(model.map.put(index, value), tree.put(index, value));
            if (random.nextInt(3) == 0) {
                int tag = random.nextInt(Tag.COUNT);
                model.tags.get(tag).add(index);
                tree.setTag(index, tag);
            }
        }
        long[] pool = model.map.keySet().stream().mapToLong(Long::longValue).toArray();
        checkAgainst(model, tree, pool, null);
        assertEquals(model.tagRange(0, Long.MAX_VALUE, Tag.DIRTY, Tag.TOWRITE, 100_000),
                tree.tagRange(0, Long.MAX_VALUE, Tag.DIRTY, Tag.TOWRITE, 100_000));
        checkAgainst(model, tree, pool, null);
        List<Long> keys = new ArrayList<>(model.map.keySet());
        java.util.Collections.shuffle(keys, random);
        for (int i = 0; i < keys.size(); i++) {
            long index = keys.get(i);
            assertEquals(model.remove(index), tree.remove(index));
            if (i % 500 == 0 || keys.size() - i < 5) {
                checkAgainst(model, tree, pool, null);
            }
        }
        assertEquals(0, tree.height());
        assertEquals(0, tree.nodeCount());
    }

    @Provide
    Arbitrary<long[]> clusters() {
        return Arbitraries.frequencyOf(
                        Tuple.of(1, Arbitraries.longs().between(0, 100_000)),
                        Tuple.of(1, Arbitraries.longs().between(0, Long.MAX_VALUE - 5000)))
                .array(long[].class).ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    private static long first(Range r, long[] pool) {
        long a = end(r.a(), r.adjA(), pool);
        long b = end(r.b(), r.adjB(), pool);
        return r.ordered() ? Math.min(a, b) : a;
    }

    private static long last(Range r, long[] pool) {
        long a = end(r.a(), r.adjA(), pool);
        long b = end(r.b(), r.adjB(), pool);
        return r.ordered() ? Math.max(a, b) : b;
    }

    private static long end(int selector, int adjust, long[] pool) {
        int s = selector % (pool.length + 2);
        long base = s < pool.length ? pool[s] : s == pool.length ? 0 : Long.MAX_VALUE;
        long v = base + adjust;
        return v < 0 ? (adjust > 0 ? Long.MAX_VALUE : 0) : v;
    }

    private static void checkAgainst(Model model, RadixTree<Integer> tree, long[] pool, Range range) {
        TreeInvariants.check(tree);
        assertEquals(model.map.size(), tree.size(), "size");
        for (long i : pool) {
            assertEquals(model.map.get(i), tree.get(i), "get " + i);
            for (int tag = 0; tag < Tag.COUNT; tag++) {
                assertEquals(model.tags.get(tag).contains(i), tree.hasTag(i, tag), "hasTag " + i + " " + tag);
            }
        }
        for (int tag = 0; tag < Tag.COUNT; tag++) {
            assertEquals(!model.tags.get(tag).isEmpty(), tree.anyTagged(tag), "anyTagged " + tag);
        }
        int all = model.map.size() + 1;
        checkGang(model, tree, 0, Long.MAX_VALUE, -1, all);
        for (int tag = 0; tag < Tag.COUNT; tag++) {
            checkGang(model, tree, 0, Long.MAX_VALUE, tag, all);
        }
        if (range != null) {
            checkGang(model, tree, first(range, pool), last(range, pool), range.tag(), range.max());
        }
    }

    private static void checkGang(Model model, RadixTree<Integer> tree, long first, long last, int tag, int max) {
        List<Map.Entry<Long, Integer>> expected = model.range(first, last, tag, max);
        long[] indices = new long[max];
        Integer[] values = new Integer[max];
        int n = tag < 0
                ? tree.gangLookup(first, last, indices, values, max)
                : tree.gangLookupTag(first, last, tag, indices, values, max);
        String what = (tag < 0 ? "gangLookup " : "gangLookupTag " + Tag.name(tag) + " ") + first + ".." + last
                + " max " + max;
        assertEquals(expected.size(), n, what + ": count");
        assertArrayEquals(expected.stream().mapToLong(Map.Entry::getKey).toArray(),
                Arrays.copyOf(indices, n), what + ": indices");
        assertArrayEquals(expected.stream().map(Map.Entry::getValue).toArray(Integer[]::new),
                Arrays.copyOf(values, n), what + ": values");
        if (tag < 0) {
            Integer[] only = new Integer[max];
            assertEquals(n, tree.gangLookup(first, last, only, max), what + ": without indices");
            assertArrayEquals(Arrays.copyOf(values, n), Arrays.copyOf(only, n), what + ": without indices");
        }
    }

    /** The reference: entries in a sorted map, each tag a sorted set of indices. */
    static final class Model {
        final NavigableMap<Long, Integer> map = new TreeMap<>();
        final List<TreeSet<Long>> tags = new ArrayList<>();

        Model() {
            for (int tag = 0; tag < Tag.COUNT; tag++) {
                tags.add(new TreeSet<>());
            }
        }

        Integer remove(long index) {
            for (TreeSet<Long> set : tags) {
                set.remove(index);
            }
            return map.remove(index);
        }

        List<Map.Entry<Long, Integer>> range(long first, long last, int tag, int max) {
            List<Map.Entry<Long, Integer>> out = new ArrayList<>();
            if (first > last) {
                return out;
            }
            for (Map.Entry<Long, Integer> e : map.subMap(first, true, last, true).entrySet()) {
                if (out.size() == max) {
                    break;
                }
                if (tag < 0 || tags.get(tag).contains(e.getKey())) {
                    out.add(e);
                }
            }
            return out;
        }

        int tagRange(long first, long last, int fromTag, int toTag, int max) {
            List<Map.Entry<Long, Integer>> hit = range(first, last, fromTag, max);
            for (Map.Entry<Long, Integer> e : hit) {
                tags.get(toTag).add(e.getKey());
            }
            return hit.size();
        }
    }
}
