package dev.jaio.internal.radix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks every structural invariant of a {@link RadixTree} (see its class comment) by a full walk. */
final class TreeInvariants {

    private TreeInvariants() {
    }

    static void check(RadixTree<?> tree) {
        RadixTree.Node root = tree.root();
        if (root == null) {
            assertEquals(0, tree.size(), "empty tree: size");
            assertEquals(0, tree.nodeCount(), "empty tree: nodes not freed");
            assertEquals(0, tree.height());
            return;
        }
        assertNull(root.parent, "root.parent");
        assertNotEquals(0L, root.present, "non-empty tree has an empty root");
        if (root.shift > 0) {
            assertNotEquals(1L, root.present, "root with only slot 0 should have been shrunk");
        }
        long[] counts = new long[2]; // entries, nodes
        walk(root, 0L, counts);
        assertEquals(tree.size(), counts[0], "size");
        assertEquals(tree.nodeCount(), counts[1], "nodeCount");
        assertTrue(tree.height() >= 1 && tree.height() <= RadixTree.MAX_HEIGHT);
    }

    private static void walk(RadixTree.Node node, long base, long[] counts) {
        counts[1]++;
        assertTrue(node.shift >= 0 && node.shift % RadixTree.SHIFT == 0, "shift");
        assertNotEquals(0L, node.present, "empty node not freed");
        for (int tag = 0; tag < Tag.COUNT; tag++) {
            assertEquals(0L, node.tags[tag] & ~node.present, "tag bit on an empty slot");
        }
        for (int i = 0; i < RadixTree.SLOTS; i++) {
            Object slot = node.slots[i];
            boolean present = (node.present >>> i & 1) != 0;
            assertEquals(present, slot != null, "present bit " + i + " at shift " + node.shift);
            if (slot == null) {
                continue;
            }
            long childBase = base | ((long) i << node.shift);
            if (node.shift == 0) {
                counts[0]++;
                continue;
            }
            RadixTree.Node child = (RadixTree.Node) slot;
            assertNotNull(child);
            assertSame(node, child.parent, "child.parent");
            assertEquals(i, child.offset, "child.offset");
            assertEquals(node.shift - RadixTree.SHIFT, child.shift, "child.shift");
            for (int tag = 0; tag < Tag.COUNT; tag++) {
                boolean bit = (node.tags[tag] >>> i & 1) != 0;
                assertEquals(child.tags[tag] != 0, bit,
                        "tag " + Tag.name(tag) + " bit of slot " + i + " at shift " + node.shift
                                + " must be set iff the child has the tag");
            }
            walk(child, childBase, counts);
        }
    }
}
