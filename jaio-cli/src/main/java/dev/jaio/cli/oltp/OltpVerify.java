package dev.jaio.cli.oltp;

import java.io.IOException;
import java.util.Locale;
import java.util.function.LongConsumer;

/** The database file's preparation and its check, for the command: what {@link Database} does, public. */
public final class OltpVerify {

    private OltpVerify() {
    }

    /**
     * Formats the database of {@code s} and starts its log, unless a database of its size is there
     * already (then a missing log is started above the highest page LSN).
     *
     * @param progress gets the bytes formatted so far, now and then
     * @return whether it was formatted
     */
    public static boolean prepare(OltpSettings s, LongConsumer progress) throws IOException {
        return Database.prepare(s.dbFile(), s.logFile(), s.dbBytes(), progress);
    }

    /** Whether the database file of {@code s} exists and is not a jaio oltp database (not to be overwritten). */
    public static boolean isForeign(OltpSettings s) throws IOException {
        return Database.isForeign(s.dbFile());
    }

    /**
     * What {@link #verify} found.
     *
     * @param ok whether every page verified
     * @param text one line saying so
     */
    public record Outcome(boolean ok, String text) {
    }

    /**
     * Checks the database of {@code s} against its log: first as it is on disk (no page may hold a
     * change the log does not have: the write-ahead rule), then after replaying the log, every
     * page: its checksum and page id, and that it holds exactly the changes of the log's records
     * (with {@code --verify} the runs keep their log, so that is every change since the first).
     */
    public static Outcome verify(OltpSettings s) throws IOException {
        RedoLog.Scan scan = RedoLog.scan(s.logFile()); // replay changes the pages, not the log: read once
        Database.Verification before = Database.verify(s.dbFile(), scan);
        Database.recover(s.dbFile(), s.logFile(), scan); // a run that failed left changes only in the log
        Database.Verification v = Database.verify(s.dbFile(), scan);
        boolean ok = v.ok() && before.ahead() == 0 && before.torn() == 0;
        String text = String.format(Locale.ROOT,
                "verify: %d pages read; before replay %d torn, %d ahead of the log; after %d torn, %d stale, %d ahead%s",
                v.pages(), before.torn(), before.ahead(), v.torn(), v.stale(), v.ahead(),
                ok ? "" : "; first: " + (before.firstProblem() != null && before.ahead() + before.torn() > 0
                        ? before.firstProblem() : v.firstProblem()));
        return new Outcome(ok, text);
    }
}
