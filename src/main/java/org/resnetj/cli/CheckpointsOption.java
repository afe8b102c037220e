package org.resnetj.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The repeatable {@code --checkpoint} option of the commands that compare or combine networks; the
 * command's description says what it does with several.
 */
final class CheckpointsOption {

    @Option(
            names = "--checkpoint",
            required = true,
            paramLabel = "PATH",
            description = CheckpointOption.DESCRIPTION + "; repeat it for several models")
    List<Path> checkpoints;
}
