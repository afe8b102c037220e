package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.data.Cifar10;
import org.resnetj.data.CifarImages;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.Network;
import org.resnetj.train.Setup;
import org.resnetj.train.Trainer;
import picocli.CommandLine;

/**
 * {@code resnet responses} end to end, on a checkpoint of a few iterations of resnet8 on synthetic
 * data.
 */
class ResponsesCommandTest {

    @TempDir static Path dir;
    static Path data;
    static Path run;

    /** What one call returned, printed and threw. */
    private record Outcome(int status, String out, String err, Exception thrown) {}

    @BeforeAll
    static void trainOnce() throws IOException {
        Main.offline();
        data = dir.resolve("data");
        SyntheticCifar.write(data, 100, 40, 1);
        run = dir.resolve("run");
        Trainer.start(
                "resnet8",
                ModelRegistry.get("resnet8").defaults(),
                data,
                Setup.cifar10()
                        .with(
                                List.of(
                                        "batch=16",
                                        "iterations=4",
                                        "log_every=2",
                                        "eval_every=0",
                                        "checkpoint_every=4",
                                        "threads=2")),
                run);
    }

    private static Outcome run(String... args) {
        AtomicReference<Exception> thrown = new AtomicReference<>();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ResponsesCommand());
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler(
                (e, command, parsed) -> {
                    thrown.set(e);
                    return 1;
                });
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status;
        try (PrintStream captured = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(captured);
            status = cli.execute(args);
        } finally {
            System.setOut(stdout);
        }
        return new Outcome(
                status, out.toString(StandardCharsets.UTF_8), err.toString(), thrown.get());
    }

    @Test
    void writesOneRowPer3x3LayerAndBothPanelsMarkedSynthetic() throws IOException {
        Path out = dir.resolve("responses/new");

        Outcome outcome =
                run(
                        "--checkpoint",
                        run.toString(),
                        "--data",
                        data.toString(),
                        "--out",
                        out.toString(),
                        "--batch",
                        "16");

        assertThat(outcome.thrown()).isNull();
        assertThat(outcome.status()).isZero();
        List<String> lines = Files.readAllLines(out.resolve("responses.csv"));
        assertThat(lines.get(0))
                .isEqualTo("model,checkpoint,layer_index,layer_name,std,rank,synthetic");
        List<String[]> rows =
                lines.subList(1, lines.size()).stream().map(l -> l.split(",")).toList();
        assertThat(rows).hasSize(7);
        assertThat(rows).extracting(r -> r[0]).containsOnly("resnet8");
        assertThat(rows)
                .extracting(r -> r[3])
                .containsExactly(
                        "conv1",
                        "conv2_1.branch2a",
                        "conv2_1.branch2b",
                        "conv3_1.branch2a",
                        "conv3_1.branch2b",
                        "conv4_1.branch2a",
                        "conv4_1.branch2b");
        assertThat(rows).extracting(r -> r[2]).containsExactly("1", "2", "3", "4", "5", "6", "7");
        assertThat(rows)
                .extracting(r -> r[5])
                .containsExactlyInAnyOrder("1", "2", "3", "4", "5", "6", "7");
        double conv1 = conv1Std(Checkpoint.resolve(run), Cifar10.read(data).test());
        assertThat(Double.parseDouble(rows.get(0)[4]))
                .as("conv1's std")
                .isCloseTo(conv1, within(1e-5 * conv1));
        assertThat(rows).extracting(r -> r[6]).containsOnly("true");

        BufferedImage png = ImageIO.read(out.resolve("responses.png").toFile());
        assertThat(png).as("a readable PNG").isNotNull();
        String svg = Files.readString(out.resolve("responses.svg"));
        assertThat(svg)
                .contains(
                        "<title>Standard deviations of layer responses (Fig. 7) (synthetic"
                                + " data)</title>");
        assertThat(outcome.out()).contains("synthetic data");
    }

    /**
     * conv1's response std recomputed in plain Java and double precision from the checkpoint's
     * arrays: each test image / 255 minus the stored per-pixel mean, the 3×3 convolution with
     * padding 1, BN with the running statistics (Network.BN_EPSILON), and the population std of all
     * N·16·32·32 values.
     */
    private static double conv1Std(Path checkpoint, CifarImages images) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = Checkpoint.read(checkpoint, manager).model();
            float[] mean = arrays.get("preprocess.pixel_mean").toFloatArray();
            float[] weight = arrays.get("conv1.weight").toFloatArray();
            float[] gamma = arrays.get("conv1.bn.gamma").toFloatArray();
            float[] beta = arrays.get("conv1.bn.beta").toFloatArray();
            float[] runningMean = arrays.get("conv1.bn.running_mean").toFloatArray();
            float[] runningVar = arrays.get("conv1.bn.running_var").toFloatArray();
            int side = CifarImages.SIDE;
            int plane = side * side;
            int filters = gamma.length;
            assertThat(weight).hasSize(filters * 3 * 3 * 3);
            double sum = 0;
            double squares = 0;
            long count = 0;
            double[] x = new double[3 * plane];
            for (int n = 0; n < images.size(); n++) {
                byte[] image = images.image(n);
                for (int i = 0; i < x.length; i++) {
                    x[i] = (image[i] & 0xFF) / 255.0 - mean[i];
                }
                for (int f = 0; f < filters; f++) {
                    double scale = gamma[f] / Math.sqrt(runningVar[f] + Network.BN_EPSILON);
                    for (int y = 0; y < side; y++) {
                        for (int xx = 0; xx < side; xx++) {
                            double response = 0;
                            for (int c = 0; c < 3; c++) {
                                for (int dy = -1; dy <= 1; dy++) {
                                    for (int dx = -1; dx <= 1; dx++) {
                                        int yy = y + dy;
                                        int xs = xx + dx;
                                        if (yy >= 0 && yy < side && xs >= 0 && xs < side) {
                                            response +=
                                                    weight[((f * 3 + c) * 3 + dy + 1) * 3 + dx + 1]
                                                            * x[c * plane + yy * side + xs];
                                        }
                                    }
                                }
                            }
                            double bn = (response - runningMean[f]) * scale + beta[f];
                            sum += bn;
                            squares += bn * bn;
                            count++;
                        }
                    }
                }
            }
            double average = sum / count;
            return Math.sqrt(squares / count - average * average);
        }
    }

    @Test
    void theSameModelTwiceIsLabelledApart() throws IOException {
        Path out = dir.resolve("twice");
        Path file = Checkpoint.resolve(run);

        Outcome outcome =
                run(
                        "--checkpoint",
                        run.toString(),
                        "--checkpoint",
                        file.toString(),
                        "--data",
                        data.toString(),
                        "--out",
                        out.toString());

        assertThat(outcome.status()).isZero();
        List<String> models = new ArrayList<>();
        Files.readAllLines(out.resolve("responses.csv")).stream()
                .skip(1)
                .forEach(l -> models.add(l.split(",")[0]));
        assertThat(models).hasSize(14).containsOnly("resnet8", "resnet8 (2)");
    }

    @Test
    void missingCheckpointIsAnIoError() {
        Outcome outcome =
                run(
                        "--checkpoint",
                        dir.resolve("nowhere").toString(),
                        "--data",
                        data.toString(),
                        "--out",
                        dir.resolve("x").toString());

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.thrown())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("nowhere");
    }

    @Test
    void corruptCheckpointIsAnIoError() throws IOException {
        Path bad = dir.resolve("ckpt-00000001.zip");
        Files.writeString(bad, "not a zip");

        Outcome outcome =
                run(
                        "--checkpoint",
                        bad.toString(),
                        "--data",
                        data.toString(),
                        "--out",
                        dir.resolve("y").toString());

        assertThat(outcome.thrown())
                .isInstanceOf(IOException.class)
                .hasMessageContaining(bad.toString());
    }

    @Test
    void dataDirectoryWithoutCifarIsAnIoError() {
        Outcome outcome =
                run(
                        "--checkpoint",
                        run.toString(),
                        "--data",
                        dir.resolve("run").toString(),
                        "--out",
                        dir.resolve("z").toString());

        assertThat(outcome.thrown())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("CIFAR-10");
    }

    @Test
    void noCheckpointIsAUsageError() {
        Outcome outcome = run("--data", data.toString(), "--out", dir.resolve("w").toString());

        assertThat(outcome.status()).isEqualTo(2);
        assertThat(outcome.err()).contains("Missing required option: '--checkpoint=PATH'");
    }
}
