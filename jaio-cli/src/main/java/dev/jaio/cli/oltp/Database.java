package dev.jaio.cli.oltp;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jaio.cli.vsjdk.JdkDirect;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * The database file and its recovery: {@link #prepare} formats it (every page sealed and empty),
 * {@link #recover} replays the redo log into it after a run that did not end cleanly, and
 * {@link #verify} reads every page back and checks it against the log.
 */
final class Database {

    /** Rows per page: the page's rows are 8-byte values, the LSN of the last transaction that set each. */
    static final int ROWS = (int) ((PageFormat.PAGE_SIZE - PageFormat.ROWS) / 8);
    /** Bytes formatted per write. */
    private static final int CHUNK = 1 << 20;

    private Database() {
    }

    /**
     * Formats {@code file} as {@code bytes / 8 KiB} empty pages unless it already has exactly that
     * size and its first and last pages verify (a database of an earlier run is reused, as
     * benchmarks reuse their loaded tables).
     *
     * @param progress gets the bytes formatted so far, now and then
     * @return whether the file was formatted
     */
    static boolean prepare(Path file, Path log, long bytes, LongConsumer progress) throws IOException {
        if (Files.exists(file) && Files.size(file) == bytes && endsVerify(file, bytes / PageFormat.PAGE_SIZE)) {
            if (!Files.exists(log) || Files.size(log) == 0) {
                // The log holds the LSN the next transaction starts above; without it, the pages do.
                resetLog(log, maxPageLsn(file));
            }
            return false;
        }
        if (isForeign(file)) {
            throw new IOException(file + " exists and is not a jaio oltp database: not overwritten");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            format(file, bytes, progress);
        } catch (IOException e) {
            throw new IOException("formatting the database " + file + " (" + bytes + " bytes): " + e.getMessage(), e);
        }
        resetLog(log, 0);
        return true;
    }

    private static void format(Path file, long bytes, LongConsumer progress) throws IOException {
        try (Arena arena = Arena.ofConfined();
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING, JdkDirect.DIRECT)) {
            MemorySegment chunk = arena.allocate(CHUNK, 4096);
            long pages = bytes / PageFormat.PAGE_SIZE;
            long page = 0;
            while (page < pages) {
                int n = (int) Math.min(CHUNK / PageFormat.PAGE_SIZE, pages - page);
                for (int i = 0; i < n; i++) {
                    PageFormat.format(chunk.asSlice((long) i * PageFormat.PAGE_SIZE, PageFormat.PAGE_SIZE), page + i);
                }
                ByteBuffer b = chunk.asSlice(0, (long) n * PageFormat.PAGE_SIZE).asByteBuffer();
                long at = page * PageFormat.PAGE_SIZE;
                while (b.hasRemaining()) {
                    ch.write(b, at + b.position());
                }
                page += n;
                if ((page & 0x3fff) == 0) {
                    progress.accept(page * PageFormat.PAGE_SIZE);
                }
            }
            ch.force(true);
        }
    }

    /** The highest page LSN of the database: read from every page (a log that was lost is rebuilt from it). */
    static long maxPageLsn(Path file) throws IOException {
        long max = 0;
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment chunk = arena.allocate(CHUNK);
            long size = ch.size();
            for (long at = 0; at < size; at += CHUNK) {
                ByteBuffer b = chunk.asByteBuffer();
                while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {
                    // fill the chunk
                }
                for (int p = 0; p + PageFormat.PAGE_SIZE <= b.position(); p += PageFormat.PAGE_SIZE) {
                    max = Math.max(max, PageFormat.lsn(chunk.asSlice(p, PageFormat.PAGE_SIZE)));
                }
            }
        }
        return max;
    }

    /**
     * Whether {@code file} holds something other than a jaio oltp database: it is not empty and its
     * first page is not a sealed page 0 (a database of any size is ours to reformat; anything else
     * is the user's).
     */
    static boolean isForeign(Path file) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        if (!Files.isRegularFile(file)) {
            return true;
        }
        if (Files.size(file) == 0) {
            return false;
        }
        if (Files.size(file) < PageFormat.PAGE_SIZE) {
            return true;
        }
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment page = arena.allocate(PageFormat.PAGE_SIZE);
            readFully(ch, page, 0);
            return PageFormat.verify(page, 0) != PageFormat.Verdict.OK;
        }
    }

    private static boolean endsVerify(Path file, long pages) throws IOException {
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment page = arena.allocate(PageFormat.PAGE_SIZE);
            for (long p : new long[] {0, pages - 1}) {
                ch.read(page.asByteBuffer(), p * PageFormat.PAGE_SIZE);
                if (PageFormat.verify(page, p) != PageFormat.Verdict.OK) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * What recovery did.
     *
     * @param records valid log records found
     * @param pagesRewritten pages that were missing some record's change and were rewritten
     * @param lastLsn the highest LSN of the log (the next run's base)
     * @param tornTailBytes bytes after the last valid record (a write a crash cut short)
     */
    record Recovery(long records, long pagesRewritten, long lastLsn, long tornTailBytes) {
    }

    /**
     * Replays the log at {@code log} into {@code db}: each page missing a change a record makes
     * (its LSN is older) gets it, is sealed and written; then the file is synced. A page that
     * fails its checksum fails recovery: redo cannot repair a torn page.
     */
    static Recovery recover(Path db, Path log) throws IOException {
        return recover(db, log, RedoLog.scan(log));
    }

    /** {@link #recover(Path, Path)} with the log already read ({@code scan} of {@code log}). */
    static Recovery recover(Path db, Path log, RedoLog.Scan scan) throws IOException {
        Map<Long, List<RedoLog.Entry>> byPage = new TreeMap<>();
        for (RedoLog.Entry e : scan.entries()) {
            for (long p : e.pages()) {
                List<RedoLog.Entry> l = byPage.computeIfAbsent(p, k -> new ArrayList<>());
                if (l.isEmpty() || l.getLast() != e) {
                    l.add(e);
                }
            }
        }
        long rewritten = 0;
        if (!byPage.isEmpty()) {
            try (Arena arena = Arena.ofConfined();
                    FileChannel ch = FileChannel.open(db, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                MemorySegment page = arena.allocate(PageFormat.PAGE_SIZE);
                long pages = ch.size() / PageFormat.PAGE_SIZE;
                for (Map.Entry<Long, List<RedoLog.Entry>> pe : byPage.entrySet()) {
                    long id = pe.getKey();
                    if (id < 0 || id >= pages) {
                        throw new IOException("redo log " + log + " names page " + id + ", outside the database's "
                                + pages + " pages of " + db);
                    }
                    readFully(ch, page, id);
                    PageFormat.Verdict v = PageFormat.verify(page, id);
                    if (v != PageFormat.Verdict.OK) {
                        throw new IOException("recovery: page " + id + " of " + db + " is " + v
                                + ": redo cannot repair it");
                    }
                    boolean changed = false;
                    for (RedoLog.Entry e : pe.getValue()) {
                        changed |= apply(page, e, id);
                    }
                    if (changed) {
                        PageFormat.seal(page);
                        ByteBuffer b = page.asByteBuffer();
                        while (b.hasRemaining()) {
                            ch.write(b, id * PageFormat.PAGE_SIZE + b.position());
                        }
                        rewritten++;
                    }
                }
                ch.force(true);
            }
        }
        return new Recovery(scan.entries().size(), rewritten, scan.lastLsn(), scan.fileBytes() - scan.validBytes());
    }

    /** Applies record {@code e}'s changes of page {@code id} (as a maximum); whether anything changed. */
    private static boolean apply(MemorySegment page, RedoLog.Entry e, long id) {
        boolean changed = false;
        for (int i = 0; i < e.pages().length; i++) {
            if (e.pages()[i] == id && row(page, e.rows()[i]) < e.lsn()) {
                page.set(JAVA_LONG, PageFormat.ROWS + e.rows()[i] * 8L, e.lsn());
                changed = true;
            }
        }
        if (PageFormat.lsn(page) < e.lsn()) {
            PageFormat.setLsn(page, e.lsn());
            changed = true;
        }
        return changed;
    }

    static long row(MemorySegment page, int row) {
        return page.get(JAVA_LONG, PageFormat.ROWS + row * 8L);
    }

    private static void readFully(FileChannel ch, MemorySegment page, long id) throws IOException {
        ByteBuffer b = page.asByteBuffer();
        while (b.hasRemaining()) {
            if (ch.read(b, id * PageFormat.PAGE_SIZE + b.position()) < 0) {
                throw new IOException("page " + id + ": the database file ends at " + ch.size());
            }
        }
    }

    /** Empties the log after a checkpoint: a header whose base LSN is {@code lastLsn}, synced. */
    static void resetLog(Path log, long lastLsn) throws IOException {
        new RedoLog(log, OltpSettings.LogSync.FDATASYNC, lastLsn, 1).close();
    }

    /**
     * What {@link #verify} found.
     *
     * @param pages pages read
     * @param torn pages that failed their checksum or named another page
     * @param stale pages missing a change of a log record (a row or the page LSN below the log's
     *     last change of it): a lost update, or a log not yet replayed
     * @param ahead pages holding a change the log does not have (a row or page LSN above the
     *     log's base that no record explains): a write made before its log record was durable, or
     *     a log that was lost
     * @param firstProblem the first problem found, or null
     */
    record Verification(long pages, long torn, long stale, long ahead, String firstProblem) {
        /** {@return whether every page is as the log says} */
        boolean ok() {
            return torn == 0 && stale == 0 && ahead == 0;
        }
    }

    /**
     * Reads every page of {@code db} and checks it: its checksum and id, and against the log at
     * {@code log}. Every LSN above the log's base was given to a record of this log, so every row
     * and page LSN above the base must be exactly the highest LSN the log gives that row or page,
     * and a row or page the log names must hold at least that; at or below the base (changes
     * from before the log began, checkpointed) anything goes.
     */
    static Verification verify(Path db, Path log) throws IOException {
        return verify(db, RedoLog.scan(log));
    }

    /** {@link #verify(Path, Path)} with the log already read. */
    static Verification verify(Path db, RedoLog.Scan scan) throws IOException {
        long base = scan.baseLsn();
        Map<Long, Long> pageLsn = new HashMap<>();
        Map<Long, Map<Integer, Long>> rowLsn = new HashMap<>();
        for (RedoLog.Entry e : scan.entries()) {
            for (int i = 0; i < e.pages().length; i++) {
                pageLsn.merge(e.pages()[i], e.lsn(), Math::max);
                rowLsn.computeIfAbsent(e.pages()[i], k -> new HashMap<>()).merge(e.rows()[i], e.lsn(), Math::max);
            }
        }
        long torn = 0;
        long stale = 0;
        long ahead = 0;
        String first = null;
        long pages;
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(db, StandardOpenOption.READ)) {
            MemorySegment page = arena.allocate(PageFormat.PAGE_SIZE);
            pages = ch.size() / PageFormat.PAGE_SIZE;
            for (long id = 0; id < pages; id++) {
                readFully(ch, page, id);
                PageFormat.Verdict v = PageFormat.verify(page, id);
                if (v != PageFormat.Verdict.OK) {
                    torn++;
                    first = first != null ? first : "page " + id + " is " + v;
                    continue;
                }
                Map<Integer, Long> rows = rowLsn.getOrDefault(id, Map.of());
                String problem = check("page " + id + "'s LSN", PageFormat.lsn(page), pageLsn.get(id), base);
                for (int r = 0; r < ROWS && problem == null; r++) {
                    problem = check("page " + id + " row " + r, row(page, r), rows.get(r), base);
                }
                if (problem != null) {
                    if (problem.contains("holds a change")) {
                        ahead++;
                    } else {
                        stale++;
                    }
                    first = first != null ? first : problem;
                }
            }
        }
        return new Verification(pages, torn, stale, ahead, first);
    }

    /** What is wrong with a value the log wants to be {@code want} (null: no record), or null. */
    private static String check(String what, long have, Long want, long base) {
        if (want != null && have < want) {
            return what + " holds " + have + ", older than the log's last change of it, " + want;
        }
        if (have > base && (want == null || have != want)) {
            return what + " holds a change the log does not have: " + have + " (the log's base is " + base
                    + (want == null ? ", and it has no record of it)" : ", its last change of it " + want + ")");
        }
        return null;
    }
}
