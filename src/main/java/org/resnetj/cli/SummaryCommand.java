package org.resnetj.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.Callable;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code resnet summary MODEL}: the layer table, parameters and multiply-adds. */
@Command(
        name = "summary",
        mixinStandardHelpOptions = true,
        description =
                "Print a network's layers in the shape of Table 1, its parameters and"
                        + " multiply-adds.")
final class SummaryCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            paramLabel = "MODEL",
            description = "a registered network, e.g. resnet50")
    String model;

    @Mixin ArchitectureOptions architecture;

    @Option(
            names = "--input-size",
            paramLabel = "S",
            description =
                    "input side in pixels (default: 224 for ImageNet nets, 32 for CIFAR-10 nets)")
    Integer inputSize;

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    @Override
    public Integer call() throws IOException {
        ModelSpec spec = ModelRegistry.get(model);
        int size = inputSize == null ? spec.inputSize() : inputSize;
        if (size < 1) {
            throw new IllegalArgumentException(
                    "--input-size must be a positive number of pixels, got " + size);
        }
        Summary summary = Summary.of(spec, architecture.resolve(spec), size);
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(summary.toJson()));
        } else {
            System.out.print(summary.table());
        }
        return 0;
    }
}
