package dev.jaio.internal.cache;

import dev.jaio.internal.jfr.Jfr;
import java.util.function.Predicate;

/**
 * CLOCK replacement over the frames of a {@link PageFrames}: a hand sweeps the frames in order;
 * a page used since the hand last passed (its reference bit is set) gets a second chance, and the
 * first page that is neither referenced nor busy ({@link CachedPage#evictable()}) is the victim.
 * A page enters with the bit set (readahead a stream has not reached yet keeps its turn), and
 * every later use sets it again: a hit of a read, a write into it ({@link CachedPage#touch}). So
 * a page used again and again outlives pages read once (a scan), which lose their bit when the
 * hand passes and go at its next pass.
 * Dirty, locked, writeback and referenced-by-a-request pages are never chosen: eviction never
 * loses data and never pulls memory from under I/O or a copy.
 *
 * <p>Not thread-safe: {@link PageReclaim} calls it under its frame lock.
 */
public final class ClockEvictor {

    private final CachedPage[] resident;
    private int hand;

    /** A clock over {@code frames} frames, all empty. */
    public ClockEvictor(int frames) {
        this.resident = new CachedPage[frames];
    }

    /**
     * Records that {@code page} now occupies its frame, unless the page already gave its frame back
     * (it can be dropped between its insertion and this call, which then must not resurrect it).
     */
    public void placed(CachedPage page) {
        if (!page.freed) {
            resident[page.frame()] = page;
            page.touch();
        }
    }

    /** Records that {@code page} gave its frame back (dropped by an invalidation or a failed read). */
    public void removed(CachedPage page) {
        page.freed = true;
        if (resident[page.frame()] == page) {
            resident[page.frame()] = null;
        }
    }

    /**
     * Chooses a victim, gives it to {@code detach} (which removes it from its file's tree and may
     * refuse, say when it lost a race and became busy), and returns its frame, now empty; -1 when two
     * full turns of the hand found nothing evictable (the cache is full of dirty or busy pages: the
     * caller must write back, or wait).
     */
    public int evict(Predicate<CachedPage> detach) {
        int n = resident.length;
        for (int step = 0; step < 2 * n; step++) {
            int f = hand;
            hand = hand + 1 == n ? 0 : hand + 1;
            CachedPage p = resident[f];
            if (p == null) {
                continue;
            }
            if (p.referenced()) {
                p.clearReferenced();
                continue;
            }
            if (p.evictable() && detach.test(p)) {
                Jfr.eviction(p.owner() instanceof FileCache file ? file.key() : p.owner(), p.index()); // as the other cache events name it
                p.freed = true;
                resident[f] = null;
                return f;
            }
        }
        return -1;
    }
}
