package dev.jaio.cli.sweep;

/** The paper's two experiments. */
public enum Figure {
    /** Figure 1: streaming random reads, cold cache (aio-stress {@code -o 3 --drop-cache}). */
    FIGURE1("figure1", "Streaming AIO read results", "randread"),
    /** Figure 2: streaming random O_SYNC writes (aio-stress {@code -o 2 -S}). */
    FIGURE2("figure2", "Streaming AIO write results (O_SYNC)", "randwrite");

    private final String id;
    private final String title;
    private final String rw;

    Figure(String id, String title, String rw) {
        this.id = id;
        this.title = title;
        this.rw = rw;
    }

    /** {@code figure1} or {@code figure2}: the CSV/JSON value and the image file name. */
    public String id() {
        return id;
    }

    /** The chart title, as in the paper. */
    public String title() {
        return title;
    }

    /** fio's {@code rw=}. */
    public String fioRw() {
        return rw;
    }

    /** Whether this is the read experiment. */
    public boolean isRead() {
        return this == FIGURE1;
    }

    /** The figure with this id. */
    public static Figure ofId(String id) {
        for (Figure f : values()) {
            if (f.id.equals(id)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown figure " + id);
    }
}
