package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.ImagePresets;
import org.resnetj.data.RgbImage;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.data.TestImages;
import org.resnetj.interop.TorchvisionImport;
import org.resnetj.interop.TorchvisionStateDicts;
import org.resnetj.model.ModelRegistry;
import org.resnetj.testing.Softmax;
import org.resnetj.train.Setup;
import org.resnetj.train.Trainer;
import picocli.CommandLine;

/**
 * {@code resnet classify} end to end: an imported torchvision resnet18 with three classes on PNG,
 * grayscale JPEG and CMYK JPEG files, and a CIFAR-10 checkpoint of our training.
 */
class ClassifyCommandTest {

    @TempDir static Path dir;
    static Path imported;
    static Path labels;
    static Path rgb;
    static Path gray;
    static Path cmyk;
    static Path broken;

    /** What one call returned, printed and threw. */
    private record Outcome(int status, String out, String err, Exception thrown) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    @BeforeAll
    static void checkpointAndImages() throws IOException {
        Main.offline();
        Path pth = dir.resolve("resnet18.pth");
        TorchvisionStateDicts.writePth(pth, "resnet18", 3, 42);
        imported = dir.resolve("resnet18.zip");
        TorchvisionImport.run(pth, "resnet18", null, imported);
        labels = dir.resolve("labels.txt");
        Files.writeString(labels, "tabby cat\ngolden retriever\nespresso\n\n");
        rgb = TestImages.rgbPng(dir.resolve("rgb.png"), 320, 240, 1);
        gray = TestImages.grayJpeg(dir.resolve("gray.jpg"), 200, 260, 2);
        cmyk = TestImages.cmykJpeg(dir.resolve("cmyk.jpg"));
        broken = dir.resolve("broken.jpg");
        Files.write(broken, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00, 0x12});
    }

    private static Outcome run(String... args) {
        AtomicReference<Exception> thrown = new AtomicReference<>();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ClassifyCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler(
                (e, command, parsed) -> {
                    thrown.set(e);
                    return 1;
                });
        int status = cli.execute(args);
        return new Outcome(status, out.toString(), err.toString(), thrown.get());
    }

    @Test
    void printsTheTopClassesOfEveryReadableImageAndReportsTheOthersByPath() {
        Path missing = dir.resolve("missing.png");

        Outcome outcome =
                run(
                        "--checkpoint",
                        imported.toString(),
                        "--labels",
                        labels.toString(),
                        "--top",
                        "2",
                        rgb.toString(),
                        broken.toString(),
                        gray.toString(),
                        missing.toString(),
                        cmyk.toString());

        assertThat(outcome.thrown()).isNull();
        assertThat(outcome.status()).as("an image failed").isEqualTo(1);
        assertThat(outcome.errLines()).hasSize(2);
        assertThat(outcome.errLines().get(0)).startsWith("error: ").contains(broken.toString());
        assertThat(outcome.errLines().get(1)).startsWith("error: ").contains(missing.toString());
        List<String> lines = outcome.out().lines().toList();
        assertThat(lines).hasSize(9);
        assertThat(lines.get(0)).isEqualTo(rgb.toString());
        assertThat(lines.get(3)).isEqualTo(gray.toString());
        assertThat(lines.get(6)).isEqualTo(cmyk.toString());
        for (int image = 0; image < 3; image++) {
            double first = probability(lines.get(3 * image + 1));
            double second = probability(lines.get(3 * image + 2));
            assertThat(first).isGreaterThanOrEqualTo(second).isLessThanOrEqualTo(1);
            assertThat(second).isGreaterThanOrEqualTo(0);
            assertThat(lines.get(3 * image + 1))
                    .matches("  \\d\\.\\d{4}  (tabby cat|golden retriever|espresso) \\([012]\\)");
        }
    }

    private static double probability(String line) {
        return Double.parseDouble(line.strip().split("\\s+")[0]);
    }

    @Test
    void jsonGivesEveryImageWithProbabilitiesThatMatchTheNetwork() throws Exception {
        Outcome outcome =
                run(
                        "--checkpoint",
                        imported.toString(),
                        "--top",
                        "3",
                        "--json",
                        rgb.toString(),
                        broken.toString());

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.out().strip().lines()).hasSize(1);
        JsonNode doc = new ObjectMapper().readTree(outcome.out());
        assertThat(doc.get("preprocessing").asText()).isEqualTo("torchvision");
        JsonNode images = doc.get("images");
        assertThat(images).hasSize(2);
        assertThat(images.get(1).get("image").asText()).isEqualTo(broken.toString());
        assertThat(images.get(1).get("error").asText()).contains("broken.jpg");
        JsonNode top = images.get(0).get("top");
        assertThat(top).hasSize(3);
        double sum = 0;
        for (JsonNode entry : top) {
            sum += entry.get("probability").asDouble();
        }
        assertThat(sum).isCloseTo(1.0, within(1e-9));

        // The same image through the checkpoint's own preprocessing and network.
        List<Float> logits = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager();
                LoadedModel model = LoadedModel.load(imported, manager)) {
            float[] x = model.preprocessing().input(RgbImage.read(rgb));
            for (float v :
                    model.classifier()
                            .logits(manager.create(x, new Shape(1, 3, 224, 224)))
                            .toFloatArray()) {
                logits.add(v);
            }
        }
        int best = logits.indexOf(logits.stream().max(Float::compare).orElseThrow());
        assertThat(top.get(0).get("class").asInt()).isEqualTo(best);
        double z = logits.stream().mapToDouble(v -> Math.exp(v - logits.get(best))).sum();
        assertThat(top.get(0).get("probability").asDouble()).isCloseTo(1 / z, within(1e-6));
    }

    /**
     * Every class's probability is the softmax, computed here, of the network's logits for the
     * image resized to 32×32 minus the checkpoint's per-pixel mean, in decreasing order.
     */
    @Test
    void aCifarCheckpointClassifiesImagesResizedTo32x32MinusItsPixelMean() throws IOException {
        Path data = dir.resolve("cifar");
        SyntheticCifar.write(data, 100, 40, 1);
        Path runDir = dir.resolve("run");
        Trainer.start(
                "resnet8",
                ModelRegistry.get("resnet8").defaults(),
                data,
                Setup.cifar10()
                        .with(
                                List.of(
                                        "batch=16",
                                        "iterations=2",
                                        "log_every=1",
                                        "eval_every=0",
                                        "checkpoint_every=2",
                                        "threads=2")),
                runDir);

        Outcome outcome =
                run(
                        "--checkpoint",
                        runDir.toString(),
                        "--top",
                        "10",
                        "--json",
                        rgb.toString(),
                        cmyk.toString());

        assertThat(outcome.status()).as(outcome.err()).isZero();
        JsonNode doc = new ObjectMapper().readTree(outcome.out());
        assertThat(doc.get("preprocessing").asText()).isEqualTo("per_pixel_mean");
        assertThat(doc.get("checkpoint").asText()).isEqualTo(Checkpoint.resolve(runDir).toString());
        List<Path> files = List.of(rgb, cmyk);
        try (NDManager manager = NDManager.newBaseManager();
                LoadedModel model = LoadedModel.load(Checkpoint.resolve(runDir), manager)) {
            float[] mean = model.pixelMean();
            for (int i = 0; i < files.size(); i++) {
                float[] x = ImagePresets.cifarView(RgbImage.read(files.get(i)));
                for (int k = 0; k < x.length; k++) {
                    x[k] -= mean[k];
                }
                double[] p =
                        Softmax.of(
                                model.classifier()
                                        .logits(manager.create(x, new Shape(1, 3, 32, 32)))
                                        .toFloatArray());
                JsonNode top = doc.get("images").get(i).get("top");
                assertThat(doc.get("images").get(i).get("image").asText())
                        .isEqualTo(files.get(i).toString());
                assertThat(top).hasSize(10);
                Set<Integer> classes = new HashSet<>();
                double previous = 1;
                for (JsonNode entry : top) {
                    int c = entry.get("class").asInt();
                    double probability = entry.get("probability").asDouble();
                    assertThat(probability)
                            .as("class %d of %s", c, files.get(i))
                            .isCloseTo(p[c], within(1e-6));
                    assertThat(probability).as("in decreasing order").isLessThanOrEqualTo(previous);
                    previous = probability;
                    classes.add(c);
                }
                assertThat(classes).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            }
        }
    }

    @Test
    void labelsThatDoNotCountTheClassesAreRefused() throws IOException {
        Path two = dir.resolve("two.txt");
        Files.writeString(two, "cat\ndog\n");

        Outcome outcome =
                run(
                        "--checkpoint",
                        imported.toString(),
                        "--labels",
                        two.toString(),
                        rgb.toString());

        assertThat(outcome.thrown())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two.txt names 2 classes, the checkpoint has 3");
    }

    @Test
    void topMustBePositive() {
        assertThat(run("--checkpoint", imported.toString(), "--top", "0", rgb.toString()).thrown())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--top must be at least 1");
    }
}
