package dev.jaio.internal.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The reactor's ring of deferred completions against the JDK's ArrayDeque, across growth and wrap-around. */
class DeferredEndsTest {

    private record End(Object handler, long result, IOException failure, Object attachment, boolean receive) {
    }

    @Test
    void firstInFirstOutAcrossGrowthAndWrapAround() {
        SplittableRandom r = new SplittableRandom(7);
        Reactor.DeferredEnds ring = new Reactor.DeferredEnds();
        ArrayDeque<End> model = new ArrayDeque<>();
        for (int step = 0; step < 100_000; step++) {
            // Bursts of adds (the ring grows past 16 and wraps) between bursts of removals.
            if (r.nextInt(3) != 0 || model.isEmpty()) {
                End e = new End(new Object(), r.nextLong(), r.nextInt(5) == 0 ? new IOException("x" + step) : null,
                        r.nextBoolean() ? new Object() : null, r.nextBoolean());
                ring.add(e.handler(), e.result(), e.failure(), e.attachment(), e.receive());
                model.add(e);
            } else {
                End e = model.poll();
                int at = ring.head;
                assertSame(e.handler(), ring.handlers[at]);
                assertEquals(e.result(), ring.results[at]);
                assertSame(e.failure(), ring.failures[at]);
                assertSame(e.attachment(), ring.attachments[at]);
                assertEquals(e.receive(), ring.receives[at]);
                ring.removeFirst();
                assertNull(ring.handlers[at], "a taken entry keeps no reference");
            }
            assertEquals(model.size(), ring.size());
            assertEquals(model.isEmpty(), ring.isEmpty());
        }
        assertTrue(ring.handlers.length > 16, "the ring never grew: the test did not test growth");
    }
}
