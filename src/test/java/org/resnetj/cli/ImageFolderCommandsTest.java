package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.data.ImageFolderFiles;
import org.resnetj.data.Preprocessing;
import org.resnetj.interop.TorchvisionImport;
import org.resnetj.interop.TorchvisionStateDicts;
import org.resnetj.train.Checkpoint;
import org.resnetj.train.LoadedModel;
import org.resnetj.train.RunConfig;

/**
 * ImageNet-style training and evaluation end to end, as a user runs them: a short run of resnet18
 * on a tiny image folder (JPEGs of several modes and sizes, one unreadable file skipped), then
 * every testing protocol and an ensemble on its val/ split.
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
        CommandRun trained = run("train", "--data", folder.toString(), "--model", "resnet18", "--iterations", "2",
                "--batch", "4", "--threads", "2", "--bad-images", "skip", "--out", run.toString(),
                "--set", "log_every=1", "--set", "eval_every=2", "--set", "checkpoint_every=2");
        assertThat(trained.status()).as("train failed: %s", trained.err()).isZero();
        assertThat(trained.out()).contains("found image folder ").contains(": 3 classes, 8 training images, 2 val images");
    }

    @Test
    void trainingUsesThePapersImageNetRecipeAndRecordsWhatEvaluationNeeds() throws Exception {
        RunConfig config = RunConfig.read(run);
        assertThat(config.options().classes()).isEqualTo(3);
        assertThat(config.recipe().lrPolicy()).isEqualTo("plateau");
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
        assertThat(lastTrain.get("skipped_images").asLong()).as("the garbage file is skipped and counted").isPositive();
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
    void everyProtocolReportsOneJsonObjectAndAnEnsembleOfOneModelTwiceEqualsTheModel() throws Exception {
        CommandRun single = run("eval", "--checkpoint", run.toString(), "--data", folder.toString(), "--protocol", "all", "--json");
        assertThat(single.status()).as("eval failed: %s", single.err()).isZero();
        List<String> lines = single.out().strip().lines().toList();
        assertThat(lines).hasSize(3);
        ObjectMapper json = new ObjectMapper();
        List<String> protocols = lines.stream().map(l -> readTree(json, l).get("protocol").asText()).toList();
        assertThat(protocols).containsExactly("center", "10-crop", "multi-scale");
        for (String line : lines) {
            JsonNode row = readTree(json, line);
            assertThat(row.get("images").asInt()).isEqualTo(2);
            assertThat(row.get("top1_error").asDouble()).isBetween(0.0, 1.0);
            assertThat(row.get("top5_error").asDouble()).isZero(); // 3 classes: the true one is always in the top 5
        }
        CommandRun twice = run("eval", "--checkpoint", run.toString(), "--checkpoint", run.toString(),
                "--data", folder.toString(), "--protocol", "10-crop", "--json");
        assertThat(twice.status()).as("eval failed: %s", twice.err()).isZero();
        JsonNode ensemble = readTree(json, twice.out().strip());
        assertThat(ensemble.get("top1_error").asDouble()).isEqualTo(readTree(json, lines.get(1)).get("top1_error").asDouble());
        assertThat(ensemble.get("checkpoints")).hasSize(2);
    }

    @Test
    void importedTorchvisionWeightsEvaluateWithTheirOwnPreprocessingAloneAndInAnEnsemble() throws Exception {
        Path pth = dir.resolve("tv.pth");
        TorchvisionStateDicts.writePth(pth, "resnet18", 3, 7);
        Path imported = dir.resolve("tv.zip");
        TorchvisionImport.run(pth, "resnet18", null, imported);
        CommandRun alone = run("eval", "--checkpoint", imported.toString(), "--data", folder.toString(), "--json");
        assertThat(alone.status()).as("eval failed: %s", alone.err()).isZero();
        assertThat(new ObjectMapper().readTree(alone.out()).get("images").asInt()).isEqualTo(2);
        CommandRun mixed = run("eval", "--checkpoint", imported.toString(), "--checkpoint", run.toString(),
                "--data", folder.toString(), "--protocol", "multi-scale", "--json");
        assertThat(mixed.status()).as("eval failed: %s", mixed.err()).isZero();
        assertThat(new ObjectMapper().readTree(mixed.out()).get("checkpoints")).hasSize(2);
    }

    @Test
    void mismatchedNetsAndFlagsGetOneLineErrors() {
        CommandRun cifarNet = run("train", "--data", folder.toString(), "--model", "resnet20", "--out", dir.resolve("x").toString());
        assertThat(cifarNet.status()).isNotZero();
        assertThat(cifarNet.err().strip()).contains("image folder").contains("resnet20 is a CIFAR-10 net").doesNotContain("\n");
        CommandRun protocol = run("eval", "--checkpoint", run.toString(), "--data", folder.toString(), "--protocol", "5-crop");
        assertThat(protocol.status()).isNotZero();
        assertThat(protocol.err()).contains("5-crop").contains("center, 10-crop, multi-scale");
        CommandRun policy = run("eval", "--checkpoint", run.toString(), "--data", folder.toString(), "--bad-images", "maybe");
        assertThat(policy.err()).contains("--bad-images must be stop or skip");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    private static JsonNode readTree(ObjectMapper json, String line) {
        try {
            return json.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
