package org.resnetj.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnetj.data.Cifar10;
import org.resnetj.data.Cifar10Data;
import org.resnetj.eval.Evaluator;
import org.resnetj.train.Checkpoint;
import org.resnetj.train.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code resnet eval}: top-1 and top-5 test error of a checkpoint. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = "Report the top-1 and top-5 test error of a checkpoint (single view of the original image, Sec. 4.2).")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH", description = "a checkpoint file, or a run directory for its newest checkpoint")
    Path checkpoint;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "CIFAR-10 binary files (a directory or cifar-10-binary.tar.gz)")
    Path data;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "250", description = "images per batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        Path file = Checkpoint.resolve(checkpoint);
        Cifar10Data cifar = Cifar10.read(data);
        Evaluator.Result result = LoadedModel.evaluate(file, cifar.test(), batch);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("top1_error", result.top1Error());
            out.put("top5_error", result.top5Error());
            out.put("images", result.images());
            out.put("checkpoint", file.toString());
            out.put("synthetic", cifar.synthetic());
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            System.out.printf(Locale.ROOT, "%s on %d test images%s%n", file, result.images(), cifar.synthetic() ? " (synthetic data)" : "");
            System.out.printf(Locale.ROOT, "top-1 error  %.2f%%%ntop-5 error  %.2f%%%n", 100 * result.top1Error(), 100 * result.top5Error());
        }
        return 0;
    }
}
