package org.resnetj.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.resnetj.engine.HiddenCaches;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code resnet} command: one tool for building, inspecting, training and evaluating. */
@Command(
        name = "resnet",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description =
                "Deep Residual Learning for Image Recognition (He et al., CVPR 2016) on the JVM.",
        subcommands = {
            ModelsCommand.class,
            SummaryCommand.class,
            SynthCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            DetectCommand.class,
            PlotCommand.class,
            GradNormsCommand.class,
            ResponsesCommand.class,
            ExportCommand.class,
            ImportCommand.class,
            ClassifyCommand.class,
            ReproduceCommand.class,
            BenchCommand.class,
            SoakCommand.class,
            ReportCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /**
     * Runs the tool and exits with its status. First, where the host needs the workaround of {@link
     * HiddenCaches}, one line on stderr says what the tool does differently, and why.
     */
    public static void main(String[] args) {
        try {
            String notice = HiddenCaches.notice();
            if (notice != null
                    && System.getProperty(SoakCommand.CHILD)
                            == null) { // the soak's parent has said it
                System.err.println(notice);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
        System.exit(run(args));
    }

    /**
     * Runs the tool and returns its exit status: 0 on success, 1 on a user error, 2 on a usage
     * error.
     */
    public static int run(String... args) {
        offline();
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::reportError);
        cli.setParameterExceptionHandler(Main::reportUsageError);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** DJL must neither probe the network nor report usage: set before any engine loads. */
    static void offline() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }

    /**
     * Errors that a user can cause (a bad value, a missing or corrupt file) become one line on
     * stderr; anything else is a bug and keeps its stack trace.
     */
    private static int reportError(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        if (e instanceof IllegalArgumentException
                || e instanceof IOException
                || e instanceof UncheckedIOException) {
            String message =
                    e instanceof UncheckedIOException u
                            ? u.getCause().getMessage()
                            : e.getMessage();
            cli.getErr().println("error: " + message);
            return 1;
        }
        throw new IllegalStateException(e);
    }

    /** A bad flag or value: one line naming it, and where to find the usage. */
    private static int reportUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        cli.getErr()
                .println(
                        "error: "
                                + e.getMessage()
                                + " (see "
                                + cli.getCommandSpec().qualifiedName()
                                + " --help)");
        return 2;
    }

    /** The version recorded in the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"resnet " + (version == null ? "(development build)" : version)};
        }
    }
}
