package dev.jaio.cli.serve;

import dev.jaio.AsyncFile;
import dev.jaio.FileAdvice;
import dev.jaio.FileOption;
import dev.jaio.IoEngine;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The server's open-file cache (nginx's {@code open_file_cache}), shared by its loops: request path
 * to one open {@link AsyncFile} with its size and modification time, so that a warm request makes
 * no open(2), stat(2) or realpath lookup, and a file takes its descriptors once for the whole server
 * (the loops are threads of one process and share one descriptor limit). An entry is trusted for
 * {@code validMillis} at most (each entry for a random 75-100% of it: the files a server opens in
 * its first seconds would otherwise all come due in the same second, a burst of stat calls on the
 * loop threads at every period); after that the next request checks the file again, and a changed
 * file is reopened. At most {@code maxEntries} files stay open: beyond that the least recently used eighth
 * of them are dropped, each closed once no response reads it. When the process runs out of
 * descriptors anyway (EMFILE, ENFILE) a quarter of the files are dropped and the open is tried
 * once more; if it still fails the request gets 503.
 *
 * <p>A miss resolves, opens and stats the file ({@link #acquire}): system calls that may wait for
 * the disk (a cold directory lookup, a cold inode), once per file per validity period. The server
 * makes them on its opener threads ({@link ServeConfig#openThreads()}), or, with none, on the asking
 * loop's thread, as nginx's workers do; a hit ({@link #tryAcquire}) makes no system call.
 *
 * <p>Threads: any loop. An entry's {@link Entry#state} holds its users (responses reading it) and a
 * DROPPED bit; the file is closed exactly once, by whoever sees DROPPED with no users.
 */
final class OpenFiles {

    private static final int DROPPED = 1 << 30;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Entry.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** An open file of the cache. */
    static final class Entry {
        final AsyncFile file;
        /** The real path opened, checked again (one statx) when the entry's validity ends. */
        final Path real;
        /** The file's identity (device and inode): a file replaced by rename is another file. */
        final Object fileKey;
        final long size;
        final long lastModified;
        final String contentType;
        /** The entity tag, nginx's form: {@code "<mtime seconds, hex>-<size, hex>"}. */
        final String etag;
        /** When the next request checks size and modification time again (System.nanoTime). */
        volatile long checkAfter;
        /** When a response last took it (System.nanoTime), for the LRU order. */
        volatile long usedAt;
        /** Users, plus DROPPED once the cache let go of it. */
        @SuppressWarnings("unused")
        private volatile int state;

        /** The cache's {@link OpenFiles#openByFile}, or null (no tracking). */
        private final ConcurrentHashMap<Object, Integer> openByFile;

        Entry(AsyncFile file, Path real, Object fileKey, long size, long lastModified, String contentType, long now,
                long checkAfter, ConcurrentHashMap<Object, Integer> openByFile) {
            this.openByFile = openByFile;
            this.file = file;
            this.real = real;
            this.fileKey = fileKey;
            this.size = size;
            this.lastModified = lastModified;
            this.contentType = contentType;
            this.etag = "\"" + Long.toHexString(lastModified / 1000) + "-" + Long.toHexString(size) + "\"";
            this.checkAfter = checkAfter;
            this.usedAt = now;
            opened(1); // its file is open from now until it is closed
        }

        /** Takes it for a response; false once dropped. */
        boolean tryUse() {
            int s;
            do {
                s = (int) STATE.getVolatile(this);
                if ((s & DROPPED) != 0) {
                    return false;
                }
            } while (!STATE.compareAndSet(this, s, s + 1));
            return true;
        }

        void release() {
            int s = (int) STATE.getAndAdd(this, -1) - 1;
            if (s == DROPPED) {
                file.close();
                opened(-1);
            }
        }

        private void opened(int delta) {
            if (openByFile != null && fileKey != null) {
                openByFile.merge(fileKey, delta, (a, b) -> a + b == 0 ? null : a + b);
            }
        }

        /** The cache lets go of it; it is closed now or by its last user. */
        void drop() {
            int s;
            do {
                s = (int) STATE.getVolatile(this);
                if ((s & DROPPED) != 0) {
                    return;
                }
            } while (!STATE.compareAndSet(this, s, s | DROPPED));
            if (s == 0) {
                file.close();
                opened(-1);
            }
        }

        int users() {
            return (int) STATE.getVolatile(this) & ~DROPPED;
        }
    }

    /** Why a path gives no file: an HTTP status. */
    static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refusal(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    private final PathResolver resolver;
    /** The engine a file is opened on (a CACHED file's home loop's: jaio keeps one page cache per file). */
    private final Function<Path, IoEngine> engines;
    private final FileOption[] options;
    private final long validNanos;
    private final int maxEntries;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger shedding = new AtomicInteger();
    /** Set by {@link #stop}: see there. */
    private volatile boolean closed;
    /**
     * Handles this server has open, by file (device and inode): entries, and dropped entries that
     * responses still read. Two paths may name one file ({@code /d/} and {@code /d/index.html}); a
     * CACHED open of a file already open shares that handle's pages, which nobody checked against
     * the file as it is now.
     */
    private final ConcurrentHashMap<Object, Integer> openByFile = new ConcurrentHashMap<>();

    OpenFiles(PathResolver resolver, Function<Path, IoEngine> engines, FileOption[] options, long validMillis,
            int maxEntries) {
        this.resolver = resolver;
        this.engines = engines;
        this.options = options;
        this.validNanos = validMillis * 1_000_000L;
        this.maxEntries = maxEntries;
    }

    /**
     * The open file for {@code decodedPath} when the cache holds it and its check is not due,
     * taken for one response ({@link #release} it); else null, and {@link #acquire} is the way.
     * Makes no system call.
     */
    Entry tryAcquire(String decodedPath, long now) {
        Entry e = entries.get(decodedPath);
        if (e != null && now - e.checkAfter < 0 && e.tryUse()) {
            e.usedAt = now;
            return e;
        }
        return null;
    }

    /**
     * The open file for {@code decodedPath}, taken for one response ({@link #release} it): from the
     * cache, or resolved, opened and stat'ed now (calls that may wait for the disk). Any thread.
     */
    Entry acquire(String decodedPath, long now) throws Refusal {
        if (closed) {
            throw new Refusal(503, "the server is stopping");
        }
        Entry e = entries.get(decodedPath);
        if (e != null && now - e.checkAfter < 0 && e.tryUse()) {
            e.usedAt = now;
            return e;
        }
        while (true) {
            Entry fresh = open(decodedPath, now, e);
            if (fresh == e) {
                if (e.tryUse()) {
                    return e;
                }
                e = null; // dropped meanwhile: open it anew
                continue;
            }
            // Another loop may have opened it at the same time: one entry wins, the other closes.
            Entry won;
            if (e == null) {
                won = entries.putIfAbsent(decodedPath, fresh);
            } else if (entries.replace(decodedPath, e, fresh)) {
                won = null;
            } else {
                // Another loop replaced or shed the old entry meanwhile: start over with what is there now.
                won = entries.get(decodedPath);
                if (won == null) {
                    e.drop();
                    e = null;
                    won = entries.putIfAbsent(decodedPath, fresh);
                }
            }
            if (won != null && won != fresh) {
                fresh.drop();
                if (won.tryUse()) {
                    won.usedAt = now;
                    return won;
                }
                e = won;
                continue;
            }
            if (e != null) {
                e.drop();
            }
            fresh.tryUse();
            if (closed) {
                // closeAll began meanwhile (it sets closed before it drops what the map holds), and
                // may have passed this entry: it must not stay open after the server stopped.
                entries.remove(decodedPath, fresh);
                fresh.drop();
                fresh.release();
                throw new Refusal(503, "the server is stopping");
            }
            if (entries.size() > maxEntries) {
                shed(entries.size() - maxEntries + maxEntries / 8);
            }
            return fresh;
        }
    }

    /** A response no longer reads {@code e}. */
    void release(Entry e) {
        e.release();
    }

    /**
     * Stops: from now on {@link #acquire} refuses (503) and an open that was under way drops its
     * file instead of keeping it, so that nothing stays open after {@link #closeAll}.
     */
    void stop() {
        closed = true;
    }

    /** Stops ({@link #stop}) and drops every file: each closes now, or when its last response lets go. */
    void closeAll() {
        closed = true;
        for (Entry e : entries.values()) {
            e.drop();
        }
        entries.clear();
    }

    /** Files open now. */
    int size() {
        return entries.size();
    }

    /** {@return the responses that hold the file of {@code decodedPath}, or -1 when the cache does not hold it} */
    int users(String decodedPath) {
        Entry e = entries.get(decodedPath);
        return e == null ? -1 : e.users();
    }

    /** Drops the {@code n} least recently used files (one loop at a time sheds; the others go on). */
    private int shed(int n) {
        if (!shedding.compareAndSet(0, 1)) {
            return 0;
        }
        try {
            int dropped = 0;
            for (Victim v : oldestFirst(entries.entrySet())) {
                if (dropped >= n) {
                    break;
                }
                if (entries.remove(v.path(), v.entry())) {
                    v.entry().drop();
                    dropped++;
                }
            }
            return dropped;
        } finally {
            shedding.set(0);
        }
    }

    /** An entry as {@link #oldestFirst} saw it: its use time read once. */
    record Victim(String path, Entry entry, long usedAt) {}

    /**
     * The entries, least recently used first. Each entry's {@link Entry#usedAt} is read once, before
     * the sort: other loops keep setting it, and a sort whose keys change under it breaks (TimSort
     * throws "Comparison method violates its general contract!").
     */
    static List<Victim> oldestFirst(Iterable<Map.Entry<String, Entry>> all) {
        List<Victim> v = new ArrayList<>();
        for (Map.Entry<String, Entry> m : all) {
            Entry e = m.getValue();
            v.add(new Victim(m.getKey(), e, e.usedAt));
        }
        v.sort((a, b) -> Long.compare(a.usedAt() - b.usedAt(), 0)); // nanoTime order, overflow-safe
        return v;
    }

    private Entry open(String decodedPath, long now, Entry previous) throws Refusal {
        if (previous != null && unchanged(previous)) {
            previous.checkAfter = nextCheck(now, validNanos, ThreadLocalRandom.current()); // one statx: trusted for another period
            return previous;
        }
        PathResolver.Resolution r = resolver.resolve(decodedPath);
        if (r instanceof PathResolver.Refused f) {
            throw new Refusal(f.status(), f.reason());
        }
        PathResolver.Resolved resolved = (PathResolver.Resolved) r;
        Path target = resolved.path();
        if (resolved.trailingSlash() || Files.isDirectory(target)) {
            if (!decodedPath.endsWith("/")) {
                throw new Refusal(404, "a directory"); // no redirects, no listings
            }
            resolved = new PathResolver.Resolved(target.resolve("index.html"), false);
        }
        PathResolver.Resolution c = resolver.confine(resolved);
        if (c instanceof PathResolver.Refused f) {
            throw new Refusal(f.status(), f.reason());
        }
        Path real = ((PathResolver.Resolved) c).path();
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(real, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new Refusal(404, "no such file");
        } catch (AccessDeniedException e) {
            throw new Refusal(403, "access denied");
        } catch (IOException e) {
            throw new Refusal(500, e.getMessage());
        }
        if (!a.isRegularFile()) {
            throw new Refusal(404, "not a regular file");
        }
        long modified = a.lastModifiedTime().toMillis();
        if (previous != null && previous.size == a.size() && previous.lastModified == modified
                && java.util.Objects.equals(previous.fileKey, a.fileKey())) {
            previous.checkAfter = nextCheck(now, validNanos, ThreadLocalRandom.current()); // unchanged: trusted for another period
            return previous;
        }
        AsyncFile f;
        try {
            f = openFile(real, a.fileKey(), previous != null);
        } catch (AccessDeniedException e) {
            throw new Refusal(403, "access denied");
        } catch (NoSuchFileException e) {
            throw new Refusal(404, "no such file");
        } catch (IOException e) {
            if (outOfDescriptors(e) && shed(Math.max(1, entries.size() / 4)) > 0) {
                try {
                    f = openFile(real, a.fileKey(), previous != null);
                } catch (IOException again) {
                    throw new Refusal(outOfDescriptors(again) ? 503 : 500, again.getMessage());
                }
            } else {
                throw new Refusal(outOfDescriptors(e) ? 503 : 500, e.getMessage());
            }
        }
        return new Entry(f, real, a.fileKey(), a.size(), modified, MimeTypes.forFileName(real.getFileName().toString()),
                now, nextCheck(now, validNanos, ThreadLocalRandom.current()), openByFile);
    }

    /**
     * When an entry checked at {@code now} is next checked: after a random 75-100% of
     * {@code validNanos} (never later than nginx's open_file_cache_valid would), {@code now} itself
     * for 0 (every request checks).
     */
    static long nextCheck(long now, long validNanos, RandomGenerator random) {
        return validNanos <= 0 ? now : now + validNanos - random.nextLong(validNanos / 4 + 1);
    }

    /** Whether the open file's real path still has its size and modification time. */
    private static boolean unchanged(Entry e) {
        try {
            BasicFileAttributes a = Files.readAttributes(e.real, BasicFileAttributes.class);
            return a.isRegularFile() && a.size() == e.size && a.lastModifiedTime().toMillis() == e.lastModified
                    && java.util.Objects.equals(a.fileKey(), e.fileKey);
        } catch (IOException x) {
            return false; // gone or changed: the full open says what to answer
        }
    }

    /**
     * Opens {@code real}. jaio's page cache keeps a CACHED file's pages past its last close and
     * checks, at the next open, that the file is unchanged (size, times) before it uses them again;
     * but while a handle has the file open, a new open shares that handle's pages unchecked, and
     * jaio does not see writes of other processes. So when this file changed since the entry it
     * replaces was made ({@code changed}), or this server has the file open already (another
     * entry, under another path or dropped but still read), or the file system gives no identity
     * to tell, the pages are dropped (DONTNEED: the idle ones; a page a response is sending stays
     * until it is done).
     */
    private AsyncFile openFile(Path real, Object fileKey, boolean changed) throws IOException {
        AsyncFile f = AsyncFile.open(engines.apply(real), real, options);
        if (f.isCached() && (changed || fileKey == null || openByFile.containsKey(fileKey))) {
            try {
                f.advise(0, 0, FileAdvice.DONTNEED);
            } catch (IOException e) {
                f.close();
                throw e;
            }
        }
        return f;
    }

    private static boolean outOfDescriptors(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("EMFILE") || m.contains("ENFILE"));
    }
}
