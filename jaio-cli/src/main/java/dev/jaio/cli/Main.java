package dev.jaio.cli;

/** Entry point of the {@code jaio} command-line tool. */
public final class Main {

    private Main() {
    }

    /**
     * Runs the {@code jaio} command and exits with its exit code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(JaioCommand.commandLine().execute(args));
    }
}
