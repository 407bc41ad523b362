/**
 * The {@code jaio} command-line tool. Uses only the exported API of module {@code dev.jaio}.
 */
module dev.jaio.cli {
    requires dev.jaio;
    requires info.picocli;

    opens dev.jaio.cli to info.picocli;
}
