package dev.jaio.cli.aiostress;

import java.io.OutputStream;
import java.io.PrintWriter;

/**
 * Where a run prints: the original's lines to stderr (and two kinds to stdout), one line at a time
 * from any thread, each flushed at once as C's unbuffered stderr is. A live progress line, when
 * shown, is cleared before any other stderr line and redrawn by the next progress tick.
 */
public final class Output {

    private final PrintWriter out;
    private final PrintWriter err;
    private final Object lock = new Object();
    private int progressWidth;

    private Output(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    /** Prints to these writers. */
    public static Output to(PrintWriter out, PrintWriter err) {
        return new Output(out, err);
    }

    /** Prints nothing: for code that only wants the {@link AioStressResult}. */
    public static Output quiet() {
        PrintWriter none = new PrintWriter(OutputStream.nullOutputStream());
        return new Output(none, none);
    }

    /** One line on stderr. */
    void err(String line) {
        synchronized (lock) {
            clearProgressLocked();
            err.println(line);
            err.flush();
        }
    }

    /** One line on stdout. */
    void out(String line) {
        synchronized (lock) {
            clearProgressLocked();
            out.println(line);
            out.flush();
        }
    }

    /** Shows {@code text} as the progress line (stderr, rewritten in place with a carriage return). */
    void progress(String text) {
        synchronized (lock) {
            int pad = Math.max(0, progressWidth - text.length());
            err.print("\r" + text + " ".repeat(pad));
            err.flush();
            progressWidth = text.length();
        }
    }

    /** Removes the progress line, if shown. */
    void clearProgress() {
        synchronized (lock) {
            clearProgressLocked();
        }
    }

    private void clearProgressLocked() {
        if (progressWidth > 0) {
            err.print("\r" + " ".repeat(progressWidth) + "\r");
            err.flush();
            progressWidth = 0;
        }
    }
}
