package org.resnetj.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --checkpoint} option of the commands that read one trained network. */
final class CheckpointOption {

    /** What {@code --checkpoint} takes, in every command that has it. */
    static final String DESCRIPTION =
            "a checkpoint file, or a run directory for its newest checkpoint";

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH", description = DESCRIPTION)
    Path checkpoint;
}
