package dev.jaio.cli.serve;

import dev.jaio.AsyncFile;
import dev.jaio.FileOption;
import dev.jaio.IoEngine;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One loop's open-file cache (nginx's {@code open_file_cache}): request path to an open
 * {@link AsyncFile} on the loop's engine with its size and modification time, so that a warm
 * request makes no open(2), stat(2) or realpath lookup. An entry is trusted for
 * {@code validMillis}; after that the next request checks the file again (a changed file is
 * reopened). The least recently used file is dropped, and
 * closed once no response reads it. At most {@code maxEntries} files stay open, and when the
 * process runs out of descriptors anyway (EMFILE, ENFILE) a quarter of the unused ones are closed
 * and the open is tried once more; if it still fails the request gets 503. Loop thread only.
 *
 * <p>A miss resolves, opens and stats the file on the loop thread: the one place the server makes
 * system calls that may wait for the disk (a cold directory lookup), once per file per validity
 * period, as nginx's workers do.
 */
final class OpenFiles {


    /** An open file of the cache. */
    static final class Entry {
        final AsyncFile file;
        final long size;
        final long lastModified;
        final String contentType;
        /** When size and modification time were last checked (System.nanoTime). */
        long checkedAt;
        int users;
        boolean dropped;

        Entry(AsyncFile file, long size, long lastModified, String contentType, long checkedAt) {
            this.file = file;
            this.size = size;
            this.lastModified = lastModified;
            this.contentType = contentType;
            this.checkedAt = checkedAt;
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
    /** The engine a file is opened on: this loop's, or for CACHED files the file's home loop's. */
    private final java.util.function.Function<Path, IoEngine> engines;
    private final FileOption[] options;
    private final long validNanos;
    private final int maxEntries;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(256, 0.75f, true);

    OpenFiles(PathResolver resolver, java.util.function.Function<Path, IoEngine> engines, FileOption[] options,
            long validMillis, int maxEntries) {
        this.maxEntries = maxEntries;
        this.resolver = resolver;
        this.engines = engines;
        this.options = options;
        this.validNanos = validMillis * 1_000_000L;
    }

    /** The open file for {@code decodedPath}, taken for one response ({@link #release} it). */
    Entry acquire(String decodedPath, long now) throws Refusal {
        Entry e = entries.get(decodedPath);
        if (e != null && now - e.checkedAt < validNanos) {
            e.users++;
            return e;
        }
        Entry fresh = open(decodedPath, now, e);
        if (fresh != e) {
            if (e != null) {
                drop(e);
            }
            entries.put(decodedPath, fresh);
            if (entries.size() > maxEntries) {
                Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
                Entry eldest = it.next().getValue();
                it.remove();
                drop(eldest);
            }
        }
        fresh.users++;
        return fresh;
    }

    /** A response no longer reads {@code e}. */
    void release(Entry e) {
        if (--e.users == 0 && e.dropped) {
            e.file.close();
        }
    }

    private void drop(Entry e) {
        e.dropped = true;
        if (e.users == 0) {
            e.file.close();
        }
    }

    private AsyncFile openFile(Path real) throws IOException {
        return AsyncFile.open(engines.apply(real), real, options);
    }

    private static boolean outOfDescriptors(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("EMFILE") || m.contains("ENFILE"));
    }

    /** Closes the least recently used quarter of the files no response reads; returns how many. */
    private int shed() {
        int target = Math.max(1, entries.size() / 4);
        int shed = 0;
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext() && shed < target) {
            Entry e = it.next().getValue();
            if (e.users == 0) {
                it.remove();
                drop(e);
                shed++;
            }
        }
        return shed;
    }

    /** Files open now (tests). */
    int size() {
        return entries.size();
    }

    /** Closes every file; the loop is closing. */
    void closeAll() {
        for (Entry e : entries.values()) {
            e.file.close();
        }
        entries.clear();
    }

    private Entry open(String decodedPath, long now, Entry previous) throws Refusal {
        PathResolver.Resolution r = resolver.resolve(decodedPath);
        if (r instanceof PathResolver.Refused f) {
            throw new Refusal(f.status(), f.reason());
        }
        PathResolver.Resolved resolved = (PathResolver.Resolved) r;
        Path target = resolved.path();
        if (resolved.trailingSlash() || Files.isDirectory(target)) {
            if (!resolved.trailingSlash() && !decodedPath.endsWith("/")) {
                throw new Refusal(404, "a directory"); // no redirects, no listings
            }
            target = target.resolve("index.html");
            resolved = new PathResolver.Resolved(target, false);
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
        if (previous != null && previous.size == a.size() && previous.lastModified == modified) {
            previous.checkedAt = now; // unchanged: keep the open file, trusted for another period
            return previous;
        }
        AsyncFile f;
        try {
            f = openFile(real);
        } catch (AccessDeniedException e) {
            throw new Refusal(403, "access denied");
        } catch (NoSuchFileException e) {
            throw new Refusal(404, "no such file");
        } catch (IOException e) {
            if (outOfDescriptors(e) && shed() > 0) {
                try {
                    f = openFile(real);
                } catch (IOException again) {
                    throw new Refusal(outOfDescriptors(again) ? 503 : 500, again.getMessage());
                }
            } else {
                throw new Refusal(outOfDescriptors(e) ? 503 : 500, e.getMessage());
            }
        }
        return new Entry(f, a.size(), modified, MimeTypes.forFileName(real.getFileName().toString()), now);
    }
}
