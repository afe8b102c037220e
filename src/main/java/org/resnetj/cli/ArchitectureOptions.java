package org.resnetj.cli;

import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Shortcut;
import org.resnetj.model.StridePlacement;
import picocli.CommandLine.Option;

/** The flags that choose a network's architecture options; absent flags keep the paper's. */
final class ArchitectureOptions {

    @Option(
            names = "--shortcut",
            paramLabel = "A|B|C",
            description =
                    "shortcut option of Section 3.3 (default: A for CIFAR-10 nets, B for ImageNet"
                            + " nets)")
    Shortcut shortcut;

    @Option(
            names = "--stride-on",
            paramLabel = "1x1|3x3",
            description =
                    "bottleneck convolution that downsamples: 1x1 (authors' models, default) or 3x3"
                            + " (torchvision)")
    String strideOn;

    @Option(
            names = "--classes",
            paramLabel = "K",
            description = "number of classes (default: 10 for CIFAR-10 nets, 1000 otherwise)")
    Integer classes;

    /** The spec's defaults with these flags applied. */
    ModelOptions resolve(ModelSpec spec) {
        ModelOptions options = spec.defaults();
        if (shortcut != null) {
            if (!spec.residual()) {
                throw new IllegalArgumentException(
                        "--shortcut applies to residual nets; "
                                + spec.name()
                                + " has no shortcuts");
            }
            options = options.withShortcut(shortcut);
        }
        if (strideOn != null) {
            options = options.withStridePlacement(stridePlacement(strideOn));
        }
        if (classes != null) {
            if (classes < 1) {
                throw new IllegalArgumentException("--classes must be at least 1, got " + classes);
            }
            options = options.withClasses(classes);
        }
        return options;
    }

    private static StridePlacement stridePlacement(String value) {
        switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "1x1":
                return StridePlacement.FIRST_1X1;
            case "3x3":
                return StridePlacement.MIDDLE_3X3;
            default:
                throw new IllegalArgumentException(
                        "--stride-on must be 1x1 or 3x3, got '" + value + "'");
        }
    }
}
