package org.resnetj.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.BadImages;
import org.resnetj.eval.Evaluator;
import org.resnetj.train.Choices;
import org.resnetj.train.DataKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code resnet eval}: top-1 and top-5 error of a checkpoint, or of an ensemble of checkpoints, by
 * the paper's testing protocols.
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Report the top-1 and top-5 error of a checkpoint, or of several averaged as an"
                    + " ensemble (Table 5).",
            "CIFAR-10 binary files are tested on a single view of each original 32×32 image (Sec."
                + " 4.2). An image folder is tested on val/CLASS/*.jpg by the protocols of Sec."
                + " 3.4: center (224 crop of the image resized to shorter side 256, as in Fig. 4),"
                + " 10-crop (Tables 2, 3) and multi-scale (the fully-convolutional net on whole"
                + " images at shorter sides 224, 256, 384, 480, 640 and their flips, Table 4)."
        })
final class EvalCommand implements Callable<Integer> {

    @Option(
            names = "--checkpoint",
            required = true,
            paramLabel = "PATH",
            description =
                    "a checkpoint file, or a run directory for its newest checkpoint; repeat it to"
                            + " average several models' softmax scores")
    List<Path> checkpoints;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "DIR",
            description =
                    "CIFAR-10 binary files (a directory or cifar-10-binary.tar.gz), or an image"
                            + " folder with val/CLASS/*.jpg")
    Path data;

    @Option(
            names = "--protocol",
            split = ",",
            paramLabel = "NAME",
            description =
                    "image folders: center (default), 10-crop, multi-scale or all; repeat or"
                            + " separate with commas")
    List<String> protocols = new ArrayList<>();

    @Option(
            names = "--bad-images",
            paramLabel = "stop|skip",
            defaultValue = "stop",
            description =
                    "an unreadable image stops the evaluation (default) or is skipped, counted and"
                            + " left out of the errors")
    String badImages;

    @Option(
            names = "--batch",
            paramLabel = "B",
            description =
                    "images per batch; views per batch for image folders (default: 250 for"
                            + " CIFAR-10, 50 for image folders)")
    Integer batch;

    @Option(
            names = "--threads",
            paramLabel = "T",
            description = "threads decoding images (default: all cores)")
    Integer threads;

    @Option(names = "--json", description = "print one JSON object per protocol")
    boolean json;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        if (batch != null && batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (workers < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + workers);
        }
        BadImages policy = badImages(badImages);
        List<Path> files = new ArrayList<>();
        for (Path checkpoint : checkpoints) {
            files.add(Checkpoint.resolve(checkpoint));
        }
        DataKind kind = DataKind.of(data);
        List<String> chosen = kind.protocols(protocols, data);
        DataKind.Opened opened = kind.open(data);
        int batchSize = batch != null ? batch : kind.evalBatch();
        if (!json) {
            System.out.println("found " + opened.evalDescription());
        }
        try (NDManager root = NDManager.newBaseManager()) {
            List<String> names = new ArrayList<>();
            List<LoadedModel> models = new ArrayList<>();
            for (Path file : files) {
                names.add(file.toString());
                models.add(LoadedModel.load(file, root));
            }
            DataKind.Ensemble ensemble =
                    new DataKind.Ensemble(names, models, batchSize, workers, policy);
            for (String protocol : chosen) {
                DataKind.Evaluated result;
                if (json || System.console() == null) {
                    result = opened.evaluate(ensemble, protocol, done -> {});
                } else {
                    try (ProgressBar bar =
                            new ProgressBarBuilder()
                                    .setTaskName(protocol)
                                    .setInitialMax(opened.evalImages())
                                    .setUnit(" images", 1)
                                    .setStyle(ProgressBarStyle.ASCII)
                                    .build()) {
                        IntConsumer progress = bar::stepTo;
                        result = opened.evaluate(ensemble, protocol, progress);
                    }
                }
                report(protocol, result, files);
            }
        }
        return 0;
    }

    private void report(String protocol, DataKind.Evaluated evaluated, List<Path> files)
            throws IOException {
        Evaluator.Result result = evaluated.errors();
        int skipped = evaluated.skipped();
        boolean synthetic = evaluated.synthetic();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("protocol", protocol);
            out.put("top1_error", result.top1Error());
            out.put("top5_error", result.top5Error());
            out.put("images", result.images());
            out.put("skipped", skipped);
            out.put("checkpoints", files.stream().map(Path::toString).toList());
            out.put("synthetic", synthetic);
            System.out.println(JSON.writeValueAsString(out));
            return;
        }
        String who =
                files.size() == 1
                        ? files.get(0).toString()
                        : "ensemble of " + files.size() + " models";
        System.out.printf(
                Locale.ROOT,
                "%s, %s protocol, %d images%s%s%n",
                who,
                protocol,
                result.images(),
                skipped > 0 ? " (" + skipped + " unreadable skipped)" : "",
                synthetic ? " (synthetic data)" : "");
        System.out.printf(
                Locale.ROOT,
                "  top-1 error  %.2f%%%n  top-5 error  %.2f%%%n",
                100 * result.top1Error(),
                100 * result.top5Error());
    }

    private static BadImages badImages(String value) {
        try {
            return Choices.parse(BadImages.class, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--bad-images must be "
                            + Choices.names(BadImages.class)
                            + ", got '"
                            + value
                            + "'");
        }
    }
}
