package org.resnetj.cli;

import java.util.List;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import picocli.CommandLine.Command;

/** {@code resnet models}: the registered networks, one line each. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "List the registered networks.")
final class ModelsCommand implements Runnable {

    @Override
    public void run() {
        List<ModelSpec> specs = ModelRegistry.named();
        int width = specs.stream().mapToInt(s -> s.name().length()).max().orElse(0) + 2;
        for (ModelSpec spec : specs) {
            System.out.println(
                    spec.name() + " ".repeat(width - spec.name().length()) + spec.description());
        }
        System.out.println();
        System.out.println("resnetN and plainN also name the CIFAR-10 net of any depth N = 6n+2;");
        System.out.println(
                "cifar-resnetN and cifar-plainN do so for the depths Table 1 takes (50, 152).");
    }
}
