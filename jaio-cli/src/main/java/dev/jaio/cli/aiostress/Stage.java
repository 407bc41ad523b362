package dev.jaio.cli.aiostress;

/**
 * The four aio-stress stages, numbered as {@code -o} takes them. Stages always run in this order,
 * whatever order the {@code -o} flags come in.
 */
public enum Stage {
    /** Sequential writes ({@code -o 0}). */
    WRITE(0, "write", false, false),
    /** Sequential reads ({@code -o 1}); the only stage {@code -v} verifies. */
    READ(1, "read", true, false),
    /** Random writes ({@code -o 2}). */
    RANDOM_WRITE(2, "random write", false, true),
    /** Random reads ({@code -o 3}). */
    RANDOM_READ(3, "random read", true, true);

    private final int code;
    private final String displayName;
    private final boolean read;
    private final boolean random;

    Stage(int code, String displayName, boolean read, boolean random) {
        this.code = code;
        this.displayName = displayName;
        this.read = read;
        this.random = random;
    }

    /** The number {@code -o} takes for this stage. */
    public int code() {
        return code;
    }

    /** The name aio-stress prints: {@code write}, {@code read}, {@code random write}, {@code random read}. */
    public String displayName() {
        return displayName;
    }

    /** Whether the stage reads. */
    public boolean isRead() {
        return read;
    }

    /** Whether the stage picks random offsets. */
    public boolean isRandom() {
        return random;
    }

    /** The stage {@code -o code} selects. */
    public static Stage ofCode(int code) {
        for (Stage s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("no stage " + code + "; stages are 0 (write), 1 (read), 2 (random write), 3 (random read)");
    }
}
