package dev.jaio.cli;

import dev.jaio.SystemInfo;
import java.io.PrintWriter;
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
        subcommands = {InfoCommand.class, AioStressCommand.class, BenchCommand.class, SweepCommand.class, OltpCommand.class,
            PipePingPongCommand.class, ServeCommand.class, CommandLine.HelpCommand.class})
public final class JaioCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Creates the command. */
    public JaioCommand() {
    }

    /**
     * The command line of {@code jaio} with its subcommands, configured: usage errors of
     * {@code aio-stress} print one line naming the bad flag (and exit 2) instead of the whole help.
     */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new JaioCommand());
        cmd.setParameterExceptionHandler(JaioCommand::onParameterException);
        return cmd;
    }

    private static int onParameterException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        if (cmd.getCommand() instanceof AioStressCommand) {
            err.println("jaio aio-stress: " + ex.getMessage() + " (see jaio aio-stress --help)");
        } else {
            err.println(ex.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
                cmd.usage(err);
            }
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
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
