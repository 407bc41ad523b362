package dev.jaio.internal.radix;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A tagged radix tree: a sparse map from a page index ({@code long}, {@code >= 0}) to a value (the
 * page), with {@link Tag#COUNT} tags per entry, whose tagged lookups descend only into subtrees that
 * hold tagged entries. It is the page cache's index, the structure of §6 of "Linux AIO Performance
 * and Robustness for Enterprise Workloads" (OLS 2004) and of the kernel's {@code lib/radix-tree.c}
 * ({@code radix_tree_gang_lookup_tag}, {@code radix_tree_tag_set}), today the XArray and its marks
 * ({@code lib/xarray.c}: {@code xas_set_mark}, {@code xas_find_marked}).
 *
 * <h2>Structure</h2>
 *
 * Every node has 64 slots and resolves 6 bits of the index; a node of height {@code h} (leaves are
 * height 1) sits at {@code shift = 6 * (h - 1)} and slot {@code (index >>> shift) & 63} leads
 * towards {@code index}. A leaf's slots hold values, an inner node's slots hold nodes. Beside the
 * slots a node keeps one 64-bit bitmap of which slots are occupied ({@code present}) and one per
 * tag:
 *
 * <pre>
 *   Node (shift = 6 * level, parent, offset = its slot in the parent)
 *   +--------+--------+--------+-----+---------+
 *   | slot 0 | slot 1 | slot 2 | ... | slot 63 |  values (leaf) or child nodes (inner)
 *   +--------+--------+--------+-----+---------+
 *   present         : 64 bits, bit i = slot i is occupied
 *   tags[DIRTY]     : 64 bits, bit i = some entry in or under slot i is DIRTY
 *   tags[WRITEBACK] : 64 bits, bit i = ... is WRITEBACK
 *   tags[TOWRITE]   : 64 bits, bit i = ... is TOWRITE
 *
 *   height 2, indices 0 .. 4095:        root (shift 6)
 *                                     /      |       \
 *                       leaf 0..63   leaf 64..127  ...  leaf 4032..4095   (shift 0)
 * </pre>
 *
 * The tree is as high as its largest index needs, and no higher: it grows by adding roots on top
 * when an index beyond its span is inserted, and shrinks when the root's only child is slot 0. Index
 * {@code Long.MAX_VALUE} (63 bits) needs 11 levels.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>The tree is empty iff {@code root == null}; no node other than a transient new root is empty
 *       (a node whose last entry is removed is freed, and so, in turn, are emptied ancestors).
 *   <li>{@code present} bit i is set iff slot i is non-null.
 *   <li>Tags on every ancestor: a node's bit i of {@code tags[t]} is set iff some entry in (leaf) or
 *       under (inner node) slot i has tag {@code t}. Setting a tag therefore walks up until it meets
 *       an ancestor that already has the bit; clearing one walks up while the node has no other
 *       bit of that tag left. It follows that {@link #anyTagged} is O(1), a test of the root.
 *   <li>Only present entries are tagged; removing an entry clears its tags.
 * </ul>
 *
 * <h2>Cost</h2>
 *
 * {@link #get}, {@link #put}, {@link #remove} and the single-entry tag operations visit at most
 * {@code height = ceil(log64(maxIndex + 1))} nodes, which is log64 n for a file of n cached pages.
 * A tagged gang lookup that returns {@code k} entries visits O(k log64 n) nodes, not O(n): at each
 * node the next tagged slot is found with one {@code numberOfTrailingZeros} of the tag bitmap, and
 * untagged subtrees are never entered; each entry costs at most a path down and back up, plus one
 * path down to {@code first}. The package-private counter {@link #nodeVisits} counts the nodes the
 * range walks visit; {@code RadixTreeTest} bounds it by {@code 2 k (height + 1)} for n = 1,000,000.
 *
 * <h2>Use</h2>
 *
 * Lookups and gang lookups allocate nothing (gang lookups fill the caller's arrays); {@code put}
 * allocates only the nodes the tree grows by. Not thread-safe, and deliberately without locks:
 * the page cache serialises every modification of a file's tree and every other lookup (one owner,
 * or the cache's lock for that file), as the kernel serialises modifications with {@code xa_lock}.
 * The one exception is {@link #getAcquire}, the lookup of the kernel's RCU page cache walk
 * ({@code filemap_get_entry}): it runs without the lock, racing with the one writer, which
 * publishes every node and value it links in and every new root with a release store (removals
 * clear slots with plain stores). It finds an entry that was in the tree at some moment, or null
 * (also for an entry that a concurrent removal or shrink is moving): an entry removed by an
 * operation the caller has not synchronised with may still be found. Its caller takes a reference
 * and looks again, as {@code filemap_get_entry} does with {@code folio_try_get} and {@code xas_reload}.
 *
 * @param <V> the value type (pages); values are non-null, since {@code null} means "no entry"
 */
public final class RadixTree<V> {

    /** Index bits resolved by one node. */
    static final int SHIFT = 6;

    /** Slots per node. */
    static final int SLOTS = 1 << SHIFT;

    private static final int SLOT_MASK = SLOTS - 1;

    /** The height the largest index, {@code Long.MAX_VALUE} (63 bits), needs: ceil(63 / 6). */
    static final int MAX_HEIGHT = (Long.SIZE - 1 + SHIFT - 1) / SHIFT;

    /** Release stores of slots and acquire loads by {@link #getAcquire}. */
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle ROOT;

    static {
        try {
            ROOT = MethodHandles.lookup().findVarHandle(RadixTree.class, "root", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Range-walk filter meaning every present entry, not only tagged ones. */
    private static final int ANY = -1;

    /** Range-walk action meaning set no tag. */
    private static final int NO_TAG = -1;

    /** One node; see the class comment for its fields' invariants. */
    static final class Node {
        /** The index bits below this node's slots: 0 for a leaf, 6 more per level up. */
        final int shift;
        /** Null for the root. */
        Node parent;
        /** This node's slot in {@link #parent}. */
        int offset;
        /** Bit i set iff {@code slots[i] != null}. */
        long present;
        /** Per tag, bit i set iff some entry in or under slot i has the tag. */
        final long[] tags = new long[Tag.COUNT];
        /** Values in a leaf, nodes in an inner node. */
        final Object[] slots = new Object[SLOTS];

        Node(int shift, Node parent, int offset) {
            this.shift = shift;
            this.parent = parent;
            this.offset = offset;
        }
    }

    /** Null iff the tree is empty (between operations). Written with release stores (see {@link #getAcquire}). */
    @SuppressWarnings("unused") // also through ROOT
    private Node root;

    private long size;

    /** Nodes allocated and not yet freed. */
    private int nodes;

    /**
     * Nodes visited by the range walks ({@link #gangLookup}, {@link #gangLookupTag},
     * {@link #tagRange}) since the tree was made: each node entered, going down or back up, counts
     * once. For tests that prove lookups do not scan.
     */
    long nodeVisits;

    /** An empty tree. */
    public RadixTree() {
    }

    /** The number of entries. */
    public long size() {
        return size;
    }

    /** Whether there are no entries. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** The value at {@code index}, or null. */
    @SuppressWarnings("unchecked")
    public V get(long index) {
        checkIndex(index);
        Node node = root;
        if (node == null || index > spanMask(node.shift)) {
            return null;
        }
        while (true) {
            Object slot = node.slots[offset(index, node.shift)];
            if (node.shift == 0 || slot == null) {
                return (V) slot;
            }
            node = (Node) slot;
        }
    }

    /**
     * The value at {@code index}, or null, without the lock that serialises the tree's other
     * operations: acquire loads of the root and of each slot on the path, which pair with the
     * writer's release stores, so a node or value found is seen whole. The answer is an entry that
     * was in the tree at some moment (perhaps removed since by an operation the caller has not
     * synchronised with), or null; the caller must confirm a hit after taking its reference (see
     * the class comment).
     */
    @SuppressWarnings("unchecked")
    public V getAcquire(long index) {
        if (index < 0) {
            return null;
        }
        Node node = (Node) ROOT.getAcquire(this);
        if (node == null || index > spanMask(node.shift)) {
            return null;
        }
        while (true) {
            Object slot = SLOT.getAcquire(node.slots, offset(index, node.shift));
            if (node.shift == 0 || slot == null) {
                return (V) slot;
            }
            node = (Node) slot;
        }
    }

    /**
     * Maps {@code index} to {@code value}, inserting or replacing. A replaced entry keeps its tags: it
     * is the same page slot with new contents, and the page cache changes tags explicitly.
     *
     * @return the value replaced, or null if there was none
     */
    @SuppressWarnings("unchecked")
    public V put(long index, V value) {
        checkIndex(index);
        Objects.requireNonNull(value, "value");
        extendTo(index);
        Node node = root;
        while (node.shift > 0) {
            int off = offset(index, node.shift);
            Node child = (Node) node.slots[off];
            if (child == null) {
                // A new node has no entries yet, hence no tags: the parent's tag bits stay clear.
                child = newNode(node.shift - SHIFT, node, off);
                SLOT.setRelease(node.slots, off, child);
                node.present |= 1L << off;
            }
            node = child;
        }
        int off = offset(index, 0);
        Object old = node.slots[off];
        SLOT.setRelease(node.slots, off, value);
        if (old == null) {
            node.present |= 1L << off;
            size++;
        }
        return (V) old;
    }

    /**
     * Removes the entry at {@code index}: clears its tags (and, upwards, every ancestor bit that only
     * it held), frees the nodes this leaves empty, and lowers the tree while the root's only child is
     * in slot 0.
     *
     * @return the value removed, or null if there was none
     */
    @SuppressWarnings("unchecked")
    public V remove(long index) {
        checkIndex(index);
        Node leaf = leafOf(index);
        if (leaf == null) {
            return null;
        }
        int off = offset(index, 0);
        Object old = leaf.slots[off];
        if (old == null) {
            return null;
        }
        for (int tag = 0; tag < Tag.COUNT; tag++) {
            clearUp(leaf, off, tag);
        }
        leaf.slots[off] = null;
        leaf.present &= ~(1L << off);
        size--;
        // Free the nodes left empty, bottom up. An empty node has no tags, so clearUp has already
        // cleared its bits in the parent.
        Node node = leaf;
        while (node.present == 0) {
            Node parent = node.parent;
            nodes--;
            if (parent == null) {
                ROOT.setRelease(this, (Node) null);
                return (V) old;
            }
            parent.slots[node.offset] = null;
            parent.present &= ~(1L << node.offset);
            node.parent = null;
            node = parent;
        }
        shrink();
        return (V) old;
    }

    /**
     * Tags the entry at {@code index} with {@code tag}, and every ancestor up to the first that already
     * has the bit.
     *
     * @return true if there is an entry at {@code index} and it did not have the tag; false if it
     *     already had it or there is no entry (then nothing changes)
     */
    public boolean setTag(long index, int tag) {
        checkIndex(index);
        Tag.check(tag);
        Node leaf = leafOf(index);
        if (leaf == null) {
            return false;
        }
        int off = offset(index, 0);
        if (leaf.slots[off] == null || (leaf.tags[tag] & (1L << off)) != 0) {
            return false;
        }
        setUp(leaf, off, tag);
        return true;
    }

    /**
     * Clears {@code tag} from the entry at {@code index}, and from every ancestor left with no other
     * slot so tagged.
     *
     * @return true if the entry had the tag
     */
    public boolean clearTag(long index, int tag) {
        checkIndex(index);
        Tag.check(tag);
        Node leaf = leafOf(index);
        if (leaf == null) {
            return false;
        }
        int off = offset(index, 0);
        if ((leaf.tags[tag] & (1L << off)) == 0) {
            return false;
        }
        clearUp(leaf, off, tag);
        return true;
    }

    /**
     * Clears the tags in {@code clearTags} from, then sets those in {@code setTags} on, every entry
     * of {@code first .. lastInclusive} (both masks of {@code 1 << tag}), keeping every ancestor's
     * bits right: one walk per leaf the range touches, instead of one per entry and tag. Writeback
     * moves a run of pages from DIRTY and TOWRITE to WRITEBACK this way.
     */
    public void retagRange(long first, long lastInclusive, int clearTags, int setTags) {
        checkIndex(first);
        long[] next = new long[1];
        Object[] found = new Object[1];
        long i = first;
        while (i <= lastInclusive) {
            long end = Math.min(i | SLOT_MASK, lastInclusive);
            Node leaf = leafOf(i);
            if (leaf == null || (leaf.present & (-1L << offset(i, 0))) == 0) {
                // Nothing here: on to the next entry's leaf (tags live only on entries).
                if (walk(i, lastInclusive, ANY, next, found, 1, NO_TAG) == 0) {
                    return;
                }
                found[0] = null;
                if (next[0] == i) {
                    throw new IllegalStateException("no progress at " + i); // cannot happen
                }
                i = next[0];
                continue;
            }
            {
                int from = offset(i, 0);
                int to = offset(end, 0);
                long span = (to == SLOTS - 1 ? -1L : (1L << (to + 1)) - 1) & (-1L << from);
                long present = leaf.present & span;
                for (int t = 0; t < Tag.COUNT; t++) {
                    long bits = leaf.tags[t];
                    long after = bits;
                    if ((clearTags & (1 << t)) != 0) {
                        after &= ~span;
                    }
                    if ((setTags & (1 << t)) != 0) {
                        after |= present;
                    }
                    if (after == bits) {
                        continue;
                    }
                    leaf.tags[t] = after;
                    if (leaf.parent != null) {
                        if (bits == 0) {
                            setUp(leaf.parent, leaf.offset, t);
                        } else if (after == 0) {
                            clearUp(leaf.parent, leaf.offset, t);
                        }
                    }
                }
            }
            if (end == lastInclusive) {
                break;
            }
            i = end + 1;
        }
    }

    /** Whether the entry at {@code index} exists and has {@code tag}; stops at the first untagged level. */
    public boolean hasTag(long index, int tag) {
        checkIndex(index);
        Tag.check(tag);
        Node node = root;
        if (node == null || index > spanMask(node.shift)) {
            return false;
        }
        while (true) {
            int off = offset(index, node.shift);
            if ((node.tags[tag] & (1L << off)) == 0) {
                return false;
            }
            if (node.shift == 0) {
                return true;
            }
            node = (Node) node.slots[off];
        }
    }

    /** Whether any entry has {@code tag}: O(1), the root's bitmap (the kernel's {@code mapping_tagged}). */
    public boolean anyTagged(int tag) {
        Tag.check(tag);
        Node r = root;
        return r != null && r.tags[tag] != 0;
    }

    /**
     * Fills {@code out} with the values at indices {@code first .. lastInclusive}, ascending, at most
     * {@code max} of them.
     *
     * @return how many were stored
     */
    public int gangLookup(long first, long lastInclusive, V[] out, int max) {
        return gangLookup(first, lastInclusive, null, out, max);
    }

    /**
     * Fills {@code indices} and {@code out} (either may be null) with the indices and values of the
     * entries at {@code first .. lastInclusive}, ascending, at most {@code max} of them. To go on
     * after a full batch, call again from {@code indices[max - 1] + 1}.
     *
     * @return how many were stored
     */
    public int gangLookup(long first, long lastInclusive, long[] indices, V[] out, int max) {
        checkBatch(first, indices, out, max);
        return walk(first, lastInclusive, ANY, indices, out, max, NO_TAG);
    }

    /**
     * Like {@link #gangLookup(long, long, long[], Object[], int)}, but only entries with {@code tag}
     * (the kernel's {@code radix_tree_gang_lookup_tag}, {@code filemap_get_folios_tag}); only tagged
     * subtrees are entered.
     *
     * @return how many were stored
     */
    public int gangLookupTag(long first, long lastInclusive, int tag, long[] indices, V[] out, int max) {
        checkBatch(first, indices, out, max);
        Tag.check(tag);
        return walk(first, lastInclusive, tag, indices, out, max, NO_TAG);
    }

    /**
     * Sets {@code toTag} on up to {@code max} entries of {@code first .. lastInclusive} that have
     * {@code fromTag}, in ascending index order: the kernel's {@code tag_pages_for_writeback}, which
     * tags the DIRTY pages of a range TOWRITE before an integrity sync writes exactly those. Entries
     * that already had {@code toTag} count too, so a caller that works in batches continues after the
     * last entry this call tagged (found with {@link #gangLookupTag} on {@code toTag}), not from
     * {@code first}.
     *
     * @return how many entries with {@code fromTag} were visited (at most {@code max})
     */
    public int tagRange(long first, long lastInclusive, int fromTag, int toTag, int max) {
        checkBatch(first, null, null, max);
        Tag.check(fromTag);
        Tag.check(toTag);
        return walk(first, lastInclusive, fromTag, null, null, max, toTag);
    }

    /** The number of levels: 0 when empty, 1 for indices 0..63, 2 up to 4095, ... 11 at most. */
    int height() {
        return root == null ? 0 : root.shift / SHIFT + 1;
    }

    /** Nodes allocated and not yet freed. */
    int nodeCount() {
        return nodes;
    }

    /** The root, for structural checks in tests. */
    Node root() {
        return root;
    }

    /**
     * The in-order walk behind the gang lookups and {@link #tagRange}: visits the entries of
     * {@code first .. last} whose {@code filter} bit is set ({@link #ANY}: present) in ascending
     * order, at most {@code max}; stores each into {@code indices} and {@code out} when they are
     * non-null and sets {@code toTag} on it unless that is {@link #NO_TAG}.
     *
     * <p>At each node the next candidate slot at or after the walk's position is one
     * {@code numberOfTrailingZeros} of the filter bitmap; a node with none left is done, and the walk
     * goes on after its span in the parent. So a subtree is entered only if it holds a matching entry
     * (or, once, on the path to {@code first}).
     */
    private int walk(long first, long last, int filter, long[] indices, Object[] out, int max, int toTag) {
        Node node = root;
        if (node == null || max == 0 || last < first) {
            return 0;
        }
        long limit = spanMask(node.shift);
        if (first > limit) {
            return 0;
        }
        if (last > limit) {
            last = limit;
        }
        long index = first;
        int found = 0;
        nodeVisits++;
        while (true) {
            int shift = node.shift;
            int off = offset(index, shift);
            long bits = (filter == ANY ? node.present : node.tags[filter]) & (-1L << off);
            if (bits != 0) {
                int slot = Long.numberOfTrailingZeros(bits);
                if (slot != off) {
                    // A later slot: continue at the first index of its subtree.
                    index = (index & ~spanMask(shift)) | ((long) slot << shift);
                    if (index > last) {
                        return found;
                    }
                }
                if (shift > 0) {
                    node = (Node) node.slots[slot];
                    nodeVisits++;
                    continue;
                }
                if (indices != null) {
                    indices[found] = index;
                }
                if (out != null) {
                    out[found] = node.slots[slot];
                }
                if (toTag != NO_TAG) {
                    setUp(node, slot, toTag);
                }
                found++;
                if (found == max || index == last) {
                    return found;
                }
                if (slot < SLOT_MASK) {
                    index++;
                    continue;
                }
                // The leaf's last slot: its span is done.
            }
            // Nothing left in this node's span at or after index: go on at the first index after the
            // span, in the nearest ancestor where that index is not slot 0 (slot 0 means the
            // ancestor's span is done too). last <= the root's span, so the root is never left.
            long next = (index | spanMask(node.shift)) + 1;
            if (next < 0 || next > last) {
                return found;
            }
            index = next;
            do {
                node = node.parent;
                nodeVisits++;
            } while (offset(index, node.shift) == 0);
        }
    }

    /** Adds roots on top until the tree's span includes {@code index}; makes the first root if empty. */
    private void extendTo(long index) {
        if (root == null) {
            int bits = Long.SIZE - Long.numberOfLeadingZeros(index);
            int height = Math.max(1, (bits + SHIFT - 1) / SHIFT);
            ROOT.setRelease(this, newNode((height - 1) * SHIFT, null, 0));
            return;
        }
        while (index > spanMask(root.shift)) {
            Node old = root;
            Node top = newNode(old.shift + SHIFT, null, 0);
            top.slots[0] = old;
            top.present = 1L;
            for (int tag = 0; tag < Tag.COUNT; tag++) {
                if (old.tags[tag] != 0) {
                    top.tags[tag] = 1L;
                }
            }
            old.parent = top;
            old.offset = 0;
            ROOT.setRelease(this, top);
        }
    }

    /**
     * Lowers the tree while the root is an inner node whose only child is in slot 0: that child spans
     * the same indices. The root's tag bits for slot 0 are exactly the child's "any" bits, so no tag
     * is lost.
     */
    private void shrink() {
        Node node = root;
        while (node.shift > 0 && node.present == 1L) {
            Node child = (Node) node.slots[0];
            node.slots[0] = null;
            child.parent = null;
            child.offset = 0;
            nodes--;
            node = child;
        }
        ROOT.setRelease(this, node);
    }

    /** The leaf whose span holds {@code index}, or null if there is none. */
    private Node leafOf(long index) {
        Node node = root;
        if (node == null || index > spanMask(node.shift)) {
            return null;
        }
        while (node != null && node.shift > 0) {
            node = (Node) node.slots[offset(index, node.shift)];
        }
        return node;
    }

    private Node newNode(int shift, Node parent, int offset) {
        nodes++;
        return new Node(shift, parent, offset);
    }

    /** Sets {@code tag} on slot {@code off} of {@code node} and up to the first ancestor that has it. */
    private static void setUp(Node node, int off, int tag) {
        while (node != null) {
            long bits = node.tags[tag];
            long bit = 1L << off;
            if ((bits & bit) != 0) {
                return; // tagged here, so (invariant) on every ancestor too
            }
            node.tags[tag] = bits | bit;
            off = node.offset;
            node = node.parent;
        }
    }

    /** Clears {@code tag} from slot {@code off} of {@code node}, and upwards while a node is left untagged. */
    private static void clearUp(Node node, int off, int tag) {
        while (node != null) {
            long bits = node.tags[tag];
            long cleared = bits & ~(1L << off);
            if (cleared == bits) {
                return; // was not tagged here, so the ancestors' bits do not depend on it
            }
            node.tags[tag] = cleared;
            if (cleared != 0) {
                return; // another slot keeps this node, and so its ancestors, tagged
            }
            off = node.offset;
            node = node.parent;
        }
    }

    /** The slot of {@code index} in a node at {@code shift}. */
    private static int offset(long index, int shift) {
        return (int) (index >>> shift) & SLOT_MASK;
    }

    /**
     * The index bits a node at {@code shift} resolves, itself and below: its span is
     * {@code base .. base | spanMask}. For the root this is the largest index the tree can hold.
     */
    static long spanMask(int shift) {
        int bits = shift + SHIFT;
        return bits >= Long.SIZE - 1 ? Long.MAX_VALUE : (1L << bits) - 1;
    }

    private static void checkIndex(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("index=" + index + " is negative");
        }
    }

    private static void checkBatch(long first, long[] indices, Object[] out, int max) {
        checkIndex(first);
        if (max < 0) {
            throw new IllegalArgumentException("max=" + max + " is negative");
        }
        if (indices != null && indices.length < max) {
            throw new IllegalArgumentException("max=" + max + " > indices.length=" + indices.length);
        }
        if (out != null && out.length < max) {
            throw new IllegalArgumentException("max=" + max + " > out.length=" + out.length);
        }
    }
}
