package dev.jaio.cli.oltp;

import dev.jaio.IoEngine;
import dev.jaio.cli.oltp.OltpSettings.IoMode;
import dev.jaio.cli.oltp.OltpSettings.LogSync;
import java.io.IOException;
import java.nio.file.Path;

/** A small database, its log, a page store and a pool over them, for the pool and cleaner tests. */
final class PoolFixture implements AutoCloseable {
    final Path db;
    final Path logPath;
    final PageStore store;
    final RedoLog log;
    final BufferPool pool;

    PoolFixture(IoEngine engine, Path dir, long pages, int frames, int window) throws IOException {
        this(engine, dir, pages, frames, window, window);
    }

    /** A pool whose cleaners' window adapts within [minWindow, maxWindow]. */
    PoolFixture(IoEngine engine, Path dir, long pages, int frames, int minWindow, int maxWindow) throws IOException {
        this(engine, dir, pages, frames, minWindow, maxWindow, 0);
    }

    /** A pool that may keep {@code dirtyTarget} frames dirty. */
    PoolFixture(IoEngine engine, Path dir, long pages, int frames, int minWindow, int maxWindow, int dirtyTarget)
            throws IOException {
        db = dir.resolve("db");
        logPath = dir.resolve("log");
        Database.prepare(db, logPath, pages * PageFormat.PAGE_SIZE, b -> { });
        store = new PageStore(engine, db, IoMode.DIRECT, false);
        log = new RedoLog(logPath, LogSync.FDATASYNC, 0, 16);
        pool = new BufferPool(frames, pages, minWindow, maxWindow, dirtyTarget, store, log);
    }

    /** Fixes a page, sets one row in a durable transaction, unfixes it; returns the LSN. */
    long update(long page, int row, java.lang.foreign.MemorySegment buffer) throws IOException {
        int f = pool.fix(page, buffer);
        try {
            long lsn = log.append(new long[] {page}, new int[] {row}, 1);
            pool.update(f, row, lsn);
            log.awaitDurable(lsn);
            return lsn;
        } finally {
            pool.unfix(f);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            pool.close();
            log.close();
        } finally {
            store.close();
        }
    }
}
