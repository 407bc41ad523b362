package dev.jaio.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** {@link Iovec#set} and {@link Iovec#fill}: base and length at the golden offsets, 16 bytes apart. */
class IovecTest {

    @Test
    void setWritesTheAddressAndSizeOfElementI() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(100);
            MemorySegment iovs = arena.allocate(48, 8);
            Iovec.set(iovs, 2, buf);
            assertEquals(buf.address(), iovs.get(JAVA_LONG, 32));
            assertEquals(100L, iovs.get(JAVA_LONG, 40));
            assertEquals(0L, iovs.get(JAVA_LONG, 0), "element 0 untouched");
            assertThrows(IndexOutOfBoundsException.class, () -> Iovec.set(iovs, 3, buf));
        }
    }

    @Test
    void fillWritesOneElementPerBufferInOrder() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(4096);
            MemorySegment b = arena.allocate(512);
            MemorySegment iovs = arena.allocate(32, 8);
            Iovec.fill(iovs, new MemorySegment[] {a, b});
            assertEquals(a.address(), iovs.get(JAVA_LONG, 0));
            assertEquals(4096L, iovs.get(JAVA_LONG, 8));
            assertEquals(b.address(), iovs.get(JAVA_LONG, 16));
            assertEquals(512L, iovs.get(JAVA_LONG, 24));
            assertThrows(IndexOutOfBoundsException.class, () -> Iovec.fill(iovs, new MemorySegment[] {a, b, a}));
        }
    }
}
