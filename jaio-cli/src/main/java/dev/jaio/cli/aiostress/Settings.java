package dev.jaio.cli.aiostress;

import java.util.ArrayList;
import java.util.List;

/**
 * The values a run actually uses, derived from {@link AioStressOptions} as the original derives
 * them, with the notes it prints on the way.
 *
 * @param iosPerIteration io_iter, lowered to the depth and to max io_submit
 * @param threads the thread count, capped at files x contexts
 * @param maxIoSubmit iocbs per submit; files x contexts x io_iter unless {@code -b}
 * @param stages the stages in the order they run
 * @param notes what the original prints while deriving them ("dropping io_iter to 8", ...), in order
 */
public record Settings(int iosPerIteration, int threads, int maxIoSubmit, List<Stage> stages, List<String> notes) {

    public Settings {
        stages = List.copyOf(stages);
        notes = List.copyOf(notes);
    }

    /**
     * Derives the settings.
     *
     * @throws InvalidOptionException when the file is too small for the contexts (the original's
     *     "file size N too small for C contexts")
     */
    public static Settings resolve(AioStressOptions o) {
        List<String> notes = new ArrayList<>();
        int ioIter = o.iosPerIteration();
        if (o.depth() < ioIter) {
            ioIter = o.depth();
            notes.add(Lines.droppingIoIter(ioIter));
        }
        int files = o.files().size();
        long opers = (long) files * o.contexts();
        int threads = o.threads();
        if (threads > opers) {
            threads = (int) opers;
            notes.add(Lines.droppingThreads(threads));
        }
        long maxSubmit = o.maxIoSubmit();
        if (maxSubmit == 0) {
            maxSubmit = Math.min(Integer.MAX_VALUE, opers * ioIter);
        }
        if (maxSubmit < ioIter) {
            ioIter = (int) maxSubmit;
            notes.add(Lines.droppingIoIter(ioIter));
        }
        if (!o.stageFlags().isEmpty()) {
            notes.add(Lines.startingWith(o.stages().getFirst()));
        }
        long needed;
        try {
            needed = Math.multiplyExact(o.contexts(), o.contextOffset());
        } catch (ArithmeticException e) {
            needed = Long.MAX_VALUE;
        }
        if (o.fileSize() < needed) {
            throw new InvalidOptionException(Lines.fileTooSmall(o.fileSize(), o.contexts()));
        }
        return new Settings(ioIter, threads, (int) maxSubmit, o.stages(), notes);
    }
}
