package dev.jaio.nio;

import dev.jaio.AsyncFile;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileLock;

/**
 * A lock of a {@link JaioAsynchronousFileChannel} or a {@link JaioFileChannel}: an open file description lock of the channel's
 * file ({@link AsyncFile#tryLock}). Valid from when it is granted until it is released or its
 * channel closes (closing the descriptor drops the kernel's lock).
 */
final class JaioFileLock extends FileLock {

    private final AsyncFile file;
    private final Object key;
    /** Granted and not released; false while its channel still waits for it. */
    private volatile boolean granted;
    private volatile boolean invalidated;

    JaioFileLock(JaioAsynchronousFileChannel channel, AsyncFile file, Object key, long position, long size,
            boolean shared) {
        super(channel, position, size, shared);
        this.file = file;
        this.key = key;
    }

    JaioFileLock(JaioFileChannel channel, AsyncFile file, Object key, long position, long size, boolean shared) {
        super(channel, position, size, shared);
        this.file = file;
        this.key = key;
    }

    void granted() {
        granted = true;
    }

    /** Its channel closed, or the wait for it was given up: it is no lock (any more). */
    void invalidate() {
        invalidated = true;
    }

    @Override
    public boolean isValid() {
        return granted && !invalidated && acquiredBy().isOpen();
    }

    @Override
    public synchronized void release() throws IOException {
        if (!acquiredBy().isOpen()) {
            throw new ClosedChannelException(); // as the JDK's FileLockImpl, even once invalid
        }
        if (!isValid()) {
            return;
        }
        file.unlock(position(), size());
        invalidated = true;
        ChannelLocks.remove(key, this);
    }
}
