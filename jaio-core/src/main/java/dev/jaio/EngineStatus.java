package dev.jaio;

/**
 * Whether one engine can run on this machine.
 *
 * @param name the engine's selection name ({@code "uring"}, {@code "aio"}, {@code "threads"})
 * @param available whether {@link IoEngine#open(EngineConfig)} can use it
 * @param detail what the engine is when available; why not (with the errno) when not
 */
public record EngineStatus(String name, boolean available, String detail) {
}
