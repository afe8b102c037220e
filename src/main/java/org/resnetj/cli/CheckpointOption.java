package org.resnetj.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --checkpoint} option of the commands that read one trained network. */
final class CheckpointOption {

    @Option(
            names = "--checkpoint",
            required = true,
            paramLabel = "PATH",
            description = "a checkpoint file, or a run directory for its newest checkpoint")
    Path checkpoint;
}
