package org.resnetj.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.resnetj.interop.TorchvisionImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code resnet import}: torchvision's ResNet weights into a checkpoint. */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = {
            "Import torchvision's ResNet weights (a state_dict in a .pth or .safetensors file) into"
                    + " a checkpoint.",
            "The network takes torchvision's layout (shortcut B, stride on the 3x3 of bottlenecks),"
                + " and the checkpoint records torchvision's preprocessing, which classify applies."
                + " A .pth is read without running any of its code: only what a state_dict needs is"
                + " accepted, as torch.load(weights_only=True) does."
        })
final class ImportCommand implements Callable<Integer> {

    @Option(
            names = "--from",
            required = true,
            paramLabel = "FILE",
            description = "the state_dict: a PyTorch .pth (zip) or .safetensors file")
    Path from;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "NAME",
            description = "resnet18, resnet34, resnet50, resnet101 or resnet152")
    String model;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "CKPT",
            description = "the checkpoint file to write")
    Path out;

    @Option(
            names = "--classes",
            paramLabel = "K",
            description = "number of classes (default: the rows of the file's fc.weight)")
    Integer classes;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException(
                    "--out " + out + " is a directory; expected a checkpoint file name");
        }
        TorchvisionImport.Result result = TorchvisionImport.run(from, model, classes, out);
        spec.commandLine()
                .getOut()
                .printf(
                        Locale.ROOT,
                        "imported %d tensors of %s (%s) into %s: %s, shortcut %s, stride on the"
                            + " 3x3, %d classes, torchvision preprocessing (%d num_batches_tracked"
                            + " skipped)%n",
                        result.tensors(),
                        from,
                        result.format(),
                        out,
                        result.model(),
                        result.options().shortcut(),
                        result.options().classes(),
                        result.skipped());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
