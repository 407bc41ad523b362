/**
 * Engine selection, above the engines: {@link dev.jaio.internal.provider.Engines} knows every
 * engine this build has (io_uring, kernel AIO, the thread pool), picks one by name or for
 * {@code auto} by preference and availability, and opens its queue.
 *
 * <p>The engine SPI ({@code dev.jaio.internal.engine}) knows no engine; each engine package
 * ({@code .uring}, {@code .aio}, {@code .threads}) knows only the SPI and the Linux bindings; only
 * this package knows them all.
 */
package dev.jaio.internal.provider;
