package dev.jaio.nio;

import dev.jaio.AsyncFile;
import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.file.Coherence;
import dev.jaio.internal.file.HandleAccess;
import dev.jaio.internal.file.OpenFile;
import dev.jaio.internal.linux.Cachestat;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileLockInterruptionException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.spi.FileSystemProvider;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link FileChannel} whose reads and writes are jaio requests: a blocking call waits for its
 * request's future, so a virtual thread parks (its carrier goes on with other virtual threads, no
 * compensating platform thread is added) and a platform thread simply blocks. The JDK's own
 * {@code FileChannel} calls pread/pwrite on the calling thread, which pins a virtual thread's
 * carrier for the whole read.
 *
 * <p>Options are the JDK's {@code FileChannel.open} options, with jaio's {@link JaioOpenOption}s
 * (see {@link JaioAsynchronousFileChannel} for each); APPEND opens the file O_APPEND, so every
 * write, relative or positional, goes to the end of the file, as the JDK's does on Linux.
 *
 * <p>Interrupts: a thread interrupted while it waits in a read, write, force or transfer closes the
 * channel and gets {@link java.nio.channels.ClosedByInterruptException}, as the
 * {@link java.nio.channels.spi.AbstractInterruptibleChannel} contract says. Before it returns, the
 * request it waited for has ended (the close waits for the kernel), so the caller's buffer is its
 * own again; a write may or may not have reached the file. A {@link #lock} interrupted while it waits
 * closes the channel too, and ends with {@link FileLockInterruptionException}, as the JDK's does.
 *
 * <p>Locks are open file description locks, as those of {@link JaioAsynchronousFileChannel}, in the
 * same JVM-wide table; {@code lock} waits by trying again every 1 to 10 ms.
 *
 * <p>Transfers go through the JDK's own channel of the open file ({@code /proc/self/fd/N}), so the
 * JDK's in-kernel copies apply: {@code transferTo} another file channel (the JDK's or jaio's) is
 * copy_file_range(2), to a socket sendfile(2), to a pipe the JDK's mapped copy; {@code transferFrom}
 * a file channel is copy_file_range(2). The calling thread makes a copy between files whose source
 * range the kernel's page cache holds (cachestat(2)), as the JDK's channel would; a copy that may
 * wait (for the device, or a socket or pipe to drain) a platform thread makes itself, and a virtual
 * thread hands to a platform thread of jaio's ({@code jaio-nio-transfer-N}: at most 256, gone after
 * 30 s idle; past 256 the caller copies) and parks, and an interrupt is passed on to that thread.
 * {@code transferFrom} a socket or pipe, transfers to or from an append channel and to or from any
 * other channel go through a buffer. {@code map} maps the open file through that channel too.
 */
public final class JaioFileChannel extends FileChannel {

    private static final int MAX_TRANSFER = AsyncFile.MAX_TRANSFER;
    /** The buffer of transferTo/transferFrom. */
    private static final int TRANSFER_BUFFER = 256 * 1024;

    private final AsyncFile file;
    /** The open file behind {@link #file}, for reads done on the calling thread ({@link OpenFile#readNow}). */
    private final OpenFile openFile;
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private final Object fileKey;
    /** Guards {@link #position} across a relative operation (one at a time, as the spec says). */
    private final ReentrantLock positionLock = new ReentrantLock();
    private long position;
    /** The JDK's channel of the same open file, for {@code map} and transfers; made on first use. */
    private FileChannel kernelChannel;

    private JaioFileChannel(AsyncFile file, ChannelOptions o) {
        this.file = file;
        this.openFile = HandleAccess.openFile(file);
        this.readable = o.readable();
        this.writable = o.writable();
        this.append = o.append();
        this.fileKey = ChannelOptions.fileKey(file);
    }

    /**
     * Opens or creates a file, as {@link FileChannel#open(Path, OpenOption...)} does.
     *
     * @param path the file, of the default file system
     * @param options how to open it
     * @return the channel
     * @throws IllegalArgumentException for an invalid combination of options
     * @throws UnsupportedOperationException for an option jaio does not support
     * @throws IOException as the JDK's {@code open}
     */
    public static JaioFileChannel open(Path path, OpenOption... options) throws IOException {
        Set<OpenOption> set = new HashSet<>(options.length);
        for (OpenOption o : options) {
            set.add(Objects.requireNonNull(o, "an open option is null"));
        }
        return open(path, set);
    }

    /**
     * Opens or creates a file, as {@link FileChannel#open(Path, Set, FileAttribute[])} does.
     *
     * @param path the file, of the default file system
     * @param options how to open it
     * @param attrs attributes of a file the open creates: only {@code posix:permissions}
     * @return the channel
     * @throws IllegalArgumentException for an invalid combination of options
     * @throws UnsupportedOperationException for an option or attribute jaio does not support
     * @throws IOException as the JDK's {@code open}
     */
    public static JaioFileChannel open(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        ChannelOptions o = ChannelOptions.parse(path, options, false);
        AsyncFile f = o.open(attrs);
        try {
            return new JaioFileChannel(f, o);
        } catch (RuntimeException | Error e) {
            f.close();
            throw e;
        }
    }

    /** {@return the jaio file behind the channel: its engine, options and O_DIRECT alignment} */
    public AsyncFile asyncFile() {
        return file;
    }

    // ---- reads ----

    @Override
    public int read(ByteBuffer dst) throws IOException {
        checkRead(dst);
        positionLock.lock();
        try {
            ensureOpen();
            int n = readAt(dst, position);
            if (n > 0) {
                position += n;
            }
            return n;
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        checkRead(dst);
        if (position < 0) {
            throw new IllegalArgumentException("read: negative position " + position);
        }
        ensureOpen();
        return readAt(dst, position);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        for (int i = offset; i < offset + length; i++) {
            checkRead(dsts[i]);
        }
        positionLock.lock();
        try {
            ensureOpen();
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                if (!dsts[i].hasRemaining()) {
                    continue;
                }
                int want = dsts[i].remaining();
                int n = readAt(dsts[i], position);
                if (n < 0) {
                    return total == 0 ? -1 : total;
                }
                position += n;
                total += n;
                if (n < want) {
                    break; // the end of the file: a scattering read stops where a read would
                }
            }
            return total;
        } finally {
            positionLock.unlock();
        }
    }

    /** As the JDK's FileChannelImpl: a closed channel says so before it says what it cannot do. */
    private void checkRead(ByteBuffer dst) throws ClosedChannelException {
        Objects.requireNonNull(dst, "dst");
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read: read-only buffer");
        }
    }

    /** One read at {@code at}: the count (its buffer's position moved by it), 0 for no room, -1 at the end. */
    private int readAt(ByteBuffer dst, long at) throws IOException {
        return transferAt(true, dst, at);
    }

    /**
     * One read or write of {@code b}'s remaining bytes (at most one transfer's worth) at {@code at}:
     * the count, by which {@code b}'s position moves; 0 when {@code b} has no room; -1 for a read at
     * the end of the file.
     */
    private int transferAt(boolean read, ByteBuffer b, long at) throws IOException {
        int remaining = b.remaining();
        if (remaining == 0) {
            return 0;
        }
        MemorySegment seg = MemorySegment.ofBuffer(b);
        if (remaining > MAX_TRANSFER) {
            seg = seg.asSlice(0, MAX_TRANSFER);
        }
        int count;
        if (!Thread.currentThread().isInterrupted()) {
            if (read) {
                long now = openFile.readNow(seg, at);
                if (now != OpenFile.NOT_DONE) {
                    // Done on this thread from the kernel's cache (FastPaths): no request, no future.
                    if (now == 0) {
                        return -1;
                    }
                    b.position(b.position() + (int) now);
                    return (int) now;
                }
            }
            // The fast path: a request the kernel's or jaio's cache serves is done by the call itself
            // (FastPaths), and then there is nothing to wait for or to interrupt. A read readNow
            // declined is not tried again.
            CompletableFuture<Integer> io = read ? readTried(seg, at) : submit(false, seg, at);
            count = io.isDone() ? await(io) : awaitInterruptibly(io);
        } else {
            // begin() closes the channel at once, as the JDK's does; the request is then refused.
            boolean completed = false;
            begin();
            try {
                count = await(submit(read, seg, at));
                completed = true;
            } finally {
                end(completed); // ClosedByInterruptException
            }
        }
        if (read && count == 0) {
            return -1;
        }
        b.position(b.position() + count);
        return count;
    }

    /** The request of a read that {@link OpenFile#readNow} declined (it is not tried on this thread again). */
    private CompletableFuture<Integer> readTried(MemorySegment seg, long at) throws IOException {
        try {
            return openFile.readAfterTry(seg, at);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw requestFailure("pread", at, seg.byteSize(), e);
        }
    }

    private CompletableFuture<Integer> submit(boolean read, MemorySegment seg, long at) throws IOException {
        try {
            return read ? file.read(seg, at) : file.write(seg, at);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw requestFailure(read ? "pread" : "pwrite", at, seg.byteSize(), e);
        }
    }

    /**
     * Waits for a request made before {@code begin()}: an interrupt that came in between is seen
     * by {@code begin()} itself, which closes the channel, so {@code end} throws as if it had come
     * during the wait.
     */
    private <T> T awaitInterruptibly(CompletableFuture<T> io) throws IOException {
        boolean completed = false;
        begin();
        try {
            T value = await(io);
            completed = true;
            return value;
        } finally {
            end(completed);
        }
    }

    // ---- writes ----

    @Override
    public int write(ByteBuffer src) throws IOException {
        checkWrite(src);
        positionLock.lock();
        try {
            ensureOpen();
            if (append) {
                // O_APPEND: the kernel writes at the end, whatever the offset. The size is passed
                // for what jaio does with the range (coherence with CACHED handles); the position
                // of an append channel is the size, read when asked (position()).
                return writeAt(src, file.size());
            }
            int n = writeAt(src, position);
            position += n;
            return n;
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        checkWrite(src);
        if (position < 0) {
            throw new IllegalArgumentException("write: negative position " + position);
        }
        ensureOpen();
        return writeAt(src, position);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        for (int i = offset; i < offset + length; i++) {
            checkWrite(srcs[i]);
        }
        positionLock.lock();
        try {
            ensureOpen();
            if (append) {
                return appendGathered(srcs, offset, length);
            }
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                int n = writeAt(srcs[i], position);
                position += n;
                total += n;
            }
            return total;
        } finally {
            positionLock.unlock();
        }
    }

    /**
     * A gathering write in append mode: one O_APPEND write of the buffers' bytes together, so that
     * no other appender's bytes come between two of them (the JDK's is one writev(2)). The bytes
     * are copied into one buffer first; the buffers' positions move by what was written, in order.
     */
    private long appendGathered(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += srcs[i].remaining();
        }
        if (total == 0) {
            return 0;
        }
        int n = (int) Math.min(total, MAX_TRANSFER);
        ByteBuffer all = ByteBuffer.allocateDirect(n);
        for (int i = offset; i < offset + length && all.hasRemaining(); i++) {
            ByteBuffer b = srcs[i].duplicate();
            if (b.remaining() > all.remaining()) {
                b.limit(b.position() + all.remaining());
            }
            all.put(b);
        }
        all.flip();
        int written = writeAt(all, file.size()); // O_APPEND: at the end, whatever the offset (see write)
        int left = written;
        for (int i = offset; i < offset + length && left > 0; i++) {
            int take = Math.min(left, srcs[i].remaining());
            srcs[i].position(srcs[i].position() + take);
            left -= take;
        }
        return written;
    }

    private void checkWrite(ByteBuffer src) throws ClosedChannelException {
        Objects.requireNonNull(src, "src");
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
    }

    private int writeAt(ByteBuffer src, long at) throws IOException {
        return transferAt(false, src, at);
    }

    private IOException requestFailure(String op, long at, long length, RuntimeException e) {
        return new IOException(op + " " + file.path() + " at offset " + at + " (" + length + " bytes): "
                + e.getMessage(), e);
    }

    /**
     * Waits for a request of this channel, between {@code begin()} and {@code end()}: parks a
     * virtual thread, blocks a platform thread. An interrupt closes the channel (through
     * {@link #implCloseChannel}, which waits until the kernel is done with every request); the wait
     * goes on for the request's own outcome, so that its buffer is the caller's again before
     * {@code end} throws ClosedByInterruptException.
     */
    private <T> T await(CompletableFuture<T> io) throws IOException {
        return await(io, null);
    }

    /** As {@link #await(CompletableFuture)}, running {@code onInterrupt} (if not null) at each interrupt. */
    private <T> T await(CompletableFuture<T> io, Runnable onInterrupt) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return io.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the channel is closing: the request ends soon
                    if (onInterrupt != null) {
                        onInterrupt.run();
                    }
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException ioe) {
                        throw ioe; // a close's refusal: end() throws the channel's exception instead
                    }
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IOException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- position, size, truncate, force ----

    @Override
    public long position() throws IOException {
        positionLock.lock();
        try {
            ensureOpen();
            return append ? file.size() : position;
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        if (newPosition < 0) {
            throw new IllegalArgumentException("position: negative " + newPosition);
        }
        positionLock.lock();
        try {
            ensureOpen();
            position = newPosition;
            return this;
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return file.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("truncate: negative size " + size);
        }
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        positionLock.lock();
        try {
            ensureOpen();
            if (size < file.size()) {
                file.truncate(size);
            }
            if (position > size) {
                position = size;
            }
            return this;
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        boolean completed = false;
        begin();
        try {
            await(metaData ? file.fsync() : file.fdatasync());
            completed = true;
        } finally {
            end(completed);
        }
    }

    // ---- transfers ----

    /**
     * {@inheritDoc}
     *
     * <p>To a channel of the JDK's ({@code FileChannel}, {@code SocketChannel}, a pipe's sink) or to
     * another {@code JaioFileChannel} that is not in append mode, the JDK's channel of the open file
     * copies (copy_file_range to a file, sendfile to a socket, its mapped copy to a pipe; see the
     * class comment); to any other channel, and when the JDK's channel of the file cannot be had,
     * the bytes go through a buffer with this channel's reads and the target's writes. Either way the copy is
     * coherent with jaio's cache of both files: dirty pages of the source range are written back
     * first, and cached pages of a jaio target's range are written back and dropped around the copy.
     */
    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        Objects.requireNonNull(target, "target");
        // The JDK's order of checks: this channel, the target, the modes, then the arguments.
        ensureOpen();
        if (!target.isOpen()) {
            throw new ClosedChannelException();
        }
        if (!readable) {
            throw new NonReadableChannelException();
        }
        try {
            requireWritable(target); // may take an interrupt itself
            if (position < 0 || count < 0) {
                throw new IllegalArgumentException("transferTo: negative position or count: " + position + ", "
                        + count);
            }
            return transferToChecked(position, count, target);
        } catch (ClosedByInterruptException e) {
            closeBoth(target); // an interrupt closes both channels, as the spec says
            throw e;
        }
    }

    private long transferToChecked(long position, long count, WritableByteChannel target) throws IOException {
        // As the JDK's: nothing at or past the size, but reads until the end of the file otherwise,
        // which for a file that says size 0 (/proc, /sys) is where its content ends.
        long size = file.size();
        if (position > size || count == 0) {
            return 0;
        }
        long n = Math.min(count, size > 0 ? size - position : Long.MAX_VALUE - position);
        if (n == 0) {
            return 0;
        }
        if (target instanceof JaioFileChannel t) {
            if (!t.append && size > 0) {
                long done = kernelCopyToJaio(position, n, size, t);
                if (done >= 0) {
                    return done;
                }
            }
        } else if (KernelTransfer.isJdkChannel(target) && size > 0) {
            FileChannel kc = kernelChannelOrNull();
            if (kc != null) {
                coherence().beforeBlockingRead(position, n);
                // A copy between files whose source the page cache holds does not wait for the
                // device: the calling thread makes it, virtual or not, as the JDK's would.
                boolean mayWait = !(target instanceof FileChannel) || !resident(position, n, size);
                return kernelCopy(() -> kc.transferTo(position, n, target), mayWait);
            }
        }
        return bufferedTransferTo(position, n, target);
    }

    /**
     * Closes this channel and the other one of a transfer that an interrupt ended (whichever of the
     * two took the interrupt closed only itself), keeping the interrupt's exception.
     */
    private void closeBoth(java.nio.channels.Channel other) {
        for (java.nio.channels.Channel c : new java.nio.channels.Channel[] {other, this}) {
            try {
                c.close();
            } catch (IOException | RuntimeException ignored) {
                // the ClosedByInterruptException is what the caller gets
            }
        }
    }

    /**
     * NonWritableChannelException unless {@code target} is writable, where that can be known: of
     * the JDK's file channels only a write says it, so an empty one asks (it writes nothing).
     */
    private static void requireWritable(WritableByteChannel target) throws IOException {
        if (target instanceof JaioFileChannel t) {
            if (!t.writable) {
                throw new NonWritableChannelException();
            }
        } else if (target instanceof FileChannel fc && KernelTransfer.isJdkChannel(fc)) {
            fc.write(ByteBuffer.allocate(0), 0);
        }
    }

    /** NonReadableChannelException unless {@code src} is readable, where that can be known (as above). */
    private static void requireReadable(ReadableByteChannel src) throws IOException {
        if (src instanceof JaioFileChannel s) {
            if (!s.readable) {
                throw new NonReadableChannelException();
            }
        } else if (src instanceof FileChannel fc && KernelTransfer.isJdkChannel(fc)) {
            fc.read(ByteBuffer.allocate(0), 0);
        }
    }

    /**
     * The kernel's copy of [position, position + count) to {@code t} at its position, which moves
     * by the count; -1 when the kernel's channel of either file cannot be had.
     */
    private long kernelCopyToJaio(long position, long count, long size, JaioFileChannel t) throws IOException {
        FileChannel kc = kernelChannelOrNull();
        if (kc == null) {
            return -1;
        }
        t.positionLock.lock();
        try {
            t.ensureOpen();
            FileChannel tk = t.kernelChannelOrNull();
            if (tk == null) {
                return -1;
            }
            long at = t.position;
            coherence().beforeBlockingRead(position, count);
            boolean mayWait = !resident(position, count, size);
            // An interrupt closes both channels: transferTo's catch does it.
            long done = t.kernelWrite(at, Math.min(count, Long.MAX_VALUE - at), () -> {
                tk.position(at);
                return kc.transferTo(position, count, tk);
            }, mayWait);
            t.position = at + done;
            return done;
        } finally {
            t.positionLock.unlock();
        }
    }

    private long bufferedTransferTo(long position, long count, WritableByteChannel target) throws IOException {
        long done = 0;
        ByteBuffer buf = transferBuffer((int) Math.min(TRANSFER_BUFFER, count));
        try {
            while (done < count) {
                buf.clear().limit((int) Math.min(buf.capacity(), count - done));
                int n = readAt(buf, position + done);
                if (n <= 0) {
                    break;
                }
                buf.flip();
                int w = target.write(buf);
                done += w;
                if (w != n) {
                    break; // a non-blocking target that is full: what was written counts, as for the JDK
                }
            }
            return done;
        } catch (IOException e) {
            if (done > 0) {
                return done; // as the JDK: a failure after bytes went out returns their count
            }
            throw e;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>From a file channel (the JDK's or another {@code JaioFileChannel}) into this channel when
     * it is not in append mode, the kernel copies (copy_file_range, through the JDK's channel of
     * the open file); from a socket, a pipe or any other channel, and into an append channel, the
     * bytes go through a buffer with the source's reads and this channel's writes (no lock of the
     * file is held while the source has nothing to give). The range written is kept
     * coherent with jaio's cache of the file, as a write is.
     */
    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        Objects.requireNonNull(src, "src");
        // The JDK's order of checks: this channel, the source, the modes, then the arguments.
        ensureOpen();
        if (!src.isOpen()) {
            throw new ClosedChannelException();
        }
        try {
            requireReadable(src); // may take an interrupt itself
            if (!writable) {
                throw new NonWritableChannelException();
            }
            if (position < 0 || count < 0) {
                throw new IllegalArgumentException("transferFrom: negative position or count: " + position + ", "
                        + count);
            }
            return transferFromChecked(src, position, count);
        } catch (ClosedByInterruptException e) {
            closeBoth(src); // an interrupt closes both channels, as the spec says
            throw e;
        }
    }

    private long transferFromChecked(ReadableByteChannel src, long position, long count) throws IOException {
        if (count == 0) {
            return 0;
        }
        // Only a file source is the kernel's copy (copy_file_range): from a socket or pipe the JDK
        // too reads into a buffer and writes it, and the file's write gate must not be held while
        // the source has nothing to give.
        if (!append && src instanceof FileChannel) {
            if (src instanceof JaioFileChannel s) {
                long done = kernelCopyFromJaio(s, position, count);
                if (done >= 0) {
                    return done;
                }
            } else if (KernelTransfer.isJdkChannel(src)) {
                FileChannel kc = kernelChannelOrNull();
                if (kc != null) {
                    return kernelWrite(position, count, () -> kc.transferFrom(src, position, count), true);
                }
            }
        }
        return bufferedTransferFrom(src, position, count);
    }

    /**
     * The kernel's copy from {@code s} at its position (which moves by the count) to [position,
     * position + count); -1 when the kernel's channel of either file cannot be had.
     */
    private long kernelCopyFromJaio(JaioFileChannel s, long position, long count) throws IOException {
        FileChannel kc = kernelChannelOrNull();
        if (kc == null) {
            return -1;
        }
        s.positionLock.lock();
        try {
            s.ensureOpen();
            FileChannel sk = s.kernelChannelOrNull();
            if (sk == null) {
                return -1;
            }
            long from = s.position;
            long size = s.file.size();
            if (size == 0 || from >= size) {
                return size == 0 ? -1 : 0; // a file that says size 0 is read to its end by the buffer's way
            }
            long n = Math.min(count, size - from);
            s.coherence().beforeBlockingRead(from, n);
            boolean mayWait = !s.resident(from, n, size);
            // An interrupt closes both channels: transferFrom's catch does it.
            long done = kernelWrite(position, n, () -> {
                sk.position(from);
                return kc.transferFrom(sk, position, n);
            }, mayWait);
            s.position = from + done;
            return done;
        } finally {
            s.positionLock.unlock();
        }
    }

    private long bufferedTransferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        long done = 0;
        ByteBuffer buf = transferBuffer((int) Math.max(1, Math.min(TRANSFER_BUFFER, count)));
        try {
            while (done < count) {
                buf.clear().limit((int) Math.min(buf.capacity(), count - done));
                int n = src.read(buf);
                if (n <= 0) {
                    break; // the end of the source, or nothing there now (a non-blocking one)
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    done += writeAt(buf, position + done);
                }
            }
            return done;
        } catch (IOException e) {
            if (done > 0) {
                return done; // as the JDK: a failure after bytes reached the file returns their count
            }
            throw e;
        }
    }

    /** The buffer of a transfer through the JVM: aligned as O_DIRECT needs when the channel is DIRECT. */
    private ByteBuffer transferBuffer(int capacity) {
        if (!file.isDirect()) {
            return ByteBuffer.allocateDirect(capacity);
        }
        int align = (int) file.alignment().bufferAlignment();
        return ByteBuffer.allocateDirect(capacity + align).alignedSlice(align).limit(capacity).slice();
    }

    /**
     * A kernel copy into [position, position + length) of this channel's file, coherent with jaio's
     * cache of it as a write of a handle without CACHED is: the write gate is held and the range
     * written back and dropped before, and dropped again after (the size raised by what landed).
     */
    private long kernelWrite(long position, long length, Callable<Long> copy, boolean mayWait) throws IOException {
        Coherence c = coherence();
        long range = Math.min(length, Long.MAX_VALUE - position); // the pages a write may reach
        FileCache held;
        try {
            held = c.beforeBlockingWrite("copy_file_range", position, range);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        long result = -Errno.EIO;
        try {
            long done = kernelCopy(copy, mayWait);
            result = done;
            return done;
        } finally {
            try {
                c.afterUncachedWrite(held, position, range, result);
            } finally {
                Coherence.abandon(held);
            }
        }
    }

    /**
     * Runs a copy in the kernel for this channel, interruptibly: an interrupt closes the channel
     * (which stops the copy), and the wait goes on until the copy has ended before
     * ClosedByInterruptException is thrown. {@code mayWait}: the copy may wait for the device or a
     * peer, so a virtual thread hands it to a thread of jaio's (see {@link KernelTransfer}).
     */
    private long kernelCopy(Callable<Long> copy, boolean mayWait) throws IOException {
        boolean completed = false;
        begin();
        try {
            KernelTransfer.Copy c = KernelTransfer.start(copy, mayWait);
            // An interrupt goes on to the thread that runs the copy (a thread of jaio's for a
            // virtual thread's copy that may wait): the channel it is blocked in closes, as it
            // would had the caller run the copy.
            long done = await(c, c::interruptRunner);
            completed = true;
            return done;
        } catch (ClosedByInterruptException e) {
            // A platform thread runs the JDK's channel's copy itself, and that channel's own begin()
            // took the interrupt: it closed only itself. The exception stays the interrupt's (end()
            // would make it an asynchronous close); transferTo/transferFrom close both channels.
            completed = true;
            throw e;
        } finally {
            end(completed);
        }
    }

    /**
     * Whether the kernel's page cache holds all of [position, position + count) of the file
     * (cachestat), and no read of this channel's file may still be filling some of those pages
     * (cachestat counts a page under read as resident: {@link dev.jaio.internal.file.OpenFile#mayBeReadingPages}).
     */
    private boolean resident(long position, long count, long size) {
        return !openFile.mayBeReadingPages(System.nanoTime()) && Cachestat.allResident(openFile.fd(), position, count, size);
    }

    private Coherence coherence() {
        return openFile.coherence();
    }

    // ---- map ----

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return mapper(mode).map(mode, position, size);
    }

    @Override
    public MemorySegment map(MapMode mode, long offset, long size, Arena arena) throws IOException {
        return mapper(mode).map(mode, offset, size, arena);
    }

    /** The JDK's channel of this open file, for the JDK's mapping; checks the mode against the channel's. */
    private FileChannel mapper(MapMode mode) throws IOException {
        Objects.requireNonNull(mode, "mode");
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException(); // every mapping reads, as the JDK's says
        }
        if (mode != MapMode.READ_ONLY && mode != MapMode.PRIVATE && !writable) {
            throw new NonWritableChannelException();
        }
        return kernelChannel();
    }

    /**
     * The JDK's channel of this open file (through {@code /proc/self/fd/N}, without O_DIRECT or
     * O_APPEND, readable and writable as this channel is), opened once: for the JDK's mapping and
     * the kernel's transfers.
     */
    private synchronized FileChannel kernelChannel() throws IOException {
        ensureOpen();
        if (kernelChannel == null) {
            // The platform's channel, even when jaio's provider is the default: FileChannel.open
            // would give a channel of jaio's again.
            FileSystemProvider platform = ChannelOptions.platformProvider();
            Path self = platform.getPath(URI.create("file:///proc/self/fd/" + openFile.fd()));
            Set<StandardOpenOption> modes = EnumSet.noneOf(StandardOpenOption.class);
            if (readable) {
                modes.add(StandardOpenOption.READ);
            }
            if (writable) {
                modes.add(StandardOpenOption.WRITE);
            }
            kernelChannel = platform.newFileChannel(self, modes);
        }
        return kernelChannel;
    }

    /**
     * {@link #kernelChannel()}, or null when the file cannot be opened again so (its permissions no
     * longer allow the mode it was opened with, say): a transfer then copies through a buffer.
     */
    private FileChannel kernelChannelOrNull() throws ClosedChannelException {
        try {
            return kernelChannel();
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    // ---- locks ----

    @Override
    public FileLock lock(long position, long size0, boolean shared) throws IOException {
        long size = checkLock(position, size0, shared);
        ensureOpen();
        JaioFileLock lock = new JaioFileLock(this, file, fileKey, position, size, shared);
        ChannelLocks.add(fileKey, lock); // OverlappingFileLockException
        boolean granted = false;
        boolean completed = false;
        begin();
        try {
            long pause = ChannelLocks.FIRST_RETRY_NANOS;
            while (!file.tryLock(position, size, shared)) {
                LockSupport.parkNanos(pause); // an interrupt returns at once, and has closed the channel
                pause = ChannelLocks.nextRetry(pause);
                if (!isOpen()) {
                    return null; // end() throws: ClosedByInterruptException or AsynchronousCloseException
                }
            }
            lock.granted();
            granted = isOpen();
            completed = true;
            return lock;
        } catch (ClosedChannelException e) {
            return null; // closed meanwhile: end() throws the channel's exception
        } finally {
            if (!granted) {
                lock.invalidate();
                ChannelLocks.remove(fileKey, lock); // not granted by the kernel, or closed: nothing to unlock
            }
            try {
                end(completed);
            } catch (java.nio.channels.ClosedByInterruptException e) {
                throw new FileLockInterruptionException(); // as the JDK's FileChannelImpl.lock
            }
        }
    }

    @Override
    public FileLock tryLock(long position, long size0, boolean shared) throws IOException {
        long size = checkLock(position, size0, shared);
        ensureOpen();
        JaioFileLock lock = new JaioFileLock(this, file, fileKey, position, size, shared);
        ChannelLocks.add(fileKey, lock);
        boolean taken = false;
        try {
            taken = file.tryLock(position, size, shared) && isOpen();
        } finally {
            if (!taken) {
                ChannelLocks.remove(fileKey, lock);
            }
        }
        if (!taken) {
            ensureOpen();
            return null;
        }
        lock.granted();
        return lock;
    }

    /** Checks a lock request, closed first (as the JDK's); returns its size ({@link ChannelLocks#checkedSize}). */
    private long checkLock(long position, long size, boolean shared) throws ClosedChannelException {
        ensureOpen();
        return ChannelLocks.checkedSize(position, size, shared, readable, writable);
    }

    // ---- close ----

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    /**
     * Closes the channel: its locks become invalid (the kernel drops them with the descriptor), a
     * mapping channel it opened closes (mappings stay valid, as the JDK's do), and the call returns
     * once every request of the channel has completed. Called by {@code close()}, and by the thread
     * that interrupts a thread waiting in this channel.
     */
    @Override
    protected void implCloseChannel() throws IOException {
        for (JaioFileLock l : ChannelLocks.removeAll(fileKey, this)) {
            l.invalidate();
        }
        FileChannel m;
        synchronized (this) {
            m = kernelChannel;
            kernelChannel = null;
        }
        try {
            if (m != null) {
                m.close();
            }
        } finally {
            file.close();
        }
    }

    @Override
    public String toString() {
        return "JaioFileChannel[" + file.path() + ", " + file.options() + ", engine " + file.engine().name()
                + (isOpen() ? "" : ", closed") + "]";
    }
}
