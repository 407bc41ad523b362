package dev.jaio.nio;

import java.nio.channels.OverlappingFileLockException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The JVM's table of the locks jaio channels hold or wait for, per file (its device and inode), as
 * the JDK's {@code sun.nio.ch.FileLockTable}: {@link java.nio.channels.FileLock}'s contract is that
 * a lock overlapping one this JVM already holds, or already waits for, on the same file is refused
 * with {@link OverlappingFileLockException} instead of being left to the kernel (which would grant a
 * process's overlapping record locks to itself, or, with open file description locks, make one
 * channel wait for another of the same JVM). Locks of the JDK's own channels are in the JDK's table,
 * not this one: between the two only the kernel decides.
 */
final class ChannelLocks {

    private static final ConcurrentHashMap<Object, List<JaioFileLock>> TABLE = new ConcurrentHashMap<>();

    /**
     * The first pause of a lock that waits, which tries F_OFD_SETLK again after each: a wait in
     * F_OFD_SETLKW could be ended only by a signal, and a closing channel could not wake it.
     */
    static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The longest pause between two tries. */
    static final long MAX_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** The pause after {@code pause}: doubled, up to {@link #MAX_RETRY_NANOS}. */
    static long nextRetry(long pause) {
        return Math.min(MAX_RETRY_NANOS, pause * 2);
    }

    private ChannelLocks() {
    }

    /**
     * Checks a lock request as the JDK's channels do and returns its size, 0 read as the JDK reads
     * it: everything from the position on. Kept as 0, the table would see no overlap while fcntl(2)
     * locks to the end of the file.
     */
    static long checkedSize(long position, long size, boolean shared, boolean readable, boolean writable) {
        if (position < 0) {
            throw new IllegalArgumentException("lock: negative position " + position);
        }
        if (size < 0) {
            throw new IllegalArgumentException("lock: negative size " + size);
        }
        if (position + size < 0) {
            throw new IllegalArgumentException("lock: position + size overflows: " + position + " + " + size);
        }
        if (shared && !readable) {
            throw new java.nio.channels.NonReadableChannelException();
        }
        if (!shared && !writable) {
            throw new java.nio.channels.NonWritableChannelException();
        }
        return size == 0 ? Long.MAX_VALUE - position : size;
    }

    /** Enters {@code lock} for file {@code key}; throws if it overlaps a lock of the table. */
    static void add(Object key, JaioFileLock lock) {
        TABLE.compute(key, (k, list) -> {
            List<JaioFileLock> l = list == null ? new ArrayList<>(2) : list;
            for (JaioFileLock other : l) {
                if (other.overlaps(lock.position(), lock.size())) {
                    throw new OverlappingFileLockException();
                }
            }
            l.add(lock);
            return l;
        });
    }

    /** Takes {@code lock} out of the table (released, refused, or its channel closed). */
    static void remove(Object key, JaioFileLock lock) {
        TABLE.computeIfPresent(key, (k, list) -> {
            list.remove(lock);
            return list.isEmpty() ? null : list;
        });
    }

    /** Takes the locks of {@code channel} out of the table and returns them (the channel closes). */
    static List<JaioFileLock> removeAll(Object key, java.nio.channels.Channel channel) {
        List<JaioFileLock> removed = new ArrayList<>();
        TABLE.computeIfPresent(key, (k, list) -> {
            list.removeIf(l -> {
                if (l.acquiredBy() == channel) {
                    removed.add(l);
                    return true;
                }
                return false;
            });
            return list.isEmpty() ? null : list;
        });
        return removed;
    }
}
