package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** A sealed page verifies; a flipped bit anywhere (the checksum too), or another page's id, does not. */
class PageFormatTest {

    @Test
    void aSealedPageVerifiesAndEveryFlippedBitIsFound() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(PageFormat.PAGE_SIZE);
            PageFormat.format(page, 42);
            assertEquals(42, PageFormat.pageId(page));
            assertEquals(0, PageFormat.lsn(page));
            assertEquals(PageFormat.Verdict.OK, PageFormat.verify(page, 42));
            page.set(ValueLayout.JAVA_BYTE, PageFormat.ROWS + 100, (byte) 7);
            PageFormat.setLsn(page, 1234);
            PageFormat.seal(page);
            assertEquals(PageFormat.Verdict.OK, PageFormat.verify(page, 42));
            assertEquals(1234, PageFormat.lsn(page));
            assertEquals(PageFormat.Verdict.WRONG_PAGE, PageFormat.verify(page, 43), "written to another page's place");
            for (long offset : new long[] {0, 8, 16, 19, 20, PageFormat.ROWS, 4095, 4096, PageFormat.PAGE_SIZE - 1}) {
                for (int bit = 0; bit < 8; bit += 7) {
                    byte b = page.get(ValueLayout.JAVA_BYTE, offset);
                    page.set(ValueLayout.JAVA_BYTE, offset, (byte) (b ^ (1 << bit)));
                    assertEquals(PageFormat.Verdict.TORN, PageFormat.verify(page, 42), "bit " + bit + " at " + offset);
                    page.set(ValueLayout.JAVA_BYTE, offset, b);
                }
            }
            assertEquals(PageFormat.Verdict.OK, PageFormat.verify(page, 42));
        }
    }

    @Test
    void aTornPageOfTwoVersionsIsFound() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(PageFormat.PAGE_SIZE);
            MemorySegment now = arena.allocate(PageFormat.PAGE_SIZE);
            PageFormat.format(old, 5);
            PageFormat.format(now, 5);
            now.asSlice(PageFormat.ROWS).fill((byte) 0x5a);
            PageFormat.setLsn(now, 9);
            PageFormat.seal(now);
            // The device wrote the first 4 KiB of the new version and kept the old second half.
            MemorySegment torn = arena.allocate(PageFormat.PAGE_SIZE);
            torn.copyFrom(old);
            torn.asSlice(0, 4096).copyFrom(now.asSlice(0, 4096));
            assertEquals(PageFormat.Verdict.TORN, PageFormat.verify(torn, 5));
        }
    }

    @Test
    void onlyWholePagesAreTaken() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> PageFormat.format(arena.allocate(4096), 1));
        }
    }
}
