package org.resnetj.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnetj.analysis.LayerResponses;
import org.resnetj.analysis.ResponseFigure;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.Cifar10;
import org.resnetj.data.Cifar10Data;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code resnet responses}: the std of every 3×3 layer's response over the test set, as in Fig. 7.
 */
@Command(
        name = "responses",
        mixinStandardHelpOptions = true,
        description = {
            "Measure the standard deviation of every 3×3 layer's response (after BN, before ReLU or"
                    + " addition) over the test set, single view, in inference mode, and draw both"
                    + " panels of Fig. 7: layers in their original order and sorted in descending"
                    + " order, one colour per model.",
            "The std of a layer pools all its output values over images, channels and positions.",
            "Writes responses.csv, responses.png and responses.svg to --out."
        })
final class ResponsesCommand implements Callable<Integer> {

    @Option(
            names = "--checkpoint",
            required = true,
            paramLabel = "PATH",
            description =
                    "a checkpoint file, or a run directory for its newest checkpoint; repeat to"
                            + " overlay models")
    List<Path> checkpoints;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "DIR",
            description = "CIFAR-10 binary files (a directory or cifar-10-binary.tar.gz)")
    Path data;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "the directory to write the CSV and the figures to")
    Path out;

    @Option(
            names = "--batch",
            paramLabel = "B",
            defaultValue = "100",
            description =
                    "images per batch; it does not change the result (default: ${DEFAULT-VALUE})")
    int batch;

    @Override
    public Integer call() throws IOException {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        List<Path> files = new ArrayList<>();
        for (Path checkpoint : checkpoints) {
            files.add(Checkpoint.resolve(checkpoint));
        }
        Cifar10Data cifar = Cifar10.read(data);
        List<ResponseFigure.Model> models = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Path file : files) {
            try (NDManager root = NDManager.newBaseManager();
                    LoadedModel model = LoadedModel.loadNetwork(file, root)) {
                String name = model.spec().name();
                int occurrence = seen.merge(name, 1, Integer::sum);
                String label = occurrence == 1 ? name : name + " (" + occurrence + ")";
                List<LayerResponses.LayerStd> layers =
                        LayerResponses.measure(
                                model.network(), cifar.test(), model.pixelMean(), batch);
                models.add(new ResponseFigure.Model(label, model.spec().residual(), file, layers));
                double mean =
                        layers.stream()
                                .mapToDouble(LayerResponses.LayerStd::std)
                                .average()
                                .orElse(Double.NaN);
                System.out.printf(
                        Locale.ROOT,
                        "%s: %d 3×3 layers, mean std %.4f (%s)%n",
                        label,
                        layers.size(),
                        mean,
                        file);
            }
        }
        ResponseFigure.write(models, cifar.synthetic(), out);
        System.out.printf(
                Locale.ROOT,
                "wrote %s, %s and %s to %s, on %d test images%s%n",
                ResponseFigure.CSV,
                ResponseFigure.PNG,
                ResponseFigure.SVG,
                out,
                cifar.test().size(),
                cifar.synthetic() ? " (synthetic data)" : "");
        return 0;
    }
}
