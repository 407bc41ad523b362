package dev.jaio.nio;

import dev.jaio.AsyncFile;
import dev.jaio.IoEngine;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link AsynchronousFileChannel} whose reads and writes are jaio requests: on io_uring or Linux
 * AIO no thread blocks in the kernel for them, where the JDK's own implementation on Linux runs each
 * as a blocking pread/pwrite task on a thread pool. Existing code switches by opening the channel
 * here instead of with {@code AsynchronousFileChannel.open}; everything after the open is the JDK's
 * interface and contract.
 *
 * <p>Options: the JDK's {@link StandardOpenOption}s (READ, WRITE, CREATE, CREATE_NEW,
 * TRUNCATE_EXISTING, DELETE_ON_CLOSE, SPARSE, SYNC, DSYNC; APPEND is refused as the JDK refuses it
 * for this class), {@link LinkOption#NOFOLLOW_LINKS}, {@code com.sun.nio.file.ExtendedOpenOption.DIRECT}
 * (O_DIRECT: buffers, positions and lengths aligned as the file system requires; a misaligned
 * request fails with an {@code IOException}, as EINVAL does from the JDK's channel), and jaio's
 * {@link JaioOpenOption}s ({@linkplain JaioOpenOption#CACHED jaio's page cache},
 * {@linkplain JaioOpenOption#engine the engine}; by default the {@linkplain IoEngine#shared()
 * shared engine}). Without READ or WRITE the file is opened for reading; CREATE, CREATE_NEW and
 * TRUNCATE_EXISTING take effect only with WRITE, as in the JDK; a created file gets the
 * {@code posix:permissions} attribute given, else mode 0666, less the umask.
 *
 * <p>Threads: handlers run on the channel's executor (the one given to {@code open}, else the JVM's
 * {@linkplain dev.jaio.nio default}: a virtual thread per handler unless the JDK's
 * {@code DefaultThreadPool} properties ask for a pool), never on the engine's completion thread. A returned
 * {@link Future} completes on whichever thread finished the request (it is not a
 * {@code CompletableFuture}, so nothing runs there).
 *
 * <p>Close: {@link #close()} fails every operation still pending with
 * {@link AsynchronousCloseException} at once (a handler's {@code failed}, a future's
 * {@code ExecutionException}), invalidates the channel's locks and then waits until the kernel has
 * finished with every buffer it was given (jaio keeps their memory alive until then); the bytes of
 * a write that was pending may or may not be in the file.
 *
 * <p>Locks are open file description locks (fcntl {@code F_OFD_SETLK}, see {@link AsyncFile#tryLock}):
 * they belong to the channel, and conflict with every other channel of the file and with the
 * fcntl record locks other processes take (the JDK's {@code FileChannel.lock} among them). Within
 * the JVM, a lock overlapping one a jaio channel holds or waits for is refused with
 * {@link java.nio.channels.OverlappingFileLockException}. A {@code lock} that has to wait tries
 * again every 1 to 10 ms on a virtual thread of its own (a wait in the kernel could not be ended by
 * {@code close}).
 */
public final class JaioAsynchronousFileChannel extends AsynchronousFileChannel {

    /** The kernel's largest single transfer: a read or write of more returns a short count. */
    private static final int MAX_TRANSFER = AsyncFile.MAX_TRANSFER;

    private final AsyncFile file;
    private final ExecutorService executor;
    private final boolean readable;
    private final boolean writable;
    /** The file's identity for the JVM's lock table. */
    private final Object fileKey;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Operations not yet delivered: close fails them. */
    private final Set<Pending<?, ?>> pending = ConcurrentHashMap.newKeySet();

    private JaioAsynchronousFileChannel(AsyncFile file, ExecutorService executor, boolean readable, boolean writable,
            Object fileKey) {
        this.file = file;
        this.executor = executor;
        this.readable = readable;
        this.writable = writable;
        this.fileKey = fileKey;
    }

    /**
     * Opens or creates a file, as {@link AsynchronousFileChannel#open(Path, OpenOption...)} does,
     * with the default executor.
     *
     * @param file the file, of the default file system
     * @param options how to open it (see the class comment)
     * @return the channel
     * @throws IllegalArgumentException for an invalid combination of options
     * @throws UnsupportedOperationException for an option jaio does not support (APPEND)
     * @throws IOException as the JDK's {@code open}: {@code NoSuchFileException},
     *     {@code FileAlreadyExistsException}, {@code AccessDeniedException}, or jaio's
     *     {@link dev.jaio.IoOperationException} naming the errno
     */
    public static JaioAsynchronousFileChannel open(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> set = new HashSet<>(options.length);
        for (OpenOption o : options) {
            set.add(Objects.requireNonNull(o, "an open option is null"));
        }
        return open(file, set, null);
    }

    /**
     * Opens or creates a file, as
     * {@link AsynchronousFileChannel#open(Path, Set, ExecutorService, FileAttribute[])} does.
     *
     * @param file the file, of the default file system
     * @param options how to open it (see the class comment)
     * @param executor where handlers run, or null for the JVM's default pool; the channel does not
     *     shut it down
     * @param attrs attributes of a file the open creates: only {@code posix:permissions}
     * @return the channel
     * @throws IllegalArgumentException for an invalid combination of options
     * @throws UnsupportedOperationException for an option or attribute jaio does not support
     * @throws IOException as for {@link #open(Path, OpenOption...)}
     */
    public static JaioAsynchronousFileChannel open(Path file, Set<? extends OpenOption> options,
            ExecutorService executor, FileAttribute<?>... attrs) throws IOException {
        ChannelOptions o = ChannelOptions.parse(file, options, true);
        AsyncFile f = o.open(attrs);
        return new JaioAsynchronousFileChannel(f, executor != null ? executor : HandlerPool.get(), o.readable(),
                o.writable(), ChannelOptions.fileKey(f));
    }

    /** {@return the jaio file behind the channel: its engine, options and O_DIRECT alignment} */
    public AsyncFile asyncFile() {
        return file;
    }

    // ---- reads and writes ----

    @Override
    public Future<Integer> read(ByteBuffer dst, long position) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        read(dst, position, new Pending<Integer, Object>(this, result, null, null));
        return new ChannelFuture<>(result);
    }

    @Override
    public <A> void read(ByteBuffer dst, long position, A attachment,
            CompletionHandler<Integer, ? super A> handler) {
        Objects.requireNonNull(handler, "handler");
        read(dst, position, new Pending<Integer, A>(this, null, attachment, handler));
    }

    private void read(ByteBuffer dst, long position, Pending<Integer, ?> p) {
        Objects.requireNonNull(dst, "dst");
        if (position < 0) {
            throw new IllegalArgumentException("read: negative position " + position);
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read: read-only buffer");
        }
        if (!readable) {
            throw new NonReadableChannelException();
        }
        transfer(true, dst, position, p);
    }

    /**
     * Starts a read into, or a write from, {@code b}'s remaining bytes (at most one transfer's worth)
     * at {@code position}; delivers the count to {@code p} and moves {@code b}'s position by it,
     * unless a close failed the operation first. A read at the end of the file delivers -1.
     */
    private void transfer(boolean read, ByteBuffer b, long position, Pending<Integer, ?> p) {
        if (!begin(p)) {
            return;
        }
        int remaining = b.remaining();
        if (remaining == 0) {
            p.deliver(0, null);
            return;
        }
        MemorySegment seg = MemorySegment.ofBuffer(b);
        if (remaining > MAX_TRANSFER) {
            seg = seg.asSlice(0, MAX_TRANSFER);
        }
        CompletableFuture<Integer> io;
        try {
            io = read ? file.read(seg, position) : file.write(seg, position);
        } catch (IllegalArgumentException | IllegalStateException e) {
            p.deliver(null, requestFailure(read ? "pread" : "pwrite", position, seg.byteSize(), e));
            return;
        }
        io.whenComplete((count, failure) -> {
            if (failure != null) {
                p.deliver(null, failure);
                return;
            }
            if (read && count == 0) {
                p.deliver(-1, null); // at or past the end of the file
                return;
            }
            if (p.claim()) { // not failed by a close meanwhile: only then is the buffer moved
                b.position(b.position() + count);
                p.send(count, null);
            }
        });
    }

    @Override
    public Future<Integer> write(ByteBuffer src, long position) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        write(src, position, new Pending<Integer, Object>(this, result, null, null));
        return new ChannelFuture<>(result);
    }

    @Override
    public <A> void write(ByteBuffer src, long position, A attachment,
            CompletionHandler<Integer, ? super A> handler) {
        Objects.requireNonNull(handler, "handler");
        write(src, position, new Pending<Integer, A>(this, null, attachment, handler));
    }

    private void write(ByteBuffer src, long position, Pending<Integer, ?> p) {
        Objects.requireNonNull(src, "src");
        if (position < 0) {
            throw new IllegalArgumentException("write: negative position " + position);
        }
        if (!writable) {
            throw new NonWritableChannelException();
        }
        transfer(false, src, position, p);
    }

    /**
     * A request jaio refused before the kernel saw it (misaligned for O_DIRECT, or memory freed):
     * an {@code IOException} through the future or handler, as the kernel's EINVAL is from the JDK's
     * channel, with jaio's message (which names the alignment).
     */
    private IOException requestFailure(String op, long position, long length, RuntimeException e) {
        return new IOException(op + " " + file.path() + " at offset " + position + " (" + length + " bytes): "
                + e.getMessage(), e);
    }

    // ---- size, truncate, force ----

    @Override
    public long size() throws IOException {
        ensureOpen();
        return file.size();
    }

    @Override
    public AsynchronousFileChannel truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("truncate: negative size " + size);
        }
        if (!writable) {
            throw new NonWritableChannelException();
        }
        ensureOpen();
        if (size < file.size()) {
            file.truncate(size);
        }
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        CompletableFuture<Void> sync = metaData ? file.fsync() : file.fdatasync();
        try {
            sync.join();
        } catch (CompletionException e) {
            throw asIOException(e.getCause());
        }
    }

    // ---- locks ----

    @Override
    public Future<FileLock> lock(long position, long size, boolean shared) {
        CompletableFuture<FileLock> result = new CompletableFuture<>();
        lock(position, size, shared, new Pending<FileLock, Object>(this, result, null, null));
        return new ChannelFuture<>(result);
    }

    @Override
    public <A> void lock(long position, long size, boolean shared, A attachment,
            CompletionHandler<FileLock, ? super A> handler) {
        Objects.requireNonNull(handler, "handler");
        lock(position, size, shared, new Pending<FileLock, A>(this, null, attachment, handler));
    }

    private void lock(long position, long size0, boolean shared, Pending<FileLock, ?> p) {
        long size = checkLock(position, size0, shared);
        if (!isOpen()) {
            p.deliver(null, new ClosedChannelException());
            return;
        }
        JaioFileLock lock = new JaioFileLock(this, file, fileKey, position, size, shared);
        // OverlappingFileLockException goes to the caller, before the operation is pending: its
        // handler never runs.
        ChannelLocks.add(fileKey, lock);
        if (!begin(p)) {
            // Closed meanwhile: its close may have cleared the table before this lock went in.
            ChannelLocks.remove(fileKey, lock);
            return;
        }
        try {
            if (file.tryLock(position, size, shared)) {
                grant(lock, p);
                return;
            }
        } catch (IOException | RuntimeException e) {
            ChannelLocks.remove(fileKey, lock);
            p.deliver(null, e);
            return;
        }
        Thread.ofVirtual().name("jaio-nio-lock-wait").start(() -> awaitLock(lock, p));
    }

    /** Tries again until the lock is granted, the channel closes, or the caller cancels the future. */
    private void awaitLock(JaioFileLock lock, Pending<FileLock, ?> p) {
        long pause = ChannelLocks.FIRST_RETRY_NANOS;
        try {
            while (!p.isDelivered()) {
                if (file.tryLock(lock.position(), lock.size(), lock.isShared())) {
                    if (!grant(lock, p)) {
                        break; // delivered meanwhile (a close, a cancel): give the lock back
                    }
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(pause);
                pause = ChannelLocks.nextRetry(pause);
            }
        } catch (IOException | RuntimeException e) {
            ChannelLocks.remove(fileKey, lock);
            p.deliver(null, isOpen() ? e : new AsynchronousCloseException());
            return;
        }
        // Given up (a close, a cancel) after the kernel granted it: unlock first, then leave the
        // table. The other order would let a lock of the same range be granted in between and then
        // be unlocked here while it says it is valid.
        lock.invalidate();
        try {
            if (isOpen()) {
                file.unlock(lock.position(), lock.size());
            }
        } catch (IOException | RuntimeException ignored) {
            // the channel closed meanwhile: its locks went with its descriptor
        } finally {
            ChannelLocks.remove(fileKey, lock);
        }
    }

    /** Delivers a granted lock; false (the lock not delivered) when the operation ended meanwhile. */
    private boolean grant(JaioFileLock lock, Pending<FileLock, ?> p) {
        lock.granted();
        if (p.deliver(lock, null)) {
            if (!isOpen()) {
                lock.invalidate(); // close came after the grant: it did not see the lock as held
            }
            return true;
        }
        return false;
    }

    @Override
    public FileLock tryLock(long position, long size0, boolean shared) throws IOException {
        long size = checkLock(position, size0, shared);
        ensureOpen();
        JaioFileLock lock = new JaioFileLock(this, file, fileKey, position, size, shared);
        ChannelLocks.add(fileKey, lock);
        boolean taken = false;
        try {
            taken = file.tryLock(position, size, shared);
        } finally {
            if (!taken) {
                ChannelLocks.remove(fileKey, lock);
            }
        }
        if (!taken) {
            return null;
        }
        lock.granted();
        if (!isOpen()) {
            lock.invalidate();
            ChannelLocks.remove(fileKey, lock);
            throw new AsynchronousCloseException();
        }
        return lock;
    }

    /** Checks a lock request; returns its size ({@link ChannelLocks#checkedSize}). */
    private long checkLock(long position, long size, boolean shared) {
        return ChannelLocks.checkedSize(position, size, shared, readable, writable);
    }

    // ---- open and close ----

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Closes the channel: every pending operation fails with {@link AsynchronousCloseException},
     * the channel's locks become invalid (the kernel drops them with the descriptor), and the call
     * returns once the kernel has finished with every buffer given to it. Closing a closed channel
     * does nothing. The engine stays open.
     */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Pending<?, ?> p : pending.toArray(new Pending<?, ?>[0])) {
            p.deliver(null, new AsynchronousCloseException());
        }
        List<JaioFileLock> locks = ChannelLocks.removeAll(fileKey, this);
        for (JaioFileLock l : locks) {
            l.invalidate();
        }
        file.close();
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed.get()) {
            throw new ClosedChannelException();
        }
    }

    /** Registers {@code p} as pending, or delivers ClosedChannelException and returns false. */
    private boolean begin(Pending<?, ?> p) {
        pending.add(p);
        if (closed.get()) {
            p.deliver(null, new ClosedChannelException());
            return false;
        }
        return true;
    }

    private static IOException asIOException(Throwable t) {
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IOException(t);
    }

    /** Runs a handler on the channel's executor; on a new virtual thread if the executor refuses. */
    void dispatch(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            Thread.ofVirtual().name("jaio-nio-handler").start(task);
        }
    }

    @Override
    public String toString() {
        return "JaioAsynchronousFileChannel[" + file.path() + ", " + file.options() + ", engine "
                + file.engine().name() + (isOpen() ? "" : ", closed") + "]";
    }

    /**
     * One operation until its result is delivered, exactly once: to its future (completed on the
     * delivering thread) or its handler (run on the executor). Close delivers
     * {@link AsynchronousCloseException} to those still pending; a result that comes later is dropped.
     */
    private static final class Pending<V, A> {
        private final JaioAsynchronousFileChannel channel;
        private final CompletableFuture<V> future;
        private final A attachment;
        private final CompletionHandler<V, ? super A> handler;
        private final AtomicBoolean delivered = new AtomicBoolean();

        Pending(JaioAsynchronousFileChannel channel, CompletableFuture<V> future, A attachment,
                CompletionHandler<V, ? super A> handler) {
            this.channel = channel;
            this.future = future;
            this.attachment = attachment;
            this.handler = handler;
        }

        boolean isDelivered() {
            return delivered.get() || (future != null && future.isDone());
        }

        /** Delivers the result or failure; false when one was delivered already. */
        boolean deliver(V value, Throwable failure) {
            return claim() && send(value, failure);
        }

        /** Takes the right to deliver, once: false when it was delivered (or is being) already. */
        boolean claim() {
            return delivered.compareAndSet(false, true);
        }

        /** Delivers, after {@link #claim}; false when the caller had cancelled the future. */
        boolean send(V value, Throwable failure) {
            channel.pending.remove(this);
            Throwable f = failure instanceof CompletionException || failure instanceof ExecutionException
                    ? failure.getCause() : failure;
            if (future != null) {
                boolean taken = f == null ? future.complete(value) : future.completeExceptionally(f);
                return taken; // false: the caller cancelled the future
            }
            channel.dispatch(f == null ? () -> handler.completed(value, attachment)
                    : () -> handler.failed(f, attachment));
            return true;
        }

        @Override
        public String toString() {
            return "Pending[" + (handler != null ? handler : future) + "]";
        }
    }
}
