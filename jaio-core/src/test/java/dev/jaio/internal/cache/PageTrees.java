package dev.jaio.internal.cache;

import java.util.function.Consumer;

/** Tests' look into a file's page tree, under the file's lock as the cache's own walks take it. */
final class PageTrees {

    private PageTrees() {
    }

    /** Pages in {@code file}'s tree. */
    static long cachedPages(FileCache file) {
        file.lock.lock();
        try {
            return file.tree.size();
        } finally {
            file.lock.unlock();
        }
    }

    /** Runs {@code action} on every page in {@code file}'s tree, in index order, under the file's lock. */
    static void forEachPage(FileCache file, Consumer<CachedPage> action) {
        int batch = 64;
        long[] indices = new long[batch];
        CachedPage[] pages = new CachedPage[batch];
        file.lock.lock();
        try {
            long from = 0;
            while (true) {
                int n = file.tree.gangLookup(from, FileCache.MAX_INDEX, indices, pages, batch);
                for (int i = 0; i < n; i++) {
                    action.accept(pages[i]);
                }
                if (n < batch) {
                    return;
                }
                from = indices[n - 1] + 1;
            }
        } finally {
            file.lock.unlock();
        }
    }
}
