package dev.jaio;

import dev.jaio.internal.engine.CompletionSink;
import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.linux.Iovec;
import dev.jaio.internal.provider.Engines;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A real engine (every request still reaches the kernel) seen through a recorder that keeps what a
 * disk would have to know to survive a crash, and can fail writes on purpose:
 *
 * <ul>
 *   <li>every write's bytes (copied when it is prepared), its RWF_DSYNC/RWF_SYNC flag, and when it
 *       completed; every fsync/fdatasync and when it was prepared and completed. From that log,
 *       {@link #crashImage} builds what a disk could hold after a crash at a given moment: the
 *       writes that were durable (completed with RWF_DSYNC/RWF_SYNC, or completed before an fsync
 *       that was prepared after them and completed) for certain, and any subset of the others,
 *       page by page;
 *   <li>{@link #failWrites}: writes that touch a byte range complete with -errno instead of being
 *       submitted.
 * </ul>
 *
 * It records every file's writes: tests give the engine one file.
 */
final class RecordingEngine implements EngineProvider {

    /** One device write. Times are positions in the recorder's event sequence. */
    static final class Write {
        final long offset;
        final byte[] data;
        final boolean durableOnCompletion;
        final long prepared;
        long completed = -1;
        long result;

        Write(long offset, byte[] data, boolean sync, long prepared) {
            this.offset = offset;
            this.data = data;
            this.durableOnCompletion = sync;
            this.prepared = prepared;
        }
    }

    /** One fsync or fdatasync. */
    static final class Sync {
        final long prepared;
        long completed = -1;
        long result;

        Sync(long prepared) {
            this.prepared = prepared;
        }
    }

    private final EngineProvider real;
    private final List<Write> writes = new ArrayList<>();
    private final List<Sync> syncs = new ArrayList<>();
    private long clock;
    private long failFrom = -1;
    private long failTo = -1;
    private int failErrno;
    private int failedWrites;
    private long holdFrom = -1;
    private long holdTo = -1;
    private final List<Queue> queues = new java.util.concurrent.CopyOnWriteArrayList<>();

    RecordingEngine(String engine) {
        this.real = Engines.byName(engine);
    }

    /** Opens an engine over this provider. */
    IoEngine open(EngineConfig config) throws IOException {
        return IoEngine.openWith(config, this);
    }

    /** From now on, writes that touch [from, to) fail with {@code errno}; {@code errno} 0 stops it. */
    synchronized void failWrites(long from, long to, int errno) {
        failFrom = from;
        failTo = to;
        failErrno = errno;
    }

    /**
     * From now on, completions of writes that touch [from, to) are held back (the kernel did the
     * write; the engine does not hear of it) until {@link #release()}.
     */
    synchronized void holdWrites(long from, long to) {
        holdFrom = from;
        holdTo = to;
    }

    /** Delivers the held completions and stops holding. */
    void release() {
        synchronized (this) {
            holdFrom = -1;
            holdTo = -1;
        }
        for (Queue q : queues) {
            q.releaseHeld();
        }
    }

    private synchronized boolean held(Write w) {
        return holdTo > holdFrom && w.offset < holdTo && w.offset + w.data.length > holdFrom;
    }

    /** Writes failed on purpose so far. */
    synchronized int failedWrites() {
        return failedWrites;
    }

    /** The recorder's clock now: a crash "at" this moment loses what was not durable by then. */
    synchronized long now() {
        return clock;
    }

    /**
     * What the disk could hold after a crash at {@code moment}, starting from {@code initial}:
     * durable writes (in completion order) for certain; each page of every other write prepared by
     * then (completed or still in flight) kept or dropped by {@code keep}, in the order they were
     * prepared, which is the order a device could have applied them in.
     */
    synchronized byte[] crashImage(byte[] initial, long moment, java.util.function.BooleanSupplier keep) {
        long size = initial.length;
        List<Write> all = new ArrayList<>();
        for (Write w : writes) {
            if (w.prepared <= moment) {
                all.add(w);
                size = Math.max(size, w.offset + w.data.length);
            }
        }
        byte[] image = java.util.Arrays.copyOf(initial, (int) size);
        // Apply in preparation order, each page of a write kept if durable, else by chance.
        for (Write w : all) {
            boolean durable = durableBy(w, moment);
            for (int off = 0; off < w.data.length; off += 4096) {
                int n = Math.min(4096, w.data.length - off);
                if (durable || keep.getAsBoolean()) {
                    System.arraycopy(w.data, off, image, (int) (w.offset + off), n);
                }
            }
        }
        return image;
    }

    private boolean durableBy(Write w, long moment) {
        if (w.completed < 0 || w.completed > moment || w.result < 0) {
            return false;
        }
        if (w.durableOnCompletion) {
            return true;
        }
        for (Sync s : syncs) {
            if (s.prepared > w.completed && s.completed >= 0 && s.completed <= moment && s.result == 0) {
                return true;
            }
        }
        return false;
    }

    private synchronized Write recordWrite(long offset, byte[] data, int rwFlags) {
        Write w = new Write(offset, data, (rwFlags & (IoFlags.DSYNC | IoFlags.SYNC)) != 0, ++clock);
        writes.add(w);
        return w;
    }

    private synchronized Sync recordSync() {
        Sync s = new Sync(++clock);
        syncs.add(s);
        return s;
    }

    private synchronized void completed(Object what, long result) {
        long t = ++clock;
        if (what instanceof Write w) {
            w.completed = t;
            w.result = result;
        } else if (what instanceof Sync s) {
            s.completed = t;
            s.result = result;
        }
    }

    /** The errno a write of [offset, offset + length) fails with now, or 0. */
    private synchronized int faultFor(long offset, long length) {
        if (failErrno != 0 && offset < failTo && offset + length > failFrom) {
            failedWrites++;
            return failErrno;
        }
        return 0;
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public String description() {
        return "recording " + real.description();
    }

    @Override
    public String unavailabilityCause() {
        return real.unavailabilityCause();
    }

    @Override
    public IoQueue openQueue(QueueOptions options) throws IOException {
        Queue q = new Queue(real.openQueue(options));
        queues.add(q);
        return q;
    }

    /** The real queue, with user data mapped so that completions find their records. */
    private final class Queue implements IoQueue {
        private final IoQueue q;
        /** Records of requests in flight, by the user data the engine gave. */
        private final java.util.Map<Long, Object> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
        /** Completions made up here (injected faults, released holds), delivered by the next reap. */
        private final ArrayDeque<long[]> injected = new ArrayDeque<>();
        /** Completions held back by {@link #holdWrites}. */
        private final List<long[]> heldBack = new ArrayList<>();

        void releaseHeld() {
            synchronized (injected) {
                injected.addAll(heldBack);
                heldBack.clear();
            }
            q.wakeup();
        }

        Queue(IoQueue q) {
            this.q = q;
        }

        @Override
        public String engineName() {
            return q.engineName();
        }

        @Override
        public int capacity() {
            return q.capacity();
        }

        @Override
        public int outstanding() {
            synchronized (injected) {
                return q.outstanding() + injected.size() + heldBack.size();
            }
        }

        @Override
        public int unsubmitted() {
            return q.unsubmitted();
        }

        @Override
        public int cancelUnsubmitted() {
            return q.cancelUnsubmitted();
        }

        @Override
        public boolean prepareRead(int fd, MemorySegment buffer, long offset, int rwFlags, long userData) {
            return q.prepareRead(fd, buffer, offset, rwFlags, userData);
        }

        @Override
        public boolean prepareReadv(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags,
                long userData) {
            return q.prepareReadv(fd, iovecs, iovCount, offset, rwFlags, userData);
        }

        @Override
        public boolean prepareWrite(int fd, MemorySegment buffer, long offset, int rwFlags, long userData) {
            byte[] data = buffer.toArray(ValueLayout.JAVA_BYTE);
            return write(data, offset, rwFlags, userData, () -> q.prepareWrite(fd, buffer, offset, rwFlags, userData));
        }

        @Override
        public boolean prepareWritev(int fd, MemorySegment iovecs, int iovCount, long offset, int rwFlags,
                long userData) {
            long size = Iovec.IOVEC.byteSize();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            MemorySegment iov = iovecs.reinterpret(size * iovCount);
            for (int i = 0; i < iovCount; i++) {
                long base = iov.get(ValueLayout.JAVA_LONG, size * i + Iovec.IOVEC_IOV_BASE);
                long len = iov.get(ValueLayout.JAVA_LONG, size * i + Iovec.IOVEC_IOV_LEN);
                out.writeBytes(MemorySegment.ofAddress(base).reinterpret(len).toArray(ValueLayout.JAVA_BYTE));
            }
            return write(out.toByteArray(), offset, rwFlags, userData,
                    () -> q.prepareWritev(fd, iovecs, iovCount, offset, rwFlags, userData));
        }

        private boolean write(byte[] data, long offset, int rwFlags, long userData,
                java.util.function.BooleanSupplier prepare) {
            int errno = faultFor(offset, data.length);
            if (errno != 0) {
                synchronized (injected) {
                    injected.add(new long[] {userData, -errno});
                }
                return true;
            }
            if (!prepare.getAsBoolean()) {
                return false;
            }
            inFlight.put(userData, recordWrite(offset, data, rwFlags));
            return true;
        }

        @Override
        public boolean prepareFsync(int fd, boolean dataOnly, long userData) {
            if (!q.prepareFsync(fd, dataOnly, userData)) {
                return false;
            }
            inFlight.put(userData, recordSync());
            return true;
        }

        @Override
        public boolean preparePoll(int fd, int pollEvents, long userData) {
            return q.preparePoll(fd, pollEvents, userData);
        }

        @Override
        public int submit() {
            return q.submit();
        }

        @Override
        public int reap(int minComplete, int maxComplete, long timeoutNanos, CompletionSink sink) {
            int n = 0;
            while (n < maxComplete) {
                long[] c;
                synchronized (injected) {
                    c = injected.poll();
                }
                if (c == null) {
                    break;
                }
                Object what = inFlight.remove(c[0]);
                if (what != null) {
                    completed(what, c[1]);
                }
                sink.complete(c[0], c[1]);
                n++;
            }
            if (n >= maxComplete) {
                return n;
            }
            int[] heldNow = new int[1];
            CompletionSink recording = (userData, result) -> {
                Object what = inFlight.get(userData);
                if (what instanceof Write w && held(w)) {
                    synchronized (injected) {
                        heldBack.add(new long[] {userData, result});
                    }
                    heldNow[0]++;
                    return;
                }
                if (what != null) {
                    inFlight.remove(userData);
                    completed(what, result);
                }
                sink.complete(userData, result);
            };
            int got = q.reap(n >= minComplete ? 0 : minComplete - n, maxComplete - n, n > 0 ? 0 : timeoutNanos,
                    recording);
            return n + got - heldNow[0];
        }

        @Override
        public void wakeup() {
            q.wakeup();
        }

        @Override
        public void cancel(long userData) {
            q.cancel(userData);
        }

        @Override
        public boolean supportsWakeup() {
            return q.supportsWakeup();
        }

        @Override
        public void close() {
            q.close();
        }
    }
}
