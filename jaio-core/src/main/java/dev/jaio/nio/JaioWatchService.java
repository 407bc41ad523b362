package dev.jaio.nio;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.Watchable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The platform's watch service, seen through {@link JaioFileSystem}: keys watch jaio's paths, and
 * the context of an event (a name) is a jaio path, so that {@code dir.resolve(event.context())}
 * and {@code key.watchable().equals(dir)} work as they do without the switch.
 */
final class JaioWatchService implements WatchService {

    private final JaioFileSystem fs;
    private final WatchService delegate;
    /** Our key for each of the platform's, so that a key is the same object each time it is signalled. */
    private final ConcurrentHashMap<WatchKey, Key> keys = new ConcurrentHashMap<>();

    JaioWatchService(JaioFileSystem fs, WatchService delegate) {
        this.fs = fs;
        this.delegate = delegate;
    }

    WatchService delegate() {
        return delegate;
    }

    /** The key of a registration of {@code dir} (a jaio path) that the platform answered with {@code key}. */
    WatchKey keyOf(WatchKey key, Path dir) {
        return keys.computeIfAbsent(key, k -> new Key(k, dir));
    }

    private WatchKey wrap(WatchKey k) {
        if (k == null) {
            return null;
        }
        Key mine = keys.get(k);
        return mine != null ? mine : keyOf(k, fs.wrap((Path) k.watchable()));
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    @Override
    public WatchKey poll() {
        return wrap(delegate.poll());
    }

    @Override
    public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
        return wrap(delegate.poll(timeout, unit));
    }

    @Override
    public WatchKey take() throws InterruptedException {
        return wrap(delegate.take());
    }

    /** A key whose watchable and event contexts are jaio's paths. */
    private final class Key implements WatchKey {
        private final WatchKey delegate;
        private final Path dir;

        Key(WatchKey delegate, Path dir) {
            this.delegate = delegate;
            this.dir = dir;
        }

        @Override
        public boolean isValid() {
            return delegate.isValid();
        }

        @Override
        public List<WatchEvent<?>> pollEvents() {
            List<WatchEvent<?>> events = new ArrayList<>();
            for (WatchEvent<?> e : delegate.pollEvents()) {
                events.add(e.context() instanceof Path p ? new Event<>(e, fs.wrap(p)) : e);
            }
            return events;
        }

        @Override
        public boolean reset() {
            return delegate.reset();
        }

        @Override
        public void cancel() {
            delegate.cancel();
            keys.remove(delegate);
        }

        @Override
        public Watchable watchable() {
            return dir;
        }
    }

    /** An event whose context is a jaio path. */
    private static final class Event<T> implements WatchEvent<T> {
        private final WatchEvent<?> delegate;
        private final Object context;

        Event(WatchEvent<?> delegate, Object context) {
            this.delegate = delegate;
            this.context = context;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Kind<T> kind() {
            return (Kind<T>) delegate.kind();
        }

        @Override
        public int count() {
            return delegate.count();
        }

        @Override
        @SuppressWarnings("unchecked")
        public T context() {
            return (T) context;
        }

        @Override
        public String toString() {
            return delegate.kind() + " " + context;
        }
    }
}
