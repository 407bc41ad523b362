package dev.jaio.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * jaio's page cache events (FileOption.CACHED files): readahead started, writeback issued, a
 * writer throttled at the dirty limit, a page evicted; used only through {@link Jfr}, which loads
 * this class only when module {@code jdk.jfr} is present. Each is an instant event, committed where
 * it happens; with no recording wanting it, each call is one check.
 */
final class CacheEvents {

    private static final EventType READAHEAD = EventType.getEventType(Readahead.class);
    private static final EventType WRITEBACK = EventType.getEventType(Writeback.class);
    private static final EventType THROTTLE = EventType.getEventType(Throttle.class);
    private static final EventType EVICTION = EventType.getEventType(Eviction.class);

    private CacheEvents() {
    }

    /** Initializes the event classes (see JfrEvents' static initializer): nothing is committed. */
    static void warmUp() {
        for (Event e : new Event[] {new Readahead(), new Writeback(), new Throttle(), new Eviction()}) {
            e.begin();
            e.end();
            e.shouldCommit();
        }
    }

    /** Pages read ahead of the reader (mm/readahead.c). */
    @Name("dev.jaio.CacheReadahead")
    @Label("jaio Cache Readahead")
    @Category({"jaio", "Page Cache"})
    @StackTrace(false)
    public static final class Readahead extends Event {
        @Label("File")
        public String file;
        @Label("First Page")
        @Description("Index of the first page, in 4 KiB pages")
        public long firstPage;
        @Label("Pages Asked")
        public long pagesAsked;
        @Label("Pages Started")
        @Description("Device reads started for missing pages (pages already cached are not read)")
        public int pagesStarted;
    }

    /** A writeback batch: dirty pages issued to the device in runs of adjacent pages (mm/page-writeback.c). */
    @Name("dev.jaio.CacheWriteback")
    @Label("jaio Cache Writeback")
    @Category({"jaio", "Page Cache"})
    @StackTrace(false)
    public static final class Writeback extends Event {
        @Label("File")
        public String file;
        @Label("First Page")
        public long firstPage;
        @Label("Pages")
        public int pages;
        @Label("Bytes")
        @DataAmount
        public long bytes;
        @Label("Device Writes")
        @Description("Runs of adjacent pages, one device write each")
        public int writes;
        @Label("Flags")
        @Description("RWF_* flags of the writes (RWF_DSYNC 2 for an O_SYNC range writeback)")
        public int flags;
    }

    /**
     * A writer found the cache at its dirty limit and waits, as a queued retry, for writeback
     * (balance_dirty_pages); {@code dirtyPages} is read as the event is recorded, so writeback that
     * ended meanwhile may have taken it under the limit.
     */
    @Name("dev.jaio.CacheThrottle")
    @Label("jaio Cache Throttle")
    @Category({"jaio", "Page Cache"})
    @StackTrace(false)
    public static final class Throttle extends Event {
        @Label("Dirty Pages")
        public long dirtyPages;
        @Label("Dirty Limit")
        @Description("Pages; writers wait at or above it")
        public long dirtyLimit;
    }

    /** A clean, idle page evicted for a new one (the CLOCK hand); off by default: one per page. */
    @Name("dev.jaio.CacheEviction")
    @Label("jaio Cache Eviction")
    @Category({"jaio", "Page Cache"})
    @StackTrace(false)
    @Enabled(false)
    public static final class Eviction extends Event {
        @Label("File")
        public String file;
        @Label("Page")
        public long page;
    }

    /** Readahead of {@code pagesAsked} pages from {@code firstPage} of {@code file} started {@code started} reads. */
    public static void readahead(Object file, long firstPage, long pagesAsked, int started) {
        if (READAHEAD.isEnabled()) {
            Readahead e = new Readahead();
            if (e.shouldCommit()) {
                e.file = String.valueOf(file);
                e.firstPage = firstPage;
                e.pagesAsked = pagesAsked;
                e.pagesStarted = started;
                e.commit();
            }
        }
    }

    /** Writeback of {@code pages} pages of {@code file} from {@code firstPage}, in {@code writes} device writes. */
    public static void writeback(Object file, long firstPage, int pages, long bytes, int writes, int flags) {
        if (WRITEBACK.isEnabled()) {
            Writeback e = new Writeback();
            if (e.shouldCommit()) {
                e.file = String.valueOf(file);
                e.firstPage = firstPage;
                e.pages = pages;
                e.bytes = bytes;
                e.writes = writes;
                e.flags = flags;
                e.commit();
            }
        }
    }

    /** A writer throttled with {@code dirtyPages} dirty at a limit of {@code dirtyLimit}. */
    public static void throttle(long dirtyPages, long dirtyLimit) {
        if (THROTTLE.isEnabled()) {
            Throttle e = new Throttle();
            if (e.shouldCommit()) {
                e.dirtyPages = dirtyPages;
                e.dirtyLimit = dirtyLimit;
                e.commit();
            }
        }
    }

    /** Page {@code page} of {@code file} evicted. */
    public static void eviction(Object file, long page) {
        if (EVICTION.isEnabled()) {
            Eviction e = new Eviction();
            if (e.shouldCommit()) {
                e.file = String.valueOf(file);
                e.page = page;
                e.commit();
            }
        }
    }
}
