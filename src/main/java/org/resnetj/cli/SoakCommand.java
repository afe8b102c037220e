package org.resnetj.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.resnetj.bench.Soak;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code resnet soak}: whether resident memory stays flat over many training steps and evaluation
 * batches.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description =
                "Train a network for many steps, then evaluate many batches eagerly and compiled,"
                    + " sampling the process's resident memory; each phase must grow less than the"
                    + " bound after its warm-up (exit status 1 if not).")
final class SoakCommand implements Callable<Integer> {

    @Option(
            names = "--model",
            paramLabel = "NAME",
            defaultValue = "resnet20",
            description = "the network (default: ${DEFAULT-VALUE})")
    String model;

    @Option(
            names = "--batch",
            paramLabel = "B",
            defaultValue = "128",
            description = "images per iteration (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--steps",
            paramLabel = "N",
            defaultValue = "400",
            description = "training steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(
            names = "--eval-batches",
            paramLabel = "N",
            defaultValue = "400",
            description = "evaluation batches of each kind (default: ${DEFAULT-VALUE})")
    int evalBatches;

    @Option(
            names = "--bound-mb",
            paramLabel = "MB",
            defaultValue = "16",
            description = "the most a phase may grow after its warm-up (default: ${DEFAULT-VALUE})")
    double boundMb;

    /** Set in the child JVM the command runs the soak in. */
    static final String CHILD = "resnet.soak.child";

    /**
     * The soak's JVM: a Java heap of fixed size, every page of it touched at start, so that the
     * resident size moves only with the engine's and the JVM's native memory, not as the garbage
     * collector first touches more of its heap (measured: 90 MB over 400 ResNet-20 steps with the
     * default heap, none of it a leak).
     */
    private static final List<String> JVM =
            List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-D" + CHILD + "=true");

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Soak.Options options = new Soak.Options(model, batch, steps, evalBatches, boundMb);
        if (System.getProperty(CHILD) == null) {
            List<String> command =
                    new ArrayList<>(
                            List.of(
                                    Path.of(System.getProperty("java.home"), "bin", "java")
                                            .toString()));
            command.addAll(
                    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                            .filter(a -> !a.startsWith("-Xm") && !a.startsWith("-Xs"))
                            .toList());
            command.addAll(JVM);
            command.addAll(
                    List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
            command.addAll(spec.commandLine().getParseResult().originalArgs());
            Process child =
                    new ProcessBuilder(command)
                            .redirectInput(ProcessBuilder.Redirect.INHERIT)
                            .start();
            // Copied through System.out and System.err, wherever the caller points them.
            Thread errors = new Thread(() -> copy(child.getErrorStream(), System.err));
            errors.start();
            copy(child.getInputStream(), System.out);
            errors.join();
            return child.waitFor();
        }
        List<Soak.Phase> phases = Soak.run(options, System.err);
        boolean flat = true;
        for (Soak.Phase p : phases) {
            boolean ok = p.growthMb() < boundMb;
            flat &= ok;
            System.out.printf(
                    Locale.ROOT,
                    "%-20s %4d iterations: %.1f MB after warm-up, %.1f MB at the end, growth %+.1f"
                            + " MB (bound %.0f): %s%n",
                    p.phase(),
                    p.iterations(),
                    p.afterWarmupMb(),
                    p.endMb(),
                    p.growthMb(),
                    boundMb,
                    ok ? "flat" : "GROWS");
        }
        return flat ? 0 : 1;
    }

    private static void copy(InputStream from, PrintStream to) {
        try (from) {
            from.transferTo(to);
            to.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
