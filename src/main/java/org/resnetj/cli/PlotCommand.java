package org.resnetj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.resnetj.analysis.Curves;
import org.resnetj.analysis.RunMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code resnet plot RUN_DIR... --out FILE}: the training curves of runs on one chart, as in Fig. 1
 * and Fig. 6.
 */
@Command(
        name = "plot",
        mixinStandardHelpOptions = true,
        description =
                "Draw the training curves of runs on one chart, in the style of Fig. 1 and Fig. 6:"
                    + " error (%%) against iterations, training error dashed, test error bold, one"
                    + " colour per run.")
final class PlotCommand implements Callable<Integer> {

    @Parameters(
            arity = "1..*",
            paramLabel = "RUN_DIR",
            description = "run directories, each holding metrics.jsonl and config.json")
    List<Path> runDirs;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE",
            description = "the chart to write: FILE.png or FILE.svg")
    Path out;

    @Option(
            names = "--title",
            paramLabel = "TEXT",
            description = "the chart's title (runs on synthetic data are always stated)")
    String title;

    @Override
    public Integer call() throws IOException {
        List<RunMetrics> runs = RunMetrics.readAll(runDirs);
        Curves.write(runs, out, title);
        System.out.println("wrote " + out);
        return 0;
    }
}
