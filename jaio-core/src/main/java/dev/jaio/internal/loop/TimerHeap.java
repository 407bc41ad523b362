package dev.jaio.internal.loop;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The loop's timers: a binary min-heap by deadline (then sequence) in which every timer knows its
 * index, so that one is removed in O(log n) when its request ends first (Netty's
 * DefaultPriorityQueue; the JDK's ScheduledThreadPoolExecutor with remove-on-cancel). A read with
 * a timeout that ends in time takes its timer out at once: with a request rate of r per second and
 * a timeout of t seconds, a heap that dropped cancelled timers only at their deadline would hold
 * r x t of them. Loop thread only.
 *
 * <p>Invariant: {@code heap[i].heapIndex == i} for every {@code i < size}; a timer out of the heap
 * has index -1.
 */
final class TimerHeap {

    private ScheduledTask[] heap = new ScheduledTask[16];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The timer due first, or null. */
    ScheduledTask peek() {
        return size == 0 ? null : heap[0];
    }

    void add(ScheduledTask t) {
        if (t.heapIndex >= 0) {
            throw new IllegalStateException("timer already in the heap");
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        siftUp(size++, t);
    }

    /** Takes the timer due first out, or returns null. */
    ScheduledTask poll() {
        if (size == 0) {
            return null;
        }
        ScheduledTask first = heap[0];
        removeAt(0);
        return first;
    }

    /** Takes {@code t} out if it is in the heap; true when it was. */
    boolean remove(ScheduledTask t) {
        int i = t.heapIndex;
        if (i < 0 || i >= size || heap[i] != t) {
            return false;
        }
        removeAt(i);
        return true;
    }

    /** Runs {@code action} on every timer in the heap (in no order). */
    void forEach(Consumer<ScheduledTask> action) {
        for (int i = 0; i < size; i++) {
            action.accept(heap[i]);
        }
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].heapIndex = -1;
            heap[i] = null;
        }
        size = 0;
    }

    private void removeAt(int i) {
        ScheduledTask gone = heap[i];
        gone.heapIndex = -1;
        int last = --size;
        ScheduledTask moved = heap[last];
        heap[last] = null;
        if (i == last) {
            return;
        }
        siftDown(i, moved);
        if (heap[i] == moved) {
            siftUp(i, moved);
        }
    }

    private void siftUp(int i, ScheduledTask t) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            ScheduledTask p = heap[parent];
            if (t.compareTo(p) >= 0) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = t;
        t.heapIndex = i;
    }

    private void siftDown(int i, ScheduledTask t) {
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            ScheduledTask c = heap[child];
            int right = child + 1;
            if (right < size && c.compareTo(heap[right]) > 0) {
                c = heap[child = right];
            }
            if (t.compareTo(c) <= 0) {
                break;
            }
            heap[i] = c;
            c.heapIndex = i;
            i = child;
        }
        heap[i] = t;
        t.heapIndex = i;
    }
}
