package dev.jaio.internal.linux;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mmap/munmap against the real kernel, and the PROT_/MAP_ values of asm-generic/mman-common.h. */
class MmanTest {

    private static final long PAGE = 4096;

    @Test
    void constants() {
        assertAll(
                () -> assertEquals(0x1, Mman.PROT_READ),
                () -> assertEquals(0x2, Mman.PROT_WRITE),
                () -> assertEquals(0x01, Mman.MAP_SHARED),
                () -> assertEquals(0x02, Mman.MAP_PRIVATE),
                () -> assertEquals(0x20, Mman.MAP_ANONYMOUS),
                () -> assertEquals(0x8000, Mman.MAP_POPULATE));
    }

    @Test
    void anonymousMappingIsZeroedWritableAndUnmappable() {
        long addr = Mman.mmap(0, 2 * PAGE, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_POPULATE, -1, 0);
        assertTrue(addr > 0, () -> "mmap: " + Errno.describe((int) addr));
        assertEquals(0, addr % PAGE, "page-aligned");
        MemorySegment seg = Mman.segment(addr, 2 * PAGE);
        assertEquals(2 * PAGE, seg.byteSize());
        assertEquals(addr, seg.address());
        assertEquals(0L, seg.get(JAVA_LONG, PAGE + 8));
        seg.set(JAVA_LONG, PAGE + 8, 0x1234_5678_9ABC_DEF0L);
        assertEquals(0x1234_5678_9ABC_DEF0L, seg.get(JAVA_LONG, PAGE + 8));
        assertEquals(0, Mman.munmap(addr, 2 * PAGE));
    }

    @Test
    void errorsAreNegatedErrno() {
        assertEquals(-Errno.EBADF, Mman.mmap(0, PAGE, Mman.PROT_READ, Mman.MAP_SHARED, Integer.MAX_VALUE, 0));
        assertEquals(-Errno.EINVAL, Mman.mmap(0, 0, Mman.PROT_READ, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0),
                "zero length");
        assertEquals(-Errno.EINVAL, Mman.munmap(PAGE + 1, PAGE), "unaligned address");
    }

    @Test
    void segmentRefusesAnErrnoOrNullAsAddress() {
        assertThrows(IllegalArgumentException.class, () -> Mman.segment(-Errno.ENOMEM, PAGE));
        assertThrows(IllegalArgumentException.class, () -> Mman.segment(0, PAGE));
    }
}
