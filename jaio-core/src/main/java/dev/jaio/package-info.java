/**
 * jaio: true asynchronous file I/O for the JVM on Linux, over io_uring, native AIO or a thread
 * pool (an {@link dev.jaio.IoEngine}), with jaio's own page cache over O_DIRECT for buffered I/O
 * that never blocks a thread. {@link dev.jaio.AsyncFile} makes requests one at a time with a
 * {@link java.util.concurrent.CompletableFuture} each; {@link dev.jaio.IoContext} batches them as
 * io_submit and io_getevents do, with results as {@code -errno} (see its own documentation). What
 * follows is the contract of {@code AsyncFile}'s requests.
 *
 * <h2 id="results">Results and errors</h2>
 * Reads and writes complete with the number of bytes transferred, as pread(2) and pwrite(2) return
 * it: a read that crosses the end of the file completes with the bytes up to it, and with 0 at or
 * past it. A request the kernel fails completes exceptionally with an {@link IoOperationException}
 * naming the operation, path, offset and errno. Bad arguments that can be checked are rejected
 * before the kernel sees them, by throwing: {@link IllegalArgumentException} for a negative offset,
 * an O_DIRECT buffer, offset or length that is not aligned as {@link AsyncFile#alignment()} requires (the
 * message names the alignment), or a read into read-only memory; {@link IllegalStateException}
 * for a write to a file not opened for writing (or a read from one not opened for reading), or a
 * buffer whose memory was freed. A request on a closed file completes exceptionally with
 * {@link FileClosedException}, one on a closed engine with {@link EngineClosedException}; both
 * name the operation, path and offset.
 *
 * <p>A write writes all of its buffers: when the kernel writes only part (a filesystem filling
 * up, a file size limit), the rest is written from where it stopped, as FileChannel's write loop
 * does, and the future completes with the whole length. If a later part fails, the future fails
 * with an {@link IoOperationException} whose {@link IoOperationException#bytesTransferred()} says
 * how many bytes from the offset on were written (they stay written).
 *
 * <h2 id="futures">Futures and cancellation</h2>
 * The future of a request is done only once the kernel is done with the request's memory: when
 * {@code isDone()} is true (or {@code join()} returned or threw), memory of your own arena may be
 * freed. Only jaio completes it: {@code complete}, {@code completeAsync},
 * {@code completeExceptionally}, {@code obtrudeValue} and {@code obtrudeException} throw
 * {@link UnsupportedOperationException}.
 * {@code cancel(mayInterrupt)} asks that the request be stopped: one still queued in the engine
 * is cancelled at once ({@code cancel} returns true and the future is cancelled); one the kernel
 * holds is asked to stop (io_uring: IORING_OP_ASYNC_CANCEL; kernel AIO: io_cancel, which stops no
 * file I/O; the thread pool cannot interrupt a running system call) and {@code cancel} returns
 * false with the future still pending, unlike {@link java.util.concurrent.Future#cancel}'s general
 * contract: it completes once the kernel answers, with a
 * {@link java.util.concurrent.CancellationException} if the kernel stopped the request (a write
 * may have written part of its bytes), else with its result. {@code orTimeout} and
 * {@code completeOnTimeout} cancel so when the time is up, and complete with the
 * {@link java.util.concurrent.TimeoutException} or the given value only if the kernel stopped the
 * request. Requests of {@link FileOption#CACHED} files are never stopped (jaio's cache copies to
 * or from your memory until they end, which never waits on more than the device): {@code cancel}
 * and the timeouts leave them to complete with their result.
 *
 * <h2>Memory</h2>
 * Native memory ({@link MemorySegment}s, direct {@link ByteBuffer}s) is used in place. Memory of a
 * jaio {@link IoBuffer} is pinned until the request completes, so closing the buffer early is
 * safe; memory from the caller's own arena must stay open until the future is done. Heap memory
 * (arrays, heap buffers) is copied through a temporary native buffer: correct, but slower.
 *
 * <h2>Cached files</h2>
 * A file opened with {@link FileOption#CACHED} reads through jaio's page cache: reads have no
 * alignment rules, never block a thread, and complete on the engine's completion thread when their
 * pages arrive (a read of cached pages completes on the calling thread, before {@code read}
 * returns). {@link AsyncFile#setReadahead} chooses the handle's readahead policy; {@link AsyncFile#advise} with
 * {@link FileAdvice#DONTNEED}, {@code WILLNEED}, {@code RANDOM} or {@code SEQUENTIAL} acts on jaio's
 * cache too. Writes go into the cache and complete once copied (or, with O_SYNC or O_DSYNC, once
 * written back and durable): see {@link FileOption#CACHED}. {@link IoEngine#pageCacheStats()}
 * counts what the cache did.
 *
 * <h2 id="threads">Threads</h2>
 * An AsyncFile may be used by many threads at once. A request's arguments are checked on the
 * calling thread, which then hands the request to the engine and returns without waiting for the
 * I/O. Its future completes on the engine's completion thread ({@code jaio-ENGINE-N}, see
 * {@link IoEngine}), so dependent stages added with non-async methods ({@code thenApply},
 * {@code whenComplete}, ...) run there: keep them short and never block in them, or add them with
 * an {@code *Async} method. A request on a {@link FileOption#CACHED} file that has nothing to
 * wait for (a read of cached pages, a write copied into the cache with no writeback to wait for)
 * completes on the calling thread, before the method returns; one that waits for a page read, a
 * writeback or the cleaner continues, and completes, on the thread that ends its wait: usually the
 * engine's completion thread, but also a thread whose own request lets go of the frames it waited
 * for, the cleaner thread ({@code jaio-writeback-N}) when it ends a throttled write with the
 * writeback's error, or a thread whose {@link AsyncFile#truncate} held the write back. A request
 * that {@code cancel} stops before the kernel saw it completes on the cancelling thread
 * ({@code orTimeout} and {@code completeOnTimeout}: the JDK's delayer thread). A request that a
 * {@linkplain FastPaths fast path} serves whole (a kernel-buffered read the kernel's page cache
 * holds, a CACHED read of uptodate pages, a buffered write the file system takes without waiting)
 * completes on the calling thread before the method returns, so stages added to its future run on
 * the thread that adds them; a request a try did in part completes on the engine's completion
 * thread, with the whole count. No path runs a caller's stage while jaio holds a lock.
 *
 * <h2 id="backpressure">Queue depth and back-pressure</h2>
 * At most {@link EngineConfig#queueDepth()} requests of callers are in an engine at once (queued
 * for, or in, the kernel). A caller that makes one more waits in its call (read, write, fsync,
 * append; uninterruptibly, parking a virtual thread without pinning its carrier) until a request
 * completes and gives up its place; {@link IoEngine#queueWaits()} counts such waits. Requests
 * made on the engine's completion thread (from a stage of another request's future) never wait,
 * so a callback that starts I/O cannot stall the thread that completes requests; they go over the
 * bound. Requests served by a fast path, and the page I/O of jaio's cache, take no place. A request
 * that may never complete by itself (a read of an empty FIFO) holds its place until it does: with
 * {@code queueDepth} of them in flight, other callers of the engine wait until one is fed or
 * cancelled; give such files an engine of their own, or a larger depth.
 * {@link AsyncFile#size()}, {@link AsyncFile#allocate}, {@link AsyncFile#advise} and
 * {@link AsyncFile#truncate} are synchronous system calls on the calling thread.
 *
 * <h2>Closing</h2>
 * {@link AsyncFile#close()} makes new requests fail, waits until every request already made on the file has
 * completed, and only then closes the descriptor. Dependent stages of the futures run on the
 * engine's completion thread unless added with an {@code *Async} method.
 */
package dev.jaio;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
