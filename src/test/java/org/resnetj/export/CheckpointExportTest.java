package org.resnetj.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.train.Setup;
import org.resnetj.train.Trainer;

/**
 * The path {@code resnet export} takes: a checkpoint of a short run becomes an ONNX model whose
 * logits are the checkpoint's and whose metadata carries the preprocessing; missing or corrupt
 * checkpoints and unwritable outputs are refused with one line naming them.
 */
class CheckpointExportTest {

    @TempDir static Path dir;
    static Path run;

    @BeforeAll
    static void trainBriefly() throws IOException {
        Path data = dir.resolve("data");
        SyntheticCifar.write(data, 640, 100, 3);
        run = dir.resolve("run");
        List<String> recipe =
                List.of(
                        "batch=16",
                        "iterations=2",
                        "log_every=1",
                        "eval_every=0",
                        "checkpoint_every=2",
                        "threads=2",
                        "seed=7");
        Trainer.start(
                "resnet8",
                ModelRegistry.get("resnet8").defaults(),
                data,
                Setup.cifar10().with(recipe),
                run);
    }

    @Test
    void exportedCheckpointGivesItsLogitsAndRecordsItsPreprocessing() throws Exception {
        Path onnx = dir.resolve("resnet8.onnx");
        CheckpointExport.Result result =
                CheckpointExport.write(run, onnx, OnnxExport.Settings.defaults());
        assertThat(result.model()).isEqualTo("resnet8");
        assertThat(result.checkpoint()).isEqualTo(Checkpoint.resolve(run));
        assertThat(result.synthetic()).isTrue();
        assertThat(result.input()).isEqualTo("input: float32 [batch, 3, 32, 32], RGB, NCHW");
        try (NDManager manager = NDManager.newBaseManager();
                LoadedModel model = LoadedModel.load(result.checkpoint(), manager);
                OrtSession session = OnnxExportTest.session(onnx)) {
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            assertThat(meta)
                    .containsEntry("model", "resnet8")
                    .containsEntry("shortcut", "A")
                    .containsEntry("pixel_mean_shape", "3,32,32")
                    .containsEntry("checkpoint", result.checkpoint().getFileName().toString())
                    .containsEntry("iteration", "2");
            assertThat(meta.get("preprocessing")).startsWith("per_pixel_mean");
            assertThat(meta.get("trained_on")).startsWith("synthetic");
            float[] mean = new ObjectMapper().readValue(meta.get("pixel_mean"), float[].class);
            assertThat(mean).containsExactly(model.pixelMean());
            for (int batch : new int[] {1, 3}) {
                assertThat(
                                OnnxExportTest.maxAbsDifference(
                                        model.classifier(), session, batch, 32, 10))
                        .isLessThan(OnnxExportTest.TOLERANCE);
            }
        }
    }

    @Test
    void missingOrCorruptCheckpointIsOneLineNamingIt() throws IOException {
        Path onnx = dir.resolve("out.onnx");
        Path missing = dir.resolve("no-such-checkpoint.zip");
        assertThatThrownBy(
                        () -> CheckpointExport.write(missing, onnx, OnnxExport.Settings.defaults()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("no such checkpoint");
        Path corrupt = dir.resolve("corrupt.zip");
        Files.writeString(corrupt, "not a zip");
        Files.writeString(onnx, "an earlier export");
        assertThatThrownBy(
                        () -> CheckpointExport.write(corrupt, onnx, OnnxExport.Settings.defaults()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("not a readable resnetj checkpoint: " + corrupt);
        assertThat(onnx).hasContent("an earlier export");
        assertThat(onnx.resolveSibling("out.onnx.tmp")).doesNotExist();
    }

    @Test
    void checkpointWhoseArraysDoNotFitItsModelIsRefusedNamingTheArray() throws IOException {
        Path mislabelled = dir.resolve("mislabelled.zip");
        try (NDManager manager = NDManager.newBaseManager();
                LoadedModel resnet8 = LoadedModel.loadNetwork(Checkpoint.resolve(run), manager)) {
            ModelOptions options = ModelRegistry.get("resnet20").defaults();
            Map<String, NDArray> arrays =
                    new LinkedHashMap<>(OnnxExport.weights(resnet8.network()));
            arrays.put(
                    "preprocess.pixel_mean",
                    manager.create(resnet8.pixelMean(), new Shape(3, 32, 32)));
            Checkpoint.write(
                    mislabelled,
                    Map.of("model", "resnet20", "options", Checkpoint.optionsMap(options)),
                    arrays,
                    Map.of());
        }
        assertThatThrownBy(
                        () ->
                                CheckpointExport.write(
                                        mislabelled,
                                        dir.resolve("m.onnx"),
                                        OnnxExport.Settings.defaults()))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "checkpoint "
                                + mislabelled
                                + " does not fit resnet20: no array conv2_2.branch2a.weight");
        assertThat(dir.resolve("m.onnx")).doesNotExist();
    }

    @Test
    void unwritableOutputIsRefusedBeforeTheCheckpointIsRead() {
        Path onnx = dir.resolve("missing-dir").resolve("m.onnx");
        assertThatThrownBy(() -> CheckpointExport.write(run, onnx, OnnxExport.Settings.defaults()))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot write " + onnx + ": no such directory " + onnx.getParent());
        assertThatThrownBy(
                        () ->
                                CheckpointExport.write(
                                        dir.resolve("absent"),
                                        onnx,
                                        OnnxExport.Settings.defaults()))
                .hasMessageStartingWith("cannot write " + onnx);
    }
}
