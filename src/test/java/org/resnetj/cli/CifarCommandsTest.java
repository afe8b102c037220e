package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.LoadedModel;

/**
 * CIFAR-10 commands end to end through {@link Main}, as a user runs them: {@code synth}, {@code
 * train} (with {@code --set}, {@code --resume} and {@code validation=true}), {@code eval}, {@code
 * export}, {@code plot} and {@code gradnorms}, on a tiny synthetic set and ResNet-8. The binary
 * files are read here as CIFAR-10's layout defines them (a label byte, then 1,024 red, green and
 * blue bytes), so the numbers the commands report are checked against the files themselves.
 */
class CifarCommandsTest {

    private static final int RECORD = 1 + 3 * 32 * 32;
    private static final int TRAIN = 20;
    private static final int TEST = 12;
    private static final List<String> TRAIN_FILES =
            List.of(
                    "data_batch_1.bin",
                    "data_batch_2.bin",
                    "data_batch_3.bin",
                    "data_batch_4.bin",
                    "data_batch_5.bin");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dir;
    static Path data;
    static Path run;

    @BeforeAll
    static void synthesiseAndTrain() {
        data = dir.resolve("data");
        CommandRun synth =
                CommandRun.of(
                        "synth",
                        "--out",
                        data.toString(),
                        "--train",
                        "" + TRAIN,
                        "--test",
                        "" + TEST,
                        "--seed",
                        "5");
        assertThat(synth.status()).as("synth failed: %s", synth.err()).isZero();
        run = dir.resolve("a");
        CommandRun train =
                CommandRun.of(
                        "train",
                        "--data",
                        data.toString(),
                        "--model",
                        "resnet8",
                        "--iterations",
                        "4",
                        "--batch",
                        "8",
                        "--threads",
                        "2",
                        "--seed",
                        "3",
                        "--out",
                        run.toString(),
                        "--set",
                        "log_every=1",
                        "--set",
                        "eval_every=2",
                        "--set",
                        "checkpoint_every=2",
                        "--set",
                        "keep_checkpoints=5",
                        "--set",
                        "grad_norm_every=2");
        assertThat(train.status()).as("train failed: %s", train.err()).isZero();
    }

    @Test
    void synthWritesCifarsBinaryLayoutWithBalancedLabelsAndTheSameBytesForTheSameSeed()
            throws IOException {
        for (String file : TRAIN_FILES) {
            assertThat(Files.size(data.resolve(file)))
                    .as(file)
                    .isEqualTo((long) TRAIN / 5 * RECORD);
        }
        assertThat(Files.size(data.resolve("test_batch.bin"))).isEqualTo((long) TEST * RECORD);
        assertThat(labelCounts(trainRecords(TRAIN))).containsOnly(2);
        assertThat(labelCounts(records(data.resolve("test_batch.bin"))))
                .containsOnly(1, 2)
                .hasSize(10);
        assertThat(
                        Files.readAllLines(data.resolve("batches.meta.txt")).stream()
                                .filter(l -> !l.isBlank()))
                .hasSize(10);
        assertThat(data.resolve("SYNTHETIC")).isNotEmptyFile();

        Path again = dir.resolve("again");
        Path other = dir.resolve("other-seed");
        CommandRun same =
                CommandRun.of(
                        "synth",
                        "--out",
                        again.toString(),
                        "--train",
                        "" + TRAIN,
                        "--test",
                        "" + TEST,
                        "--seed",
                        "5");
        CommandRun changed =
                CommandRun.of(
                        "synth",
                        "--out",
                        other.toString(),
                        "--train",
                        "" + TRAIN,
                        "--test",
                        "" + TEST,
                        "--seed",
                        "6");

        assertThat(same.status()).isZero();
        assertThat(same.out())
                .contains("SYNTHETIC CIFAR-10 (seed 5)")
                .contains(TRAIN + " training images")
                .contains(TEST + " test images");
        assertThat(changed.status()).isZero();
        for (String file :
                Stream.concat(TRAIN_FILES.stream(), Stream.of("test_batch.bin")).toList()) {
            assertThat(again.resolve(file)).as(file).hasSameBinaryContentAs(data.resolve(file));
            assertThat(Files.readAllBytes(other.resolve(file)))
                    .as(file)
                    .isNotEqualTo(Files.readAllBytes(data.resolve(file)));
        }
        CommandRun tooFew =
                CommandRun.of("synth", "--out", dir.resolve("few").toString(), "--train", "4");
        assertThat(tooFew.status()).isEqualTo(1);
        assertThat(tooFew.errLines())
                .containsExactly(
                        "error: --train must be at least 5 (one image per data_batch file), got 4");
    }

    /**
     * The errors {@code eval} reports are those of the checkpoint's logits for the test file's
     * images minus the training images' mean, computed here, and those the run logged at its end.
     */
    @Test
    void cifarEvalReportsTheErrorsOfTheCheckpointOnTheTestFile() throws Exception {
        CommandRun eval =
                CommandRun.of(
                        "eval",
                        "--checkpoint",
                        run.toString(),
                        "--data",
                        data.toString(),
                        "--json");

        assertThat(eval.status()).as("eval failed: %s", eval.err()).isZero();
        JsonNode row = JSON.readTree(eval.out());
        assertThat(row.get("protocol").asText()).isEqualTo("single-view");
        assertThat(row.get("images").asInt()).isEqualTo(TEST);
        assertThat(row.get("synthetic").asBoolean()).isTrue();
        List<byte[]> test = records(data.resolve("test_batch.bin"));
        float[] mean = mean(trainRecords(TRAIN));
        float[] logits;
        try (NDManager manager = NDManager.newBaseManager();
                LoadedModel model = LoadedModel.load(Checkpoint.resolve(run), manager)) {
            assertThat(model.pixelMean()).as("the mean the run recorded").containsExactly(mean);
            logits =
                    model.classifier()
                            .logits(manager.create(inputs(test, mean), new Shape(TEST, 3, 32, 32)))
                            .toFloatArray();
        }
        int[] labels = test.stream().mapToInt(r -> r[0]).toArray();
        assertThat(row.get("top1_error").asDouble()).isEqualTo(topKError(logits, labels, 1));
        assertThat(row.get("top5_error").asDouble()).isEqualTo(topKError(logits, labels, 5));
        JsonNode last = rows(run, "eval").get(1);
        assertThat(last.get("iteration").asInt()).isEqualTo(4);
        assertThat(last.get("split").asText()).isEqualTo("test");
        assertThat(last.get("top1_error").asDouble()).isEqualTo(row.get("top1_error").asDouble());
        assertThat(last.get("top5_error").asDouble()).isEqualTo(row.get("top5_error").asDouble());
    }

    /**
     * A copy of the run without its last checkpoint resumes from the one before, keeps the metrics
     * lines up to it, and ends with the uninterrupted run's metrics and weights.
     */
    @Test
    void trainResumeContinuesFromTheNewestCheckpointToTheUninterruptedRunsMetricsAndWeights()
            throws Exception {
        Path copy = dir.resolve("b");
        copyTree(run, copy);
        Files.delete(copy.resolve("checkpoints").resolve(Checkpoint.fileName(4)));

        CommandRun resumed = CommandRun.of("train", "--resume", copy.toString());
        CommandRun mixed = CommandRun.of("train", "--resume", copy.toString(), "--iterations", "9");

        assertThat(resumed.status()).as("resume failed: %s", resumed.err()).isZero();
        assertThat(resumed.err())
                .contains("resuming " + copy + " at iteration 2 from " + Checkpoint.fileName(2));
        List<JsonNode> expected = rows(run, null);
        List<JsonNode> actual = rows(copy, null);
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            JsonNode e = expected.get(i);
            JsonNode a = actual.get(i);
            assertThat(a.get("iteration")).as("line %d", i).isEqualTo(e.get("iteration"));
            assertThat(a.get("type")).as("line %d", i).isEqualTo(e.get("type"));
            for (String key : List.of("loss", "train_error", "lr", "top1_error", "top5_error")) {
                if (e.has(key)) {
                    assertThat(a.get(key).asDouble())
                            .as("%s at line %d", key, i)
                            .isCloseTo(e.get(key).asDouble(), within(1e-5));
                }
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> want = Checkpoint.read(Checkpoint.resolve(run), manager).model();
            Map<String, NDArray> got = Checkpoint.read(Checkpoint.resolve(copy), manager).model();
            assertThat(Checkpoint.resolve(copy).getFileName())
                    .isEqualTo(Checkpoint.resolve(run).getFileName());
            assertThat(got.keySet()).isEqualTo(want.keySet());
            want.forEach(
                    (name, array) ->
                            assertThat(got.get(name).toFloatArray())
                                    .as(name)
                                    .containsExactly(array.toFloatArray(), within(1e-5f)));
        }
        assertThat(mixed.status()).isEqualTo(1);
        assertThat(mixed.errLines())
                .containsExactly(
                        "error: --resume continues a run with its own configuration: give no other"
                                + " training option");
    }

    /**
     * {@code --set validation=true} trains on all but the last 5,000 training images, whose
     * per-pixel mean the checkpoint records, and evaluates on those 5,000.
     */
    @Test
    void validationTrueTrainsOnTheHeadOfTheTrainingImagesAndEvaluatesOnTheLast5000()
            throws Exception {
        Path big = dir.resolve("big");
        CommandRun synth =
                CommandRun.of(
                        "synth",
                        "--out",
                        big.toString(),
                        "--train",
                        "5010",
                        "--test",
                        "2",
                        "--seed",
                        "8");
        assertThat(synth.status()).as("synth failed: %s", synth.err()).isZero();
        Path held = dir.resolve("validation");

        CommandRun train =
                CommandRun.of(
                        "train",
                        "--data",
                        big.toString(),
                        "--model",
                        "resnet8",
                        "--iterations",
                        "1",
                        "--batch",
                        "10",
                        "--threads",
                        "2",
                        "--out",
                        held.toString(),
                        "--set",
                        "validation=true",
                        "--set",
                        "eval_every=0");

        assertThat(train.status()).as("train failed: %s", train.err()).isZero();
        assertThat(train.out()).contains(": 10 training images, 5000 val images");
        assertThat(
                        JSON.readTree(held.resolve("config.json").toFile())
                                .get("recipe")
                                .get("validation")
                                .asBoolean())
                .isTrue();
        List<JsonNode> evals = rows(held, "eval");
        assertThat(evals).hasSize(1);
        assertThat(evals.get(0).get("split").asText()).isEqualTo("val");
        assertThat(evals.get(0).get("images").asInt()).isEqualTo(5000);
        JsonNode lastTrain = rows(held, "train").get(0);
        assertThat(lastTrain.get("epoch").asDouble())
                .as("one batch of 10 is one epoch of the 10 kept")
                .isEqualTo(1.0);
        List<byte[]> first = trainRecords(10);
        try (NDManager manager = NDManager.newBaseManager();
                LoadedModel model = LoadedModel.load(Checkpoint.resolve(held), manager)) {
            assertThat(model.pixelMean()).containsExactly(mean(first));
        }
    }

    @Test
    void exportWritesAnOnnxModelThatGivesTheCheckpointsLogitsForAnyBatch() throws Exception {
        Path onnx = dir.resolve("resnet8.onnx");

        CommandRun export =
                CommandRun.of("export", "--checkpoint", run.toString(), "--onnx", onnx.toString());

        assertThat(export.status()).as("export failed: %s", export.err()).isZero();
        assertThat(export.out())
                .startsWith("wrote " + onnx + ": resnet8 from " + Checkpoint.resolve(run));
        List<byte[]> test = records(data.resolve("test_batch.bin"));
        float[] mean = mean(trainRecords(TRAIN));
        try (NDManager manager = NDManager.newBaseManager();
                LoadedModel model = LoadedModel.load(Checkpoint.resolve(run), manager);
                OrtSession session =
                        OrtEnvironment.getEnvironment()
                                .createSession(onnx.toString(), new OrtSession.SessionOptions())) {
            assertThat(session.getMetadata().getCustomMetadata())
                    .containsEntry("model", "resnet8")
                    .containsEntry("iteration", "4");
            assertThat(((TensorInfo) session.getInputInfo().get("input").getInfo()).getShape())
                    .containsExactly(-1, 3, 32, 32);
            for (int batch : new int[] {1, TEST}) {
                float[] x = inputs(test.subList(0, batch), mean);
                float[] ours =
                        model.classifier()
                                .logits(manager.create(x, new Shape(batch, 3, 32, 32)))
                                .toFloatArray();
                float[][] theirs;
                try (OnnxTensor input =
                                OnnxTensor.createTensor(
                                        OrtEnvironment.getEnvironment(),
                                        FloatBuffer.wrap(x),
                                        new long[] {batch, 3, 32, 32});
                        OrtSession.Result result = session.run(Map.of("input", input))) {
                    theirs = (float[][]) result.get("logits").orElseThrow().getValue();
                }
                assertThat(theirs).hasNumberOfRows(batch);
                double largest = 0;
                for (float v : ours) {
                    largest = Math.max(largest, Math.abs(v));
                }
                for (int n = 0; n < batch; n++) {
                    assertThat(theirs[n])
                            .as("image %d of %d", n, batch)
                            .containsExactly(
                                    Arrays.copyOfRange(ours, 10 * n, 10 * n + 10),
                                    within((float) (1e-4 * largest)));
                }
            }
        }
    }

    @Test
    void plotDrawsTheRunsCurvesAsPngOrSvgWithTheirNames() throws Exception {
        Path svg = dir.resolve("charts/curves.svg");
        Path png = dir.resolve("charts/curves.png");

        CommandRun asSvg =
                CommandRun.of(
                        "plot", run.toString(), "--out", svg.toString(), "--title", "Fig. 6 left");
        CommandRun asPng = CommandRun.of("plot", run.toString(), "--out", png.toString());
        CommandRun noRun =
                CommandRun.of("plot", dir.resolve("nothing").toString(), "--out", png.toString());

        assertThat(asSvg.status()).as("plot failed: %s", asSvg.err()).isZero();
        assertThat(asSvg.out().strip()).isEqualTo("wrote " + svg);
        assertThat(Files.readString(svg))
                .contains("<title>Fig. 6 left (synthetic data)</title>")
                .contains("Runs: resnet8.");
        assertThat(asPng.status()).isZero();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(800);
        assertThat(image.getHeight()).isEqualTo(500);
        assertThat(noRun.status()).isEqualTo(1);
        assertThat(noRun.errLines())
                .hasSize(1)
                .allSatisfy(line -> assertThat(line).startsWith("error: ").contains("nothing"));
    }

    /**
     * The run recorded every weight's gradient norm at iterations 2 and 4, and the chart draws
     * them.
     */
    @Test
    void gradnormsDrawsTheNormsTheRunRecorded() throws Exception {
        List<JsonNode> records = rows(run, "grad_norms");
        assertThat(records).extracting(r -> r.get("iteration").asInt()).containsExactly(2, 4);
        List<String> layers = new ArrayList<>();
        records.get(1).get("norms").fieldNames().forEachRemaining(layers::add);
        assertThat(layers)
                .containsExactly(
                        "conv1.weight",
                        "conv2_1.branch2a.weight",
                        "conv2_1.branch2b.weight",
                        "conv3_1.branch2a.weight",
                        "conv3_1.branch2b.weight",
                        "conv4_1.branch2a.weight",
                        "conv4_1.branch2b.weight",
                        "fc.weight");
        Path withoutNorms = Files.createDirectories(dir.resolve("no-norms"));
        Files.writeString(withoutNorms.resolve("metrics.jsonl"), rows(run, "train").get(0) + "\n");
        Path png = dir.resolve("norms.png");

        CommandRun drawn = CommandRun.of("gradnorms", run.toString(), "--out", png.toString());
        CommandRun none =
                CommandRun.of(
                        "gradnorms",
                        withoutNorms.toString(),
                        "--out",
                        dir.resolve("none.png").toString());

        assertThat(drawn.status()).as("gradnorms failed: %s", drawn.err()).isZero();
        assertThat(drawn.out().strip()).isEqualTo("wrote " + png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(900);
        assertThat(image.getHeight()).isEqualTo(520);
        assertThat(none.status()).isEqualTo(1);
        assertThat(none.errLines())
                .containsExactly(
                        "error: no gradient norms recorded: train with --set grad_norm_every=N to"
                                + " record them");
        assertThat(dir.resolve("none.png")).doesNotExist();
    }

    /** The records of a CIFAR-10 binary file: each a label byte, then the image's 3,072 bytes. */
    private static List<byte[]> records(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes.length % RECORD).as(file + " holds whole records").isZero();
        List<byte[]> out = new ArrayList<>();
        for (int start = 0; start < bytes.length; start += RECORD) {
            out.add(Arrays.copyOfRange(bytes, start, start + RECORD));
        }
        return out;
    }

    /** The first {@code n} training records, in the order of data_batch_1 to data_batch_5. */
    private static List<byte[]> trainRecords(int n) throws IOException {
        Path from = n == TRAIN ? data : dir.resolve("big");
        List<byte[]> out = new ArrayList<>();
        for (String file : TRAIN_FILES) {
            out.addAll(records(from.resolve(file)));
        }
        return out.subList(0, n);
    }

    private static int[] labelCounts(List<byte[]> records) {
        int[] counts = new int[10];
        records.forEach(r -> counts[r[0]]++);
        return counts;
    }

    /** The per-pixel mean of the images, in pixel / 255, CHW. */
    private static float[] mean(List<byte[]> records) {
        float[] mean = new float[RECORD - 1];
        for (int k = 0; k < mean.length; k++) {
            long sum = 0;
            for (byte[] r : records) {
                sum += r[1 + k] & 0xFF;
            }
            mean[k] = (float) (sum / (255.0 * records.size()));
        }
        return mean;
    }

    /** The images as the network takes them: pixel / 255 minus the mean, NCHW. */
    private static float[] inputs(List<byte[]> records, float[] mean) {
        float[] x = new float[records.size() * mean.length];
        for (int i = 0; i < records.size(); i++) {
            for (int k = 0; k < mean.length; k++) {
                x[i * mean.length + k] = (records.get(i)[1 + k] & 0xFF) * (1f / 255) - mean[k];
            }
        }
        return x;
    }

    /** The fraction of images with k other classes scoring at least as high as their own. */
    private static double topKError(float[] logits, int[] labels, int k) {
        int wrong = 0;
        for (int i = 0; i < labels.length; i++) {
            int atLeast = 0;
            for (int c = 0; c < 10; c++) {
                if (c != labels[i] && logits[10 * i + c] >= logits[10 * i + labels[i]]) {
                    atLeast++;
                }
            }
            wrong += atLeast >= k ? 1 : 0;
        }
        return (double) wrong / labels.length;
    }

    /** The lines of the run's metrics.jsonl of one type, or all of them. */
    private static List<JsonNode> rows(Path runDir, String type) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode row = JSON.readTree(line);
            if (type == null || row.get("type").asText().equals(type)) {
                out.add(row);
            }
        }
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }
}
