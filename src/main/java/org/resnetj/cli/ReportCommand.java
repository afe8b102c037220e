package org.resnetj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.resnetj.experiment.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code resnet report DIR}: one self-contained HTML page for a run or an experiment. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description =
                "Write DIR/report.html: one self-contained page (figures embedded, no network"
                    + " needed) for a run directory or an experiment directory, with the resolved"
                    + " configuration, the curves, the table with the paper's numbers beside ours,"
                    + " and a synthetic-data banner where that is what was used.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            paramLabel = "DIR",
            description =
                    "a run directory (config.json) or an experiment directory (experiment.json)")
    Path dir;

    @Override
    public Integer call() throws IOException {
        System.out.println("wrote " + Report.write(dir));
        return 0;
    }
}
