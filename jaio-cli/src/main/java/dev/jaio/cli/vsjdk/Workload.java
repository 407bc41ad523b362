package dev.jaio.cli.vsjdk;

import java.io.IOException;
import java.util.List;

/**
 * One workload of {@code jaio bench --vs=jdk}: a set of contenders, JDK and jaio, that do the same
 * work on the same file one after another in this process.
 */
interface Workload extends AutoCloseable {

    /** {@return the workload's name on the command line: warm, log or cold} */
    String name();

    /** {@return one line saying what every contender does} */
    String title();

    /** {@return the contenders' names, in the order they run} */
    List<String> contenders();

    /** Prepares the file before the first round (say creates the log). */
    void prepare() throws IOException;

    /** Prepares each round of contenders (say reads the file into the page cache). */
    void beforeRound() throws IOException;

    /**
     * Runs one contender for the ramp and the measured interval.
     *
     * @param index the contender's index in {@link #contenders()}
     * @return its result; a failure is a result with an error, never an exception
     */
    RunResult run(int index, Timing timing);

    /** Removes what {@link #prepare()} made. */
    @Override
    void close() throws IOException;
}
