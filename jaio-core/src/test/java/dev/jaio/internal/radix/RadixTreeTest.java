package dev.jaio.internal.radix;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;

import dev.jaio.internal.linux.AllocationProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RadixTreeTest {

    private static final String PAGE = "page";

    @Test
    void emptyTree() {
        RadixTree<String> tree = new RadixTree<>();
        assertEquals(0, tree.size());
        assertTrue(tree.isEmpty());
        assertEquals(0, tree.height());
        assertNull(tree.get(0));
        assertNull(tree.get(Long.MAX_VALUE));
        assertNull(tree.remove(5));
        assertFalse(tree.setTag(5, Tag.DIRTY));
        assertFalse(tree.clearTag(5, Tag.DIRTY));
        assertFalse(tree.hasTag(5, Tag.DIRTY));
        assertFalse(tree.anyTagged(Tag.DIRTY));
        assertEquals(0, tree.gangLookup(0, Long.MAX_VALUE, new String[4], 4));
        assertEquals(0, tree.gangLookupTag(0, Long.MAX_VALUE, Tag.DIRTY, new long[4], new String[4], 4));
        assertEquals(0, tree.tagRange(0, Long.MAX_VALUE, Tag.DIRTY, Tag.TOWRITE, 4));
        TreeInvariants.check(tree);
    }

    @Test
    void indexZeroIsOneLeaf() {
        RadixTree<String> tree = new RadixTree<>();
        assertNull(tree.put(0, "a"));
        assertEquals(1, tree.height());
        assertEquals(1, tree.nodeCount());
        assertEquals("a", tree.get(0));
        assertNull(tree.get(1));
        assertNull(tree.get(64));
        assertEquals("a", tree.put(0, "b"));
        assertEquals(1, tree.size());
        assertEquals("b", tree.remove(0));
        assertEquals(0, tree.height());
        assertEquals(0, tree.nodeCount());
        assertEquals(0, tree.size());
        TreeInvariants.check(tree);
    }

    @Test
    void heightFollowsTheLargestIndex() {
        long[] firstIndexOfHeight = {0, 64, 4096, 1L << 18, 1L << 24, 1L << 30, 1L << 36, 1L << 42,
                1L << 48, 1L << 54, 1L << 60};
        for (int h = 0; h < firstIndexOfHeight.length; h++) {
            RadixTree<String> tree = new RadixTree<>();
            tree.put(firstIndexOfHeight[h], PAGE);
            assertEquals(h + 1, tree.height(), "index " + firstIndexOfHeight[h]);
            assertEquals(h + 1, tree.nodeCount(), "one node per level");
            if (h > 0) {
                tree.put(firstIndexOfHeight[h] - 1, PAGE);
                assertEquals(h + 1, tree.height());
            }
            TreeInvariants.check(tree);
        }
    }

    @Test
    void longMaxValueGrowsTo11LevelsAndShrinksBack() {
        RadixTree<String> tree = new RadixTree<>();
        tree.put(0, "zero");
        assertEquals(1, tree.height());
        tree.put(Long.MAX_VALUE, "max");
        assertEquals(RadixTree.MAX_HEIGHT, tree.height());
        assertEquals(11, tree.height());
        assertEquals(11 + 10, tree.nodeCount(), "the root, and a path of 10 nodes to each entry");
        assertEquals("max", tree.get(Long.MAX_VALUE));
        assertEquals("zero", tree.get(0));
        assertNull(tree.get(Long.MAX_VALUE - 1));
        assertTrue(tree.setTag(Long.MAX_VALUE, Tag.WRITEBACK));
        TreeInvariants.check(tree);

        long[] indices = new long[4];
        String[] values = new String[4];
        assertEquals(2, tree.gangLookup(0, Long.MAX_VALUE, indices, values, 4));
        assertArrayEquals(new long[] {0, Long.MAX_VALUE}, Arrays.copyOf(indices, 2));
        assertArrayEquals(new String[] {"zero", "max"}, Arrays.copyOf(values, 2));
        assertEquals(1, tree.gangLookupTag(1, Long.MAX_VALUE, Tag.WRITEBACK, indices, values, 4));
        assertEquals(Long.MAX_VALUE, indices[0]);
        assertEquals(1, tree.gangLookup(Long.MAX_VALUE, Long.MAX_VALUE, indices, values, 4));

        assertEquals("max", tree.remove(Long.MAX_VALUE));
        assertFalse(tree.anyTagged(Tag.WRITEBACK));
        assertEquals(1, tree.height(), "shrinks to the leaf that holds index 0");
        assertEquals(1, tree.nodeCount());
        TreeInvariants.check(tree);
        assertEquals("zero", tree.remove(0));
        assertEquals(0, tree.height());
        assertEquals(0, tree.nodeCount());
    }

    @Test
    void deletingEverythingFreesEveryNode() {
        RadixTree<String> tree = new RadixTree<>();
        for (long i = 0; i < 20_000; i++) {
            tree.put(i * 3, PAGE);
        }
        assertEquals(3, tree.height());
        TreeInvariants.check(tree);
        for (long i = 20_000 - 1; i >= 5; i--) {
            tree.remove(i * 3);
        }
        assertEquals(1, tree.height(), "indices 0..12 fit one leaf");
        assertEquals(1, tree.nodeCount());
        TreeInvariants.check(tree);
        for (long i = 0; i < 5; i++) {
            tree.remove(i * 3);
        }
        assertEquals(0, tree.size());
        assertEquals(0, tree.height());
        assertEquals(0, tree.nodeCount());
    }

    @Test
    void shrinksOnlyWhileTheRootsOnlyChildIsSlotZero() {
        RadixTree<String> tree = new RadixTree<>();
        tree.put(5000, PAGE);   // height 3: 5000 > 4095
        tree.put(100_000, PAGE);
        assertEquals(3, tree.height());
        tree.remove(100_000);
        assertEquals(3, tree.height(), "5000 is in slot 1 of the root's span: no shrink");
        tree.put(10, PAGE);
        tree.remove(5000);
        assertEquals(1, tree.height());
        TreeInvariants.check(tree);
    }

    @Test
    void tagsAreSetOnEveryAncestorAndClearedUpTheTree() {
        RadixTree<String> tree = new RadixTree<>();
        long a = 1_000_000;
        long b = 1_000_001;   // same leaf as a
        long c = 5;           // a different subtree of the root
        tree.put(a, PAGE);
        tree.put(b, PAGE);
        tree.put(c, PAGE);
        assertEquals(4, tree.height());

        assertTrue(tree.setTag(a, Tag.DIRTY));
        assertFalse(tree.setTag(a, Tag.DIRTY), "already tagged");
        assertTrue(pathTagged(tree, a, Tag.DIRTY));
        assertTrue(tree.anyTagged(Tag.DIRTY));
        assertFalse(tree.anyTagged(Tag.WRITEBACK));
        assertTrue(tree.hasTag(a, Tag.DIRTY));
        assertFalse(tree.hasTag(b, Tag.DIRTY));
        assertFalse(tree.hasTag(c, Tag.DIRTY));
        assertFalse(tree.setTag(a + 2, Tag.DIRTY), "no entry: nothing to tag");
        TreeInvariants.check(tree);

        tree.setTag(b, Tag.DIRTY);
        tree.setTag(c, Tag.DIRTY);
        assertTrue(tree.clearTag(a, Tag.DIRTY));
        assertFalse(tree.clearTag(a, Tag.DIRTY));
        assertTrue(pathTagged(tree, b, Tag.DIRTY), "b keeps the shared ancestors tagged");
        TreeInvariants.check(tree);
        assertTrue(tree.clearTag(b, Tag.DIRTY));
        assertTrue(pathUntaggedBelowRoot(tree, a, Tag.DIRTY), "bits cleared up to the root's slot");
        assertTrue(tree.anyTagged(Tag.DIRTY), "c is still dirty");
        TreeInvariants.check(tree);
        assertTrue(tree.clearTag(c, Tag.DIRTY));
        assertFalse(tree.anyTagged(Tag.DIRTY));
        assertEquals(0L, tree.root().tags[Tag.DIRTY]);
        TreeInvariants.check(tree);
    }

    @Test
    void replacingKeepsTagsAndRemovingClearsThem() {
        RadixTree<String> tree = new RadixTree<>();
        tree.put(70, "old");
        tree.setTag(70, Tag.DIRTY);
        tree.setTag(70, Tag.TOWRITE);
        assertEquals("old", tree.put(70, "new"));
        assertTrue(tree.hasTag(70, Tag.DIRTY));
        assertTrue(tree.hasTag(70, Tag.TOWRITE));
        assertFalse(tree.hasTag(70, Tag.WRITEBACK));
        assertEquals("new", tree.remove(70));
        tree.put(70, "again");
        assertFalse(tree.hasTag(70, Tag.DIRTY), "a new entry starts untagged");
        for (int tag = 0; tag < Tag.COUNT; tag++) {
            assertFalse(tree.anyTagged(tag));
        }
        TreeInvariants.check(tree);
    }

    @Test
    void gangLookupHonoursRangeAndMax() {
        RadixTree<Long> tree = new RadixTree<>();
        for (long i = 0; i < 200; i += 3) {
            tree.put(i, i * 10);
        }
        long[] indices = new long[10];
        Long[] values = new Long[10];
        assertEquals(5, tree.gangLookup(10, 50, indices, values, 5));
        assertArrayEquals(new long[] {12, 15, 18, 21, 24}, Arrays.copyOf(indices, 5));
        assertArrayEquals(new Long[] {120L, 150L, 180L, 210L, 240L}, Arrays.copyOf(values, 5));
        assertEquals(3, tree.gangLookup(12, 18, indices, values, 10), "both ends inclusive");
        assertEquals(1, tree.gangLookup(12, 12, indices, values, 10));
        assertEquals(0, tree.gangLookup(13, 14, indices, values, 10));
        assertEquals(0, tree.gangLookup(50, 10, indices, values, 10), "last < first");
        assertEquals(0, tree.gangLookup(0, 100, indices, values, 0), "max 0");
        assertEquals(0, tree.gangLookup(1L << 40, Long.MAX_VALUE, indices, values, 10), "beyond the tree");
        assertEquals(4, tree.gangLookup(60, 70, indices, values, 10), "across a leaf boundary");
        assertArrayEquals(new long[] {60, 63, 66, 69}, Arrays.copyOf(indices, 4));
        Long[] only = new Long[10];
        assertEquals(4, tree.gangLookup(60, 70, only, 10));
        assertArrayEquals(new Long[] {600L, 630L, 660L, 690L}, Arrays.copyOf(only, 4));
        assertEquals(3, tree.gangLookup(190, Long.MAX_VALUE, null, values, 10), "indices may be null");
        assertEquals(5, tree.gangLookup(0, 12, indices, null, 10), "values may be null");

        tree.setTag(63, Tag.DIRTY);
        tree.setTag(3, Tag.DIRTY);
        tree.setTag(198, Tag.DIRTY);
        assertEquals(2, tree.gangLookupTag(3, 63, Tag.DIRTY, indices, values, 10));
        assertArrayEquals(new long[] {3, 63}, Arrays.copyOf(indices, 2));
        assertEquals(1, tree.gangLookupTag(4, 197, Tag.DIRTY, indices, values, 10));
        assertEquals(63, indices[0]);
        assertEquals(2, tree.gangLookupTag(0, Long.MAX_VALUE, Tag.DIRTY, indices, values, 2));
        assertArrayEquals(new long[] {3, 63}, Arrays.copyOf(indices, 2));
        assertEquals(1, tree.gangLookupTag(indices[1] + 1, Long.MAX_VALUE, Tag.DIRTY, indices, values, 2),
                "continuing after a full batch");
        assertEquals(198, indices[0]);
    }

    @Test
    void tagRangeTagsTheFromTaggedEntriesOfTheRange() {
        RadixTree<String> tree = new RadixTree<>();
        for (long i = 0; i < 1000; i++) {
            tree.put(i, PAGE);
            if (i % 10 == 0) {
                tree.setTag(i, Tag.DIRTY);
            }
        }
        assertEquals(10, tree.tagRange(100, 199, Tag.DIRTY, Tag.TOWRITE, 1000));
        assertEquals(3, tree.tagRange(500, 999, Tag.DIRTY, Tag.TOWRITE, 3), "at most max");
        long[] indices = new long[100];
        int n = tree.gangLookupTag(0, Long.MAX_VALUE, Tag.TOWRITE, indices, null, 100);
        assertEquals(13, n);
        assertEquals(100, indices[0]);
        assertEquals(190, indices[9]);
        assertArrayEquals(new long[] {500, 510, 520}, Arrays.copyOfRange(indices, 10, 13));
        assertTrue(tree.hasTag(100, Tag.DIRTY), "the from tag stays");
        assertFalse(tree.hasTag(101, Tag.TOWRITE));
        assertEquals(0, tree.tagRange(0, 1000, Tag.WRITEBACK, Tag.TOWRITE, 1000));
        TreeInvariants.check(tree);
    }

    /**
     * Finding k tagged entries among n = 1,000,000 visits O(k * height) nodes: with height 4 each
     * entry costs at most a path down and back up; a scan would visit all 15,625 leaves.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 16, 1024})
    void taggedLookupVisitsKTimesHeightNodesNotN(int k) {
        int n = 1_000_000;
        RadixTree<String> tree = new RadixTree<>();
        for (long i = 0; i < n; i++) {
            tree.put(i, PAGE);
        }
        assertEquals(4, tree.height());
        TreeSet<Long> dirty = new TreeSet<>();
        Random random = new Random(42);
        while (dirty.size() < k) {
            long i = random.nextInt(n);
            dirty.add(i);
            tree.setTag(i, Tag.DIRTY);
        }
        long[] indices = new long[k];
        String[] values = new String[k];
        long before = tree.nodeVisits;
        assertEquals(k, tree.gangLookupTag(0, Long.MAX_VALUE, Tag.DIRTY, indices, values, k));
        long visits = tree.nodeVisits - before;
        assertArrayEquals(dirty.stream().mapToLong(Long::longValue).toArray(), indices);
        int height = tree.height();
        assertTrue(visits <= 2L * k * (height + 1), "visits=" + visits + " for k=" + k);
        assertTrue(visits < n / RadixTree.SLOTS, "visits=" + visits + " is below the leaf count");

        // From the middle of the range: at most one extra path down to the first index.
        long middle = n / 2;
        int expected = dirty.subSet(middle, true, (long) n, false).size();
        before = tree.nodeVisits;
        assertEquals(expected, tree.gangLookupTag(middle, n - 1, Tag.DIRTY, indices, values, k));
        visits = tree.nodeVisits - before;
        assertTrue(visits <= 2L * (expected + 1) * (height + 1), "visits=" + visits + " from the middle");

        // The untagged gang lookup of everything does visit every node: the counter does count.
        long[] all = new long[n];
        before = tree.nodeVisits;
        assertEquals(n, tree.gangLookup(0, Long.MAX_VALUE, all, null, n));
        assertTrue(tree.nodeVisits - before >= n / RadixTree.SLOTS);
        assertEquals(n - 1, all[n - 1]);
    }

    @Test
    void lookupsAllocateNothing() {
        RadixTree<String> tree = new RadixTree<>();
        for (long i = 0; i < 10_000; i += 7) {
            tree.put(i, PAGE);
            if (i % 3 == 0) {
                tree.setTag(i, Tag.DIRTY);
            }
        }
        long[] indices = new long[64];
        String[] values = new String[64];
        long[] sink = new long[1];
        AllocationProbe.assertSteadyStateAllocationFree(() -> {
            long s = 0;
            for (long i = 0; i < 2000; i++) {
                s += tree.get(i) == null ? 0 : 1;
                s += tree.hasTag(i, Tag.DIRTY) ? 1 : 0;
            }
            s += tree.gangLookup(0, Long.MAX_VALUE, indices, values, 64);
            s += tree.gangLookupTag(100, 9000, Tag.DIRTY, indices, values, 64);
            s += tree.anyTagged(Tag.TOWRITE) ? 1 : 0;
            sink[0] += s;
        });
    }

    @Test
    void badArgumentsAreRefused() {
        RadixTree<String> tree = new RadixTree<>();
        assertThrows(IllegalArgumentException.class, () -> tree.put(-1, PAGE));
        assertThrows(IllegalArgumentException.class, () -> tree.get(-1));
        assertThrows(IllegalArgumentException.class, () -> tree.remove(Long.MIN_VALUE));
        assertThrows(NullPointerException.class, () -> tree.put(1, null));
        assertThrows(IllegalArgumentException.class, () -> tree.setTag(1, Tag.COUNT));
        assertThrows(IllegalArgumentException.class, () -> tree.hasTag(1, -1));
        assertThrows(IllegalArgumentException.class, () -> tree.anyTagged(3));
        assertThrows(IllegalArgumentException.class, () -> tree.gangLookup(0, 10, new String[2], 3));
        assertThrows(IllegalArgumentException.class, () -> tree.gangLookup(0, 10, new long[2], null, 3));
        assertThrows(IllegalArgumentException.class, () -> tree.gangLookup(0, 10, new String[2], -1));
        assertThrows(IllegalArgumentException.class, () -> tree.gangLookup(-1, 10, new String[2], 2));
        assertThrows(IllegalArgumentException.class,
                () -> tree.gangLookupTag(0, 10, 7, null, new String[2], 2));
        assertThrows(IllegalArgumentException.class, () -> tree.tagRange(0, 10, Tag.DIRTY, 9, 2));
        assertEquals("TOWRITE", Tag.name(Tag.TOWRITE));
    }

    /** Whether every node on the path to {@code index} has the tag bit of the slot towards it. */
    private static boolean pathTagged(RadixTree<?> tree, long index, int tag) {
        RadixTree.Node node = tree.root();
        while (true) {
            int off = (int) (index >>> node.shift) & 63;
            if ((node.tags[tag] >>> off & 1) == 0) {
                return false;
            }
            if (node.shift == 0) {
                return true;
            }
            node = (RadixTree.Node) node.slots[off];
        }
    }

    /** Whether no node on the path to {@code index}, the root included, has the bit towards it. */
    private static boolean pathUntaggedBelowRoot(RadixTree<?> tree, long index, int tag) {
        RadixTree.Node node = tree.root();
        while (true) {
            int off = (int) (index >>> node.shift) & 63;
            if ((node.tags[tag] >>> off & 1) != 0) {
                return false;
            }
            if (node.shift == 0) {
                return true;
            }
            node = (RadixTree.Node) node.slots[off];
        }
    }
}
