package dev.jaio.internal.file;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Flock;
import dev.jaio.internal.linux.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Byte-range locks of an open file: open file description locks ({@link Flock}, fcntl(2)
 * {@code F_OFD_SETLK}). They belong to the open file, so two handles of one file conflict as two
 * processes would, and they go when the file's descriptor closes. Only the non-waiting command is
 * used: a wait in {@code F_OFD_SETLKW} could be ended only by a signal, and a closing handle could
 * not wake it, so waiting callers retry instead (see the NIO channel's {@code lock}).
 */
public final class RangeLocks {

    private RangeLocks() {
    }

    /**
     * Tries to lock [position, position + size) of {@code file}, shared or exclusive; a size of
     * {@link Long#MAX_VALUE} locks to the end of the file however far it grows ({@code l_len} 0),
     * as the JDK's {@code FileChannel.lock} does.
     *
     * @return true when taken, false when a conflicting lock is held (EAGAIN or EACCES)
     * @throws java.nio.channels.ClosedChannelException when the file or its engine is closed
     * @throws dev.jaio.IoOperationException for any other errno of fcntl(2), named with the range
     */
    public static boolean tryLock(OpenFile file, long position, long size, boolean shared) throws IOException {
        long rc = fcntl(file, shared ? "fcntl(F_OFD_SETLK, F_RDLCK)" : "fcntl(F_OFD_SETLK, F_WRLCK)",
                shared ? Flock.F_RDLCK : Flock.F_WRLCK, position, size);
        if (rc == -Errno.EAGAIN || rc == -Errno.EACCES) {
            return false;
        }
        if (rc < 0) {
            throw Failures.of(shared ? "fcntl(F_OFD_SETLK, F_RDLCK)" : "fcntl(F_OFD_SETLK, F_WRLCK)", file.path(),
                    position, size, (int) -rc);
        }
        return true;
    }

    /**
     * Unlocks [position, position + size) of {@code file} (size as for {@link #tryLock}).
     *
     * @throws java.nio.channels.ClosedChannelException when the file or its engine is closed (its
     *     locks went with its descriptor)
     * @throws dev.jaio.IoOperationException for an errno of fcntl(2)
     */
    public static void unlock(OpenFile file, long position, long size) throws IOException {
        long rc = fcntl(file, "fcntl(F_OFD_SETLK, F_UNLCK)", Flock.F_UNLCK, position, size);
        if (rc < 0) {
            throw Failures.of("fcntl(F_OFD_SETLK, F_UNLCK)", file.path(), position, size, (int) -rc);
        }
    }

    private static long fcntl(OpenFile file, String op, short type, long position, long size) throws IOException {
        if (!file.begin()) {
            throw file.refused(op, position, size);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fl = arena.allocate(Flock.FLOCK);
            fl.set(JAVA_SHORT, Flock.L_TYPE, type);
            fl.set(JAVA_SHORT, Flock.L_WHENCE, Flock.SEEK_SET);
            fl.set(JAVA_LONG, Flock.L_START, position);
            fl.set(JAVA_LONG, Flock.L_LEN, size == Long.MAX_VALUE ? 0 : size);
            fl.set(JAVA_INT, Flock.L_PID, 0);
            return Libc.fcntlLock(file.fd(), Flock.F_OFD_SETLK, fl);
        } finally {
            file.endOp();
        }
    }
}
