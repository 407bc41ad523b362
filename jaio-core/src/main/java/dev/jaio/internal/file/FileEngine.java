package dev.jaio.internal.file;

import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.cache.PageCache;
import dev.jaio.internal.engine.IoOp;

/**
 * What an open file needs of the engine it was opened on ({@code IoEngine} implements it): the
 * event loop that runs its requests, the engine's page cache, and the engine's state. It lets the
 * file layer work below the public API without reaching up into it.
 */
public interface FileEngine {

    /** The engine's name, for messages ({@code "uring"}, {@code "aio"}, {@code "threads"}). */
    String name();

    /** Whether the engine is closing or closed: it takes no more requests of callers. */
    boolean refusesRequests();

    /** Whether the engine's loop has stopped. */
    boolean isClosed();

    /** Whether the calling thread is the engine's completion thread (a wait there would wait for itself). */
    boolean inCompletionThread();

    /** Hands {@code op} to the engine's event loop. */
    void execute(IoOp<?> op);

    /** Asks the event loop to stop {@code op}. */
    void cancel(IoOp<?> op);

    /** The engine's page cache, made on first use. */
    PageCache pageCache();

    /** Whether new CACHED handles start with the 2.6.2 page-at-a-time readahead. */
    boolean legacyReadahead();

    /** {@code file} was opened: an engine close drains it. */
    void fileOpened(OpenFile file);

    /** {@code file}'s descriptors are closed. */
    void fileClosed(OpenFile file);

    /**
     * Whether a batch context of the calling thread carries unreaped page I/O of {@code file}'s
     * pages [first, last] (only writes if {@code writesOnly}): waiting for it here would wait for
     * good, as only that thread reaps it.
     */
    boolean thisThreadOwesPageIo(FileCache file, long first, long last, boolean writesOnly);

    /** Closes batch contexts whose owner thread died: nobody else reaps their requests. */
    void closeAbandonedContexts();

    /** The back-pressure of the engine's queue on callers' requests. */
    Admission admission();

    /** The engine's fast-path policy and counters. */
    FastPathCounters fastPaths();
}
