package org.resnetj.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.resnetj.analysis.Curves;
import org.resnetj.analysis.RunMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @Mixin RunChartOptions chart;

    @Option(
            names = "--title",
            paramLabel = "TEXT",
            description = "the chart's title (runs on synthetic data are always stated)")
    String title;

    @Override
    public Integer call() throws IOException {
        List<RunMetrics> runs = RunMetrics.readAll(chart.runDirs);
        Curves.write(runs, chart.out, title);
        System.out.println("wrote " + chart.out);
        return 0;
    }
}
