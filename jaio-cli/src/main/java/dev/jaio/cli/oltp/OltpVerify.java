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

    /**
     * What {@link #verify} found.
     *
     * @param ok whether every page verified
     * @param text one line saying so
     */
    public record Outcome(boolean ok, String text) {
    }

    /**
     * Recovers the database of {@code s} (replays its log), then reads every page back: its
     * checksum and page id, and that it holds every change of the records in the log (after a
     * checkpoint, the log is empty).
     */
    public static Outcome verify(OltpSettings s) throws IOException {
        Database.recover(s.dbFile(), s.logFile()); // a run that failed left changes only in the log
        Database.Verification v = Database.verify(s.dbFile(), s.logFile(), false);
        String text = String.format(Locale.ROOT, "verify: %d pages read, %d torn, %d stale%s", v.pages(), v.torn(),
                v.stale(), v.firstProblem() == null ? "" : "; first: " + v.firstProblem());
        return new Outcome(v.ok(), text);
    }
}
