package org.resnetj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.resnetj.analysis.GradientNorms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code resnet gradnorms RUN_DIR... --out FILE}: plots the recorded per-layer gradient norms. */
@Command(
        name = "gradnorms",
        mixinStandardHelpOptions = true,
        description = {
            "Plot the per-layer gradient norms recorded by training runs.",
            "Record them with: ./resnet train --set grad_norm_every=N"
        })
final class GradNormsCommand implements Callable<Integer> {

    @Mixin RunChartOptions chart;

    @Override
    public Integer call() throws IOException {
        List<GradientNorms.Record> records = new ArrayList<>();
        for (Path run : chart.runDirs) {
            records.addAll(GradientNorms.read(run));
        }
        GradientNorms.write(records, chart.out);
        System.out.println("wrote " + chart.out);
        return 0;
    }
}
