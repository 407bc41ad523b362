package dev.jaio.cli.aiostress;

/**
 * Where the original aio-stress takes its I/O buffers from ({@code -m}). jaio accepts the flag but
 * always uses its own {@link dev.jaio.IoBuffer}s: SysV shm at a fixed address and an mmap'ed file
 * in /dev/shm are not something its public API offers, and the kernel treats all three the same.
 */
public enum BufferSource {
    /** The default: malloc in the original, jaio IoBuffers here. */
    MALLOC("malloc"),
    /** {@code -m shm}: SysV shared memory in the original. */
    SHM("shm"),
    /** {@code -m shmfs}: an unlinked file in /dev/shm in the original. */
    SHMFS("shmfs");

    private final String flagValue;

    BufferSource(String flagValue) {
        this.flagValue = flagValue;
    }

    /** The {@code -m} value ({@code malloc} for the default). */
    public String flagValue() {
        return flagValue;
    }

    /** The source {@code -m value} names. */
    public static BufferSource ofFlag(String value) {
        return switch (value == null ? "" : value) {
            case "shm" -> SHM;
            case "shmfs" -> SHMFS;
            default -> throw new InvalidOptionException("-m '" + value + "': expected shm or shmfs");
        };
    }
}
