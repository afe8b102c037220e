package org.resnetj.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.resnetj.data.BadImages;
import org.resnetj.data.Cifar10;
import org.resnetj.data.Cifar10Data;
import org.resnetj.data.ImageFolder;
import org.resnetj.eval.Evaluator;
import org.resnetj.eval.Protocol;
import org.resnetj.eval.ProtocolEvaluator;
import org.resnetj.model.Classifier;
import org.resnetj.train.Checkpoint;
import org.resnetj.train.Choices;
import org.resnetj.train.LoadedModel;
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

    private static final String ALL = "all";

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
        if (ImageFolder.looksLike(data)) {
            evaluateFolder(files, resolveProtocols(), policy, batch != null ? batch : 50, workers);
        } else {
            if (!protocols.isEmpty()) {
                throw new IllegalArgumentException(
                        "--protocol applies to image folders: "
                                + data
                                + " is taken as CIFAR-10 data, which is tested on a single view of"
                                + " each original 32×32 image");
            }
            evaluateCifar(files, batch != null ? batch : 250);
        }
        return 0;
    }

    private void evaluateFolder(
            List<Path> files, List<Protocol> chosen, BadImages policy, int batchSize, int workers)
            throws IOException {
        ImageFolder folder = ImageFolder.open(data, null);
        ImageFolder.Split val =
                folder.val()
                        .orElseThrow(
                                () ->
                                        new IOException(
                                                "image folder "
                                                        + data
                                                        + " has no val/ split: evaluation uses"
                                                        + " val/CLASS/*.jpg"));
        if (!json) {
            System.out.printf(
                    Locale.ROOT,
                    "found an image folder: %d classes, %d val images%n",
                    folder.classNames().size(),
                    val.size());
        }
        try (NDManager root = NDManager.newBaseManager()) {
            List<ProtocolEvaluator.Model> models = new ArrayList<>();
            for (Path file : files) {
                LoadedModel model = LoadedModel.load(file, root);
                models.add(
                        new ProtocolEvaluator.Model(
                                file.toString(), model.classifier(), model.preprocessing()));
            }
            for (Protocol protocol : chosen) {
                ProtocolEvaluator.Result result;
                if (json || System.console() == null) {
                    result =
                            ProtocolEvaluator.evaluate(
                                    models, val, protocol, batchSize, workers, policy, done -> {});
                } else {
                    try (ProgressBar bar =
                            new ProgressBarBuilder()
                                    .setTaskName(protocol.cliName())
                                    .setInitialMax(val.size())
                                    .setUnit(" images", 1)
                                    .setStyle(ProgressBarStyle.ASCII)
                                    .build()) {
                        IntConsumer progress = bar::stepTo;
                        result =
                                ProtocolEvaluator.evaluate(
                                        models, val, protocol, batchSize, workers, policy,
                                        progress);
                    }
                }
                report(protocol.cliName(), result.errors(), result.skipped(), files, false);
            }
        }
    }

    private void evaluateCifar(List<Path> files, int batchSize) throws IOException {
        Cifar10Data cifar = Cifar10.read(data);
        if (!json) {
            System.out.printf(
                    Locale.ROOT,
                    "found CIFAR-10 binary files: %d test images%s%n",
                    cifar.test().size(),
                    cifar.synthetic() ? " (synthetic data)" : "");
        }
        try (NDManager root = NDManager.newBaseManager()) {
            List<Classifier> networks = new ArrayList<>();
            List<float[]> means = new ArrayList<>();
            for (Path file : files) {
                LoadedModel model = LoadedModel.load(file, root);
                networks.add(model.classifier());
                means.add(model.pixelMean());
            }
            Evaluator.Result result = Evaluator.evaluate(networks, means, cifar.test(), batchSize);
            report("single-view", result, 0, files, cifar.synthetic());
        }
    }

    private void report(
            String protocol,
            Evaluator.Result result,
            int skipped,
            List<Path> files,
            boolean synthetic)
            throws IOException {
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

    private List<Protocol> resolveProtocols() {
        Set<Protocol> chosen = new LinkedHashSet<>();
        for (String name : protocols) {
            if (name.trim().equalsIgnoreCase(ALL)) {
                chosen.addAll(List.of(Protocol.values()));
            } else {
                chosen.add(Protocol.parse(name.trim()));
            }
        }
        return chosen.isEmpty() ? List.of(Protocol.CENTER) : List.copyOf(chosen);
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
