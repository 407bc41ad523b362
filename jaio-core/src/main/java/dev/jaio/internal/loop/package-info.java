/**
 * jaio's event loop for disk and network I/O (the paper's §9): one thread per loop runs file
 * requests, sockets, pipes, timers and tasks from other threads, over one of the paper's three
 * ways of waiting for both (see {@link dev.jaio.internal.loop.Backend}).
 *
 * <p>Layering: this package drives the engines' queues ({@code dev.jaio.internal.engine}) and the
 * native bindings ({@code dev.jaio.internal.linux}); the public {@code dev.jaio.loop} package
 * checks arguments and delegates here. Nothing here knows the public types: completions reach
 * them through a {@link dev.jaio.internal.loop.Dispatch} the public layer supplies.
 */
package dev.jaio.internal.loop;
