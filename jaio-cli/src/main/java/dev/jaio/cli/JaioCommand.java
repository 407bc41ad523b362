package dev.jaio.cli;

import dev.jaio.SystemInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code jaio} command: only dispatches to its subcommands. */
@Command(
        name = "jaio",
        mixinStandardHelpOptions = true,
        versionProvider = JaioCommand.Version.class,
        header = "jaio: true asynchronous Linux file I/O for Java (io_uring, native AIO and thread engines).",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {InfoCommand.class, CommandLine.HelpCommand.class})
public final class JaioCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Creates the command. */
    public JaioCommand() {
    }

    /** Without a subcommand there is nothing to do: print the usage to stderr, exit 2 (usage error). */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("jaio: missing subcommand");
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    /** {@code jaio --version}: the library version and the Java runtime it runs on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "jaio " + SystemInfo.jaioVersion(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")",
            };
        }
    }
}
