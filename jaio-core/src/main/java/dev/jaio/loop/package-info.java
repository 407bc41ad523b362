/**
 * One event loop for disk and network I/O (the paper's §9): {@link dev.jaio.loop.EventLoop} owns
 * one thread that runs, on it, file I/O ({@link dev.jaio.AsyncFile}s opened on
 * {@link dev.jaio.loop.EventLoop#engine()}), TCP sockets, pipes, timers and tasks from other
 * threads, over one of the paper's three ways to wait for both:
 * <ul>
 * <li>{@code uring}: one io_uring per loop runs file, socket and pipe requests (option 3);
 * <li>{@code aio-poll}: native AIO for files and IOCB_CMD_POLL for sockets and pipes, one
 *     io_getevents (option 2);
 * <li>{@code epoll+aio}: epoll for sockets and pipes, native AIO for files signalling an eventfd
 *     in the epoll set (option 1);
 * <li>{@code threads}: epoll plus the thread-pool engine, the portable baseline.
 * </ul>
 *
 * <p>Callbacks (handlers, tasks, timers, futures' non-async stages) run on the loop thread and must
 * not block; nothing the loop itself does blocks. Several loops, one per core, may share a port
 * ({@link dev.jaio.loop.ListenOptions#reusePort()}).
 *
 * <pre>{@code
 * try (EventLoop loop = EventLoop.open()) {
 *     loop.listen(new InetSocketAddress(0), ListenOptions.defaults(), conn -> echo(conn));
 *     ...
 * }
 * }</pre>
 */
package dev.jaio.loop;
