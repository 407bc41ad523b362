package dev.jaio.cli.oltp;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * The 8 KiB page of {@code jaio oltp}'s database: a header, then rows. A page is sealed with a
 * CRC32C over all of it (the checksum field counted as zeros), as InnoDB and PostgreSQL
 * checksum their pages, so that a torn write (part old, part new) or a page written to the wrong
 * place is found when it is read back. Whether a page is stale (older than the log says it must
 * be) is the log's business: {@link #lsn} gives what the page says.
 *
 * <pre>
 * offset  size  field
 *      0     8  page id (its index in the file)
 *      8     8  page LSN (the log position of the last change applied to it)
 *     16     4  CRC32C of the page, this field read as 0
 *     20     4  reserved, 0
 *     24  8168  rows
 * </pre>
 * Fields are little-endian (the machine's order, as the JDK's unaligned layouts read them).
 */
public final class PageFormat {

    /** Bytes per page: the database page of DB2, InnoDB's default is 16 KiB, PostgreSQL's 8 KiB. */
    public static final int PAGE_SIZE = 8192;
    /** Offset of the page id. */
    static final long PAGE_ID = 0;
    /** Offset of the page LSN. */
    static final long LSN = 8;
    /** Offset of the checksum. */
    static final long CHECKSUM = 16;
    /** Where the rows begin. */
    public static final long ROWS = 24;

    private static final byte[] ZEROS = new byte[4];

    /** What reading a page back found. */
    public enum Verdict {
        /** The checksum matches and the page is the one asked for. */
        OK,
        /** The checksum does not match: a torn or corrupted page. */
        TORN,
        /** The checksum matches but the page says it is another page: written to the wrong place. */
        WRONG_PAGE
    }

    private PageFormat() {
    }

    /** Makes {@code page} the empty page {@code id}: rows zeroed, LSN 0, sealed. */
    public static void format(MemorySegment page, long id) {
        check(page);
        page.fill((byte) 0);
        page.set(JAVA_LONG_UNALIGNED, PAGE_ID, id);
        seal(page);
    }

    /** Sets the page LSN (the caller seals the page before it is written). */
    public static void setLsn(MemorySegment page, long lsn) {
        check(page);
        page.set(JAVA_LONG_UNALIGNED, LSN, lsn);
    }

    /** {@return the page's LSN} */
    public static long lsn(MemorySegment page) {
        check(page);
        return page.get(JAVA_LONG_UNALIGNED, LSN);
    }

    /** {@return the page id the page says it is} */
    public static long pageId(MemorySegment page) {
        check(page);
        return page.get(JAVA_LONG_UNALIGNED, PAGE_ID);
    }

    /** Computes and stores the page's checksum: the last step before the page is written. */
    public static void seal(MemorySegment page) {
        check(page);
        page.set(JAVA_INT_UNALIGNED, CHECKSUM, checksum(page));
    }

    /** Checks a page read back as page {@code expectedId}. */
    public static Verdict verify(MemorySegment page, long expectedId) {
        check(page);
        if (page.get(JAVA_INT_UNALIGNED, CHECKSUM) != checksum(page)) {
            return Verdict.TORN;
        }
        return pageId(page) == expectedId ? Verdict.OK : Verdict.WRONG_PAGE;
    }

    /** CRC32C of the page with the checksum field read as zeros. */
    private static int checksum(MemorySegment page) {
        CRC32C crc = new CRC32C();
        crc.update(page.asSlice(0, CHECKSUM).asByteBuffer());
        crc.update(ZEROS);
        crc.update(page.asSlice(CHECKSUM + 4).asByteBuffer());
        return (int) crc.getValue();
    }

    private static void check(MemorySegment page) {
        if (page.byteSize() != PAGE_SIZE) {
            throw new IllegalArgumentException("a page is " + PAGE_SIZE + " bytes, not " + page.byteSize());
        }
    }
}
