package dev.jaio.internal.cache;

import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A keyed (filtered) wait table: the paper's §7.2 answer to retry storms on hashed wait queues,
 * in the form the kernel has today (mm/filemap.c: folio_wait_table, wake_page_function,
 * wait_page_key).
 *
 * <p>Waiters for a (key, condition) pair, where the key is a page and the condition one of its
 * state bits (say "uptodate" or "writeback done"), sit in one of a fixed number of hashed buckets.
 * Many keys share a bucket; {@link #wake} runs only the waiters whose key <em>and</em> condition
 * match, so a page that shares a bucket with another never kicks the other's retries: no
 * spurious retry is ever run by a keyed table. (A table built with {@code keyed = false} wakes
 * every waiter of the bucket, as the 2.6-era hashed queues did, so that the difference can be
 * measured; see {@link #spuriousWakeups()}.)
 *
 * <p>Two kinds of waiter share the lists: asynchronous ones ({@link #waitAsync}) run a callback,
 * the retry continuation of a request, on the thread that calls {@link #wake}, after the bucket
 * lock is released; blocking ones ({@link #await}) park their thread.
 *
 * <p>No wakeup is lost: a waiter tests its condition under the bucket lock after queueing, and a
 * waker changes the state that makes the condition true before it calls {@link #wake}, which takes
 * the same lock. So either the waiter sees the new state, or the waker finds the waiter queued.
 */
public final class WaitTable {

    /** The kernel's choice (PAGE_WAIT_TABLE_BITS = 8). */
    public static final int DEFAULT_BUCKETS = 256;

    private final Bucket[] buckets;
    private final int mask;
    private final boolean keyed;
    private final LongAdder wakeups = new LongAdder();
    private final LongAdder spurious = new LongAdder();
    private final LongAdder collisions = new LongAdder();

    /** A keyed table of {@link #DEFAULT_BUCKETS} buckets. */
    public WaitTable() {
        this(DEFAULT_BUCKETS, true);
    }

    /**
     * @param buckets a power of two
     * @param keyed false only to reproduce unfiltered hashed wait queues for comparison
     */
    public WaitTable(int buckets, boolean keyed) {
        if (buckets < 1 || Integer.bitCount(buckets) != 1) {
            throw new IllegalArgumentException("buckets must be a power of two: " + buckets);
        }
        this.buckets = new Bucket[buckets];
        for (int i = 0; i < buckets; i++) {
            this.buckets[i] = new Bucket();
        }
        this.mask = buckets - 1;
        this.keyed = keyed;
    }

    /**
     * One queued wait; {@link #cancel(Waiter)} takes it back. A waiter made with
     * {@link #Waiter(Runnable)} is its owner's for good and queued again for each of its waits
     * ({@link #waitAsync(Waiter, PageState, int, int)}): a request waits for one thing at a time, so
     * it needs no new waiter per wait. Its key and condition change only under the lock of the
     * bucket it joins, and only while it is on no list (its callback ran, or never was queued).
     */
    public static final class Waiter {
        Object key;
        int condition;
        final Runnable callback;
        final Thread thread;
        Waiter next;
        Waiter prev;
        boolean queued;
        volatile boolean woken;

        Waiter(Object key, int condition, Runnable callback, Thread thread) {
            this.key = key;
            this.condition = condition;
            this.callback = callback;
            this.thread = thread;
        }

        /** A reusable asynchronous waiter whose wakeups run {@code callback}. */
        public Waiter(Runnable callback) {
            this(null, 0, callback, null);
        }
    }

    private static final class Bucket {
        final ReentrantLock lock = new ReentrantLock();
        Waiter head;
        Waiter tail;

        void add(Waiter w) {
            w.prev = tail;
            if (tail == null) {
                head = w;
            } else {
                tail.next = w;
            }
            tail = w;
            w.queued = true;
        }

        void remove(Waiter w) {
            if (w.prev == null) {
                head = w.next;
            } else {
                w.prev.next = w.next;
            }
            if (w.next == null) {
                tail = w.prev;
            } else {
                w.next.prev = w.prev;
            }
            w.next = w.prev = null;
            w.queued = false;
        }
    }

    private Bucket bucketOf(Object key) {
        return buckets[bucketIndex(key)];
    }

    /** The bucket index {@code key} hashes to (tests use it to find colliding keys). */
    public int bucketIndex(Object key) {
        // Fibonacci hashing of the identity hash; the top bits are the best mixed.
        int h = System.identityHashCode(key) * 0x9E3779B1;
        return (h >>> 16) & mask;
    }

    /**
     * Queues {@code callback} to run once when {@link #wake} is called for (key, condition), unless
     * {@code satisfied} is already true when tested under the bucket lock.
     *
     * @return the queued waiter, or null when the condition already held (nothing was queued and
     *     the callback will not run: the caller continues at once)
     */
    public Waiter waitAsync(Object key, int condition, BooleanSupplier satisfied, Runnable callback) {
        Bucket b = bucketOf(key);
        Waiter w = new Waiter(key, condition, callback, null);
        b.lock.lock();
        try {
            if (satisfied.getAsBoolean()) {
                keyLeft(b, key); // the test may have set the page's WAITERS bit for nobody
                return null;
            }
            b.add(w);
        } finally {
            b.lock.unlock();
        }
        return w;
    }

    /**
     * {@link #waitAsync(Object, int, BooleanSupplier, Runnable)} for a page, with the owner's own
     * reusable waiter {@code w} and the page's own test (none of {@code bits} set, see
     * {@link PageState#clearOrMarkWaited}): nothing is allocated per wait.
     *
     * @return true when {@code w} was queued (its callback runs once, on the waker's thread);
     *     false when the condition already held (nothing queued: the caller continues at once)
     * @throws IllegalStateException when {@code w} is still queued for another wait
     */
    boolean waitAsync(Waiter w, PageState page, int condition, int bits) {
        Bucket b = bucketOf(page);
        b.lock.lock();
        try {
            if (w.queued || w.thread != null) {
                throw new IllegalStateException("waiter still queued, or a blocking one: " + w.key);
            }
            if (page.clearOrMarkWaited(bits)) {
                keyLeft(b, page); // the test may have set the page's WAITERS bit for nobody
                return false;
            }
            w.key = page;
            w.condition = condition;
            w.woken = false;
            b.add(w);
        } finally {
            b.lock.unlock();
        }
        return true;
    }

    /** Blocks the calling thread until (key, condition) is woken and {@code satisfied} holds. */
    public void await(Object key, int condition, BooleanSupplier satisfied) {
        Bucket b = bucketOf(key);
        boolean interrupted = false;
        try {
            while (true) {
                Waiter w = new Waiter(key, condition, null, Thread.currentThread());
                b.lock.lock();
                try {
                    if (satisfied.getAsBoolean()) {
                        keyLeft(b, key);
                        return;
                    }
                    b.add(w);
                } finally {
                    b.lock.unlock();
                }
                while (!w.woken) {
                    LockSupport.park(this);
                    // Page waits are uninterruptible, like the kernel's; the flag is kept for later.
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Takes back a queued waiter; false if it was already woken (its callback runs or ran). */
    public boolean cancel(Waiter w) {
        Bucket b = bucketOf(w.key);
        b.lock.lock();
        try {
            if (!w.queued) {
                return false;
            }
            b.remove(w);
            keyLeft(b, w.key);
            return true;
        } finally {
            b.lock.unlock();
        }
    }

    /**
     * Wakes the waiters of (key, condition): callbacks run on this thread, after the bucket lock is
     * released, in the order they were queued; blocked threads are unparked. Call it after the state
     * change that makes the condition true. A page ({@link PageState}) none of whose waiters is left
     * queued loses its {@link PageState#WAITERS} bit here, under the bucket lock, like the kernel's
     * folio_wake_bit (mm/filemap.c).
     *
     * @return how many waiters were woken
     */
    public int wake(Object key, int condition) {
        Bucket b = bucketOf(key);
        Waiter woken = null;
        Waiter wokenTail = null;
        int n = 0;
        b.lock.lock();
        try {
            for (Waiter w = b.head; w != null; ) {
                Waiter next = w.next;
                boolean match = w.key == key && w.condition == condition;
                if (match || !keyed) {
                    if (!match) {
                        spurious.increment();
                    }
                    b.remove(w);
                    if (wokenTail == null) {
                        woken = w;
                    } else {
                        wokenTail.next = w;
                    }
                    wokenTail = w;
                    n++;
                } else {
                    collisions.increment();
                }
                w = next;
            }
            keyLeft(b, key);
            if (!keyed) {
                // An unkeyed wake took other pages' waiters off the list too: those pages may have
                // none left now either.
                for (Waiter w = woken; w != null; w = w.next) {
                    if (w.key != key) {
                        keyLeft(b, w.key);
                    }
                }
            }
        } finally {
            b.lock.unlock();
        }
        wakeups.add(n);
        for (Waiter w = woken; w != null; ) {
            Waiter next = w.next;
            w.next = null;
            w.woken = true;
            if (w.thread != null) {
                LockSupport.unpark(w.thread);
            } else {
                w.callback.run();
            }
            w = next;
        }
        return n;
    }

    /**
     * Called under {@code b}'s lock after a waiter of {@code key} left the list, or did not join it
     * because its condition already held: if {@code key} is a page and no waiter of it (on any
     * condition) is queued any more, its {@link PageState#WAITERS} bit goes. The bit is a hint that
     * only queued waiters may keep set (a waker skips the table without it); one left set with no
     * waiter would cost every later state change of the page a bucket visit, and used to keep the
     * page from being evicted or dropped for good. No new waiter can slip in between the scan and
     * the clear: waiters set the bit under this same lock.
     */
    private static void keyLeft(Bucket b, Object key) {
        if (!(key instanceof PageState page) || (page.get() & PageState.WAITERS) == 0) {
            return;
        }
        for (Waiter w = b.head; w != null; w = w.next) {
            if (w.key == key) {
                return;
            }
        }
        page.clear(PageState.WAITERS);
    }

    /** Waiters queued now, in every bucket (for checks and tests: it takes every bucket's lock). */
    public int queuedWaiters() {
        int n = 0;
        for (Bucket b : buckets) {
            b.lock.lock();
            try {
                for (Waiter w = b.head; w != null; w = w.next) {
                    n++;
                }
            } finally {
                b.lock.unlock();
            }
        }
        return n;
    }

    /** Waiters woken so far. */
    public long wakeups() {
        return wakeups.sum();
    }

    /**
     * Waiters woken for a key or condition they were not waiting for: each is a spurious retry.
     * Always 0 for a keyed table.
     */
    public long spuriousWakeups() {
        return spurious.sum();
    }

    /** Waiters a wake passed over because they shared the bucket with another key or condition. */
    public long collisionsSkipped() {
        return collisions.sum();
    }
}
