package org.resnetj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.resnetj.export.CheckpointExport;
import org.resnetj.export.OnnxExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet export}: a checkpoint's network as an ONNX model. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Write a checkpoint's network as an ONNX model: input 'input' [batch, 3, H, W], output"
                + " 'logits' [batch, classes], any batch size, BN folded into the convolutions.",
            "The model's metadata records the model, its options and the preprocessing its weights"
                    + " expect."
        })
final class ExportCommand implements Callable<Integer> {

    @Mixin CheckpointOption checkpointOption;

    @Option(
            names = "--onnx",
            required = true,
            paramLabel = "FILE",
            description = "the ONNX file to write (replaced if it exists)")
    Path onnx;

    @Option(
            names = "--opset",
            paramLabel = "N",
            defaultValue = "" + OnnxExport.DEFAULT_OPSET,
            description =
                    "ONNX opset, "
                            + OnnxExport.MIN_OPSET
                            + " to "
                            + OnnxExport.MAX_OPSET
                            + " (default: ${DEFAULT-VALUE})")
    int opset;

    @Option(
            names = "--keep-bn",
            description =
                    "write BatchNormalization nodes with the running statistics instead of folding"
                            + " BN into the convolutions")
    boolean keepBatchNorm;

    @Override
    public Integer call() throws IOException {
        OnnxExport.Settings settings = new OnnxExport.Settings(opset, !keepBatchNorm);
        CheckpointExport.Result result =
                CheckpointExport.write(checkpointOption.checkpoint, onnx, settings);
        System.out.printf(
                "wrote %s: %s from %s%s%n",
                onnx,
                result.model(),
                result.checkpoint(),
                result.synthetic() ? " (trained on synthetic data)" : "");
        System.out.printf("  %s%n  %s%n", result.input(), result.output());
        System.out.printf(
                "  opset %d, BN %s%n",
                opset,
                keepBatchNorm ? "as BatchNormalization nodes" : "folded into the convolutions");
        return 0;
    }
}
