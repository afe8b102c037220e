package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.ImageFolderFiles;
import org.resnetj.data.ImagePresets;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;
import org.resnetj.data.TestImages;
import org.resnetj.eval.Protocol;
import org.resnetj.interop.TorchSave;
import org.resnetj.interop.TorchvisionImport;
import org.resnetj.interop.TorchvisionStateDicts;
import org.resnetj.testing.Softmax;
import org.resnetj.train.Recipe;
import org.resnetj.train.RunConfig;

/**
 * ImageNet-style training and evaluation end to end, as a user runs them: a short run of resnet18
 * on a tiny image folder (JPEGs of several modes and sizes, one unreadable file skipped), then
 * every testing protocol and ensembles on its val/ split, against errors computed here from each
 * model's own scores.
 */
class ImageFolderCommandsTest {

    @TempDir static Path dir;
    static Path folder;
    static Path run;

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    @BeforeAll
    static void trainBriefly() throws Exception {
        folder = ImageFolderFiles.threeClasses(dir.resolve("images"));
        ImageFolderFiles.garbage(folder.resolve("train/bee/broken.jpg"));
        Files.writeString(folder.resolve("labels.txt"), "ant an ant\nbee a bee\ncat a cat\n");
        run = dir.resolve("run");
        CommandRun trained =
                run(
                        "train",
                        "--data",
                        folder.toString(),
                        "--model",
                        "resnet18",
                        "--iterations",
                        "2",
                        "--batch",
                        "4",
                        "--threads",
                        "2",
                        "--bad-images",
                        "skip",
                        "--out",
                        run.toString(),
                        "--set",
                        "log_every=1",
                        "--set",
                        "eval_every=2",
                        "--set",
                        "checkpoint_every=2");
        assertThat(trained.status()).as("train failed: %s", trained.err()).isZero();
        assertThat(trained.out())
                .contains("found image folder ")
                .contains(": 3 classes, 8 training images, 2 val images");
    }

    @Test
    void trainingUsesThePapersImageNetRecipeAndRecordsWhatEvaluationNeeds() throws Exception {
        RunConfig config = RunConfig.read(run);
        assertThat(config.options().classes()).isEqualTo(3);
        assertThat(config.recipe().lrPolicy()).isEqualTo(Recipe.LrPolicy.PLATEAU);
        assertThat(config.recipe().lighting()).isEqualTo(0.1f);
        assertThat(config.recipe().weightDecay()).isEqualTo(1e-4f);
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        ObjectMapper json = new ObjectMapper();
        JsonNode lastTrain = null;
        JsonNode eval = null;
        for (String line : lines) {
            JsonNode row = json.readTree(line);
            if (row.get("type").asText().equals("train")) {
                lastTrain = row;
            } else if (row.get("type").asText().equals("eval")) {
                eval = row;
            }
        }
        assertThat(lastTrain.get("iteration").asInt()).isEqualTo(2);
        assertThat(lastTrain.get("skipped_images").asLong())
                .as("the garbage file is skipped and counted")
                .isPositive();
        assertThat(eval.get("split").asText()).isEqualTo("val");
        assertThat(eval.get("images").asInt()).isEqualTo(2);
        Path checkpoint = Checkpoint.resolve(run);
        try (NDManager root = NDManager.newBaseManager();
                LoadedModel model = LoadedModel.load(checkpoint, root)) {
            assertThat(model.classNames()).containsExactly("an ant", "a bee", "a cat");
            assertThat(model.preprocessing()).isInstanceOf(Preprocessing.PerPixelMean.class);
            assertThat(model.preprocessing().side()).isEqualTo(224);
        }
    }

    @Test
    void everyProtocolReportsTheTopOneErrorOfTheSoftmaxAveragedOverItsViews() throws Exception {
        CommandRun single =
                run(
                        "eval",
                        "--checkpoint",
                        run.toString(),
                        "--data",
                        folder.toString(),
                        "--protocol",
                        "all",
                        "--json");

        assertThat(single.status()).as("eval failed: %s", single.err()).isZero();
        List<String> lines = single.out().strip().lines().toList();
        assertThat(lines).hasSize(3);
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            Protocol protocol = Protocol.values()[i];
            JsonNode row = readTree(json, lines.get(i));
            assertThat(row.get("protocol").asText()).isEqualTo(protocol.cliName());
            assertThat(row.get("images").asInt()).isEqualTo(2);
            assertThat(row.get("skipped").asInt()).isZero();
            // Top-5 of 3 classes holds every class: the six-class ensemble below pins top-5.
            assertThat(row.get("top1_error").asDouble())
                    .as(protocol.cliName())
                    .isEqualTo(errors(viewAveragedSoftmax(run, protocol), VAL_LABELS, 1));
        }
    }

    @Test
    void importedTorchvisionWeightsEvaluateWithTheirOwnPreprocessingAloneAndInAnEnsemble()
            throws Exception {
        Path pth = dir.resolve("tv.pth");
        TorchvisionStateDicts.writePth(pth, "resnet18", 3, 7);
        Path imported = dir.resolve("tv.zip");
        TorchvisionImport.run(pth, "resnet18", null, imported);

        CommandRun alone =
                run(
                        "eval",
                        "--checkpoint",
                        imported.toString(),
                        "--data",
                        folder.toString(),
                        "--json");
        CommandRun mixed =
                run(
                        "eval",
                        "--checkpoint",
                        imported.toString(),
                        "--checkpoint",
                        run.toString(),
                        "--data",
                        folder.toString(),
                        "--protocol",
                        "multi-scale",
                        "--json");

        assertThat(alone.status()).as("eval failed: %s", alone.err()).isZero();
        JsonNode aloneRow = new ObjectMapper().readTree(alone.out());
        assertThat(aloneRow.get("images").asInt()).isEqualTo(2);
        assertThat(aloneRow.get("top1_error").asDouble())
                .isEqualTo(errors(viewAveragedSoftmax(imported, Protocol.CENTER), VAL_LABELS, 1));
        assertThat(mixed.status()).as("eval failed: %s", mixed.err()).isZero();
        JsonNode mixedRow = new ObjectMapper().readTree(mixed.out());
        assertThat(mixedRow.get("checkpoints")).hasSize(2);
        double[][] ensemble =
                mean(
                        viewAveragedSoftmax(imported, Protocol.MULTI_SCALE),
                        viewAveragedSoftmax(run, Protocol.MULTI_SCALE));
        assertThat(mixedRow.get("top1_error").asDouble())
                .isEqualTo(errors(ensemble, VAL_LABELS, 1));
    }

    /**
     * Two checkpoints whose logits are the same for every image (fc weight zero, fc bias chosen):
     * the average of their softmax ranks first class 0, which neither ranks first, and last class
     * 5; the average of their logits ranks first class 1 and last class 4; model A alone ranks
     * first class 2, model B class 3, and neither ranks class 5 last. The val images count 3, 1, 0,
     * 2, 0 and 1 of classes 0 to 5, so each of those rules gives other errors.
     */
    @Test
    void anEnsembleReportsTheErrorsOfItsModelsSoftmaxScoresAveraged(@TempDir Path six)
            throws Exception {
        float[] logitsA = {-0.97f, -1.56f, -0.92f, -4.96f, -13.82f, -5.81f};
        float[] logitsB = {-1.71f, -1.07f, -7.82f, -0.77f, -4.61f, -5.81f};
        int[] counts = {3, 1, 0, 2, 0, 1};
        int[] labels = new int[Arrays.stream(counts).sum()];
        for (int c = 0, i = 0; c < counts.length; c++) {
            TestImages.rgbPng(
                    Files.createDirectories(six.resolve("train/c" + c)).resolve("t.png"), 8, 8, c);
            for (int k = 0; k < counts[c]; k++, i++) {
                TestImages.rgbPng(
                        Files.createDirectories(six.resolve("val/c" + c)).resolve("v" + k + ".png"),
                        40,
                        30,
                        i);
                labels[i] = c;
            }
        }
        Path a = constantLogits(six.resolve("a"), logitsA, 21);
        Path b = constantLogits(six.resolve("b"), logitsB, 22);

        CommandRun ensemble =
                run(
                        "eval",
                        "--checkpoint",
                        a.toString(),
                        "--checkpoint",
                        b.toString(),
                        "--data",
                        six.toString(),
                        "--protocol",
                        "center",
                        "--json");

        double[][] scoresA = everyImage(Softmax.of(logitsA), labels.length);
        double[][] scoresB = everyImage(Softmax.of(logitsB), labels.length);
        double[][] softmaxMean = mean(scoresA, scoresB);
        double[] expected = {errors(softmaxMean, labels, 1), errors(softmaxMean, labels, 5)};
        assertThat(expected)
                .as("the errors the fixture is built for")
                .containsExactly(4 / 7.0, 1 / 7.0);
        double[][] logitMean =
                mean(
                        everyImage(toDouble(logitsA), labels.length),
                        everyImage(toDouble(logitsB), labels.length));
        for (double[][] other : List.of(scoresA, scoresB, logitMean)) {
            assertThat(errors(other, labels, 1))
                    .as("another rule's top-1 error")
                    .isNotEqualTo(expected[0]);
            assertThat(errors(other, labels, 5))
                    .as("another rule's top-5 error")
                    .isNotEqualTo(expected[1]);
        }
        assertThat(ensemble.status()).as("eval failed: %s", ensemble.err()).isZero();
        JsonNode row = new ObjectMapper().readTree(ensemble.out());
        assertThat(row.get("images").asInt()).isEqualTo(labels.length);
        assertThat(row.get("top1_error").asDouble()).isEqualTo(expected[0]);
        assertThat(row.get("top5_error").asDouble()).isEqualTo(expected[1]);
    }

    @Test
    void mismatchedNetsAndFlagsGetOneLineErrors() {
        CommandRun cifarNet =
                run(
                        "train",
                        "--data",
                        folder.toString(),
                        "--model",
                        "resnet20",
                        "--out",
                        dir.resolve("x").toString());
        assertThat(cifarNet.status()).isNotZero();
        assertThat(cifarNet.err().strip())
                .contains("image folder")
                .contains("resnet20 is a CIFAR-10 net")
                .doesNotContain("\n");
        CommandRun protocol =
                run(
                        "eval",
                        "--checkpoint",
                        run.toString(),
                        "--data",
                        folder.toString(),
                        "--protocol",
                        "5-crop");
        assertThat(protocol.status()).isNotZero();
        assertThat(protocol.err()).contains("5-crop").contains("center, 10-crop, multi-scale");
        CommandRun policy =
                run(
                        "eval",
                        "--checkpoint",
                        run.toString(),
                        "--data",
                        folder.toString(),
                        "--bad-images",
                        "maybe");
        assertThat(policy.err()).contains("--bad-images must be stop or skip");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    /**
     * The val images of {@link ImageFolderFiles#threeClasses} and their classes (ant 0, bee 1, cat
     * 2).
     */
    private static final List<String> VAL_IMAGES = List.of("val/ant/v1.jpg", "val/cat/v2.jpg");

    private static final int[] VAL_LABELS = {0, 2};

    /**
     * {@link #viewAveragedSoftmax} by checkpoint and protocol: each costs a protocol's forward
     * passes.
     */
    private static final Map<String, double[][]> SCORES = new ConcurrentHashMap<>();

    /**
     * For each val image, the softmax of the checkpoint's logits for each of the protocol's views,
     * averaged over the views: computed here, an image's views of one size at a time, each
     * normalised by the checkpoint's own preprocessing.
     */
    private static double[][] viewAveragedSoftmax(Path checkpoint, Protocol protocol)
            throws IOException {
        String key = checkpoint + " " + protocol;
        double[][] cached = SCORES.get(key);
        if (cached != null) {
            return cached;
        }
        double[][] scores = new double[VAL_IMAGES.size()][];
        try (NDManager root = NDManager.newBaseManager();
                LoadedModel model = LoadedModel.load(Checkpoint.resolve(checkpoint), root)) {
            for (int i = 0; i < VAL_IMAGES.size(); i++) {
                List<ImagePresets.View> views =
                        protocol.views(RgbImage.read(folder.resolve(VAL_IMAGES.get(i))));
                int from = 0;
                while (from < views.size()) {
                    ImagePresets.View first = views.get(from);
                    int to = from;
                    while (to < views.size()
                            && views.get(to).height() == first.height()
                            && views.get(to).width() == first.width()) {
                        to++;
                    }
                    int size = 3 * first.height() * first.width();
                    float[] input = new float[(to - from) * size];
                    for (int v = from; v < to; v++) {
                        float[] view = views.get(v).pixels().clone();
                        model.preprocessing().normalize(view, first.height(), first.width());
                        System.arraycopy(view, 0, input, (v - from) * size, size);
                    }
                    float[] logits;
                    try (NDManager scope = root.newSubManager()) {
                        logits =
                                model.classifier()
                                        .logits(
                                                scope.create(
                                                        input,
                                                        new Shape(
                                                                to - from,
                                                                3,
                                                                first.height(),
                                                                first.width())))
                                        .toFloatArray();
                    }
                    int classes = logits.length / (to - from);
                    scores[i] = scores[i] == null ? new double[classes] : scores[i];
                    for (int v = 0; v < to - from; v++) {
                        double[] p =
                                Softmax.of(
                                        Arrays.copyOfRange(logits, v * classes, (v + 1) * classes));
                        for (int c = 0; c < classes; c++) {
                            scores[i][c] += p[c] / views.size();
                        }
                    }
                    from = to;
                }
            }
        }
        SCORES.put(key, scores);
        return scores;
    }

    /**
     * The fraction of images whose true class is not in the top k of their scores, with {@code
     * TopK}'s rule for ties: an image is wrong if k other classes score at least as high.
     */
    private static double errors(double[][] scores, int[] labels, int k) {
        int wrong = 0;
        for (int i = 0; i < labels.length; i++) {
            int atLeast = 0;
            for (int c = 0; c < scores[i].length; c++) {
                if (c != labels[i] && scores[i][c] >= scores[i][labels[i]]) {
                    atLeast++;
                }
            }
            wrong += atLeast >= k ? 1 : 0;
        }
        return (double) wrong / labels.length;
    }

    /** The element-wise mean of two images × classes arrays. */
    private static double[][] mean(double[][] a, double[][] b) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int c = 0; c < a[i].length; c++) {
                out[i][c] = (a[i][c] + b[i][c]) / 2;
            }
        }
        return out;
    }

    private static double[][] everyImage(double[] scores, int images) {
        double[][] out = new double[images][];
        Arrays.fill(out, scores);
        return out;
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /**
     * A resnet18 checkpoint of {@code bias.length} classes whose logits are {@code bias} for every
     * image: torchvision's state_dict with random weights, but a zero fc weight.
     */
    private static Path constantLogits(Path dir, float[] bias, long seed) throws IOException {
        Files.createDirectories(dir);
        Map<String, TorchSave.Tensor> tensors =
                TorchvisionStateDicts.random("resnet18", bias.length, seed);
        tensors.put(
                "fc.weight",
                new TorchSave.Tensor(
                        "FloatStorage",
                        new long[] {bias.length, 512},
                        new float[bias.length * 512]));
        tensors.put(
                "fc.bias", new TorchSave.Tensor("FloatStorage", new long[] {bias.length}, bias));
        Path pth = dir.resolve("resnet18.pth");
        TorchSave.write(pth, tensors, TorchvisionStateDicts.metadata(tensors));
        Path checkpoint = dir.resolve("resnet18.zip");
        TorchvisionImport.run(pth, "resnet18", null, checkpoint);
        return checkpoint;
    }

    private static JsonNode readTree(ObjectMapper json, String line) {
        try {
            return json.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
