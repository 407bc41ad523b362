/**
 * The {@code jaio} command-line tool. Uses only the exported API of module {@code dev.jaio}.
 */
@SuppressWarnings("requires-automatic") // HdrHistogram has no module descriptor
module dev.jaio.cli {
    requires dev.jaio;
    requires info.picocli;
    requires HdrHistogram;

    opens dev.jaio.cli to info.picocli;
}
