package dev.jaio.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** {@link Timespec#set}: seconds and nanoseconds at the golden offsets of element i, 16 bytes apart. */
class TimespecTest {

    @Test
    void setSplitsNanosIntoSecondsAndNanosecondsOfElementI() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(48, 8);
            assertEquals(ts.address() + 32, Timespec.set(ts, 2, 3_000_000_007L));
            assertEquals(3L, ts.get(JAVA_LONG, 32));
            assertEquals(7L, ts.get(JAVA_LONG, 40));
            assertEquals(ts.address(), Timespec.set(ts, 0, 999_999_999L));
            assertEquals(0L, ts.get(JAVA_LONG, 0));
            assertEquals(999_999_999L, ts.get(JAVA_LONG, 8));
            assertEquals(0L, ts.get(JAVA_LONG, 16), "element 1 untouched");
        }
    }
}
