package org.resnetj.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The runs a chart command reads and the chart it writes: {@code RUN_DIR... --out FILE}. */
final class RunChartOptions {

    @Parameters(
            arity = "1..*",
            paramLabel = "RUN_DIR",
            description = "run directories, each holding metrics.jsonl")
    List<Path> runDirs;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE",
            description = "the chart to write: FILE.png or FILE.svg")
    Path out;
}
